"""Training-set validation: a clean set passes; keys, labels and feature bounds are caught."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pyspark.sql import functions as F

from expectations.checks import ColumnSpec
from expectations.nightly_gate import validate_training_set
from telco_risk import delta_io
from telco_risk.tables import QUALITY_RESULTS

S1, S2 = dt.date(2026, 1, 4), dt.date(2026, 1, 11)
SCHEMA = (
    "training_set_id string, subscriber_id string, snapshot_date date, split string, label int,"
    " tenure_days int, night_share_7d double, segment string"
)
FEATURES = [
    ColumnSpec("tenure_days", "int", min_value=0, max_value=36500),
    ColumnSpec("night_share_7d", "double", min_value=0, max_value=1),
    ColumnSpec("segment", "string", values=("prepaid", "postpaid")),
]


def rows() -> list[tuple]:
    """60 subscribers x 2 snapshots, one positive in ten."""
    return [
        ("churn-1", f"S{i}", snap, ("train", "validation", "test")[i % 3], int(i % 10 == 0),
         100 + i, (i % 10) / 10, "prepaid" if i % 2 else "postpaid")
        for snap in (S1, S2) for i in range(60)
    ]  # fmt: skip


def test_clean_training_set_passes_and_is_recorded(spark, cfg):
    gate = validate_training_set(
        spark, cfg, spark.createDataFrame(rows(), SCHEMA), "churn", features=FEATURES
    )
    assert gate.passed, gate.summary
    assert gate.warnings == []
    assert gate.scope == "training:churn" and gate.tables == ["training.churn"]
    rate = next(r for r in gate.results if r.check == "label_rate:label")
    assert rate.observed_value == 0.1
    recorded = delta_io.read_table(spark, cfg.table_path(QUALITY_RESULTS)).where(
        F.col("run_id") == gate.run_id
    )
    assert recorded.count() == len(gate.results)
    index = Path(cfg.paths.lakehouse) / "reports" / "data_docs" / "training" / "churn" / "index.html"
    assert gate.data_docs == str(index) and "training.churn.profile" in index.read_text(encoding="utf-8")


def test_broken_training_set_names_each_problem(spark, cfg):
    broken = [*rows(), rows()[0]]  # a key twice
    broken[1] = (*broken[1][:4], 2, *broken[1][5:])  # a label that is not 0/1
    broken[2] = (*broken[2][:6], 1.5, broken[2][7])  # a share above 1
    gate = validate_training_set(
        spark, cfg, spark.createDataFrame(broken, SCHEMA), "churn", features=FEATURES
    )
    assert sorted(r.check for r in gate.failures) == [
        "enum:label",
        "range:max",
        "unique:subscriber_id+snapshot_date",
    ]
    by_check = {r.check: r for r in gate.failures}
    assert by_check["enum:label"].unexpected_sample == [2]
    assert by_check["range:max"].unexpected_sample == [{"column": "night_share_7d", "hi": 1.0, "max": 1.5}]
    assert by_check["unique:subscriber_id+snapshot_date"].unexpected_sample == [
        {"subscriber_id": "S0", "snapshot_date": "2026-01-04"},
        {"subscriber_id": "S0", "snapshot_date": "2026-01-04"},
    ]
