"""End to end through Airflow: a tiny generated world, then the backfill, retrain and
nightly DAGs as real ``airflow dags test`` subprocesses (SQLite metadata in a temporary
AIRFLOW_HOME, spark-submit on local[2] through ``spark_default``), checked in the BSS
staging table (SQLite), the MLflow registry and Airflow's metadata database. As in
``make demo``, the jobs are clients of one Spark Connect server (``spark.remote``), except
fit and publish, which start drivers of their own.

The world is small, so the churn horizon is shortened and the training floors lowered
(``OVERRIDES``, handed to every job as the DAGs' ``conf_overrides``): these tests prove the
orchestration, not the models' quality (tests/test_models_training.py does that). CI time
allows one model: the retrain runs the churn branch (the fraud branch is the same tasks
with another ``--model``, and ``make demo`` runs both); fraud columns stay empty without a
fraud champion, as the contract allows. The nightly's tasks that need no Spark (the drop
sensor, the retrain trigger) are tested in tests/test_airflow_triggers.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from telco_risk import spark_connect_server as connect_server
from telco_risk.config import load_config
from tests.airflow_world import (
    World,
    active_subscribers,
    bss_rows,
    dags_test,
    latest_run_id,
    make_world,
    output,
    retrain_conf_of,
    run_nightly,
    task_states,
)
from tests.bss_contract import CONTRACT_COLUMNS

START = dt.date(2026, 1, 1)
SUBSCRIBERS = 800
HISTORY_END = dt.date(2026, 1, 14)  # backfilled; the retrain's as-of date
SCORED = dt.date(2026, 1, 15)  # the nightly run at 2026-01-16 02:00 scores it
BAD_DAY = dt.date(2026, 1, 16)  # its CDR drop is broken: the quality gate fails
DAYS = (BAD_DAY - START).days + 1
OVERRIDES = [
    # Churn labels within 7 days of a snapshot (instead of 30), snapshots 2 days apart:
    # the training set holds the snapshots of 01-02, 01-04 and 01-06 (split by time).
    "models.churn.horizon_days=7",
    "models.snapshot_spacing_days=2",
    "models.min_rows=200",
    "models.min_positives=3",
    "models.churn.gate.min_roc_auc=0",
    "models.churn.gate.max_calibration_error=1",
    "models.xgboost.n_estimators=40",
    "quality.data_docs=false",
]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The generated world, a migrated Airflow home, a Spark Connect server for its jobs and
    the history up to HISTORY_END (ingest, then features with a snapshot every 2 days back
    from it) via the backfill DAG."""
    root = tmp_path_factory.mktemp("airflow-e2e")
    port, log = connect_server.free_port(), root / "spark-connect.log"
    server = connect_server.launch(load_config("test", environ={}).spark, port, log)
    try:
        world = make_world(root, OVERRIDES, SUBSCRIBERS, START, DAYS)
        connect_server.wait_ready(server, port, log)
        world.env["TELCO_RISK_SPARK_REMOTE"] = connect_server.url(port)
        conf = {
            "from": str(START),
            "to": str(HISTORY_END),
            "snapshot_every": 2,
            "conf_overrides": world.overrides,
        }
        done = dags_test(world, "telco_risk_backfill", conf)
        assert done.returncode == 0, output(done)[-3000:]
        assert output(done).count(f"Spark Connect session on {connect_server.url(port)}") == 2
        yield world
    finally:
        connect_server.stop(server)


def connect_sessions(world: World, done: subprocess.CompletedProcess) -> int:
    """How many of the run's jobs were clients of the world's Spark Connect server."""
    return output(done).count(f"Spark Connect session on {world.env['TELCO_RISK_SPARK_REMOTE']}")


