"""What the Airflow DAGs share: settings, spark-submit arguments, the drop sensor and the
failure callback. Light on purpose: DAG files import it at parse time, so nothing here
imports Spark, MLflow or XGBoost, or touches the lakehouse outside a task.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowSensorTimeout

from telco_risk.config import PROJECT_ROOT, Config, load_config

log = logging.getLogger("telco_risk.airflow")

JOBS = PROJECT_ROOT / "jobs"
# The date a nightly run scores: an explicit `score_date` param, else the day before the
# run's logical date (in Airflow 3 a cron run's logical date is its trigger time).
SCORE_DATE = "{{ params.score_date or macros.ds_add(ds, -1) }}"


@lru_cache(maxsize=1)
def settings() -> Config:
    """The resolved configuration (read once per parsing process)."""
    return load_config()


def spark_submit_kwargs(cfg: Config) -> dict[str, Any]:
    """SparkSubmitOperator arguments that start a job the way the session factory does."""
    from telco_risk.spark import submit_arguments

    args = submit_arguments(cfg.spark)
    env = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("TELCO_RISK_", "MLFLOW_"))})
    return {
        "conn_id": "spark_default",
        "jars": args["jars"],
        "driver_class_path": args["driver_class_path"],
        "driver_memory": args["driver_memory"],
        "conf": args["conf"],
        "env_vars": env,
    }


def job(name: str) -> str:
    """Path of a job entry point under jobs/."""
    return str(JOBS / f"{name}.py")


def missing_feeds(landing: Path, day: dt.date) -> list[str]:
    from telco_risk.landing import missing_markers

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
