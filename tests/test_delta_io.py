"""Delta writes when two jobs create the same table at once (the retrain's churn and fraud
branches both write the first rows of ops.quality_results): both writes land."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from telco_risk import delta_io

RACE = (
    "io.delta.exceptions.ProtocolChangedException: [DELTA_PROTOCOL_CHANGED] The protocol version"
    " of the Delta table has been changed by a concurrent update."
)


def _flaky(errors: list[Exception]):
    calls: list[int] = []

    def save() -> None:
        calls.append(1)
        if errors:
            raise errors.pop(0)

    return save, calls


def test_a_lost_creation_race_is_written_again(caplog):
    save, calls = _flaky([RuntimeError(RACE)])
    delta_io.save_retrying_creation(save, "ops/quality_results")
    assert len(calls) == 2
    assert "ops/quality_results: a concurrent writer created or changed the table first" in caplog.text


def test_other_errors_are_not_retried():
    save, calls = _flaky([RuntimeError("[DELTA_CONCURRENT_APPEND] files were added")])
    with pytest.raises(RuntimeError, match="CONCURRENT_APPEND"):
        delta_io.save_retrying_creation(save, "ops/quality_results")
    assert len(calls) == 1


def test_a_second_lost_race_is_raised():
    save, calls = _flaky([RuntimeError(RACE), RuntimeError(RACE)])
    with pytest.raises(RuntimeError, match="PROTOCOL_CHANGED"):
        delta_io.save_retrying_creation(save, "ops/quality_results")
    assert len(calls) == 2


def test_two_first_appends_at_once_both_land(spark, tmp_path):
    path = str(tmp_path / "ops_results")
    frames = {
        name: spark.createDataFrame([(name, i) for i in range(3)], "model string, n int")
        for name in ("churn", "fraud")
    }
    start = threading.Barrier(2)

    def write(name: str) -> None:
        start.wait()
        delta_io.append(frames[name], path, partition_by=["model"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [pool.submit(write, name) for name in frames]
    for future in done:
        future.result()  # re-raises a write's error
    rows = delta_io.read_table(spark, path).groupBy("model").count().collect()
    assert {r["model"]: r["count"] for r in rows} == {"churn": 3, "fraud": 3}
