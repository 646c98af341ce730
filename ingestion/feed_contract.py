"""The input data contract: the ten landing feeds, their columns, types, keys and enums.

This module is the single source of truth the ingestion enforces; the README
documents the same contract for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "int", "long", "decimal", "boolean", "date", "timestamp"]

PAYMENT_METHODS = ("direct_debit", "credit_card", "bank_transfer", "cash", "voucher")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    enum: tuple[str, ...] | None = None
    pattern: str | None = None  # regex the raw text must match when present
    pii: bool = False  # pseudonymised before it leaves bronze
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class Feed:
    name: str
    kind: Literal["snapshot", "event"]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    event_column: str | None = None  # event feeds: the column whose date places the event

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


DIGITS = r"^\+?[0-9]{5,15}$"
C = Column

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        Feed(
            "cdr",
            "event",
            (
                C("record_id", "string"),
                C("msisdn", "string", pattern=DIGITS, pii=True),
                C("event_type", "string", enum=("voice", "sms", "data")),
                C("direction", "string", enum=("out", "in")),
                C("other_party", "string", required=False, pattern=DIGITS, pii=True),
                C(
                    "other_party_type",
                    "string",
                    required=False,
                    enum=(
                        "mobile",
                        "fixed",
                        "premium",
                        "international",
                        "voicemail",
                        "customer_care",
                        "short_code",
                    ),
                ),
                C("other_party_country", "string", required=False, pattern=r"^[A-Z]{2}$"),
                C("start_time", "timestamp"),
                C("duration_s", "int", min_value=0),
                C("bytes_up", "long", required=False, min_value=0),
                C("bytes_down", "long", required=False, min_value=0),
                C("cell_id", "string", required=False),
                C("imei", "string", required=False, pattern=r"^[0-9]{14,16}$", pii=True),
                C("roaming", "boolean"),
                C(
                    "termination",
                    "string",
                    required=False,
                    enum=("normal", "dropped", "failed", "busy", "no_answer"),
                ),
                C("charge", "decimal"),
            ),
            key=("record_id",),
            event_column="start_time",
        ),
        Feed(
            "subscribers",
            "snapshot",
            (
                C("subscriber_id", "string"),
                C("msisdn", "string", pattern=DIGITS, pii=True),
                C("customer_id", "string"),
                C("status", "string", enum=("active", "suspended", "terminated")),
                C("segment", "string", enum=("prepaid", "postpaid")),
                C("plan_id", "string"),
                C("activation_date", "date"),
                C("contract_type", "string", enum=("none", "12m", "24m")),
                C("contract_end_date", "date", required=False),
                C("payment_method", "string", enum=PAYMENT_METHODS),
                C("paperless_billing", "boolean"),
                C("region", "string"),
                C("device_model", "string", required=False),
                C("birth_date", "date", required=False),
            ),
            key=("subscriber_id",),
        ),
        Feed(
            "plans",
            "snapshot",
            (
                C("plan_id", "string"),
                C("plan_name", "string"),
                C("segment", "string", enum=("prepaid", "postpaid")),
                C("monthly_fee", "decimal", min_value=0),
                C("included_minutes", "int", min_value=0),
                C("included_sms", "int", min_value=0),
                C("included_data_mb", "int", min_value=0),
                C("international_included", "boolean"),
                C("voicemail_included", "boolean"),
            ),
            key=("plan_id",),
        ),
        Feed(
            "subscriber_products",
            "snapshot",
            (
                C("subscriber_id", "string"),
                C("product_code", "string"),
                C("start_date", "date"),
                C("end_date", "date", required=False),
            ),
            key=("subscriber_id", "product_code", "start_date"),
        ),
        Feed(
            "invoices",
            "event",
            (
                C("invoice_id", "string"),
                C("subscriber_id", "string"),
                C("bill_date", "date"),
                C("period_start", "date"),
                C("period_end", "date"),
                C("amount_due", "decimal"),
                C("due_date", "date"),
            ),
            key=("invoice_id",),
            event_column="bill_date",
        ),
        Feed(
            "payments",
            "event",
            (
                C("payment_id", "string"),
                C("subscriber_id", "string"),
                C("invoice_id", "string", required=False),
                C("paid_at", "timestamp"),
                C("amount", "decimal"),
                C("method", "string", enum=PAYMENT_METHODS),
            ),
            key=("payment_id",),
            event_column="paid_at",
        ),
        Feed(
            "topups",
            "event",
            (
                C("topup_id", "string"),
                C("subscriber_id", "string"),
                C("topup_time", "timestamp"),
                C("amount", "decimal", min_value=0),
                C("channel", "string", required=False),
            ),
            key=("topup_id",),
            event_column="topup_time",
        ),
        Feed(
            "tickets",
            "event",
            (
                C("ticket_id", "string"),
                C("subscriber_id", "string"),
                C("opened_at", "timestamp"),
                C("channel", "string", enum=("call", "web", "store", "chat")),
                C(
                    "category",
                    "string",
                    enum=(
                        "billing",
                        "network",
                        "device",
                        "plan_change",
                        "cancellation_request",
                        "other",
                    ),
                ),
                C("resolved_at", "timestamp", required=False),
                C("satisfaction", "int", required=False, min_value=1, max_value=5),
            ),
            key=("ticket_id",),
            event_column="opened_at",
        ),
        Feed(
            "churn_events",
            "event",
            (
                C("subscriber_id", "string"),
                C("event_date", "date"),
                C(
                    "churn_type",
                    "string",
                    enum=("port_out", "cancellation", "non_payment_disconnect"),
                ),
            ),
            key=("subscriber_id", "event_date"),
            event_column="event_date",
        ),
        Feed(
            "fraud_cases",
            "event",
            (
                C("case_id", "string"),
                C("subscriber_id", "string"),
                C(
                    "fraud_type",
                    "string",
                    enum=("simbox", "irsf", "subscription", "wangiri", "account_takeover", "other"),
                ),
                C("first_seen_date", "date"),
                C("confirmed_date", "date"),
                C("disposition", "string", enum=("confirmed", "false_positive")),
            ),
            key=("case_id",),
            event_column="confirmed_date",
        ),
    )
}

FEED_NAMES: tuple[str, ...] = tuple(FEEDS)
