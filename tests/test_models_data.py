"""Labels, snapshot selection, split and encoding on hand-made data."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from chispa import assert_df_equality

from models.encoding import encode_pandas, encode_spark, fit_category_maps
from models.errors import NoEligibleSnapshotError, NoPositiveLabelsError, TooFewRowsError
from models.labels import churn_labels, exclude_churned_before_snapshot, fraud_labels
from models.snapshots import select_snapshots
from models.split import plan_split, with_split
from models.training_set import SplitCounts, check_counts

S = dt.date(2026, 1, 10)
S2 = dt.date(2026, 1, 17)
KEYS_SCHEMA = "subscriber_id string, snapshot_date date"
LABELLED_SCHEMA = "subscriber_id string, snapshot_date date, label int"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_churn_label_window_is_open_at_the_snapshot_and_closed_at_the_horizon(spark):
    keys = spark.createDataFrame([("a", S), ("b", S), ("c", S), ("d", S), ("e", S), ("a", S2)], KEYS_SCHEMA)
    events = spark.createDataFrame(
        [
            ("a", d("2026-02-09"), "port_out"),  # S + 30: inside
            ("b", d("2026-02-10"), "cancellation"),  # S + 31: one day after the horizon
            ("c", d("2026-01-11"), "port_out"),  # S + 1
            ("d", d("2026-01-10"), "port_out"),  # on S itself: not after S
        ],
        "subscriber_id string, event_date date, churn_type string",
    )
    expected = spark.createDataFrame(
        [("a", S, 1), ("b", S, 0), ("c", S, 1), ("d", S, 0), ("e", S, 0), ("a", S2, 1)], LABELLED_SCHEMA
    )
    assert_df_equality(
        churn_labels(keys, events, 30, d("2026-02-16")), expected, ignore_row_order=True, ignore_nullable=True
    )

    # As of 2026-01-20 the churn on 2026-02-09 is not known yet.
    early = churn_labels(keys, events, 30, d("2026-01-20")).where("subscriber_id = 'a'")
    assert {(r.snapshot_date, r.label) for r in early.collect()} == {(S, 0), (S2, 0)}

    # Subscribers already gone at their snapshot leave the population.
    active = exclude_churned_before_snapshot(keys, events)
    assert sorted((r.subscriber_id, r.snapshot_date) for r in active.collect()) == [
        ("a", S),
        ("a", S2),
        ("b", S),
        ("c", S),
        ("e", S),
    ]


def test_fraud_label_needs_a_confirmed_case_first_seen_by_s_and_confirmed_within_the_window(spark):
    keys = spark.createDataFrame([(k, S) for k in "pqrstuvw"], KEYS_SCHEMA)
    cases = spark.createDataFrame(
        [
            ("1", "p", "simbox", d("2026-01-05"), d("2026-01-12"), "confirmed"),  # positive
            ("2", "q", "simbox", d("2026-01-05"), d("2026-01-12"), "false_positive"),  # negative
            ("3", "r", "irsf", d("2025-12-20"), d("2026-01-02"), "confirmed"),  # confirmed S - 8: negative
            ("4", "s", "irsf", d("2025-12-20"), d("2026-01-03"), "confirmed"),  # confirmed S - 7: positive
            ("5", "t", "wangiri", d("2026-01-11"), d("2026-01-12"), "confirmed"),  # first seen after S
            ("6", "u", "other", d("2026-01-01"), d("2026-02-01"), "confirmed"),  # confirmed after as-of
            ("7", "v", "simbox", d("2026-01-08"), d("2026-01-09"), "false_positive"),
            ("8", "v", "simbox", d("2026-01-09"), d("2026-01-15"), "confirmed"),  # one confirmed case wins
        ],
        "case_id string, subscriber_id string, fraud_type string, first_seen_date date, confirmed_date date,"
        " disposition string",
    )
    expected = spark.createDataFrame(
        [
            ("p", S, 1),
            ("q", S, 0),
            ("r", S, 0),
            ("s", S, 1),
            ("t", S, 0),
            ("u", S, 0),
            ("v", S, 1),
            ("w", S, 0),
        ],
        LABELLED_SCHEMA,
    )
    assert_df_equality(
        fraud_labels(keys, cases, 7, d("2026-01-24")), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_select_snapshots_keeps_only_elapsed_labels_spaced_apart():
    daily = [d("2026-01-01") + dt.timedelta(days=i) for i in range(31)]
    # labels need 30 days: cut-off 2026-01-21; every 7 days back from it
    assert select_snapshots(daily, d("2026-02-20"), 30, 3, 7) == [
        d("2026-01-07"),
        d("2026-01-14"),
        d("2026-01-21"),
    ]
    assert select_snapshots(daily, d("2026-02-20"), 30, 1, 7) == [d("2026-01-21")]
    assert select_snapshots([d("2026-01-05")], d("2026-02-04"), 30, 6, 7) == [
        d("2026-01-05")
    ]  # exactly elapsed
    with pytest.raises(
        NoEligibleSnapshotError,
        match=r"snapshot on or before 2026-01-04 is needed; the earliest "
        r"is 2026-01-05 \(complete from 2026-02-04\)",
    ):
        select_snapshots([d("2026-01-05")], d("2026-02-03"), 30, 6, 7)


def test_time_split_on_successive_snapshots_and_hash_split_below_three(spark, cfg):
    split_cfg = cfg.models.split
    days = [d("2026-01-07"), d("2026-01-14"), d("2026-01-21"), d("2026-01-28"), d("2026-02-04")]
    plan = plan_split(days, split_cfg)
    assert plan.mode == "time"
    assert plan.by_snapshot == {
        days[0]: "train",
        days[1]: "train",
        days[2]: "train",
        days[3]: "validation",
        days[4]: "test",
    }
    assert plan_split(days[:3], split_cfg).by_snapshot == {
        days[0]: "train",
        days[1]: "validation",
        days[2]: "test",
    }
    assert plan_split(days[:2], split_cfg).mode == "hash"
    assert plan_split(days[:1], split_cfg).mode == "hash"

    rows = [(f"sub-{i}", days[0]) for i in range(3000)] + [(f"sub-{i}", days[1]) for i in range(3000)]
    split = with_split(spark.createDataFrame(rows, KEYS_SCHEMA), plan_split(days[:2], split_cfg), split_cfg)
    pdf = split.toPandas()
    # A subscriber is in one split whatever the snapshot, and the bucket is sha256(salt + id).
    assert (pdf.groupby("subscriber_id")["split"].nunique() == 1).all()
    for sid in ("sub-0", "sub-1", "sub-2", "sub-17"):
        bucket = int(hashlib.sha256((split_cfg.hash_salt + sid).encode()).hexdigest()[:8], 16) % 10_000
        want = "test" if bucket < 2000 else "validation" if bucket < 4000 else "train"
        assert set(pdf.loc[pdf.subscriber_id == sid, "split"]) == {want}
    shares = pdf.split.value_counts(normalize=True)
    assert shares["train"] == pytest.approx(0.6, abs=0.03) and shares["test"] == pytest.approx(0.2, abs=0.03)
    again = with_split(spark.createDataFrame(rows, KEYS_SCHEMA), plan_split(days[:2], split_cfg), split_cfg)
    assert_df_equality(split, again, ignore_row_order=True, ignore_nullable=True)


def test_check_counts_names_the_reason():
    ok = {"train": SplitCounts(600, 60), "validation": SplitCounts(200, 20), "test": SplitCounts(200, 20)}
    check_counts(ok, 500, 20, "here")
    with pytest.raises(TooFewRowsError, match="1000 rows here, fewer than models.min_rows=2000"):
        check_counts(ok, 2000, 20, "here")
    with pytest.raises(NoPositiveLabelsError, match="only 100 positive labels"):
        check_counts(ok, 500, 500, "here")
    no_val = {**ok, "validation": SplitCounts(200, 0)}
    with pytest.raises(NoPositiveLabelsError, match="the validation split has no positive labels"):
        check_counts(no_val, 500, 20, "here")
    empty_test = {**ok, "test": SplitCounts(0, 0)}
    with pytest.raises(NoPositiveLabelsError, match="the test split has no positive labels"):
        check_counts(empty_test, 500, 20, "here")


def test_categorical_codes_by_frequency_and_spark_pandas_encode_alike(spark):
    rows = [
        ("b", True, 1, Decimal("1.5")),
        ("b", False, 2, None),
        ("a", None, None, Decimal("2.0")),
        ("c", True, 3, Decimal("0.5")),
        ("c", True, 4, Decimal("0.5")),
        ("c", False, 5, Decimal("0.5")),
        (None, True, 6, Decimal("0.5")),
    ]
    df = spark.createDataFrame(rows, "plan string, flag boolean, n int, amount decimal(12,4)")
    maps = fit_category_maps(df, ["plan", "flag"], max_categories=2)
    assert maps == {"plan": {"c": 0, "b": 1}, "flag": {"true": 0, "false": 1}}
    # Equal counts are ordered by the value's text ("10" before "2").
    ties = spark.createDataFrame([(2,), (10,), (3,), (3,)], "n int")
    assert fit_category_maps(ties, ["n"], max_categories=2) == {"n": {"3": 0, "10": 1}}
    assert fit_category_maps(ties, [], max_categories=2) == {}

    columns = ["plan", "flag", "n", "amount"]
    from_spark = encode_spark(df, columns, maps).toPandas()[columns].to_numpy(dtype=np.float32)
    from_pandas = encode_pandas(df.toPandas(), columns, maps)
    nan = np.nan
    expected = np.array(
        [
            [1, 0, 1, 1.5],
            [1, 1, 2, nan],
            [nan, nan, nan, 2.0],
            [0, 0, 3, 0.5],
            [0, 0, 4, 0.5],
            [0, 1, 5, 0.5],
            [nan, 0, 6, 0.5],
        ],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(from_spark, expected)
    np.testing.assert_array_equal(from_pandas, expected)
    # Unseen categories at scoring time are missing, not an error.
    unseen = encode_pandas(
        pd.DataFrame({"plan": ["zzz"], "flag": [True], "n": [1], "amount": [1.0]}), columns, maps
    )
    assert np.isnan(unseen[0, 0])
