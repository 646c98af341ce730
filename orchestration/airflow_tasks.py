"""What the Airflow DAGs share: settings, the spark-submit job operator, params, the drop
sensor and the failure callback. Light on purpose: DAG files import it at parse time, so
nothing here imports Spark, MLflow or XGBoost, or touches the lakehouse outside a task.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseSensorOperator, Param
from airflow.sdk.exceptions import AirflowSensorTimeout

from telco_risk.config import ENV_VARS, PROJECT_ROOT, Config, load_config

log = logging.getLogger("telco_risk.airflow")

JOBS = PROJECT_ROOT / "jobs"
# The date a nightly run scores: an explicit `score_date` param, else the day before the
# run's logical date (in Airflow 3 a cron run's logical date is its trigger time).
SCORE_DATE = "{{ params.score_date or macros.ds_add(ds, -1) }}"
CONF_OVERRIDES = "conf_overrides"


@lru_cache(maxsize=1)
def settings() -> Config:
    """The resolved configuration (read once per parsing process)."""
    return load_config()


def spark_submit_kwargs(cfg: Config) -> dict[str, Any]:
    """SparkSubmitOperator arguments that start a job the way the session factory does."""
    from telco_risk.spark import submit_arguments

    args = submit_arguments(cfg.spark)
    env = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    # The environment overlay and the absolute paths this DAG was parsed with (jobs resolve
    # relative paths against their own working directory). Nothing secret goes here: these
    # are rendered into the task's fields; keys and passwords reach the job from the
    # worker's own environment, which spark-submit inherits.
    env["TELCO_RISK_ENV"] = cfg.env
    if os.environ.get("TELCO_RISK_CONF_DIR"):
        env["TELCO_RISK_CONF_DIR"] = os.environ["TELCO_RISK_CONF_DIR"]
    env.update(resolved_paths(cfg))
    return {
        "conn_id": "spark_default",
        "jars": args["jars"],
        "driver_class_path": args["driver_class_path"],
        "driver_memory": args["driver_memory"],
        # The job sets WARN once its session is up; this quiets the JVM's start-up too.
        "conf": {**cast(dict[str, str], args["conf"]), "spark.log.level": "WARN"},
        "env_vars": env,
    }


def resolved_paths(cfg: Config) -> dict[str, str]:
    """The path settings of ``cfg`` as the environment variables that set them."""
    values = cfg.model_dump()
    return {var: str(values[section][key]) for var, (section, key) in ENV_VARS.items()}


def job(name: str) -> str:
    """Path of a job entry point under jobs/."""
    return str(JOBS / f"{name}.py")


def conf_overrides_param() -> Param:
    """The ``conf_overrides`` param every DAG has: ``key.path=value`` settings handed to
    each job of the run as ``--conf`` (e.g. ``models.min_positives=10``)."""
    return Param(
        [],
        type="array",
        items={"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_.]*=.*$"},
        description="extra settings for every job of this run, as `key.path=value` (like --conf)",
    )


def job_args(args: Iterable[Any], overrides: Iterable[str] | None) -> list[str]:
    """Rendered job arguments without the empty ones (optional flags), then ``--conf`` per override."""
    kept = [str(a) for a in args if str(a) != ""]
    for item in overrides or ():
        kept += ["--conf", item]
    return kept


def xcom(task_id: str, key: str) -> str:
    """Template of one id that task ``task_id`` returned (a SparkJob's result)."""
    return f"{{{{ ti.xcom_pull(task_ids='{task_id}')['{key}'] }}}}"


class SparkJob(SparkSubmitOperator):
    """``spark-submit`` of ``jobs/<step>.py`` with the run's ``conf_overrides``.

    Arguments that render empty are dropped, so a template can hold an optional flag. With
    ``returns_ids`` the job writes its ids (``--result-file``) and they become the task's
    XCom; the file lies beside the driver, so that needs client deploy mode (the default).
    """

    def __init__(self, *, step: str, returns_ids: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("name", f"telco-risk-{step}")
        super().__init__(application=job(step), **kwargs)
        self.returns_ids = returns_ids

    def execute(self, context: Any) -> Any:
        args = job_args(self.application_args or [], context["params"].get(CONF_OVERRIDES))
        with tempfile.TemporaryDirectory(prefix="telco-risk-job-") as tmp:
            result = Path(tmp) / "result.json"
            self.application_args = [*args, "--result-file", str(result)] if self.returns_ids else args
            self._hook = None  # built from application_args
            super().execute(context)
            if not self.returns_ids:
                return None
            if not result.is_file():
                raise RuntimeError(f"{self.task_id}: the job finished without writing its result")
            return json.loads(result.read_text(encoding="utf-8"))


def retrain_conf(lakehouse: str, day: dt.date, overrides: list[str] | None = None) -> dict[str, Any] | None:
    """The ``telco_risk_retrain`` conf the monitor asked for on ``day``, or None.

    The nightly run's own ``conf_overrides`` travel along, so the retrain sees the same settings.
    """
    from models.monitoring.retrain_request import read_request

    request = read_request(lakehouse, day)
    if request is None:
        log.info("monitor %s: no retrain requested", day)
        return None
    conf = request.dag_conf()
    if overrides:
        conf[CONF_OVERRIDES] = list(overrides)
    log.info(
        "monitor %s asked to retrain %s (alert %s): %s", day, conf["model"], request.alert_id, conf["reason"]
    )
    return conf


def missing_drops(landing: Path, days: Iterable[dt.date]) -> dict[dt.date, list[str]]:
    """Days of ``days`` whose drop lacks ``_SUCCESS`` markers -> the feeds missing."""
    missing = {day: missing_feeds(landing, day) for day in days}
    return {day: feeds for day, feeds in missing.items() if feeds}


def missing_feeds(landing: Path, day: dt.date) -> list[str]:
    from ingestion.landing_zone import missing_markers

    return missing_markers(landing, day)


class DropSensor(BaseSensorOperator):
    """Waits until every feed of the scored date has its ``_SUCCESS`` marker; on timeout it
    fails naming the feeds still missing."""

    template_fields = ("score_date",)

    def __init__(self, *, score_date: str, landing: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.score_date = score_date
        self.landing = landing
        self._missing: list[str] = []

    def poke(self, context: Any) -> bool:
        day = dt.date.fromisoformat(self.score_date)
        self._missing = missing_feeds(Path(self.landing), day)
        if self._missing:
            log.info("drop %s: waiting for _SUCCESS of %s", day, ", ".join(self._missing))
        return not self._missing

    def execute(self, context: Any) -> Any:
        try:
            return super().execute(context)
        except AirflowSensorTimeout as exc:
            missing = ", ".join(self._missing) or "unknown"
            raise AirflowSensorTimeout(
                f"drop {self.score_date} incomplete: no _SUCCESS marker for feeds: {missing} ({exc})"
            ) from exc


def default_args(cfg: Config) -> dict[str, Any]:
    """Owner, retries with exponential backoff and the failure callback, for every DAG."""
    return {
        "owner": cfg.airflow.owner,
        "retries": cfg.airflow.retries,
        "retry_delay": dt.timedelta(minutes=cfg.airflow.retry_delay_minutes),
        "retry_exponential_backoff": True,
        "on_failure_callback": on_failure,
    }


def on_failure(context: Any) -> None:
    """Log which step failed, for which date, and why (one line an operator can grep)."""
    ti = context.get("ti") or context.get("task_instance")
    step = getattr(ti, "task_id", "?")
    params = context.get("params") or {}
    logical = context.get("logical_date")
    log.error(
        "telco-risk %s: step %s failed (logical date %s, params %s): %s",
        getattr(context.get("dag"), "dag_id", "?"),
        step,
        logical,
        dict(params),
        context.get("exception"),
    )
