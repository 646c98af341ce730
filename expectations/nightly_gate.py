"""The data quality gate: every suite of a date through GX checkpoints, results kept.

``run_gate(spark, cfg, date)`` validates the tables of ``quality.tables`` for ``date``
(each frame read once and cached while its suite runs), appends every check result to
``ops.quality_results``, the verdict to ``ops.quality_gate`` and writes the data docs
under ``<lakehouse>/reports/data_docs``. A check whose severity is ``fail`` fails the
gate; ``warn`` checks are reported only. ``gate_passed(spark, cfg, date)`` tells a later
step (publish) whether the date's latest nightly gate passed.
``validate_training_set(spark, cfg, df, model_name)`` checks a training set the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from expectations import frames
from expectations.bronze_suites import BronzeRules, bronze_suite
from expectations.checks import Check, Suite
from expectations.gx_runner import GxRunner
from expectations.history_reference import pool_reference
from expectations.ingest_suites import ingest_suite
from expectations.quality_results import NIGHTLY, CheckResult, GateResult, gate_passed, record
from expectations.runs import (
    column_specs,
    docs_dir,
    new_run_id,
    now_utc,
    profiled_columns,
    severity_of,
    validate_profile,
)
from expectations.silver_suites import DerivedRules, derived_suite
from expectations.training_set_gate import validate_training_set
from expectations.volume import VolumeBounds, volume_bounds
from ingestion.feed_contract import FEEDS
from telco_risk.config import Config
from telco_risk.quality_settings import QualityConfig
from telco_risk.tables import INGEST_RUNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["GateResult", "gate_passed", "run_gate", "severity_of", "validate_training_set"]

log = logging.getLogger("telco_risk.validate")
PARTIAL = "partial"  # a run restricted to some tables: never counts as the nightly gate


@dataclass
class _Run:
    """What one gate run shares between tables: the runner, and the ingest history."""

    spark: SparkSession
    cfg: Config
    date: dt.date
    runner: GxRunner
    ingest_history: dict[str, list[int]] | None = None
    results: list[CheckResult] = field(default_factory=list)

    def severity(self, table: str, check: Check) -> str:
        return severity_of(self.cfg.quality, table, check)


def run_gate(
    spark: SparkSession,
    cfg: Config,
    date: dt.date,
    tables: Sequence[str] | None = None,
    run_id: str | None = None,
) -> GateResult:
    """Validate ``date``'s tables (all of ``quality.tables``, or only ``tables``: a
    partial run that never counts as the date's nightly gate) and record the outcome."""
    q = cfg.quality
    selected = list(q.tables) if tables is None else _known(q, tables)
    run_id = run_id or new_run_id()
    runner = GxRunner(run_id, docs_dir(cfg) if q.data_docs else None, q.sample_size)
    run = _Run(spark, cfg, date, runner)
    for table in selected:
        started = time.monotonic()
        run.results += _validate_table(run, table)
        log.info("validated %s for %s in %.1f s", table, date, time.monotonic() - started)
    gate = GateResult(
        run_id=run_id,
        date=date,
        scope=NIGHTLY if tables is None else PARTIAL,
        tables=selected,
        results=run.results,
        validated_at=now_utc(),
        data_docs=runner.build_docs(),
    )
    record(spark, cfg, gate)
    return gate


def _known(q: QualityConfig, tables: Sequence[str]) -> list[str]:
    unknown = [t for t in tables if t not in q.tables]
    if unknown:
        raise ValueError(f"unknown table(s) {unknown}; the gate validates {list(q.tables)}")
    return [t for t in q.tables if t in tables]


