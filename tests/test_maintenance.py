"""Delta maintenance: the recent date partitions are compacted, older ones left alone, the
history kept for time travel, and a missing table skipped."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F

from jobs.maintain_tables import TableMaintenance, maintain_tables, quoted
from telco_risk import delta_io
from telco_risk.tables import CDR_DAILY, RISK_SCORES, SUBSCRIBER_FEATURES

DAY = dt.date(2026, 3, 10)


def _append_small_files(spark, path: str, day: dt.date, files: int) -> None:
    for i in range(files):
        rows = spark.range(i * 10, i * 10 + 10).select(
            F.col("id").cast("string").alias("subscriber_id"), F.lit(day).alias("event_date")
        )
        rows.coalesce(1).write.format("delta").mode("append").partitionBy("event_date").save(path)


def _files_of(spark, path: str, day: dt.date) -> int:
    return (
        delta_io.read_table(spark, path)
        .where(F.col("event_date") == F.lit(day))
        .select("_metadata.file_path")
        .distinct()
        .count()
    )


def test_recent_partitions_are_compacted_and_history_is_kept(spark, cfg):
    cfg = cfg.model_copy(
        update={"maintenance": cfg.maintenance.model_copy(update={"tables": (CDR_DAILY, RISK_SCORES)})}
    )
    path = cfg.table_path(CDR_DAILY)
    old, recent = DAY - dt.timedelta(days=20), DAY - dt.timedelta(days=2)
    _append_small_files(spark, path, old, 3)
    _append_small_files(spark, path, recent, 4)
    before = delta_io.latest_version(spark, path)

    results = maintain_tables(spark, cfg, DAY)

    assert results[0] == TableMaintenance(CDR_DAILY, "event_date >= DATE'2026-03-02'", 4, 1, 30)
    assert results[1] == TableMaintenance(RISK_SCORES, "missing", 0, 0, 30)
    assert _files_of(spark, path, recent) == 1  # four small files -> one
    assert _files_of(spark, path, old) == 3  # outside optimize_days (8): untouched
    # the 30 days of history are kept: every earlier version still reads
    assert delta_io.read_table(spark, path, version=before).count() == 70
    assert delta_io.read_table(spark, path, version=0).count() == 10
    props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {quoted(path)}").collect()}
    assert props["delta.logRetentionDuration"] == "interval 30 days"
    assert props["delta.deletedFileRetentionDuration"] == "interval 30 days"
    # a second run finds nothing to compact and reads the same rows
    again = maintain_tables(spark, cfg, DAY)[0]
    assert (again.files_removed, again.files_added) == (0, 0)
    assert delta_io.read_table(spark, path).count() == 70


def test_a_table_not_partitioned_by_date_is_compacted_whole(spark, cfg):
    cfg = cfg.model_copy(
        update={"maintenance": cfg.maintenance.model_copy(update={"tables": (SUBSCRIBER_FEATURES,)})}
    )
    path = cfg.table_path(SUBSCRIBER_FEATURES)
    for i in range(3):
        spark.range(i * 5, i * 5 + 5).coalesce(1).write.format("delta").mode("append").save(path)
    [result] = maintain_tables(spark, cfg, DAY)
    assert (result.compacted, result.files_removed, result.files_added) == ("all", 3, 1)


def test_a_path_with_a_backtick_is_refused():
    with pytest.raises(ValueError, match="backtick"):
        quoted("/lake/silver/x`; DROP TABLE y")
