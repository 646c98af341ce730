"""Read landing files into raw all-text DataFrames (IO edge of the ingestion).

Output columns: every contract column of the feed as text (missing optional columns as
null), ``_corrupt``, ``drop_date``, ``source_file``, ``raw_content``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import reduce

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from ingestion.feed_contract import Feed
from ingestion.landing_zone import FileProbe

QUARANTINE_SCHEMA = StructType(
    [
        StructField("feed", StringType(), False),
        StructField("drop_date", StringType(), False),
        StructField("source_file", StringType(), False),
        StructField("reason_code", StringType(), False),
        StructField("reason", StringType(), False),
        StructField("raw_content", StringType(), True),
    ]
)


def _path_meta() -> tuple[SparkColumn, SparkColumn]:
    path = F.col("_metadata.file_path")
    drop_date = F.to_date(F.regexp_extract(path, r"dt=(\d{4}-\d{2}-\d{2})", 1))
    source = F.regexp_extract(path, r"([^/]+/dt=[0-9-]+/[^/]+)$", 1)
    return drop_date, source


def _conform(df: DataFrame, feed: Feed, header: tuple[str, ...]) -> DataFrame:
    drop_date, source = _path_meta()
    present = [c for c in header if c != "_corrupt"]
    raw_json = F.to_json(F.struct(*[F.col(f"`{c}`") for c in present]))
    corrupt = F.col("_corrupt") if "_corrupt" in df.columns else F.lit(None).cast("string")
    cols = [
        (F.col(f"`{c}`").cast("string") if c in header else F.lit(None).cast("string")).alias(c)
        for c in feed.column_names
    ]
    return df.select(
        *cols,
        corrupt.alias("_corrupt"),
        drop_date.alias("drop_date"),
        source.alias("source_file"),
        F.coalesce(corrupt, raw_json).alias("raw_content"),
    )


def read_csv_group(spark: SparkSession, feed: Feed, header: tuple[str, ...], paths: list[str]) -> DataFrame:
    """CSV files sharing one header, every column as text (RFC 4180 quoting)."""
    schema = StructType(
        [StructField(c, StringType(), True) for c in header] + [StructField("_corrupt", StringType(), True)]
    )
    df = spark.read.csv(
        paths,
        schema=schema,
        header=True,
        mode="PERMISSIVE",
        columnNameOfCorruptRecord="_corrupt",
        encoding="UTF-8",
        quote='"',
        escape='"',
        multiLine=False,
    )
    return _conform(df, feed, header)


def read_parquet_group(
    spark: SparkSession, feed: Feed, header: tuple[str, ...], paths: list[str]
) -> DataFrame:
    return _conform(spark.read.parquet(*paths), feed, header)


def empty_raw(spark: SparkSession, feed: Feed) -> DataFrame:
    fields = [StructField(c, StringType(), True) for c in feed.column_names]
    fields += [StructField("_corrupt", StringType(), True)]
    schema = StructType(fields)
    df = spark.createDataFrame([], schema)
    return df.select(
        *feed.column_names,
        "_corrupt",
        F.lit(None).cast("date").alias("drop_date"),
        F.lit(None).cast("string").alias("source_file"),
        F.lit(None).cast("string").alias("raw_content"),
    )


def read_raw(spark: SparkSession, feed: Feed, probes: list[FileProbe]) -> DataFrame:
    """All readable files of the feed, grouped by format and header, unioned by name."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for p in probes:
        if p.problem is None:
            groups[(p.format, p.header)].append(str(p.path))
    frames = [
        (read_parquet_group if fmt == "parquet" else read_csv_group)(spark, feed, header, paths)
        for (fmt, header), paths in sorted(groups.items())
    ]
    if not frames:
        return empty_raw(spark, feed)
    return reduce(lambda a, b: a.unionByName(b), frames)


def broken_file_rows(
    spark: SparkSession, feed: Feed, probes: list[FileProbe], drop_of: dict[str, dt.date]
) -> DataFrame:
    """Quarantine rows for files that cannot be read whole: every line they still hold
    (salvaged from a truncated gzip, or all lines under a wrong header), or one row
    naming the file when nothing is readable."""
    frames: list[DataFrame] = []
    listed: list[tuple[str, str, str, str, str, str | None]] = []
    for p in probes:
        if p.problem is None:
            continue
        code = (
            "corrupt_file"
            if "gzip" in p.problem or "parquet" in p.problem or "UTF-8" in p.problem
            else "bad_header"
        )
        reason = f"{code}: {p.relative}: {p.problem}"
        drop = drop_of[p.relative].isoformat()
        if p.salvaged_lines:
            listed.extend((feed.name, drop, p.relative, code, reason, line) for line in p.salvaged_lines)
        elif code == "bad_header" and p.format == "csv":
            lines = spark.read.text(str(p.path)).where(F.trim("value") != "")
            # The header line is not a row; the first line of the file is dropped by content.
            header_line = ",".join(p.header)
            frames.append(
                lines.where(F.col("value") != F.lit(header_line)).select(
                    F.lit(feed.name).alias("feed"),
                    F.lit(drop).alias("drop_date"),
                    F.lit(p.relative).alias("source_file"),
                    F.lit(code).alias("reason_code"),
                    F.lit(reason).alias("reason"),
                    F.col("value").alias("raw_content"),
                )
            )
        else:
            listed.append((feed.name, drop, p.relative, code, reason, None))
    if listed:
        frames.append(spark.createDataFrame(listed, QUARANTINE_SCHEMA))
    if not frames:
        return spark.createDataFrame([], QUARANTINE_SCHEMA).withColumn(
            "drop_date", F.col("drop_date").cast("date")
        )
    out = reduce(lambda a, b: a.unionByName(b), frames)
    return out.withColumn("drop_date", F.col("drop_date").cast("date"))
