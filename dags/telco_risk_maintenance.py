"""
### telco-risk Delta maintenance (weekly)

One task, `maintain_tables` (`jobs/maintain_tables.py`): for each table of
`maintenance.tables`, `OPTIMIZE` of the partitions of the last `maintenance.optimize_days`
days (the nightly runs' small files) and `VACUUM` keeping `maintenance.retention_days` of
history, so time travel over the audit period keeps working. Schedule:
`maintenance.cron` in `airflow.timezone` (Sunday 04:00 by default, after the nightly run).

Params: `date` (compact the partitions before this date; default the run's logical date),
`conf_overrides` (`key.path=value` settings for the job).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import CronTriggerTimetable, Param, dag

from orchestration.airflow_tasks import (
    CONF_OVERRIDES,
    SparkJob,
    conf_overrides_param,
    default_args,
    settings,
    spark_submit_kwargs,
)

cfg = settings()


@dag(
    dag_id="telco_risk_maintenance",
    schedule=CronTriggerTimetable(cfg.maintenance.cron, timezone=cfg.airflow.timezone),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["telco-risk", "maintenance"],
    params={
        "date": Param(None, type=["null", "string"], format="date", description="default: the logical date"),
        CONF_OVERRIDES: conf_overrides_param(),
    },
    default_args=default_args(cfg),
)
def telco_risk_maintenance() -> None:
    SparkJob(
        task_id="maintain_tables",
        step="maintain_tables",
        application_args=["--date", "{{ params.date or ds }}"],
        **spark_submit_kwargs(cfg),
    )


telco_risk_maintenance()
