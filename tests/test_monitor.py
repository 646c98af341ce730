"""The nightly health hook: counts and band shares per model, hand-computed (no champion
registered, so drift monitoring skips both models)."""

from __future__ import annotations

import datetime as dt

import pytest

from jobs.monitor import monitor
from telco_risk import delta_io

D = dt.date(2026, 2, 14)


def test_health_rows_per_model(spark, cfg):
    rows = [
        (D, "S1", 0.9, "high", None, None),
        (D, "S2", 0.5, "medium", None, None),
        (D, "S3", 0.1, "low", None, None),
        (D, "S4", 0.1, "low", None, None),
    ]
    gold = spark.createDataFrame(
        rows,
        "score_date date, subscriber_id string, churn_score double, churn_band string,"
        " fraud_score double, fraud_band string",
    )
    delta_io.replace_where(
        gold, cfg.table_path("gold.risk_scores"), "score_date = DATE'2026-02-14'", ["score_date"]
    )
    result = monitor(spark, cfg, D, "run-7")
    got = {r["model"]: r for r in result.health}
    churn, fraud = got["churn"], got["fraud"]
    assert (churn["rows"], churn["unscored"], churn["mean_score"]) == (4, 0, pytest.approx(0.4))
    assert (churn["share_high"], churn["share_medium"], churn["share_low"]) == (0.25, 0.25, 0.5)
    assert (fraud["rows"], fraud["unscored"], fraud["mean_score"]) == (4, 4, None)
    assert (fraud["share_high"], churn["run_id"]) == (0.0, "run-7")
    assert set(result.skipped) == {"churn", "fraud"}  # no champion registered: health only
    again = monitor(spark, cfg, D, "run-7")  # idempotent: the date's rows are replaced
    assert delta_io.read_table(spark, cfg.table_path("ops.nightly_health")).count() == len(again.health) == 2
