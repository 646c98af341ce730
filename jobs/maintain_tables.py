"""Delta maintenance of the tables that grow every night: compact, then vacuum.

Usage: ``telco-risk maintain-tables [--date D]`` (the ``telco_risk_maintenance`` DAG runs it
weekly). Per table of ``maintenance.tables`` that exists:

1. ``OPTIMIZE`` the partitions of the last ``maintenance.optimize_days`` days before D (the
   whole table when it is not partitioned by a date), merging the nightly runs' small files;
2. keep ``maintenance.retention_days`` of history: the table's log and deleted-file
   retention are set to it, and ``VACUUM ... RETAIN`` removes only files that no version
   of that period reads, so time travel over the audit period keeps working.

Running it twice changes nothing the second time (OPTIMIZE skips compacted partitions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from telco_risk import delta_io
from telco_risk.cli_args import config_of, parse_date, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark

log = logging.getLogger("telco_risk.maintenance")


@dataclass(frozen=True)
class TableMaintenance:
    table: str
    compacted: str  # the OPTIMIZE predicate, "all" or "missing"
    files_removed: int
    files_added: int
    retention_days: int

    def summary(self) -> str:
        if self.compacted == "missing":
            return f"{self.table}: does not exist, skipped"
        return (
            f"{self.table}: OPTIMIZE {self.compacted} ({self.files_removed} files -> {self.files_added}),"
            f" VACUUM keeping {self.retention_days} days"
        )


def quoted(path: str) -> str:
    """``delta.`path``` for SQL; a path with a backtick is refused rather than escaped."""
    if "`" in path:
        raise ValueError(f"a table path may not contain a backtick: {path!r}")
    return f"delta.`{path}`"


def recent_partitions(spark: SparkSession, path: str, day: dt.date, days: int) -> str | None:
    """The OPTIMIZE predicate on the table's first partition column when it is a date, else None."""
    detail = spark.sql(f"DESCRIBE DETAIL {quoted(path)}").first()
    columns = list(detail["partitionColumns"]) if detail is not None else []
    if not columns:
        return None
    field = delta_io.read_table(spark, path).schema[columns[0]]
    if not isinstance(field.dataType, T.DateType):
        return None
    first = day - dt.timedelta(days=days)
    return f"{columns[0]} >= DATE'{first.isoformat()}'"


def maintain(spark: SparkSession, cfg: Config, table: str, day: dt.date) -> TableMaintenance:
    """OPTIMIZE the recent partitions of ``table``, then VACUUM it with the retention setting."""
    m = cfg.maintenance
    path = cfg.table_path(table)
    if not delta_io.table_exists(path):
        return TableMaintenance(table, "missing", 0, 0, m.retention_days)
    target = quoted(path)
    predicate = recent_partitions(spark, path, day, m.optimize_days)
    where = f" WHERE {predicate}" if predicate else ""
    metrics = spark.sql(f"OPTIMIZE {target}{where}").first()
    stats = metrics["metrics"] if metrics is not None else None
    removed = int(stats["numFilesRemoved"]) if stats is not None else 0
    added = int(stats["numFilesAdded"]) if stats is not None else 0
    interval = f"interval {m.retention_days} days"
    spark.sql(
        f"ALTER TABLE {target} SET TBLPROPERTIES ("
        f"'delta.logRetentionDuration' = '{interval}', 'delta.deletedFileRetentionDuration' = '{interval}')"
    )
    spark.sql(f"VACUUM {target} RETAIN {m.retention_days * 24} HOURS")
    result = TableMaintenance(table, predicate or "all", removed, added, m.retention_days)
    log.info("%s", result.summary())
    return result


def maintain_tables(spark: SparkSession, cfg: Config, day: dt.date) -> list[TableMaintenance]:
    return [maintain(spark, cfg, table, day) for table in cfg.maintenance.tables]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date",
        type=parse_date,
        default=None,
        help="compact the partitions before this date (default: today)",
    )


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    day = args.date or dt.datetime.now(dt.UTC).date()
    spark = get_spark(cfg, "telco-risk-maintain-tables")
    for result in maintain_tables(spark, cfg, day):
        print(result.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk maintain-tables")


if __name__ == "__main__":
    raise SystemExit(main())
