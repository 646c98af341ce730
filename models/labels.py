"""Churn and fraud labels at feature snapshots (DATA_CONTRACT.md, Semantics).

Input ``keys``: one row per (``subscriber_id``, ``snapshot_date`` S). Output: the same rows
plus ``label`` (int, 1 = positive). Only outcome rows known at ``as_of`` count, so a
training set built as of D never changes when later outcomes arrive.

- Churn at S: a churn event with ``event_date`` in (S, S + horizon].
- Fraud at S: a ``confirmed`` case with ``first_seen_date`` <= S and
  ``confirmed_date`` >= S - window; ``false_positive`` cases are negatives.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

KEYS = ["subscriber_id", "snapshot_date"]


def churn_label_definition(horizon_days: int) -> str:
    return f"churn event (any churn_type) with event_date in (S, S + {horizon_days} days] of snapshot S"


def fraud_label_definition(window_days: int, maturity_days: int) -> str:
    return (
        f"confirmed fraud case with first_seen_date <= S and confirmed_date >= S - {window_days} days "
        f"(false_positive dispositions are negatives; labels read {maturity_days} days after S)"
    )


def _label_from_matches(keys: DataFrame, matches: DataFrame) -> DataFrame:
    """``keys`` + ``label``: 1 where ``matches`` (KEYS rows) holds the key, else 0."""
    positives = matches.select(*KEYS).distinct().withColumn("label", F.lit(1))
    return keys.join(positives, KEYS, "left").withColumn("label", F.coalesce("label", F.lit(0)).cast("int"))


def churn_labels(keys: DataFrame, churn_events: DataFrame, horizon_days: int, as_of: dt.date) -> DataFrame:
    """``keys`` + ``label``: a churn event in (S, S + horizon_days], known at ``as_of``."""
    events = churn_events.where(F.col("event_date") <= F.lit(as_of)).select("subscriber_id", "event_date")
    within: Column = (F.col("event_date") > F.col("snapshot_date")) & (
        F.col("event_date") <= F.date_add(F.col("snapshot_date"), horizon_days)
    )
    matches = keys.select(*KEYS).join(events, "subscriber_id").where(within)
    return _label_from_matches(keys, matches)


def exclude_churned_before_snapshot(keys: DataFrame, churn_events: DataFrame) -> DataFrame:
    """``keys`` without subscribers that churned on or before their snapshot date.

    They are no longer active at S, so they are never scored; keeping them would teach
    the churn model that a departed subscriber does not churn.
    """
    gone = churn_events.groupBy("subscriber_id").agg(F.min("event_date").alias("_first_churn"))
    return (
        keys.join(gone, "subscriber_id", "left")
        .where(F.col("_first_churn").isNull() | (F.col("_first_churn") > F.col("snapshot_date")))
        .drop("_first_churn")
    )


def fraud_labels(keys: DataFrame, fraud_cases: DataFrame, window_days: int, as_of: dt.date) -> DataFrame:
    """``keys`` + ``label``: a confirmed case first seen by S and confirmed on or after
    S - window_days, known (confirmed) at ``as_of``."""
    cases = fraud_cases.where(
        (F.col("disposition") == "confirmed") & (F.col("confirmed_date") <= F.lit(as_of))
    ).select("subscriber_id", "first_seen_date", "confirmed_date")
    within: Column = (F.col("first_seen_date") <= F.col("snapshot_date")) & (
        F.col("confirmed_date") >= F.date_sub(F.col("snapshot_date"), window_days)
    )
    matches = keys.select(*KEYS).join(cases, "subscriber_id").where(within)
    return _label_from_matches(keys, matches)
