"""
### telco-risk nightly scoring

Every night (cron `airflow.nightly_cron`, 02:00 by default) this scores **the previous
day**: a run triggered at 2026-02-15 02:00 scores 2026-02-14. Give `score_date` to score
another day by hand; `airflow backfill create --dag-id telco_risk_nightly --from-date ...
--to-date ...` scores a range, one run at a time.

Backfill with one run at a time, oldest first:
`airflow backfill create --dag-id telco_risk_nightly --from-date 2026-02-02 --to-date 2026-02-05
--max-active-runs 1` (a backfill's own limit is 10 runs unless given; `ingest` and
`features` also wait for the previous date's to succeed, since each date builds on the
one before). For a first load of many days, `telco_risk_backfill` is faster.

1. `wait_for_drops` waits (reschedule mode) for every feed's `_SUCCESS` marker of the
   date and fails naming the missing feeds after `airflow.sensor_timeout_minutes`;
2. `ingest` -> `features` -> `validate` -> `score` -> `publish` -> `monitor`, each a
   `spark-submit` of `jobs/<step>.py` through the `spark_default` connection (local by
   default; point the connection at a cluster to run there). A failed quality gate fails
   `validate`, so nothing is scored or published for that date;
3. `retrain_request` reads the monitor's request
   (`<lakehouse>/reports/monitoring/<date>/retrain_request.json`); when there is one,
   `trigger_retrain` starts `telco_risk_retrain` with its params (once per date).

Scores land in `gold.risk_scores` and, atomically, in the BSS table
`subscriber_risk_scores`, every row tagged with this run's id. `conf_overrides` hands
`key.path=value` settings to every job of the run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import BaseOperator, CronTriggerTimetable, Param, dag, task

from orchestration.airflow_tasks import (
    CONF_OVERRIDES,
    SCORE_DATE,
    DropSensor,
    SparkJob,
    conf_overrides_param,
    default_args,
    retrain_conf,
    settings,
    spark_submit_kwargs,
)

cfg = settings()
# task -> its job module under jobs/
STEPS = {
    "ingest": "ingest",
    "features": "build_features",
    "validate": "validate",
    "score": "score",
    "publish": "publish",
    "monitor": "monitor",
}
RUN_ID_STEPS = ("score", "publish", "monitor")
# Steps whose date D builds on D - 1 (duplicates across drops, rolling window state).
SEQUENTIAL_STEPS = ("ingest", "features")


@task.short_circuit(task_id="retrain_request")
def retrain_request(score_date: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The retrain DAG's conf when the monitor asked for one on ``score_date``; else skip."""
    overrides = (params or {}).get(CONF_OVERRIDES) or []
    return retrain_conf(cfg.paths.lakehouse, dt.date.fromisoformat(score_date), overrides)


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
        ),
        CONF_OVERRIDES: conf_overrides_param(),
    },
    default_args=default_args(cfg),
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
    for step, job_module in STEPS.items():
        args = ["--date", SCORE_DATE]
        if step in RUN_ID_STEPS:
            args += ["--run-id", "{{ run_id }}"]
        task = SparkJob(
            task_id=step,
            step=job_module,
            application_args=args,
            # A failed quality gate is a verdict on the data, not a glitch: no retry.
            retries=0 if step == "validate" else cfg.airflow.retries,
            depends_on_past=step in SEQUENTIAL_STEPS,
            **submit,
        )
        previous >> task
        previous = task
    request = retrain_request(SCORE_DATE)
    trigger = TriggerDagRunOperator(
        task_id="trigger_retrain",
        trigger_dag_id="telco_risk_retrain",
        conf=cast("dict[str, Any]", request),  # an XComArg, resolved to the dict at run time
        # One retrain per monitored date, however often this run is repeated.
        trigger_run_id=f"monitor__{SCORE_DATE}",
        skip_when_already_exists=True,
        openlineage_inject_parent_info=False,
    )
    previous >> request >> trigger


telco_risk_nightly()
