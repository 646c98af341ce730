"""Reads for the gate: one date's frames, previous dates' volumes and column profiles.

Every read is scoped to the dates it needs (partition / file-statistics pruning); whole
tables are never collected to the driver, only small aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from expectations.history_reference import ColumnProfile, DayProfile
from expectations.silver_suites import PROFILE_BOUNDS_SCHEMA, ProfileBound
from ingestion.feed_contract import Feed
from telco_risk import delta_io
from telco_risk.config import Config
from telco_risk.tables import INGEST_RUNS


def _table(spark: SparkSession, cfg: Config, name: str) -> DataFrame | None:
    path = cfg.table_path(name)
    return delta_io.read_table(spark, path) if delta_io.table_exists(path) else None


def bronze_frame(spark: SparkSession, cfg: Config, feed: Feed, date: dt.date) -> DataFrame | None:
    """The rows of drop ``date``: ``drop_date = D`` (event feeds), ``snapshot_date = D``."""
    df = _table(spark, cfg, f"bronze.{feed.name}")
    column = "drop_date" if feed.kind == "event" else "snapshot_date"
    return None if df is None else df.where(F.col(column) == F.lit(date))


def dated_frame(
    spark: SparkSession, cfg: Config, table: str, date_column: str, date: dt.date
) -> DataFrame | None:
    df = _table(spark, cfg, table)
    return None if df is None else df.where(F.col(date_column) == F.lit(date))


def _latest_runs(runs: DataFrame) -> DataFrame:
    """One row per (feed, drop_date): the latest ingestion run's counts."""
    latest = F.max_by(F.struct("rows_read", "rows_accepted", "rows_quarantined"), "ingested_at")
    return runs.groupBy("feed", "drop_date").agg(latest.alias("r")).select("feed", "drop_date", "r.*")


def ingest_frame(
    spark: SparkSession, cfg: Config, date: dt.date, max_rates: Mapping[str, float], min_rows_read: int
) -> DataFrame | None:
    """Per feed for drop ``date``: rows_read, rows_accepted, rows_quarantined,
    unaccounted (read - accepted - quarantined), quarantine_rate (0 when nothing read)
    and max_quarantine_rate (null when fewer than ``min_rows_read`` rows were read)."""
    runs = _table(spark, cfg, INGEST_RUNS)
    if runs is None:
        return None
    latest = _latest_runs(runs.where(F.col("drop_date") == F.lit(date)))
    rate = F.coalesce(F.try_divide(F.col("rows_quarantined"), F.col("rows_read")), F.lit(0.0))
    limits = F.create_map(*[F.lit(x) for feed, r in max_rates.items() for x in (feed, float(r))])
    return latest.select(
        "feed",
        "rows_read",
        "rows_accepted",
        "rows_quarantined",
        (F.col("rows_read") - F.col("rows_accepted") - F.col("rows_quarantined")).alias("unaccounted"),
        rate.cast("double").alias("quarantine_rate"),
        F.when(F.col("rows_read") >= min_rows_read, limits[F.col("feed")])
        .cast("double")
        .alias("max_quarantine_rate"),
    )


def ingest_history(spark: SparkSession, cfg: Config, date: dt.date, days: int) -> dict[str, list[int]]:
    """Per feed: rows accepted by the drops of the ``days`` dates before ``date`` (the
    latest run of each drop), oldest first."""
    runs = _table(spark, cfg, INGEST_RUNS)
    if runs is None:
        return {}
    start = date - dt.timedelta(days=days)
    window = runs.where((F.col("drop_date") >= F.lit(start)) & (F.col("drop_date") < F.lit(date)))
    rows = _latest_runs(window).select("feed", "drop_date", "rows_accepted").collect()
    out: dict[str, list[int]] = {}
    for r in sorted(rows, key=lambda r: (r.feed, r.drop_date)):
        out.setdefault(r.feed, []).append(int(r.rows_accepted))
    return out


def _profile_aggs(cols: Sequence[tuple[str, bool]]) -> list[Column]:
    aggs = [F.count(F.lit(1)).alias("_rows")]
    for i, (name, numeric) in enumerate(cols):
        aggs.append(F.count(F.col(name)).alias(f"n{i}"))
        if numeric:
            value = F.col(name).cast("double")
            aggs += [
                F.min(value).alias(f"lo{i}"),
                F.max(value).alias(f"hi{i}"),
                F.avg(value).alias(f"m{i}"),
                F.var_pop(value).alias(f"v{i}"),
            ]
    return aggs


def _profile(day: dt.date | None, d: dict[str, Any], cols: Sequence[tuple[str, bool]]) -> DayProfile:
    columns = {
        name: ColumnProfile(int(d[f"n{i}"]), d.get(f"m{i}"), d.get(f"v{i}"), d.get(f"lo{i}"), d.get(f"hi{i}"))
        for i, (name, _) in enumerate(cols)
    }
    return DayProfile(day, int(d["_rows"]), columns)


def day_profiles(
    spark: SparkSession,
    cfg: Config,
    table: str,
    date_column: str,
    date: dt.date,
    days: int,
    columns: Sequence[tuple[str, bool]],
) -> list[DayProfile]:
    """Per date of [date - days, date], oldest first: rows and, per ``(column, numeric)``
    present in the table, its non-null count (and min, max, mean, population variance when
    numeric). One grouped aggregate: date D's profile and the reference period's in one pass."""
    df = _table(spark, cfg, table)
    if df is None:
        return []
    cols = [(c, numeric) for c, numeric in columns if c in set(df.columns)]
    start = date - dt.timedelta(days=days)
    rows = (
        df.where((F.col(date_column) >= F.lit(start)) & (F.col(date_column) <= F.lit(date)))
        .groupBy(date_column)
        .agg(*_profile_aggs(cols))
        .collect()
    )
    return [_profile(r[date_column], r.asDict(), cols) for r in sorted(rows, key=lambda r: r[date_column])]


def frame_profile(df: DataFrame, columns: Sequence[tuple[str, bool]]) -> DayProfile:
    """The profile of a whole frame (a training set), as ``day_profiles`` gives per date."""
    cols = [(c, numeric) for c, numeric in columns if c in set(df.columns)]
    row = df.agg(*_profile_aggs(cols)).first()
    return _profile(None, row.asDict() if row is not None else {"_rows": 0}, cols)


def profile_frame(
    spark: SparkSession, bounds: Sequence[ProfileBound], profile: DayProfile | None
) -> DataFrame:
    """One row per bound's column: the bounds plus ``rows``, ``null_share``, ``min``,
    ``max`` and ``mean`` from ``profile`` (null where the column or the date is missing)."""
    rows = []
    for b in bounds:
        stats = profile.columns.get(b.column) if profile is not None else None
        n = profile.rows if profile is not None else 0
        share = None if stats is None or n == 0 else 1.0 - stats.non_null / n
        values = (None, None, None) if stats is None else (stats.min, stats.max, stats.mean)
        rows.append((*b.__dict__.values(), n, share, *values))
    schema = PROFILE_BOUNDS_SCHEMA + ", rows long, null_share double, min double, max double, mean double"
    return spark.createDataFrame(rows, schema)
