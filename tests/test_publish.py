"""Atomic publish to the BSS staging table on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from telco_risk import bss_publish as publish
from telco_risk.bss_publish import PublishError, publish_date
from telco_risk.jdbc import connection_properties, execute_transaction, query
from tests.bss_contract import CONTRACT_COLUMNS

D1 = dt.date(2026, 2, 14)
D2 = dt.date(2026, 2, 15)
AT = dt.datetime(2026, 2, 16, 2, 30, 0)
GOLD = (
    "score_date date, subscriber_id string, churn_score double, churn_band string, churn_reasons string,"
    " fraud_score double, fraud_band string, fraud_reasons string, churn_model_version string,"
    " fraud_model_version string, run_id string"
)


def gold(spark, day: dt.date, rows: list[tuple[str, float]], run: str = "run-1"):
    data = [
        (
            day,
            sid,
            score,
            "high" if score > 0.5 else "low",
            "BILL_SHOCK;USAGE_DROP",
            0.01,
            "low",
            "",
            "3",
            "1",
            run,
        )
        for sid, score in rows
    ]
    return spark.createDataFrame(data, GOLD)


def contents(spark, url, props, table):
    rows = query(
        spark,
        url,
        props,
        f"SELECT CAST(score_date AS TEXT), subscriber_id, churn_score, run_id FROM {table}"
        " ORDER BY score_date, subscriber_id",
    )
    return [(str(d), s, float(c), r) for d, s, c, r in rows]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bss(request, tmp_path):
    """(url, props, table) of a fresh staging table on SQLite or on CI's PostgreSQL."""
    if request.param == "sqlite":
        url = f"jdbc:sqlite:{tmp_path / 'bss.db'}"
        props = connection_properties(url)
    else:
        pg = request.getfixturevalue("pg_url")
        url = pg["url"]
        props = connection_properties(url, pg["user"], pg["password"])
    return url, props, f"subscriber_risk_scores_{uuid.uuid4().hex[:8]}"


def test_columns_and_primary_key_are_the_contracts(spark, bss):
    url, props, table = bss
    publish_date(spark, url, props, table, D1, gold(spark, D1, [("S1", 0.9)]), AT)
    if url.startswith("jdbc:sqlite:"):
        info = query(spark, url, props, f"PRAGMA table_info({table})")
        columns = [str(r[1]) for r in info]
        pk = [str(r[1]) for r in sorted((r for r in info if int(r[5]) > 0), key=lambda r: int(r[5]))]
    else:
        columns = [
            str(r[0])
            for r in query(
                spark,
                url,
                props,
                "SELECT column_name FROM information_schema.columns"
                f" WHERE table_name = '{table}' ORDER BY ordinal_position",
            )
        ]
        pk = [
            str(r[0])
            for r in query(
                spark,
                url,
                props,
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
                f" AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '{table}'::regclass AND i.indisprimary"
                " ORDER BY array_position(i.indkey, a.attnum)",
            )
        ]
    assert columns == CONTRACT_COLUMNS
    assert pk == ["score_date", "subscriber_id"]
    row = query(
        spark,
        url,
        props,
        f"SELECT CAST(published_at AS TEXT), churn_reasons, fraud_model_version FROM {table}",
    )
    assert str(row[0][0]).replace("T", " ").startswith("2026-02-16 02:30:00")
    assert (str(row[0][1]), str(row[0][2])) == ("BILL_SHOCK;USAGE_DROP", "1")


def test_republishing_a_date_replaces_only_that_date(spark, bss):
    url, props, table = bss
    publish_date(spark, url, props, table, D1, gold(spark, D1, [("S1", 0.9), ("S2", 0.1)]), AT)
    publish_date(spark, url, props, table, D2, gold(spark, D2, [("S1", 0.8), ("S2", 0.2)]), AT)
    publish_date(spark, url, props, table, D1, gold(spark, D1, [("S3", 0.7)], run="run-2"), AT)
    assert contents(spark, url, props, table) == [
        ("2026-02-14", "S3", 0.7, "run-2"),
        ("2026-02-15", "S1", 0.8, "run-1"),
        ("2026-02-15", "S2", 0.2, "run-1"),
    ]


def test_publish_killed_between_load_and_swap_leaves_previous_rows(spark, bss):
    url, props, table = bss
    publish_date(spark, url, props, table, D1, gold(spark, D1, [("S1", 0.9), ("S2", 0.1)]), AT)
    before = contents(spark, url, props, table)
    # The process dies right after loading the side table: no swap ran.
    rows = publish.to_output(gold(spark, D1, [("S9", 0.5)], run="run-2"), publish.dialect_for(url), AT)
    assert publish.load_side_table(spark, url, props, table, D1, rows) == 1
    assert contents(spark, url, props, table) == before
    # A swap that fails half-way (after its DELETE) is rolled back as a whole.
    broken = [
        *publish.swap_statements(table, D1, publish.dialect_for(url))[:1],
        "INSERT INTO no_such_table VALUES (1)",
    ]
    with pytest.raises(Exception, match="no_such_table"):
        execute_transaction(spark, url, props, broken)
    assert contents(spark, url, props, table) == before
    # The next run publishes cleanly and leaves no side table behind.
    publish_date(spark, url, props, table, D1, gold(spark, D1, [("S9", 0.5)], run="run-3"), AT)
    assert contents(spark, url, props, table) == [("2026-02-14", "S9", 0.5, "run-3")]
    with pytest.raises(Exception, match="(?i)no such table|does not exist"):
        query(spark, url, props, f"SELECT COUNT(*) FROM {publish.side_table(table, D1)}")


def test_empty_scores_are_refused(spark, tmp_path):
    url = f"jdbc:sqlite:{tmp_path / 'bss.db'}"
    with pytest.raises(PublishError, match="no scores for 2026-02-14"):
        publish_date(spark, url, connection_properties(url), "t", D1, gold(spark, D1, []), AT)
