"""DAG integrity: the DAG files import cleanly, fast, without heavy libraries, and carry
the scheduling and ownership settings the operators rely on."""

from __future__ import annotations

import copy
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
DAG_IDS = {"telco_risk_nightly", "telco_risk_retrain", "telco_risk_backfill", "telco_risk_maintenance"}
# Verdicts on the data (quality gates, missing drops) are not retried.
NO_RETRY = {"wait_for_drops", "validate", "churn.validate", "fraud.validate", "check_drops"}
SCORE_DATE = "{{ params.score_date or macros.ds_add(ds, -1) }}"

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
    assert [p.name for p in DAG_FILES] == [
        "telco_risk_backfill.py",
        "telco_risk_maintenance.py",
        "telco_risk_nightly.py",
        "telco_risk_retrain.py",
    ]


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS


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
        assert "conf_overrides" in dag.params
        for task in dag.tasks:
            assert task.owner == "telco-risk"
            if task.task_id in NO_RETRY:
                assert task.retries == 0, task.task_id
            else:
                assert task.retries >= 1, task.task_id
                assert task.retry_exponential_backoff


def test_nightly_chain_schedule_and_spark_connection(dagbag):
    dag = dagbag.dags["telco_risk_nightly"]
    assert dag.catchup is False
    from airflow.sdk import CronTriggerTimetable

    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 2 * * *"
    order = ["wait_for_drops", "ingest", "features", "validate", "score", "publish", "monitor"]
    order += ["retrain_request", "trigger_retrain"]
    for upstream, downstream in itertools.pairwise(order):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    sensor = dag.get_task("wait_for_drops")
    assert sensor.mode == "reschedule"
    assert (sensor.poke_interval, sensor.timeout) == (3.0, 15.0)  # conf/test.yaml: 0.05 and 0.25 min
    for step in order[1:7]:
        task = dag.get_task(step)
        assert task._conn_id == "spark_default"
        job_module = "build_features" if step == "features" else step
        assert task.application.endswith(f"jobs/{job_module}.py")
        assert Path(task.application).is_file(), task.application
        assert task.application_args[:2] == ["--date", SCORE_DATE]
        assert task.depends_on_past is (step in ("ingest", "features"))
    trigger = dag.get_task("trigger_retrain")
    assert trigger.trigger_dag_id == "telco_risk_retrain"
    assert trigger.trigger_run_id == f"monitor__{SCORE_DATE}"
    assert trigger.skip_when_already_exists is True


def test_retrain_branches_per_model_through_the_stages(dagbag):
    from airflow.sdk.definitions.timetables.simple import NullTimetable

    dag = dagbag.dags["telco_risk_retrain"]
    assert isinstance(dag.timetable, NullTimetable)
    assert dag.get_task("choose_models").downstream_task_ids == {"churn.training_set", "fraud.training_set"}
    stages = ["training_set", "validate", "fit", "evaluate", "promotion_gate"]
    jobs = {
        "training_set": "train_set",
        "validate": "train_validate",
        "fit": "train_fit",
        "evaluate": "train_evaluate",
    }
    for model in ("churn", "fraud"):
        for upstream, downstream in itertools.pairwise(stages):
            assert dag.get_task(f"{model}.{downstream}").upstream_task_ids == {f"{model}.{upstream}"}
        for stage, step in jobs.items():
            task = dag.get_task(f"{model}.{stage}")
            assert task._conn_id == "spark_default"
            assert task.application.endswith(f"jobs/{step}.py") and Path(task.application).is_file()
        gate = dag.get_task(f"{model}.promotion_gate")
        assert gate.task_type == "_PythonDecoratedOperator"  # MLflow only: no spark-submit
    report = dag.get_task("report")
    assert report.upstream_task_ids == {"churn.promotion_gate", "fraud.promotion_gate"}
    assert report.trigger_rule == "none_failed_min_one_success"


def test_backfill_checks_drops_then_ingests_and_builds_features_as_ranges(dagbag):
    from airflow.sdk.definitions.timetables.simple import NullTimetable

    dag = dagbag.dags["telco_risk_backfill"]
    assert isinstance(dag.timetable, NullTimetable)
    assert dag.get_task("ingest").upstream_task_ids == {"check_drops"}
    assert dag.get_task("features").upstream_task_ids == {"ingest"}
    args = rendered_args(dag, "features", {"from": "2026-01-01", "to": "2026-01-31", "snapshot_every": 7})
    assert args == ["--from", "2026-01-01", "--to", "2026-01-31", "--snapshot-every=7"]
    dates = {"from": "2026-01-01", "to": "2026-01-31", "snapshot_dates": ["2026-01-10", "2026-01-17"]}
    args = rendered_args(dag, "features", dates)
    assert args == ["--from", "2026-01-01", "--to", "2026-01-31", "--snapshot-dates=2026-01-10,2026-01-17"]
    args = rendered_args(
        dag,
        "ingest",
        {"from": "2026-01-01", "to": "2026-01-31", "conf_overrides": ["ingest.max_late_days=2"]},
    )
    assert args == ["--from", "2026-01-01", "--to", "2026-01-31", "--conf", "ingest.max_late_days=2"]


