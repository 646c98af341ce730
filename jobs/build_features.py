"""Build the CDR daily aggregates and the subscriber feature snapshot, one logical date at a time.

Usage: ``telco-risk features --date D`` or ``--from D1 --to D2`` (in date order).
For a date D:

1. CDR days to build: D, and every earlier day that drop D brought late CDRs for
   (``bronze.cdr`` rows with drop_date = D and event_date < D) — only those days.
2. ``silver.cdr_daily`` and ``silver.cdr_seen_daily`` (distinct other parties / IMEIs per
   subscriber-day, for "new party" counts) for those days, from their raw CDRs only.
3. ``silver.cdr_window_state`` at D: settled window sums rolled from D - 1 (or summed from
   scratch when D - 1 has no state), so the nightly cost does not grow with history.
4. ``silver.subscriber_features`` at D.

Every write replaces only its dates (Delta replaceWhere): rerunning a date gives the same
tables. Drop D must have been ingested (``ops.ingest_runs``) first.

A range (``--from D1 --to D2``, a backfill) builds the CDR days of the whole range first,
``features.backfill_block_days`` at a time in one pass each, then the snapshots in date
order: on every date, or with ``--snapshot-every N`` only every N days counting back from
D2, or with ``--snapshot-dates`` only on the dates listed (D2 always, whose window state
the next nightly run rolls on). Either way the tables are those of nightly runs of the
same dates made after the same drops were ingested.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from features import build_plan
from features.build_report import DateResult, format_block, format_result
from features.catalog import build_catalog, catalog_markdown
from features.cdr_daily import SEEN_COLUMNS, build_cdr_daily, cdr_events
from features.snapshot import SnapshotParams, output_columns, subscriber_features
from features.subscriber_map import snapshot_for_days, subscriber_by_msisdn
from features.window_state import reread_totals, roll_state, settled_state, state_columns, window_totals
from features.windows import UsageWindows
from telco_risk import delta_io
from telco_risk.cli_args import add_dates, config_of, date_list, dates_of, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark
from telco_risk.tables import CDR_DAILY, CDR_SEEN_DAILY, CDR_WINDOW_STATE, SUBSCRIBER_FEATURES

log = logging.getLogger("telco_risk.features")

SEEN_SCHEMA = "subscriber_id string, kind string, value_hash bigint, outgoing boolean, event_date date"
# Session settings while the step runs. Every scan here filters on partition columns, so
# Delta's min/max data skipping prunes nothing, yet it costs a Spark job per scan that
# parses each file's JSON stats (half the nightly time on a small lakehouse).
STEP_CONF = {"spark.databricks.delta.stats.skipping": "false"}


class FeaturesError(ValueError):
    """Features cannot be built for a date; the message says what is missing."""


def params_of(cfg: Config) -> SnapshotParams:
    f = cfg.features
    return SnapshotParams(
        windows=UsageWindows.of(f.windows),
        ticket_windows=tuple(f.ticket_windows),
        early_life_days=f.early_life_days,
        billing_lookback_days=f.billing_lookback_days,
        include_protected=f.include_protected,
    )


def _table(spark: SparkSession, cfg: Config, name: str) -> DataFrame:
    path = cfg.table_path(name)
    if not delta_io.table_exists(path):
        raise FeaturesError(f"{name} does not exist in {cfg.paths.lakehouse}: run `telco-risk ingest` first")
    return delta_io.read_table(spark, path)


def _dates(rows: DataFrame, column: str) -> list[dt.date]:
    """The distinct values of a date column of ``rows``, ascending."""
    return sorted(r[0] for r in rows.select(column).distinct().collect())


def require_ingested(spark: SparkSession, cfg: Config, *dates: dt.date) -> None:
    """Drops ``dates`` must have been ingested for every feed the features read."""
    path = cfg.table_path("ops.ingest_runs")
    done: set[tuple[str, dt.date]] = set()
    if delta_io.table_exists(path):
        rows = (
            delta_io.read_table(spark, path)
            .where(F.col("drop_date").isin(*dates))
            .select("feed", "drop_date")
            .distinct()
            .collect()
        )
        done = {(r.feed, r.drop_date) for r in rows}
    missing = build_plan.missing_feeds(done, dates)
    if missing:
        day = min(missing)
        raise FeaturesError(
            f"drop {day} is not ingested for {', '.join(missing[day])}: run `telco-risk ingest` first"
        )


def late_days(spark: SparkSession, cfg: Config, as_of: dt.date) -> list[dt.date]:
    """Earlier days that drop ``as_of`` brought CDRs for."""
    days = build_plan.late_day_range(as_of, cfg.ingest.max_late_days)
    if days is None:
        return []
    cdr = _table(spark, cfg, "bronze.cdr").where(F.col("drop_date") == F.lit(as_of))
    return _dates(cdr.where(F.col("event_date").between(F.lit(days[0]), F.lit(days[1]))), "event_date")


def snapshot_dates(
    spark: SparkSession, cfg: Config, feed: str, first: dt.date, last: dt.date
) -> list[dt.date]:
    """Snapshot dates of ``bronze.<feed>`` that days of [first, last] may use."""
    lo, hi = build_plan.snapshot_search_range(first, last)
    table = _table(spark, cfg, f"bronze.{feed}")
    return _dates(table.where(F.col("snapshot_date").between(F.lit(lo), F.lit(hi))), "snapshot_date")


def rows_written(spark: SparkSession, path: str) -> int:
    """Rows written by the latest commit of a Delta table (its operation metrics)."""
    row = delta_io.last_commit(spark, path).select("operationMetrics").first()
    metrics = row[0] if row and row[0] else {}
    return int(metrics.get("numOutputRows", 0))


def build_cdr_days(spark: SparkSession, cfg: Config, days: list[dt.date], snapshots: list[dt.date]) -> int:
    """silver.cdr_daily + silver.cdr_seen_daily for ``days`` (replacing them), numbers mapped
    through the subscribers snapshots dated ``snapshots``; returns the cdr_daily rows written."""
    f = cfg.features
    snapshot_of = snapshot_for_days(snapshots, days)
    for day in sorted(set(days) - set(snapshot_of)):
        log.warning("no subscribers snapshot on or before %s: its CDRs cannot be mapped", day)
    subscribers = _table(spark, cfg, "bronze.subscribers")
    mapping = subscriber_by_msisdn(subscribers, snapshot_of)
    cdr = _table(spark, cfg, "bronze.cdr").where(F.col("event_date").isin(*days))
    events = cdr_events(
        cdr,
        mapping,
        day_start_hour=f.day_start_hour,
        evening_start_hour=f.evening_start_hour,
        night_start_hour=f.night_start_hour,
    ).persist(StorageLevel.MEMORY_AND_DISK)
    seen_path = cfg.table_path(CDR_SEEN_DAILY)
    if delta_io.table_exists(seen_path):
        seen_daily = delta_io.read_table(spark, seen_path)
        history = build_plan.seen_history(seen_daily, days, f.new_party_lookback_days)
    else:
        history = spark.createDataFrame([], SEEN_SCHEMA)
    daily, seen = build_cdr_daily(
        events,
        history,
        short_call_seconds=f.short_call_seconds,
        new_party_lookback_days=f.new_party_lookback_days,
    )
    seen = seen.persist(StorageLevel.MEMORY_AND_DISK)
    predicate = f"event_date IN ({delta_io.date_list_sql(days)})"
    try:
        daily_path = cfg.table_path(CDR_DAILY)
        delta_io.replace_where(daily, daily_path, predicate, ["event_date"])
        written = rows_written(spark, daily_path)
        delta_io.replace_where(seen.select(*SEEN_COLUMNS), seen_path, predicate, ["event_date"])
    finally:
        seen.unpersist()
        events.unpersist()
    return written


def _state_for(spark: SparkSession, cfg: Config, as_of: dt.date) -> DataFrame | None:
    """The window state at ``as_of`` when it exists with the configured windows."""
    path = cfg.table_path(CDR_WINDOW_STATE)
    if not delta_io.table_exists(path):
        return None
    table = delta_io.read_table(spark, path)
    expected = {"subscriber_id", "as_of_date", *state_columns(UsageWindows.of(cfg.features.windows))}
    if set(table.columns) != expected:
        return None
    rows = table.where(F.col("as_of_date") == F.lit(as_of))
    return rows if rows.limit(1).count() else None


def _write_state(state: DataFrame, cfg: Config, as_of: dt.date) -> None:
    path = cfg.table_path(CDR_WINDOW_STATE)
    if delta_io.table_exists(path):
        columns = set(delta_io.read_table(state.sparkSession, path).columns)
        if columns != set(state.columns):
            # Windows changed: the state is derived data, rebuilt from cdr_daily as needed.
            log.warning("%s has other windows than the config: replacing the whole table", CDR_WINDOW_STATE)
            state.write.format("delta").mode("overwrite").option("overwriteSchema", "true").partitionBy(
                "as_of_date"
            ).save(path)
            return
    delta_io.replace_where(state, path, f"as_of_date = DATE'{as_of.isoformat()}'", ["as_of_date"])


def window_totals_at(spark: SparkSession, cfg: Config, as_of: dt.date) -> tuple[DataFrame, str]:
    """Window sums over (as_of - w, as_of] for every subscriber with usage, and how they were made."""
    windows, lag = UsageWindows.of(cfg.features.windows), cfg.ingest.max_late_days
    cdr_daily = _table(spark, cfg, CDR_DAILY)
    if cfg.features.window_mode == "reread":
        return reread_totals(cdr_daily, as_of, windows), "reread"
    previous = _state_for(spark, cfg, as_of - dt.timedelta(days=1))
    if previous is not None:
        state, mode = roll_state(previous, cdr_daily, as_of, windows, lag), "rolled"
    else:
        state, mode = settled_state(cdr_daily, as_of, windows, lag), "from_scratch"
    _write_state(state, cfg, as_of)
    current = delta_io.read_table(spark, cfg.table_path(CDR_WINDOW_STATE)).where(
        F.col("as_of_date") == F.lit(as_of)
    )
    return window_totals(current, cdr_daily, as_of, windows, lag), mode


def build_snapshot(
    spark: SparkSession, cfg: Config, as_of: dt.date, totals: DataFrame, subscribers_on: dt.date
) -> int:
    """silver.subscriber_features at ``as_of`` (replacing it); returns rows written."""
    params = params_of(cfg)
    inputs = build_plan.snapshot_inputs(
        lambda feed: _table(spark, cfg, f"bronze.{feed}"), totals, as_of, subscribers_on, params
    )
    rows = subscriber_features(inputs, as_of, params)
    path = cfg.table_path(SUBSCRIBER_FEATURES)
    if delta_io.table_exists(path):
        existing = delta_io.read_table(spark, path).columns
        if existing != rows.columns:
            raise FeaturesError(
                f"{SUBSCRIBER_FEATURES} has other columns than the catalogue for this config (windows or"
                " features.include_protected changed?): use another lakehouse or rebuild every snapshot"
            )
    delta_io.replace_where(rows, path, f"snapshot_date = DATE'{as_of.isoformat()}'", ["snapshot_date"])
    return rows_written(spark, path)


def _subscribers_on(snapshots: list[dt.date], as_of: dt.date) -> dt.date:
    """The subscribers snapshot features at ``as_of`` use (the latest on or before it)."""
    chosen = snapshot_for_days(snapshots, [as_of]).get(as_of)
    if chosen is None:
        raise FeaturesError(f"bronze.subscribers has no snapshot on or before {as_of}")
    return chosen


def snapshot_at(
    spark: SparkSession, cfg: Config, as_of: dt.date, snapshots: list[dt.date]
) -> tuple[int, str]:
    """Window sums and silver.subscriber_features at ``as_of`` (its CDR days built):
    the feature rows written and how the sums were made."""
    subscribers_on = _subscribers_on(snapshots, as_of)
    totals, mode = window_totals_at(spark, cfg, as_of)
    return build_snapshot(spark, cfg, as_of, totals, subscribers_on), mode


def check_config(cfg: Config) -> None:
    short, lag = cfg.features.windows.short, cfg.ingest.max_late_days
    if short <= lag:
        raise FeaturesError(f"features.windows.short ({short}) must exceed ingest.max_late_days ({lag})")


@contextmanager
def session_conf(spark: SparkSession, conf: dict[str, str]) -> Iterator[None]:
    """Apply ``conf`` to the session for the duration of the block, then restore it."""
    before: dict[str, str | None] = {key: spark.conf.get(key, None) for key in conf}
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, old in before.items():
            if old is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, old)


def run_date(spark: SparkSession, cfg: Config, as_of: dt.date) -> DateResult:
    """The whole nightly feature step for one logical date."""
    with session_conf(spark, STEP_CONF):
        return _run_date(spark, cfg, as_of)


def _run_date(spark: SparkSession, cfg: Config, as_of: dt.date) -> DateResult:
    check_config(cfg)
    started = time.perf_counter()
    require_ingested(spark, cfg, as_of)
    late = late_days(spark, cfg, as_of)
    days = [*late, as_of]
    snapshots = snapshot_dates(spark, cfg, "subscribers", min(days), as_of)
    _subscribers_on(snapshots, as_of)
    cdr_rows = build_cdr_days(spark, cfg, days, snapshots)
    feature_rows, mode = snapshot_at(spark, cfg, as_of, snapshots)
    return DateResult(
        as_of, tuple(days), tuple(late), cdr_rows, feature_rows, mode, time.perf_counter() - started
    )


def backfill(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    snapshot_every: int = 1,
    snapshot_on: list[dt.date] | None = None,
) -> list[DateResult]:
    """CDR days of the whole range in blocks, then the snapshots of ``snapshot_days``."""
    with session_conf(spark, STEP_CONF):
        check_config(cfg)
        ordered = sorted(set(dates))
        chosen = build_plan.snapshot_days(ordered, snapshot_every, snapshot_on)
        require_ingested(spark, cfg, *ordered)
        days = sorted({*late_days(spark, cfg, ordered[0]), *ordered})
        snapshots = snapshot_dates(spark, cfg, "subscribers", days[0], days[-1])
        for block in build_plan.blocks(days, cfg.features.backfill_block_days):
            started = time.perf_counter()
            rows = build_cdr_days(spark, cfg, block, snapshots)
            print(format_block(block, rows, time.perf_counter() - started), flush=True)
        results = []
        for as_of in chosen:
            started = time.perf_counter()
            feature_rows, mode = snapshot_at(spark, cfg, as_of, snapshots)
            result = DateResult(as_of, (), (), 0, feature_rows, mode, time.perf_counter() - started)
            print(format_result(result), flush=True)
            results.append(result)
    return results


def run(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    snapshot_every: int = 1,
    snapshot_on: list[dt.date] | None = None,
) -> list[DateResult]:
    """One date: the nightly step (``run_date``); several: a ``backfill``."""
    if len(set(dates)) == 1 and snapshot_every == 1 and not snapshot_on:
        result = run_date(spark, cfg, dates[0])
        print(format_result(result), flush=True)
        return [result]
    return backfill(spark, cfg, dates, snapshot_every, snapshot_on)


def expected_feature_columns(cfg: Config) -> list[str]:
    """Columns of silver.subscriber_features for this config: keys then the catalogue's."""
    return ["subscriber_id", "snapshot_date", *output_columns(params_of(cfg))]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dates(parser)
    parser.add_argument(
        "--catalog", action="store_true", help="print the feature catalogue (markdown) and exit"
    )
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=1,
        metavar="N",
        help="with --from/--to: a feature snapshot only every N days counting back from --to",
    )
    parser.add_argument(
        "--snapshot-dates",
        type=date_list,
        default=None,
        metavar="D,D,...",
        help="with --from/--to: feature snapshots only on these dates (and on --to)",
    )


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    if args.catalog:
        params = params_of(cfg)
        print(catalog_markdown(build_catalog(params.windows, params.ticket_windows)), end="")
        return 0
    dates = dates_of(args)
    if args.snapshot_dates is not None and args.snapshot_every != 1:
        raise ValueError("give either --snapshot-every or --snapshot-dates, not both")
    spark = get_spark(cfg, "telco-risk-features")
    run(spark, cfg, dates, snapshot_every=args.snapshot_every, snapshot_on=args.snapshot_dates)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk features")


if __name__ == "__main__":
    raise SystemExit(main())
