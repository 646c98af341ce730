"""``telco-risk run``: the nightly chain calls the steps in order and a failed gate stops it."""

from __future__ import annotations

import datetime as dt

import pytest

import jobs.nightly as nightly
from expectations.quality_results import CheckResult, GateResult

D = dt.date(2026, 3, 1)


def gate_result(passed: bool) -> GateResult:
    failed = CheckResult(
        table="silver.subscriber_features",
        suite="silver.subscriber_features",
        check="not_null:tenure_days",
        kind="not_null",
        expectation="expect_column_values_to_not_be_null",
        column="tenure_days",
        severity="fail",
        success=False,
        unexpected_count=3,
    )
    return GateResult(
        run_id="nightly-x",
        date=D,
        scope="nightly",
        tables=["silver.subscriber_features"],
        results=[] if passed else [failed],
        validated_at=dt.datetime(2026, 3, 2, 2, 0),
    )


@pytest.fixture()
def steps(monkeypatch) -> list[str]:
    """The jobs replaced by recorders: the chain's calls, in order."""
    calls: list[str] = []

    class Done:
        def summary(self) -> str:
            return "ok"

    monkeypatch.setattr(nightly, "ingest", lambda spark, cfg, dates: calls.append(f"ingest {dates}") or [])
    monkeypatch.setattr(nightly, "summary_table", lambda results: "")
    monkeypatch.setattr(
        nightly, "build_features", lambda spark, cfg, dates: calls.append(f"features {dates}")
    )
    monkeypatch.setattr(
        nightly, "score", lambda spark, cfg, day, run_id: calls.append(f"score {run_id}") or Done()
    )
    monkeypatch.setattr(
        nightly, "publish", lambda spark, cfg, day, run_id: calls.append(f"publish {run_id}") or Done()
    )
    return calls


def test_chain_runs_every_step_in_order_with_one_run_id(steps, monkeypatch):
    monkeypatch.setattr(
        nightly,
        "validate",
        lambda spark, cfg, dates, run_id: steps.append(f"validate {run_id}") or [gate_result(True)],
    )
    result = nightly.run_nightly(None, None, D, run_id="nightly-x", report=lambda _: None)  # type: ignore[arg-type]
    assert steps == [
        f"ingest {[D]}",
        f"features {[D]}",
        "validate nightly-x",
        "score nightly-x",
        "publish nightly-x",
    ]
    assert result.stopped is None


def test_failed_gate_stops_before_score_and_publish(steps, monkeypatch):
    monkeypatch.setattr(nightly, "validate", lambda spark, cfg, dates, run_id: [gate_result(False)])
    printed: list[str] = []
    result = nightly.run_nightly(None, None, D, run_id="nightly-x", report=printed.append)  # type: ignore[arg-type]
    assert steps == [f"ingest {[D]}", f"features {[D]}"]
    assert result.stopped is not None and "FAILED - 1 failure(s)" in result.stopped
    assert "not_null:tenure_days" in printed[-1]
    assert (result.scored, result.published) == (None, None)
