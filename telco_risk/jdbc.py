"""JDBC access to the BSS database from the driver JVM: statements in one transaction.

Spark's DataFrame writer loads rows; DDL and the atomic swap run here, through the same
JDBC driver, so the embedded SQLite default and PostgreSQL take one code path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import SparkSession

DRIVERS = {"jdbc:sqlite:": "org.sqlite.JDBC", "jdbc:postgresql:": "org.postgresql.Driver"}


def driver_for(url: str) -> str:
    for prefix, driver in DRIVERS.items():
        if url.startswith(prefix):
            return driver
    raise ValueError(f"bss.url: unsupported JDBC URL scheme in {url.split('//')[0]!r}")


def connection_properties(url: str, user: str = "", password: str = "") -> dict[str, str]:
    props = {"driver": driver_for(url)}
    if user:
        props["user"] = user
    if password:
        props["password"] = password
    return props


def _connect(spark: SparkSession, url: str, props: dict[str, str]) -> Any:
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    jvm.java.lang.Class.forName(props["driver"])
    jprops = jvm.java.util.Properties()
    for key, value in props.items():
        if key != "driver":
            jprops.setProperty(key, value)
    return jvm.java.sql.DriverManager.getConnection(url, jprops)


def execute_transaction(
    spark: SparkSession, url: str, props: dict[str, str], statements: Sequence[str]
) -> None:
    """Run the statements in one transaction: all take effect or none."""
    conn = _connect(spark, url, props)
    try:
        conn.setAutoCommit(False)
        stmt = conn.createStatement()
        try:
            for sql in statements:
                stmt.execute(sql)
            conn.commit()
        except Exception:
            conn.rollback()
            raise
        finally:
            stmt.close()
    finally:
        conn.close()


def query(spark: SparkSession, url: str, props: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    """Rows of a small query (metadata look-ups), as tuples of Python values."""
    conn = _connect(spark, url, props)
    try:
        stmt = conn.createStatement()
        rs = stmt.executeQuery(sql)
        width = rs.getMetaData().getColumnCount()
        rows = []
        while rs.next():
            rows.append(tuple(rs.getObject(i + 1) for i in range(width)))
        rs.close()
        stmt.close()
        return rows
    finally:
        conn.close()