def test_maintenance_runs_weekly_one_job_with_the_date(dagbag):
    from airflow.sdk import CronTriggerTimetable

    dag = dagbag.dags["telco_risk_maintenance"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 4 * * 0"  # conf/base.yaml: Sundays at 04:00
    task = dag.get_task("maintain_tables")
    assert task.application.endswith("jobs/maintain_tables.py") and Path(task.application).is_file()
    assert rendered_args(dag, "maintain_tables", {}, ds="2026-03-01") == ["--date", "2026-03-01"]
    assert rendered_args(dag, "maintain_tables", {"date": "2026-02-01"}, ds="2026-03-01") == [
        "--date",
        "2026-02-01",
    ]


def rendered_args(dag, task_id: str, params: dict, **context) -> list[str]:
    """What the job of ``task_id`` gets: its arguments rendered with ``params`` (over the
    DAG's defaults), empty ones dropped, the run's overrides appended (SparkJob.execute)."""
    from orchestration.airflow_tasks import job_args

    merged = {k: v.value if hasattr(v, "value") else v for k, v in dag.params.items()} | params
    env = dag.get_template_env()
    task = dag.get_task(task_id)
    rendered = [env.from_string(a).render(params=merged, **context) for a in task.application_args]
    return job_args(rendered, merged.get("conf_overrides"))


def test_retrain_args_drop_unset_options_and_carry_the_alert(dagbag):
    dag = dagbag.dags["telco_risk_retrain"]
    plain = rendered_args(dag, "fraud.training_set", {"as_of": "2026-02-14"}, run_id="manual__x")
    assert plain == ["--model", "fraud", "--as-of", "2026-02-14", "--tag=airflow.run_id=manual__x"]
    asked = rendered_args(
        dag,
        "churn.training_set",
        {"as_of": "2026-02-14", "snapshots": 3, "reason": "psi 0.31 on tenure", "alert_id": "a-7"},
        run_id="monitor__2026-02-14",
    )
    assert asked == [
        "--model",
        "churn",
        "--as-of",
        "2026-02-14",
        "--snapshots=3",
        "--tag=airflow.run_id=monitor__2026-02-14",
        "--tag=retrain.reason=psi 0.31 on tenure",
        "--tag=retrain.alert_id=a-7",
    ]
    fit = rendered_args(dag, "churn.fit", {"as_of": "2026-02-14", "trials": 4}, ti=FakeTi({"run_id": "r1"}))
    assert fit == ["--run-id", "r1", "--trials=4"]


class FakeTi:
    """Stands in for the task instance's ``xcom_pull`` in template rendering only."""

    def __init__(self, value: dict) -> None:
        self.value = value

    def xcom_pull(self, task_ids: str) -> dict:
        return self.value


def test_the_monitors_request_is_valid_retrain_conf(dagbag, tmp_path):
    from airflow.sdk.exceptions import ParamValidationError

    from models.monitoring.retrain_request import RetrainRequest, write_request
    from orchestration.airflow_tasks import retrain_conf

    day = dt.date(2026, 2, 14)
    assert retrain_conf(str(tmp_path), day) is None
    request = RetrainRequest(
        day=day,
        models=("churn", "fraud"),
        as_of=dt.date(2026, 2, 13),
        reasons=("score psi 0.31", "realised auc 0.58"),
        alert_id="drift-2026-02-14",
    )
    write_request(tmp_path, request)
    conf = retrain_conf(str(tmp_path), day, ["models.min_positives=5"])
    assert conf == {
        "model": "both",
        "as_of": "2026-02-13",
        "snapshots": None,
        "trials": None,
        "promote": True,
        "reason": "score psi 0.31; realised auc 0.58",
        "alert_id": "drift-2026-02-14",
        "conf_overrides": ["models.min_positives=5"],
    }
    dag = dagbag.dags["telco_risk_retrain"]
    validated = run_params(dag, conf)
    assert validated["model"] == "both" and validated["conf_overrides"] == ["models.min_positives=5"]
    with pytest.raises(ParamValidationError):
        run_params(dag, {**conf, "model": "xgb"})
    with pytest.raises(ParamValidationError):
        run_params(dag, {**conf, "conf_overrides": ["not a setting"]})
    with pytest.raises(ParamValidationError, match="as_of"):
        run_params(dag, {"model": "churn"})


def run_params(dag, conf: dict) -> dict:
    """The params a run triggered with ``conf`` gets, validated as Airflow does."""
    params = copy.deepcopy(dag.params)
    params.update(conf)
    return params.validate()


def test_job_args_drop_empty_arguments_and_append_overrides():
    from orchestration.airflow_tasks import job_args

    assert job_args(["--date", "2026-01-05", "", "--run-id", "r"], ["a.b=1", "c=x y"]) == [
        "--date",
        "2026-01-05",
        "--run-id",
        "r",
        "--conf",
        "a.b=1",
        "--conf",
        "c=x y",
    ]
    assert job_args(["--date", "2026-01-05"], None) == ["--date", "2026-01-05"]


def test_missing_drops_names_each_incomplete_date(tmp_path):
    from orchestration.airflow_tasks import missing_drops
    from tests.landing_builder import write_drop

    days = [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
    for day in days[:2]:
        write_drop(tmp_path, day)
    (tmp_path / "tickets" / "dt=2026-01-06" / "_SUCCESS").unlink()
    missing = missing_drops(tmp_path, days)
    assert list(missing) == [dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
    assert missing[dt.date(2026, 1, 6)] == ["tickets"]
    assert len(missing[dt.date(2026, 1, 7)]) == 10


def test_sensor_times_out_naming_the_missing_feeds(tmp_path):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    from orchestration.airflow_tasks import DropSensor
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
