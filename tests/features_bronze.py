"""Bronze-shaped frames for the feature tests: explicit schemas from the contract, inline rows.

``bronze_df(spark, feed, rows)`` fills unspecified columns with defaults; event feeds get
``event_date`` from their event column and ``drop_date`` = event_date unless given;
``write_bronze`` appends to the lakehouse of a ``Config`` and records the drops in
``ops.ingest_runs`` as the ingestion would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from ingestion.feed_contract import FEEDS
from telco_risk import delta_io
from telco_risk.config import Config

SQL_TYPES = {
    "string": "string",
    "int": "int",
    "long": "bigint",
    "decimal": "decimal(12,4)",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}
_ids = itertools.count(1)

DEFAULTS: dict[str, dict[str, Any]] = {
    "cdr": {
        "msisdn": "m1",
        "event_type": "voice",
        "direction": "out",
        "other_party": "p1",
        "other_party_type": "mobile",
        "other_party_country": "GB",
        "duration_s": 60,
        "bytes_up": None,
        "bytes_down": None,
        "cell_id": "C1",
        "imei": "i1",
        "roaming": False,
        "termination": "normal",
        "charge": Decimal("0.1000"),
    },
    "subscribers": {
        "subscriber_id": "S1",
        "msisdn": "m1",
        "customer_id": "C1",
        "status": "active",
        "segment": "postpaid",
        "plan_id": "P1",
        "activation_date": dt.date(2024, 1, 1),
        "contract_type": "24m",
        "contract_end_date": None,
        "payment_method": "direct_debit",
        "paperless_billing": True,
        "region": "north",
        "device_model": None,
        "birth_date": None,
    },
    "plans": {
        "plan_id": "P1",
        "plan_name": "Plan one",
        "segment": "postpaid",
        "monthly_fee": Decimal("20.0000"),
        "included_minutes": 300,
        "included_sms": 100,
        "included_data_mb": 1024,
        "international_included": False,
        "voicemail_included": True,
    },
    "subscriber_products": {
        "subscriber_id": "S1",
        "product_code": "voicemail",
        "start_date": dt.date(2024, 1, 1),
        "end_date": None,
    },
    "invoices": {
        "subscriber_id": "S1",
        "period_start": dt.date(2025, 12, 1),
        "period_end": dt.date(2025, 12, 31),
        "amount_due": Decimal("20.0000"),
    },
    "payments": {
        "subscriber_id": "S1",
        "invoice_id": None,
        "amount": Decimal("20.0000"),
        "method": "direct_debit",
    },
    "topups": {"subscriber_id": "S1", "amount": Decimal("10.0000"), "channel": "app"},
    "tickets": {
        "subscriber_id": "S1",
        "channel": "call",
        "category": "billing",
        "resolved_at": None,
        "satisfaction": None,
    },
    "churn_events": {"subscriber_id": "S1", "churn_type": "port_out"},
    "fraud_cases": {"subscriber_id": "S1", "fraud_type": "other", "disposition": "confirmed"},
}
KEY_PREFIX = {
    "cdr": "r",
    "invoices": "inv",
    "payments": "pay",
    "topups": "top",
    "tickets": "t",
    "fraud_cases": "c",
}


def bronze_schema(feed: str) -> str:
    return ", ".join(f"{name} {SQL_TYPES[kind]}" for name, kind in _layout(feed))


def _layout(feed: str) -> list[tuple[str, str]]:
    """Bronze column names and contract types, in table order."""
    f = FEEDS[feed]
    cols = [(c.name, c.type) for c in f.columns]
    extra = ["event_date", "drop_date"] if f.kind == "event" else ["snapshot_date"]
    cols += [(name, "date") for name in extra if name not in f.column_names]
    return [*cols, ("source_file", "string")]


def _day(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def bronze_row(feed: str, values: dict[str, Any]) -> tuple[Any, ...]:
    f = FEEDS[feed]
    row = {**DEFAULTS[feed], **values}
    key = f.key[0]
    if key not in row and feed in KEY_PREFIX:
        row[key] = f"{KEY_PREFIX[feed]}{next(_ids)}"
    if f.kind == "event":
        assert f.event_column is not None
        row.setdefault("event_date", _day(row[f.event_column]))
        row.setdefault("drop_date", row["event_date"])
    row.setdefault("source_file", f"{feed}/test")
    unknown = (
        set(row) - {c.name for c in f.columns} - {"event_date", "drop_date", "snapshot_date", "source_file"}
    )
    assert not unknown, f"unknown {feed} columns {unknown}"
    return tuple(row[name] for name, _ in _layout(feed))


def bronze_df(spark: SparkSession, feed: str, rows: list[dict[str, Any]]) -> DataFrame:
    return spark.createDataFrame([bronze_row(feed, r) for r in rows], bronze_schema(feed))


def write_bronze(spark: SparkSession, cfg: Config, feed: str, rows: list[dict[str, Any]]) -> None:
    """Append rows to bronze.<feed> (partitioned as the ingestion does)."""
    partition = ["event_date"] if FEEDS[feed].kind == "event" else ["snapshot_date"]
    delta_io.append(bronze_df(spark, feed, rows), cfg.table_path(f"bronze.{feed}"), partition)


def mark_ingested(spark: SparkSession, cfg: Config, drops: list[dt.date]) -> None:
    """Record every feed's drop in ops.ingest_runs, and create empty bronze tables not written yet."""
    for feed in FEEDS:
        if not delta_io.table_exists(cfg.table_path(f"bronze.{feed}")):
            write_bronze(spark, cfg, feed, [])
    now = dt.datetime(2026, 1, 1)
    runs = [(feed, d, 1, 0, 0, 0, "test", now) for feed in FEEDS for d in drops]
    schema = (
        "feed string, drop_date date, files int, rows_read long, rows_accepted long,"
        " rows_quarantined long, fingerprint string, ingested_at timestamp"
    )
    delta_io.append(spark.createDataFrame(runs, schema), cfg.table_path("ops.ingest_runs"))


def cdr_daily_df(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    """silver.cdr_daily rows: every measure 0 unless given (``events`` defaults to 1)."""
    from features.cdr_daily import CDR_DAILY_COLUMNS, CHARGE_TYPE

    charges = {c for c in CDR_DAILY_COLUMNS if c.endswith("charge")}
    schema = ", ".join(
        ["subscriber_id string", "event_date date"]
        + [f"{c} {CHARGE_TYPE if c in charges else 'bigint'}" for c in CDR_DAILY_COLUMNS[2:]]
    )
    data = []
    for r in rows:
        full = {"events": 1, **r}
        data.append(
            tuple(
                full.get(c, Decimal(0) if c in charges else 0)
                if c not in ("subscriber_id", "event_date")
                else full[c]
                for c in CDR_DAILY_COLUMNS
            )
        )
    return spark.createDataFrame(data, schema)


def assert_rows(actual: DataFrame, expected: list[dict[str, Any]], approx: bool = False) -> None:
    """chispa comparison of ``actual`` (only the columns named in ``expected``) with hand-written rows."""
    from chispa import assert_approx_df_equality, assert_df_equality

    columns = list(expected[0])
    got = actual.select(*columns)
    want = got.sparkSession.createDataFrame([tuple(r[c] for c in columns) for r in expected], got.schema)
    if approx:
        assert_approx_df_equality(got, want, 1e-9, ignore_row_order=True, ignore_nullable=True)
    else:
        assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def materialize(df: DataFrame) -> DataFrame:
    """The rows of ``df`` as a local frame: later assertions do not recompute its plan."""
    return df.sparkSession.createDataFrame(df.collect(), df.schema)
