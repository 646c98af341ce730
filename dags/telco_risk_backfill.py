"""
### telco-risk backfill (first loads, the demo)

No schedule. Ingests and builds the features of a whole date range in two `spark-submit`
jobs instead of one nightly run per date:

1. `check_drops` fails at once naming every date and feed of the range without its
   `_SUCCESS` marker (no waiting: a backfill is for data that is already there);
2. `ingest --from --to`: every drop of the range into bronze (drops already ingested with
   the same files are skipped);
3. `features --from --to [--snapshot-every N | --snapshot-dates D,...]`: `silver.cdr_daily`
   for every day of the range, feature snapshots every N days counting back from `to`, or
   only on the dates listed (always on `to`); without either a snapshot on every date.

Params: `from`, `to` (dates), `snapshot_every` (days between feature snapshots) or
`snapshot_dates` (the snapshots a retrain will use, e.g. its training dates),
`conf_overrides` (`key.path=value` settings for both jobs). Nothing is validated or
scored here: the nightly DAG (`telco_risk_nightly`) carries on from `to + 1`, and the
retrain DAG (`telco_risk_retrain`) trains on the snapshots.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, task

from orchestration.airflow_tasks import (
    CONF_OVERRIDES,
    SparkJob,
    conf_overrides_param,
    default_args,
    missing_drops,
    settings,
    spark_submit_kwargs,
)

cfg = settings()
RANGE = ["--from", "{{ params['from'] }}", "--to", "{{ params['to'] }}"]


@task(task_id="check_drops", retries=0)
def check_drops(first: str, last: str) -> dict[str, str]:
    """Fail naming the incomplete drops of [first, last]; else the range (dates only)."""
    from pathlib import Path

    from airflow.sdk.exceptions import AirflowFailException

    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if end < start:
        raise AirflowFailException(f"to {end} is before from {start}")
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    missing = missing_drops(Path(cfg.paths.landing), days)
    if missing:
        lines = "; ".join(f"{day}: {', '.join(feeds)}" for day, feeds in sorted(missing.items()))
        raise AirflowFailException(f"{len(missing)} drop(s) incomplete, no _SUCCESS marker for: {lines}")
    return {"from": first, "to": last}


@dag(
    dag_id="telco_risk_backfill",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["telco-risk", "backfill"],
    params={
        "from": Param(type="string", format="date", description="first date of the range"),
        "to": Param(type="string", format="date", description="last date of the range"),
        "snapshot_every": Param(
            None, type=["null", "integer"], minimum=1, description="days between feature snapshots"
        ),
        "snapshot_dates": Param(
            None,
            type=["null", "array"],
            items={"type": "string", "format": "date"},
            description="feature snapshots only on these dates (and on `to`); instead of snapshot_every",
        ),
        CONF_OVERRIDES: conf_overrides_param(),
    },
    default_args=default_args(cfg),
)
def telco_risk_backfill() -> None:
    submit = spark_submit_kwargs(cfg)
    ingest = SparkJob(task_id="ingest", step="ingest", application_args=RANGE, **submit)
    features = SparkJob(
        task_id="features",
        step="build_features",
        application_args=[
            *RANGE,
            "{% if params.snapshot_every %}--snapshot-every={{ params.snapshot_every }}{% endif %}",
            "{% if params.snapshot_dates %}--snapshot-dates={{ params.snapshot_dates|join(',') }}{% endif %}",
        ],
        **submit,
    )
    check_drops("{{ params['from'] }}", "{{ params['to'] }}") >> ingest >> features


telco_risk_backfill()
