"""DAG integrity: the DAG files import cleanly, fast, without heavy libraries, and carry
the scheduling and ownership settings the operators rely on."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DAG_FILES = sorted((ROOT / "dags").glob("telco_risk_*.py"))
HEAVY = ("pyspark", "mlflow", "xgboost", "great_expectations", "sklearn")

PARSE = """
import importlib.util, json, sys, time
import airflow.sdk, airflow.providers.apache.spark.operators.spark_submit  # Airflow's own cost
before = set(sys.modules)
t = time.monotonic()
spec = importlib.util.spec_from_file_location("dag_under_test", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"seconds": time.monotonic() - t, "modules": sorted(set(sys.modules) - before)}))
"""


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_dag_files_exist():
    assert [p.name for p in DAG_FILES] == ["telco_risk_nightly.py"]


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"telco_risk_nightly"}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parse_is_fast_and_imports_nothing_heavy(path):
    out = subprocess.run([sys.executable, "-c", PARSE, str(path)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["seconds"] < 2.0
    heavy = [m for m in result["modules"] if m.split(".")[0] in HEAVY]
    assert heavy == []


def test_every_dag_has_owner_tags_docs_and_retries(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags and "telco-risk" in dag.tags
        assert dag.doc_md and len(dag.doc_md) > 200
        assert dag.max_active_runs == 1
        for task in dag.tasks:
            assert task.owner == "telco-risk"
            if task.task_id not in ("wait_for_drops", "validate"):
                assert task.retries >= 1, task.task_id
                assert task.retry_exponential_backoff


def test_nightly_chain_schedule_and_spark_connection(dagbag):
    dag = dagbag.dags["telco_risk_nightly"]
    assert dag.catchup is False
    from airflow.sdk import CronTriggerTimetable

    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 2 * * *"
    order = ["wait_for_drops", "ingest", "features", "validate", "score", "publish", "monitor"]
    for upstream, downstream in itertools.pairwise(order):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    sensor = dag.get_task("wait_for_drops")
    assert sensor.mode == "reschedule"
    for step in order[1:]:
        task = dag.get_task(step)
        assert task._conn_id == "spark_default"
        assert task.application.endswith(f"jobs/{step}.py")
        assert Path(task.application).is_file(), task.application
        assert task.application_args[:2] == ["--date", "{{ params.score_date or macros.ds_add(ds, -1) }}"]


def test_sensor_times_out_naming_the_missing_feeds(tmp_path):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    from telco_risk.orchestration import DropSensor
    from tests.landing_builder import write_drop

    day = dt.date(2026, 1, 5)
    write_drop(tmp_path, day)
    (tmp_path / "cdr" / "dt=2026-01-05" / "_SUCCESS").unlink()
    sensor = DropSensor(
        task_id="wait",
        score_date=day.isoformat(),
        landing=str(tmp_path),
        mode="poke",
        poke_interval=0.1,
        timeout=0.3,
    )
    assert sensor.poke({}) is False
    with pytest.raises(
        AirflowSensorTimeout, match="drop 2026-01-05 incomplete: no _SUCCESS marker for feeds: cdr"
    ):
        sensor.execute({})
    (tmp_path / "cdr" / "dt=2026-01-05" / "_SUCCESS").touch()
    assert sensor.poke({}) is True
