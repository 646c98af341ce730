"""Suite builders, bounds and severities: pure functions, no Spark, hand-written expectations."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pytest

from expectations.bronze_suites import BronzeRules, bronze_columns, bronze_suite
from expectations.checks import Check, ColumnSpec, Suite
from expectations.history_reference import ColumnProfile, DayProfile, pool_reference
from expectations.ingest_suites import ingest_suite
from expectations.nightly_gate import severity_of
from expectations.silver_suites import (
    NOT_ALL_NULL,
    DerivedRules,
    ReferenceStats,
    derived_suite,
    feature_specs,
    inferred_specs,
    profile_bounds,
)
from expectations.training_suites import TrainingRules, training_suite
from expectations.volume import volume_bounds
from ingestion.feed_contract import FEEDS
from telco_risk.config import load_config

D = dt.date(2026, 3, 15)


def rules(**kw) -> BronzeRules:
    base = {"date": D, "max_late_days": 1, "daily": True, "row_count": 500, "min_rows_for_shares": 50}
    return BronzeRules(**{**base, **kw})


def test_cdr_suite_comes_from_the_contract_plus_hand_set_ranges():
    suite = bronze_suite(FEEDS["cdr"], rules(volume=volume_bounds([100, 120, 110], 0.3, 3, 10)))
    by_id = {c.check_id: c for c in suite.checks}
    assert suite.name == suite.table == "bronze.cdr"
    assert by_id["columns"].kwargs["column_set"][-3:] == ["event_date", "drop_date", "source_file"]
    assert by_id["type:duration_s"].kwargs == {"column": "duration_s", "type_": "IntegerType"}
    assert by_id["type:charge"].kwargs["type_"] == "DecimalType"
    assert by_id["enum:event_type"].kwargs["value_set"] == ["voice", "sms", "data"]
    assert by_id["range:duration_s"].kwargs == {"column": "duration_s", "min_value": 0, "max_value": 86_400}
    assert by_id["range:charge"].kwargs == {"column": "charge", "min_value": 0, "max_value": 1_000}
    assert by_id["unique:record_id"].expectation == "expect_column_values_to_be_unique"
    assert by_id["freshness:earliest_event"].kwargs["min_value"] == dt.date(2026, 3, 14)
    assert by_id["freshness:latest_event"].kwargs == {"column": "event_date", "min_value": D, "max_value": D}
    assert by_id["volume"].kwargs == {"min_value": 77, "max_value": 143}  # median 110 +- 30%
    assert by_id["null_share:cell_id"].kwargs == {"column": "cell_id", "min_value": 0.5}
    assert "not_null:msisdn" in by_id and "not_null:other_party" not in by_id  # optional column
    assert by_id["not_null:msisdn"].kind == "not_null"


def test_empty_or_small_drops_skip_checks_that_need_rows():
    ids = {c.check_id for c in bronze_suite(FEEDS["fraud_cases"], rules(daily=False, row_count=0)).checks}
    assert "freshness:rows" not in ids and "freshness:latest_event" not in ids
    assert not any(i.startswith("not_null:") for i in ids)  # the non-null share of nothing is 0
    small = {c.check_id for c in bronze_suite(FEEDS["cdr"], rules(row_count=10)).checks}
    assert "null_share:cell_id" not in small and "volume" not in small


def test_compound_keys_orders_and_churn_events_own_event_date():
    products = {c.check_id: c for c in bronze_suite(FEEDS["subscriber_products"], rules()).checks}
    key = products["unique:subscriber_id+product_code+start_date"]
    assert key.expectation == "expect_compound_columns_to_be_unique"
    assert products["order:start_date<=end_date"].kwargs["column_A"] == "end_date"
    assert bronze_columns(FEEDS["churn_events"]) == [
        "subscriber_id",
        "event_date",
        "churn_type",
        "drop_date",
        "source_file",
    ]


def test_volume_bounds_from_the_trailing_median():
    bounds = volume_bounds([100, 120, 80, 110], tolerance=0.3, min_history_days=3, min_median_rows=50)
    assert bounds is not None
    assert (bounds.median, bounds.low, bounds.high, bounds.days) == (105.0, 73, 137, 4)
    assert volume_bounds([100, 120], 0.3, 3, 50) is None  # too little history
    assert volume_bounds([10, 12, 8], 0.3, 3, 50) is None  # too small for a stable median


def test_severity_comes_from_the_kind_unless_overridden():
    q = load_config("test").quality
    rng = Check("range:charge", "range", "expect_column_values_to_be_between", {})
    mean = Check("mean:high", "distribution", "expect_column_pair_values_a_to_be_greater_than_b", {})
    assert severity_of(q, "bronze.cdr", rng) == "fail"
    assert severity_of(q, "silver.subscriber_features", mean) == "warn"
    q2 = q.model_copy(
        update={
            "severity_overrides": {
                "bronze.cdr:range:charge": "warn",
                "bronze.cdr:range": "fail",
                "silver.subscriber_features:distribution": "fail",
            }
        }
    )
    assert severity_of(q2, "bronze.cdr", rng) == "warn"  # the check id wins over the kind
    assert severity_of(q2, "bronze.tickets", rng) == "fail"
    assert severity_of(q2, "silver.subscriber_features", mean) == "fail"


def test_bad_quality_config_names_the_key():
    from telco_risk.config import ConfigError

    with pytest.raises(ConfigError, match="quality.severity.range"):
        load_config("test", overrides=["quality.severity.range=stop"])
    with pytest.raises(ConfigError, match="neither ops.ingest_runs"):
        load_config("test", overrides=["quality.tables=[gold.unknown]"])


def test_reference_pools_dates_like_one_sample():
    # values: day 1 [1, 3]; day 2 [2, 6, null] -> all [1, 3, 2, 6]: mean 3, var_pop 3.5
    profiles = [
        DayProfile(D - dt.timedelta(days=2), 2, {"x": ColumnProfile(2, 2.0, 1.0), "s": ColumnProfile(0)}),
        DayProfile(D - dt.timedelta(days=1), 3, {"x": ColumnProfile(2, 4.0, 4.0), "s": ColumnProfile(3)}),
    ]
    ref = pool_reference(profiles, min_days=2)
    assert ref is not None
    assert ref["x"].mean == pytest.approx(3.0)
    assert ref["x"].std == pytest.approx(math.sqrt(3.5))
    assert ref["x"].null_share == pytest.approx(0.2)
    assert ref["s"] == ReferenceStats(None, None, 0.4, 2)
    assert pool_reference(profiles, min_days=3) is None


def derived_rules(**kw) -> DerivedRules:
    base = {
        "date": D,
        "date_column": "snapshot_date",
        "key": ("subscriber_id", "snapshot_date"),
        "row_count": 100,
        "min_rows_for_shares": 50,
        "mean_tolerance_sd": 1.0,
        "null_share_tolerance": 0.1,
    }
    return DerivedRules(**{**base, **kw})


def test_profile_bounds_from_reference_or_catalogue():
    specs = [
        ColumnSpec("tenure_days", "int", min_value=0, max_value=36500),
        ColumnSpec("night_share_7d", "double", min_value=0, max_value=1),
        ColumnSpec("region", "string"),
        ColumnSpec("days_since_last_topup", "int", min_value=0, max_value=89),
        ColumnSpec("last_satisfaction", "int", min_value=1, max_value=5),
    ]
    ref = {
        "tenure_days": ReferenceStats(400.0, 100.0, 0.05, 7),
        "region": ReferenceStats(None, None, 0.0, 7),
        "days_since_last_topup": ReferenceStats(3.0, 1.0, 1.0, 7),
        "last_satisfaction": ReferenceStats(4.0, 1.0, 0.95, 7),
    }
    actual = {"tenure_days": "IntegerType", "night_share_7d": "DoubleType", "region": "StringType"}
    bounds = {b.column: b for b in profile_bounds(specs, derived_rules(reference=ref), actual)}
    t = bounds["tenure_days"]
    assert (t.expected_type, t.actual_type, t.lo, t.hi) == ("IntegerType", "IntegerType", 0.0, 36500.0)
    assert t.max_null_share == pytest.approx(0.15)
    assert t.mean_lo == pytest.approx(300.0, abs=1e-3) and t.mean_hi == pytest.approx(500.0, abs=1e-3)
    n = bounds["night_share_7d"]  # no reference: no null share, mean within the catalogue bounds
    assert (n.max_null_share, n.mean_lo, n.mean_hi) == (None, 0.0, 1.0)
    assert (bounds["region"].max_null_share, bounds["region"].mean_lo) == (pytest.approx(0.1), None)
    assert bounds["days_since_last_topup"].max_null_share is None  # all null in the reference
    assert bounds["days_since_last_topup"].actual_type == "missing"
    assert bounds["last_satisfaction"].max_null_share == NOT_ALL_NULL  # mostly null, never all null
    few = profile_bounds(specs, derived_rules(row_count=10, reference=ref), actual)
    assert all(b.max_null_share is None and b.mean_lo is None for b in few)


def test_derived_table_suite_keys_freshness_volume():
    specs = [ColumnSpec("segment", "string", values=("prepaid", "postpaid"))]
    suite = derived_suite(
        "silver.subscriber_features", specs, derived_rules(volume=volume_bounds([50] * 5, 0.3, 3, 1))
    )
    by_id = {c.check_id: c for c in suite.checks}
    assert by_id["columns"].kwargs == {
        "column_set": ["subscriber_id", "snapshot_date", "segment"],
        "exact_match": False,
    }
    assert by_id["unique:subscriber_id+snapshot_date"].kwargs["column_list"] == [
        "subscriber_id",
        "snapshot_date",
    ]
    assert by_id["enum:segment"].kwargs["value_set"] == ["prepaid", "postpaid"]
    assert by_id["volume"].kwargs == {"min_value": 35, "max_value": 65}
    assert by_id["freshness:rows"].kwargs == {"min_value": 1, "max_value": None}


def test_column_specs_from_catalogue_entries_and_schemas():
    entries = [
        SimpleNamespace(name="tenure_days", dtype="int", protected=False, min_value=0.0, max_value=36500.0),
        SimpleNamespace(name="age_years", dtype="int", protected=True, min_value=0.0, max_value=120.0),
    ]
    assert [s.name for s in feature_specs(entries, include_protected=False)] == ["tenure_days"]
    assert [s.name for s in feature_specs(entries, include_protected=True)] == ["tenure_days", "age_years"]
    fields = [
        ("subscriber_id", "string"),
        ("event_date", "date"),
        ("events", "bigint"),
        ("voice_out_seconds", "bigint"),
        ("total_charge", "decimal(18,4)"),
        ("tags", "array<string>"),
    ]
    specs = {
        s.name: s for s in inferred_specs(fields, skip=["subscriber_id", "event_date"], non_negative=True)
    }
    assert set(specs) == {"events", "voice_out_seconds", "total_charge"}
    assert (specs["events"].min_value, specs["events"].max_value) == (0, None)
    assert specs["voice_out_seconds"].max_value == 2 * 86_400


def test_ingest_and_training_suites():
    ingest = {c.check_id: c for c in ingest_suite(D, ["cdr", "plans"], 100).checks}
    assert ingest["freshness:feeds"].kwargs["value_set"] == ["cdr", "plans"]
    assert ingest["quarantine_rate"].kwargs["column_A"] == "max_quarantine_rate"
    t = TrainingRules(
        ("subscriber_id", "snapshot_date"), "label", "split", ("train", "test"), 10, (0.01, 0.5)
    )
    specs = [ColumnSpec("x", "double", min_value=0, max_value=1), ColumnSpec("seg", "string", values=("a",))]
    training = {c.check_id: c for c in training_suite("churn", specs, t).checks}
    assert training["enum:label"].kwargs["value_set"] == [0, 1]
    assert training["label_rate:label"].kwargs == {"column": "label", "min_value": 0.01, "max_value": 0.5}
    assert training["columns"].kwargs["column_set"] == [
        "subscriber_id",
        "snapshot_date",
        "split",
        "label",
        "x",
        "seg",
    ]
    assert training["enum:seg"].kwargs["value_set"] == ["a"]


def test_check_ids_are_unique_within_a_suite():
    check = Check("volume", "volume", "expect_table_row_count_to_be_between", {})
    with pytest.raises(ValueError, match="duplicate check ids"):
        Suite("t", "t", (check, check))
