"""Delta Lake read/write helpers: every write is scoped and idempotent."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger("telco_risk.delta_io")


def table_exists(path: str) -> bool:
    return (Path(path) / "_delta_log").is_dir()


def read_table(spark: SparkSession, path: str, version: int | None = None) -> DataFrame:
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(path)


def last_commit(spark: SparkSession, path: str) -> DataFrame:
    """The latest entry of a Delta table's history, in SQL (a Spark Connect client has no
    DeltaTable API without Delta's Connect plugin)."""
    quoted = path.replace("`", "``")
    return spark.sql(f"DESCRIBE HISTORY delta.`{quoted}` LIMIT 1")


def latest_version(spark: SparkSession, path: str) -> int:
    row = last_commit(spark, path).select("version").first()
    return int(row[0]) if row else -1


def date_list_sql(dates: Iterable[dt.date]) -> str:
    """``DATE'2026-01-01', DATE'2026-01-02'`` for an IN (...) predicate."""
    return ", ".join(f"DATE'{d.isoformat()}'" for d in sorted(set(dates)))


# What Delta raises at a commit when a concurrent writer created the table meanwhile (e.g.
# the churn and fraud branches of a retrain run side by side), or changed its protocol or
# metadata. Nothing of the failed write was committed.
CONCURRENT_CREATION = ("DELTA_PROTOCOL_CHANGED", "DELTA_METADATA_CHANGED")


def lost_creation_race(exc: BaseException) -> bool:
    text = str(exc)
    return any(code in text for code in CONCURRENT_CREATION)


def save_retrying_creation(save: Callable[[], None], path: str) -> None:
    """Run ``save`` (one Delta write). When its commit lost to a concurrent writer that
    created the table first, write once more, onto the table that writer made (whether
    the table existed when we started cannot be told from outside: the other writer makes
    ``_delta_log`` before its first commit). Other errors, or a second loss, are raised."""
    try:
        save()
    except Exception as exc:
        if not lost_creation_race(exc):
            raise
        log.warning("%s: a concurrent writer created or changed the table first; writing again", path)
        save()


def replace_where(df: DataFrame, path: str, predicate: str, partition_by: list[str]) -> None:
    """Atomically replace the rows matching ``predicate`` with ``df`` (one Delta commit).

    ``df`` must only hold rows that satisfy the predicate; Delta checks it.
    """
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
    save_retrying_creation(lambda: writer.partitionBy(*partition_by).save(path), path)


def append(df: DataFrame, path: str, partition_by: list[str] | None = None) -> None:
    writer = df.write.format("delta").mode("append")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    save_retrying_creation(lambda: writer.save(path), path)
