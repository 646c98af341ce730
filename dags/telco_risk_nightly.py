"""
### telco-risk nightly scoring

Every night (cron `airflow.nightly_cron`, 02:00 by default) this scores **the previous
day**: a run triggered at 2026-02-15 02:00 scores 2026-02-14. Give `score_date` to score
another day by hand; `airflow backfill create --dag-id telco_risk_nightly --from-date ...
--to-date ...` scores a range, one run at a time.

1. `wait_for_drops` waits (reschedule mode) for every feed's `_SUCCESS` marker of the
   date and fails naming the missing feeds after `airflow.sensor_timeout_minutes`;
2. `ingest` -> `features` -> `validate` -> `score` -> `publish` -> `monitor`, each a
   `spark-submit` of `jobs/<step>.py` through the `spark_default` connection (local by
   default; point the connection at a cluster to run there). A failed quality gate fails
   `validate`, so nothing is scored or published for that date.

Scores land in `gold.risk_scores` and, atomically, in the BSS table
`subscriber_risk_scores`, every row tagged with this run's id.
"""

from __future__ import annotations

import datetime as dt

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseOperator, CronTriggerTimetable, Param, dag

from telco_risk.orchestration import SCORE_DATE, DropSensor, job, on_failure, settings, spark_submit_kwargs

cfg = settings()
STEPS = ("ingest", "features", "validate", "score", "publish", "monitor")
RUN_ID_STEPS = ("score", "publish", "monitor")


@dag(
    dag_id="telco_risk_nightly",
    # A trigger timetable: the logical date is the trigger time, so yesterday is ds - 1.
    schedule=CronTriggerTimetable(cfg.airflow.nightly_cron, timezone=cfg.airflow.timezone),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["telco-risk", "scoring", "nightly"],
    params={
        "score_date": Param(
            None, type=["null", "string"], format="date", description="score this date instead of yesterday"
        )
    },
    default_args={
        "owner": cfg.airflow.owner,
        "retries": cfg.airflow.retries,
        "retry_delay": dt.timedelta(minutes=cfg.airflow.retry_delay_minutes),
        "retry_exponential_backoff": True,
        "on_failure_callback": on_failure,
    },
)
def telco_risk_nightly() -> None:
    wait = DropSensor(
        task_id="wait_for_drops",
        score_date=SCORE_DATE,
        landing=cfg.paths.landing,
        mode="reschedule",
        poke_interval=dt.timedelta(minutes=cfg.airflow.sensor_poke_minutes),
        timeout=dt.timedelta(minutes=cfg.airflow.sensor_timeout_minutes),
        retries=0,
    )
    submit = spark_submit_kwargs(cfg)
    previous: BaseOperator = wait
    for step in STEPS:
        args = ["--date", SCORE_DATE]
        if step in RUN_ID_STEPS:
            args += ["--run-id", "{{ run_id }}"]
        task = SparkSubmitOperator(
            task_id=step,
            application=job(step),
            application_args=args,
            name=f"telco-risk-{step}",
            # A failed quality gate is a verdict on the data, not a glitch: no retry.
            retries=0 if step == "validate" else cfg.airflow.retries,
            **submit,
        )
        previous >> task
        previous = task


telco_risk_nightly()
