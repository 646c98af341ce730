"""Thresholds -> statuses, which columns can act, the retrain cool-down and the request."""

from __future__ import annotations

import datetime as dt

import pytest

from models.monitoring import alerts as A
from models.monitoring.drift import ColumnDrift
from models.monitoring.monitor_results import request_of
from models.monitoring.performance import Realised
from telco_risk.config import ConfigError, load_config

D = dt.date(2026, 3, 10)


@pytest.fixture(scope="module")
def mon():
    """base.yaml's thresholds: PSI 0.1 / 0.25 at p 0.01 / 0.001; missing 0.05 / 0.2;
    zeros 0.1 / 0.25; min_rows 100; churn AUC floor 0.65 / 0.6, ECE warn 0.05, 20 positives."""
    return load_config("test").monitoring


def drift(psi=0.0, p=1.0, rows=1000, missing=(0.0, 0.0), zeros=(0.2, 0.2)) -> ColumnDrift:
    return ColumnDrift(rows, psi, 0.0, 5, p, missing[0], missing[1], zeros[0], zeros[1])


def test_psi_counts_only_when_the_test_is_significant(mon):
    assert A.judge_drift("x", "feature", drift(psi=0.05, p=1e-9), mon).status == "ok"
    assert A.judge_drift("x", "feature", drift(psi=0.12, p=0.005), mon).status == "warn"
    act = A.judge_drift("x", "feature", drift(psi=0.3, p=1e-4), mon)
    assert act.status == "act" and act.reasons == ("psi x 0.300 >= 0.25 (chi-square p 1.0e-04 < 0.001)",)
    # a large PSI on a sample too small to be sure is a warning at most
    assert A.judge_drift("x", "feature", drift(psi=0.3, p=0.005), mon).status == "warn"
    assert A.judge_drift("x", "feature", drift(psi=0.3, p=0.5), mon).status == "ok"
    assert A.judge_drift("x", "feature", drift(psi=0.9, p=0.0, rows=99), mon).status == "insufficient"


def test_missing_and_zero_share_changes(mon):
    assert A.judge_drift("x", "feature", drift(missing=(0.1, 0.16)), mon).status == "warn"
    missing = A.judge_drift("x", "feature", drift(missing=(0.1, 0.35)), mon)
    assert missing.status == "act" and missing.reasons == ("missing x 10.0% -> 35.0% (|change| >= 0.2)",)
    assert A.judge_drift("x", "feature", drift(zeros=(0.2, 0.05)), mon).status == "warn"
    assert A.judge_drift("x", "feature", drift(zeros=(0.2, 0.5)), mon).status == "act"
    # scores: missing values are unscored rows, not drift
    assert A.judge_drift("churn_score", "score", drift(missing=(0.0, 0.9)), mon).status == "ok"


def test_realised_auc_floor(mon):
    good = Realised(rows=1000, positives=40, auc=0.7, high_rows=10, precision_high=0.5, ece=0.02)
    assert A.judge_realised("churn", D, good, mon).status == "ok"
    low = Realised(rows=1000, positives=40, auc=0.62, high_rows=10, precision_high=0.5, ece=0.02)
    assert A.judge_realised("churn", D, low, mon).status == "warn"
    bad = Realised(rows=1000, positives=40, auc=0.55, high_rows=10, precision_high=0.5, ece=0.02)
    assert A.judge_realised("churn", D, bad, mon).reasons == (
        "realised auc 0.550 < 0.6 on the scores of 2026-03-10",
    )
    few = Realised(rows=1000, positives=5, auc=0.3, high_rows=10, precision_high=0.5, ece=0.02)
    assert A.judge_realised("churn", D, few, mon).status == "insufficient"
    uncalibrated = Realised(rows=1000, positives=40, auc=0.8, high_rows=10, precision_high=0.5, ece=0.09)
    assert A.judge_realised("fraud", D, uncalibrated, mon).status == "warn"  # fraud floor 0.75 passed


def test_which_columns_can_act(mon):
    important = {"dropped_call_rate_7d"}
    assert A.can_act("feature", "dropped_call_rate_7d", important, mon)
    assert not A.can_act("feature", "tenure_days", important, mon)
    assert A.can_act("score", "churn_score", important, mon)
    assert not A.can_act("score", "churn_score", important, mon.model_copy(update={"score_can_act": False}))
    assert not A.can_act("band", "churn_band", important, mon)
    assert A.can_act("performance", "realised", important, mon)


def test_cooldown_holds_a_second_request_for_seven_days():
    acting = [("dropped_call_rate_7d", ("psi dropped_call_rate_7d 0.400 >= 0.25",))]
    first = A.decide_alert(D, "churn", "3", acting, None, 7)
    assert first is not None and first.retrain_requested and first.alert_id == "monitor-churn-20260310"
    held = A.decide_alert(D + dt.timedelta(days=6), "churn", "3", acting, (D, first.alert_id), 7)
    assert held is not None and not held.retrain_requested and held.suppressed_by == first.alert_id
    again = A.decide_alert(D + dt.timedelta(days=7), "churn", "3", acting, (D, first.alert_id), 7)
    assert again is not None and again.retrain_requested
    assert A.decide_alert(D, "churn", "3", [], None, 7) is None


def test_the_request_names_every_model_that_asked():
    def alert(model: str, asked: bool) -> A.Alert:
        return A.Alert(D, model, "1", A.alert_id(model, D), ("f",), (f"{model} reason",), asked, None)

    request = request_of(D, [alert("churn", True), alert("fraud", True)])
    assert request is not None
    assert (request.models, request.as_of, request.alert_id) == (
        ("churn", "fraud"),
        D,
        "monitor-churn-20260310+monitor-fraud-20260310",
    )
    assert request.dag_conf()["model"] == "both"
    assert request.reasons == ("churn: churn reason", "fraud: fraud reason")
    assert request_of(D, [alert("churn", False)]) is None


def test_monitoring_config_is_typed_and_ordered():
    with pytest.raises(ConfigError, match="unknown key 'monitoring.psi.critical'"):
        load_config("test", ["monitoring.psi.critical=0.5"])
    with pytest.raises(ConfigError, match="act .* must not be below warn"):
        load_config("test", ["monitoring.psi.act=0.05"])
    with pytest.raises(ConfigError, match="must not be above warn"):
        load_config("test", ["monitoring.realised.auc_floor.churn.act=0.7"])
