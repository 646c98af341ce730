"""The JVM jars fetched at set-up: Spark loads and reads both BSS databases over JDBC,
and a failed transaction leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality

from telco_risk.jdbc import connection_properties, execute_transaction, query


def _round_trip(spark, url: str, props: dict[str, str], table: str):
    execute_transaction(
        spark,
        url,
        props,
        [
            f"DROP TABLE IF EXISTS {table}",
            f"CREATE TABLE {table} (score_date DATE, subscriber_id VARCHAR(64),"
            " churn_score DOUBLE PRECISION)",
        ],
    )
    rows = [(dt.date(2026, 1, 2), "S1", 0.25), (dt.date(2026, 1, 2), "S2", 0.75)]
    df = spark.createDataFrame(rows, "score_date date, subscriber_id string, churn_score double")
    df.write.jdbc(url, table, mode="append", properties=props)
    back = spark.read.jdbc(url, table, properties=props)
    assert_df_equality(back, df, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)

    with pytest.raises(Exception, match="no_such_table|does not exist|no such table"):
        execute_transaction(spark, url, props, [f"DELETE FROM {table}", "DELETE FROM no_such_table"])
    assert query(spark, url, props, f"SELECT COUNT(*) FROM {table}")[0][0] == 2


def test_sqlite_driver_round_trip(spark, tmp_path):
    url = f"jdbc:sqlite:{tmp_path / 'bss.db'}"
    _round_trip(spark, url, connection_properties(url), "driver_check")


@pytest.mark.postgres
def test_postgres_driver_round_trip(spark, pg_url):
    props = connection_properties(pg_url["url"], pg_url["user"], pg_url["password"])
    _round_trip(spark, pg_url["url"], props, "driver_check")
