"""The ten landing feeds as the generator writes them: column order and value kinds.

Kinds: ``str``, ``int``, ``long``, ``ts`` (epoch seconds, UTC), ``date`` (days since
1970-01-01), ``bool``, ``dec4`` / ``dec2`` (decimal with 4 / 2 places).
"""

from __future__ import annotations

import pyarrow as pa

SNAPSHOT_FEEDS = ("subscribers", "plans", "subscriber_products")
EVENT_FEEDS = ("cdr", "invoices", "payments", "topups", "tickets", "churn_events", "fraud_cases")
FEEDS = (
    "cdr",
    "subscribers",
    "plans",
    "subscriber_products",
    "invoices",
    "payments",
    "topups",
    "tickets",
    "churn_events",
    "fraud_cases",
)

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "cdr": (
        ("record_id", "str"),
        ("msisdn", "str"),
        ("event_type", "str"),
        ("direction", "str"),
        ("other_party", "str"),
        ("other_party_type", "str"),
        ("other_party_country", "str"),
        ("start_time", "ts"),
        ("duration_s", "int"),
        ("bytes_up", "long"),
        ("bytes_down", "long"),
        ("cell_id", "str"),
        ("imei", "str"),
        ("roaming", "bool"),
        ("termination", "str"),
        ("charge", "dec4"),
    ),
    "subscribers": (
        ("subscriber_id", "str"),
        ("msisdn", "str"),
        ("customer_id", "str"),
        ("status", "str"),
        ("segment", "str"),
        ("plan_id", "str"),
        ("activation_date", "date"),
        ("contract_type", "str"),
        ("contract_end_date", "date"),
        ("payment_method", "str"),
        ("paperless_billing", "bool"),
        ("region", "str"),
        ("device_model", "str"),
        ("birth_date", "date"),
    ),
    "plans": (
        ("plan_id", "str"),
        ("plan_name", "str"),
        ("segment", "str"),
        ("monthly_fee", "dec2"),
        ("included_minutes", "int"),
        ("included_sms", "int"),
        ("included_data_mb", "int"),
        ("international_included", "bool"),
        ("voicemail_included", "bool"),
    ),
    "subscriber_products": (
        ("subscriber_id", "str"),
        ("product_code", "str"),
        ("start_date", "date"),
        ("end_date", "date"),
    ),
    "invoices": (
        ("invoice_id", "str"),
        ("subscriber_id", "str"),
        ("bill_date", "date"),
        ("period_start", "date"),
        ("period_end", "date"),
        ("amount_due", "dec2"),
        ("due_date", "date"),
    ),
    "payments": (
        ("payment_id", "str"),
        ("subscriber_id", "str"),
        ("invoice_id", "str"),
        ("paid_at", "ts"),
        ("amount", "dec2"),
        ("method", "str"),
    ),
    "topups": (
        ("topup_id", "str"),
        ("subscriber_id", "str"),
        ("topup_time", "ts"),
        ("amount", "dec2"),
        ("channel", "str"),
    ),
    "tickets": (
        ("ticket_id", "str"),
        ("subscriber_id", "str"),
        ("opened_at", "ts"),
        ("channel", "str"),
        ("category", "str"),
        ("resolved_at", "ts"),
        ("satisfaction", "int"),
    ),
    "churn_events": (
        ("subscriber_id", "str"),
        ("event_date", "date"),
        ("churn_type", "str"),
    ),
    "fraud_cases": (
        ("case_id", "str"),
        ("subscriber_id", "str"),
        ("fraud_type", "str"),
        ("first_seen_date", "date"),
        ("confirmed_date", "date"),
        ("disposition", "str"),
    ),
}

# The column whose date places an event in its drop.
EVENT_COLUMN = {
    "cdr": "start_time",
    "invoices": "bill_date",
    "payments": "paid_at",
    "topups": "topup_time",
    "tickets": "opened_at",
    "churn_events": "event_date",
    "fraud_cases": "confirmed_date",
}

ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int32(),
    "long": pa.int64(),
    "ts": pa.timestamp("s"),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "dec4": pa.decimal128(12, 4),
    "dec2": pa.decimal128(12, 2),
}

# Parquet keeps real types; timestamps carry their time zone there.
PARQUET_TYPES = dict(ARROW_TYPES, ts=pa.timestamp("us", tz="UTC"))


def column_names(feed: str) -> list[str]:
    return [name for name, _ in COLUMNS[feed]]


def arrow_schema(feed: str) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in COLUMNS[feed]])
