"""Atomic publish of one score date to the BSS staging table over JDBC.

Steps: make sure the target table exists (primary key score_date + subscriber_id);
load the date's rows into a side table with Spark's JDBC writer and check the count;
then one transaction deletes the date's rows, copies the side table in and drops it.
Readers see the whole night or the previous state, never a mix. The same statements
run on the embedded SQLite default and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from telco_risk.jdbc import execute_transaction, query
from telco_risk.tables import BSS_STAGING_COLUMNS

KEY = ("score_date", "subscriber_id")


class PublishError(RuntimeError):
    """A date that must not be published; the message says why."""


@dataclass(frozen=True)
class Dialect:
    name: str
    types: dict[str, str]

    def ddl(self, table: str) -> str:
        cols = ", ".join(
            f"{name} {self.types[kind]}{' NOT NULL' if name in KEY else ''}"
            for name, kind in BSS_STAGING_COLUMNS
        )
        return f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({', '.join(KEY)}))"

    def date_literal(self, day: dt.date) -> str:
        return f"'{day.isoformat()}'" if self.name == "sqlite" else f"DATE '{day.isoformat()}'"


# SQLite has no date type: ISO text sorts and compares correctly and reads back unambiguously.
SQLITE = Dialect("sqlite", {"date": "TEXT", "timestamp": "TEXT", "string": "TEXT", "double": "REAL"})
POSTGRES = Dialect(
    "postgresql",
    {"date": "DATE", "timestamp": "TIMESTAMP", "string": "VARCHAR(256)", "double": "DOUBLE PRECISION"},
)


def dialect_for(url: str) -> Dialect:
    if url.startswith("jdbc:sqlite:"):
        return SQLITE
    if url.startswith("jdbc:postgresql:"):
        return POSTGRES
    raise PublishError(f"bss.url: no publish dialect for {url.split(':')[1]!r}")


def side_table(table: str, day: dt.date) -> str:
    return f"{table}__load_{day.strftime('%Y%m%d')}"


def to_output(scores: DataFrame, dialect: Dialect, published_at: dt.datetime) -> DataFrame:
    """The contract's columns in order; dates and times as ISO text on SQLite."""
    out = scores.withColumn("published_at", F.lit(published_at).cast("timestamp"))
    cols = []
    for name, kind in BSS_STAGING_COLUMNS:
        col = F.col(name)
        if dialect.name == "sqlite" and kind == "date":
            col = F.date_format(col, "yyyy-MM-dd")
        elif dialect.name == "sqlite" and kind == "timestamp":
            col = F.date_format(col, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
        else:
            col = col.cast(kind)
        cols.append(col.alias(name))
    return out.select(*cols)


def load_side_table(
    spark: SparkSession, url: str, props: dict[str, str], table: str, day: dt.date, rows: DataFrame
) -> int:
    """Create the target if missing, (re)create the date's side table and load ``rows``."""
    dialect = dialect_for(url)
    side = side_table(table, day)
    execute_transaction(
        spark, url, props, [dialect.ddl(table), f"DROP TABLE IF EXISTS {side}", dialect.ddl(side)]
    )
    rows.write.jdbc(url, side, mode="append", properties=props)
    return int(query(spark, url, props, f"SELECT COUNT(*) FROM {side}")[0][0])


def swap_statements(table: str, day: dt.date, dialect: Dialect) -> list[str]:
    """The one transaction that replaces the date's rows with the side table's."""
    side = side_table(table, day)
    names = ", ".join(n for n, _ in BSS_STAGING_COLUMNS)
    return [
        f"DELETE FROM {table} WHERE score_date = {dialect.date_literal(day)}",
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {side}",
        f"DROP TABLE {side}",
    ]


def publish_date(
    spark: SparkSession,
    url: str,
    props: dict[str, str],
    table: str,
    day: dt.date,
    scores: DataFrame,
    published_at: dt.datetime,
) -> int:
    """Publish ``scores`` (gold rows of ``day``) atomically; returns the rows published."""
    dialect = dialect_for(url)
    expected = scores.count()
    if expected == 0:
        raise PublishError(f"no scores for {day}: run `telco-risk score --date {day}` first")
    loaded = load_side_table(spark, url, props, table, day, to_output(scores, dialect, published_at))
    if loaded != expected:
        raise PublishError(f"side table holds {loaded} rows, expected {expected}: nothing published")
    execute_transaction(spark, url, props, swap_statements(table, day, dialect))
    return expected
