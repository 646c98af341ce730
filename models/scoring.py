"""Batch scoring of feature rows with the churn and fraud bundles, in one Arrow pass.

``score_features(df, bundles, keep)``: ``df`` holds the bundles' feature columns (raw, as in
``silver.subscriber_features``) and the ``keep`` columns. Output: the ``keep`` columns plus,
per model m in (churn, fraud), ``m_score`` (calibrated probability, double), ``m_band``
(high | medium | low) and ``m_reasons`` (top 3 reason codes, ``;``-joined, most important
first, empty when no feature raises the risk). A model without a bundle gets null columns.

``score_frame(df, bundle, keep)``: one bundle's probability (and band) per row, for
training evaluation and the monitoring reference.

Inference and reason codes run per Arrow batch (``mapInPandas``) over the booster; the
bundles travel to the executors inside the pickled batch function.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from models.bundle import ScoringBundle
from telco_risk.config import MODELS

TOP_REASONS = 3  # the contract's "top 3 reason codes"

Bundles = Mapping[str, ScoringBundle | None]


def score_columns(model: str) -> list[str]:
    return [f"{model}_score", f"{model}_band", f"{model}_reasons"]


def output_fields(model: str) -> list[T.StructField]:
    score, band, reasons = score_columns(model)
    return [
        T.StructField(score, T.DoubleType()),
        T.StructField(band, T.StringType()),
        T.StructField(reasons, T.StringType()),
    ]


def missing_features(columns: list[str], bundles: Bundles) -> dict[str, list[str]]:
    """Per model, the bundle's feature columns that ``columns`` lacks (only models that miss some)."""
    present = set(columns)
    out = {}
    for model, bundle in bundles.items():
        if bundle is not None:
            missing = [c for c in bundle.feature_columns if c not in present]
            if missing:
                out[model] = missing
    return out


def score_batch(
    pdf: pd.DataFrame, bundles: Bundles, keep: list[str], n_reasons: int = TOP_REASONS
) -> pd.DataFrame:
    """One pandas batch: the ``keep`` columns plus score, band and reasons of each model."""
    out = pdf[keep].reset_index(drop=True)
    rows = pdf.reset_index(drop=True)
    for model in MODELS:
        score, band, reasons = score_columns(model)
        bundle = bundles.get(model)
        if bundle is None or rows.empty:
            out[score] = np.nan  # null in Spark
            out[band] = None
            out[reasons] = None
            continue
        probabilities = np.asarray(bundle.predict(rows), dtype=np.float64)
        out[score] = probabilities
        out[band] = pd.Series(bundle.band(probabilities), dtype=object)
        out[reasons] = bundle.top_reasons(rows, n_reasons).astype(object)
    return out


def _threads_per_task(bundles: Bundles) -> dict[str, ScoringBundle | None]:
    """Spark already runs one task per core: XGBoost gets the task's cores (``spark.task.cpus``),
    not the whole machine, so tasks do not oversubscribe it."""
    from pyspark import TaskContext

    context = TaskContext.get()
    threads = context.cpus() if context is not None else 1
    for bundle in bundles.values():
        if bundle is not None:
            bundle.booster.set_param({"nthread": threads})
    return dict(bundles)


def score_features(
    df: DataFrame, bundles: Bundles, keep: list[str], n_reasons: int = TOP_REASONS
) -> DataFrame:
    """``df`` -> ``keep`` + churn_/fraud_ score, band, reasons (see the module docstring)."""
    if all(b is None for b in bundles.values()):
        raise ValueError("no model to score with: every bundle is None")
    needed = list(keep)
    for bundle in bundles.values():
        if bundle is not None:
            needed += bundle.feature_columns
    columns = list(dict.fromkeys(needed))
    schema = T.StructType(
        [*(df.schema[c] for c in keep), *(f for model in MODELS for f in output_fields(model))]
    )
    # The boosters travel inside the pickled function (Spark broadcasts a large one itself;
    # a Spark Connect client has no broadcast variables).
    shared = {m: bundles.get(m) for m in MODELS}

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        local = _threads_per_task(shared)
        for pdf in batches:
            yield score_batch(pdf, local, keep, n_reasons)

    return df.select(*columns).mapInPandas(predict, schema)


def score_frame(
    df: DataFrame, bundle: ScoringBundle, keep: list[str], calibrated: bool = True, with_band: bool = False
) -> DataFrame:
    """``keep`` plus ``score`` (double): the calibrated probability, or the booster's raw one
    with ``calibrated=False``; with ``with_band`` also ``band``, the bundle's risk band."""
    columns = list(dict.fromkeys([*keep, *bundle.feature_columns]))
    fields = [*(df.schema[c] for c in keep), T.StructField("score", T.DoubleType())]
    if with_band:
        fields.append(T.StructField("band", T.StringType()))

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            scores = bundle.predict(pdf) if calibrated else bundle.raw_scores(pdf)
            out = pdf[keep].copy()
            out["score"] = np.asarray(scores, dtype=np.float64)
            if with_band:
                out["band"] = pd.Series(bundle.band(out["score"].to_numpy()), dtype=object, index=out.index)
            yield out

    return df.select(*columns).mapInPandas(predict, T.StructType(fields))