def test_retrain_then_nightly_publish_the_champions_scores(world):
    from mlflow import MlflowClient

    from models.monitoring.retrain_request import read_request

    conf = {"model": "churn", "as_of": str(HISTORY_END), "snapshots": 3, "conf_overrides": world.overrides}
    retrain = dags_test(world, "telco_risk_retrain", conf)
    assert retrain.returncode == 0, output(retrain)[-3000:]
    assert connect_sessions(world, retrain) == 3  # training_set, validate, evaluate; not fit
    retrain_run = latest_run_id(world, "telco_risk_retrain")
    states = task_states(world, "telco_risk_retrain", retrain_run)
    assert {t: s for t, s in states.items() if t.startswith("fraud.")} == {
        f"fraud.{t}": "skipped" for t in ("training_set", "validate", "fit", "evaluate", "promotion_gate")
    }
    assert {s for t, s in states.items() if not t.startswith("fraud.")} == {"success"}
    client = MlflowClient(world.mlflow_uri, world.mlflow_uri)
    champion = client.get_model_version_by_alias("telco_churn", "champion")
    assert str(champion.version) == "1"
    tags = client.get_run(champion.run_id).data.tags
    assert tags["gate.outcome"] == "promoted" and tags["training_gate.outcome"] == "passed"
    assert tags["summary"].startswith(f"telco_churn v1 (run {champion.run_id}, training set churn-20260114-")
    assert tags["summary"].endswith("gate: promoted")
    assert tags["airflow.run_id"] == retrain_run
    assert tags["split"] == "by time (train: 2026-01-02; validation: 2026-01-04; test: 2026-01-06)"
    assert tags["summary"] in output(retrain)  # the gate's and the report's task log
    with sqlite3.connect(world.airflow_db) as db:
        xcoms = db.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = 'telco_risk_retrain' AND run_id = ?"
            " AND key = 'return_value'",
            (retrain_run,),
        ).fetchall()
    # XCom carries ids, table names and short verdicts only.
    values = {task: json.loads(value) for task, value in xcoms}
    assert set(values["churn.training_set"]) == {
        "model",
        "run_id",
        "training_set_id",
        "table",
        "training_set_version",
    }
    assert values["churn.training_set"]["table"] == "training.churn_sets"
    assert values["churn.evaluate"] == {"model": "churn", "run_id": champion.run_id, "version": "1"}
    assert all(len(value) < 1000 for _, value in xcoms)

    nightly, run_id = run_nightly(world, SCORED)
    assert nightly.returncode == 0, output(nightly)[-3000:]
    assert connect_sessions(world, nightly) == 5  # ingest, features, validate, score, monitor
    states = task_states(world, "telco_risk_nightly", run_id)
    for step in ("wait_for_drops", "ingest", "features", "validate", "score", "publish", "monitor"):
        assert states[step] == "success", states

    rows = bss_rows(world, SCORED)
    assert list(rows[0]) == CONTRACT_COLUMNS
    assert {r["subscriber_id"] for r in rows} == active_subscribers(world, SCORED)
    assert {(r["churn_model_version"], r["fraud_model_version"]) for r in rows} == {("1", None)}
    assert {r["run_id"] for r in rows} == {run_id}
    for r in rows:
        assert 0.0 <= r["churn_score"] <= 1.0 and r["churn_band"] in ("high", "medium", "low")
        assert len([c for c in (r["churn_reasons"] or "").split(";") if c]) <= 3
        assert (r["fraud_score"], r["fraud_band"], r["fraud_reasons"]) == (None, None, None)

    # The monitor (issue 8) asks for a retrain when drift crosses an act threshold: the
    # request, if it wrote one, became a queued telco_risk_retrain run with its params.
    request = read_request(world.lakehouse, SCORED)
    triggered = retrain_conf_of(world, f"monitor__{SCORED}")
    if request is None:
        assert (states["retrain_request"], states["trigger_retrain"]) == ("success", "skipped")
        assert triggered is None
    else:
        assert triggered == {**request.dag_conf(), "conf_overrides": world.overrides}


def break_cdr_drop(landing: Path, day: dt.date) -> None:
    """Give a third of the day's CDRs an event type outside the contract (quarantined)."""
    path = landing / "cdr" / f"dt={day}" / "part-00000.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    for i, row in enumerate(rows):
        if i % 3 == 0:
            row["event_type"] = "video"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields or []), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_failed_quality_gate_stops_the_night_before_score_and_publish(world):
    published_before = len(bss_rows(world, SCORED))
    break_cdr_drop(world.landing, BAD_DAY)

    # The broken drop is really ingested (its bad rows quarantined) and really validated;
    # the features step is marked done to save CI time (it would not change the verdict).
    nightly, run_id = run_nightly(world, BAD_DAY, "--mark-success-pattern", "^features$")

    assert nightly.returncode != 0
    states = task_states(world, "telco_risk_nightly", run_id)
    assert {k: states[k] for k in ("wait_for_drops", "ingest", "features", "validate")} == {
        "wait_for_drops": "success",
        "ingest": "success",
        "features": "success",
        "validate": "failed",
    }
    assert {states[k] for k in ("score", "publish", "monitor", "retrain_request", "trigger_retrain")} == {
        "upstream_failed"
    }
    log = output(nightly)
    assert "quality gate nightly 2026-01-16: FAILED" in log
    assert "FAIL ops.ingest_runs quarantine_rate" in log
    assert "telco-risk telco_risk_nightly: step validate failed" in log  # the failure callback
    assert bss_rows(world, BAD_DAY) == []
    assert len(bss_rows(world, SCORED)) == published_before
