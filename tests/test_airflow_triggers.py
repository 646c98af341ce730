"""The nightly DAG's tasks that need no Spark, through ``airflow dags test`` on a generated
landing zone: the drop sensor (reschedule mode, then a timeout naming the feed) and the
monitor's retrain request becoming a ``telco_risk_retrain`` run. The Spark steps run for
real in tests/test_airflow_end_to_end.py; here they are marked successful or never reached.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from tests.airflow_world import World, make_world, output, retrain_conf_of, run_nightly, task_states

START = dt.date(2026, 1, 1)
LATE_DAY = dt.date(2026, 1, 3)  # the day after the world: its CDR drop never gets a _SUCCESS marker
SPARK_STEPS = "^(wait_for_drops|ingest|features|validate|score|publish|monitor)$"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Two generated days and a migrated Airflow home; nothing ingested."""
    return make_world(tmp_path_factory.mktemp("airflow-triggers"), [], 40, START, 2)


def test_a_monitor_request_triggers_the_retrain_dag_with_its_params(world):
    """The nightly's last two tasks on a request file written here."""
    from models.monitoring.retrain_request import RetrainRequest, write_request

    day = dt.date(2026, 1, 20)
    request = RetrainRequest(
        day=day,
        models=("fraud",),
        as_of=day,
        reasons=("score psi 0.41", "realised auc 0.58"),
        alert_id="e2e-1",
    )
    write_request(world.lakehouse, request)

    nightly, run_id = run_nightly(world, day, "--mark-success-pattern", SPARK_STEPS)

    assert nightly.returncode == 0, output(nightly)[-3000:]
    states = task_states(world, "telco_risk_nightly", run_id)
    assert (states["retrain_request"], states["trigger_retrain"]) == ("success", "success")
    assert retrain_conf_of(world, "monitor__2026-01-20") == {
        "model": "fraud",
        "as_of": "2026-01-20",
        "snapshots": None,
        "trials": None,
        "promote": True,
        "reason": "score psi 0.41; realised auc 0.58",
        "alert_id": "e2e-1",
        "conf_overrides": world.overrides,
    }


def test_a_missing_marker_makes_the_sensor_wait_then_fail_naming_the_feed(world):
    # The day's drops are all there except the CDR feed's _SUCCESS marker.
    for feed_dir in (d for d in world.landing.iterdir() if d.is_dir()):
        drop = feed_dir / f"dt={LATE_DAY}"
        drop.mkdir()
        if feed_dir.name != "cdr":
            (drop / "_SUCCESS").touch()

    nightly, run_id = run_nightly(world, LATE_DAY)

    assert nightly.returncode != 0
    states = task_states(world, "telco_risk_nightly", run_id)
    assert states["wait_for_drops"] == "failed"
    assert states["ingest"] == "upstream_failed"
    with sqlite3.connect(world.airflow_db) as db:
        (reschedules,) = db.execute(
            "SELECT count(*) FROM task_reschedule r JOIN task_instance t ON r.ti_id = t.id"
            " WHERE t.dag_id = 'telco_risk_nightly' AND t.run_id = ? AND t.task_id = 'wait_for_drops'",
            (run_id,),
        ).fetchone()
    assert reschedules >= 2  # it gave its slot back between pokes (reschedule mode), then timed out
    assert "drop 2026-01-03 incomplete: no _SUCCESS marker for feeds: cdr" in output(nightly)