def _validate_table(run: _Run, table: str) -> list[CheckResult]:
    cfg, date, q = run.cfg, run.date, run.cfg.quality
    if table == INGEST_RUNS:
        rates = {f: q.quarantine.max_rate_by_feed.get(f, q.quarantine.max_rate) for f in _feeds(q)}
        frame = frames.ingest_frame(run.spark, cfg, date, rates, q.quarantine.min_rows_read)
    elif table.startswith("bronze."):
        frame = frames.bronze_frame(run.spark, cfg, FEEDS[table.removeprefix("bronze.")], date)
    else:
        frame = frames.dated_frame(run.spark, cfg, table, q.derived[table].date_column, date)
    if frame is None:
        return [_missing(run, table)]
    frame = frame.persist()
    try:
        rows = frame.count()
        if table == INGEST_RUNS:
            return run.runner.validate(
                ingest_suite(date, _feeds(q), q.quarantine.min_rows_read), frame, run.severity
            )
        if table.startswith("bronze."):
            return run.runner.validate(_bronze(run, table, rows), frame, run.severity)
        return _validate_derived(run, table, frame, rows)
    finally:
        frame.unpersist()


def _feeds(q: QualityConfig) -> list[str]:
    return [t.removeprefix("bronze.") for t in q.tables if t.startswith("bronze.")] or list(FEEDS)


def _missing(run: _Run, table: str) -> CheckResult:
    check = Check("freshness:table", "freshness", "table_exists", {}, f"{table} exists in the lakehouse")
    return CheckResult(
        table=table,
        suite=table,
        check=check.check_id,
        kind=check.kind,
        expectation=check.expectation,
        column=None,
        severity=run.severity(table, check),
        success=False,
        observed_value=f"no Delta table at {run.cfg.table_path(table)}",
        description=check.description,
    )


def _bronze(run: _Run, table: str, rows: int) -> Suite:
    q, date = run.cfg.quality, run.date
    feed = FEEDS[table.removeprefix("bronze.")]
    if run.ingest_history is None:
        run.ingest_history = frames.ingest_history(run.spark, run.cfg, date, q.volume.history_days)
    rules = BronzeRules(
        date=date,
        max_late_days=run.cfg.ingest.max_late_days,
        daily=feed.name in q.daily_feeds,
        row_count=rows,
        min_rows_for_shares=q.distribution.min_rows,
        volume=_volume(q, table, run.ingest_history.get(feed.name, [])),
    )
    return bronze_suite(feed, rules)


def _volume(q: QualityConfig, table: str, history: list[int]) -> VolumeBounds | None:
    tolerance = q.volume.tolerance_by_table.get(table, q.volume.tolerance)
    return volume_bounds(history, tolerance, q.volume.min_history_days, q.volume.min_median_rows)


def _validate_derived(run: _Run, table: str, frame: DataFrame, rows: int) -> list[CheckResult]:
    """The table suite on the date's rows, the profile suite on its column profile."""
    q, date = run.cfg.quality, run.date
    spec = q.derived[table]
    columns = column_specs(
        run.cfg, spec.columns_from, spec.non_negative, frame, [*spec.key, spec.date_column]
    )
    days = max(q.volume.history_days, q.distribution.reference_days)
    profiles = frames.day_profiles(
        run.spark, run.cfg, table, spec.date_column, date, days, profiled_columns(frame, columns)
    )
    today = next((p for p in profiles if p.date == date), None)
    past = [p for p in profiles if p.date != date]
    volume_start = date - dt.timedelta(days=q.volume.history_days)
    recent = [p.rows for p in past if p.date is not None and p.date >= volume_start]
    reference_start = date - dt.timedelta(days=q.distribution.reference_days)
    rules = DerivedRules(
        date=date,
        date_column=spec.date_column,
        key=spec.key,
        row_count=rows,
        min_rows_for_shares=q.distribution.min_rows,
        mean_tolerance_sd=q.distribution.mean_tolerance_sd,
        null_share_tolerance=q.distribution.null_share_tolerance,
        volume=_volume(q, table, recent),
        reference=pool_reference(
            [p for p in past if p.date is not None and p.date >= reference_start],
            q.distribution.min_reference_days,
        ),
    )
    results = run.runner.validate(derived_suite(table, columns, rules), frame, run.severity)
    results += validate_profile(run.spark, run.runner, q, table, frame, columns, rules, today)
    return results
