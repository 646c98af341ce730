"""Realised performance: the scores of an earlier date against the labels that arrived since.

Monitoring date D looks back at score date S = D - delay, the first date whose labels are
complete at D: churn ``horizon_days`` (a churn event in (S, S + horizon]), fraud
``maturity_days`` (cases confirmed by S + maturity). Labels come from
``models.labels`` as known at S + delay, so monitoring D twice, or in a range, gives the
same result.

``realised_counts`` output, one row per (``model``, ``label_date`` S, ``fine_bin``,
``high``): ``rows``, ``positives``, ``score_sum``; ``fine_bin`` = floor(score x
``SCORE_BINS``), ``high``: the row's band is high. One aggregation for every model
and date; ``models.monitoring.performance`` turns the counts into metrics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import reduce
from typing import Any

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from models.labels import churn_labels, fraud_labels
from models.monitoring.performance import SCORE_BINS, Realised, realised
from models.risk_bands import HIGH

COUNT_COLUMNS = ("model", "label_date", "fine_bin", "high", "rows", "positives", "score_sum")


def label_dates(days: Iterable[dt.date], delay_days: int) -> dict[dt.date, dt.date]:
    """Monitoring date -> the score date whose labels are complete on it."""
    return {d: d - dt.timedelta(days=delay_days) for d in days}


def labelled_scores(
    scores: DataFrame,
    model: str,
    outcomes: DataFrame,
    label_dates: list[dt.date],
    delay_days: int,
    window_days: int,
) -> DataFrame:
    """Gold rows of ``label_dates`` (``subscriber_id``, ``{model}_score``, ``{model}_band``)
    as ``snapshot_date``, ``score``, ``band`` with ``label`` as known ``delay_days`` after
    each date; ``window_days``: the churn horizon or the fraud window."""
    keys = (
        scores.where(F.col("score_date").isin(label_dates))
        .where(F.col(f"{model}_score").isNotNull())
        .select(
            "subscriber_id",
            F.col("score_date").alias("snapshot_date"),
            F.col(f"{model}_score").alias("score"),
            F.col(f"{model}_band").alias("band"),
        )
    )
    if model == "churn":
        # A churn label at S only reads events up to S + horizon (= S + delay), so one
        # call known at the last date + delay labels every date as it was known then.
        return churn_labels(keys, outcomes, window_days, max(label_dates) + dt.timedelta(days=delay_days))
    # Fraud labels read every case confirmed by the as-of date: one call per score date.
    frames = [
        fraud_labels(
            keys.where(F.col("snapshot_date") == F.lit(s)),
            outcomes,
            window_days,
            s + dt.timedelta(days=delay_days),
        )
        for s in sorted(set(label_dates))
    ]
    return reduce(DataFrame.unionByName, frames)


def realised_counts(labelled: list[tuple[str, DataFrame]]) -> DataFrame | None:
    """(model, labelled scores) pairs -> the counts of the module doc, in one aggregation."""
    if not labelled:
        return None
    frames = [df.withColumn("model", F.lit(model)) for model, df in labelled]
    rows = reduce(DataFrame.unionByName, frames)
    return rows.groupBy(
        "model",
        F.col("snapshot_date").alias("label_date"),
        F.floor(F.col("score") * F.lit(SCORE_BINS)).cast("long").alias("fine_bin"),
        (F.col("band") == F.lit(HIGH)).alias("high"),
    ).agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum("label").cast("long").alias("positives"),
        F.sum("score").alias("score_sum"),
    )


def metrics_from_counts(rows: Iterable[Any], ece_bins: int) -> dict[tuple[str, dt.date], Realised]:
    """Collected ``realised_counts`` rows -> {(model, label_date): Realised}."""
    grouped: dict[tuple[str, dt.date], list[Any]] = {}
    for r in rows:
        grouped.setdefault((r["model"], r["label_date"]), []).append(r)
    out = {}
    for key, part in grouped.items():
        high = [r for r in part if r["high"]]
        out[key] = realised(
            np.asarray([r["fine_bin"] for r in part], dtype=np.int64),
            np.asarray([r["rows"] for r in part], dtype=np.float64),
            np.asarray([r["positives"] for r in part], dtype=np.float64),
            np.asarray([r["score_sum"] for r in part], dtype=np.float64),
            high_rows=sum(int(r["rows"]) for r in high),
            high_positives=sum(int(r["positives"]) for r in high),
            ece_bins=ece_bins,
        )
    return out
