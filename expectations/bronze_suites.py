"""Suites of the bronze feeds, derived from the data contract plus hand-set bounds.

Columns, types, required columns, enums, contract ranges and keys come from
``ingestion.feed_contract.FEEDS`` (the one source of truth the ingestion enforces too); the
plausible ranges, column orders and null shares below are set by hand. A bronze frame
for date D holds the rows of drop D: event feeds ``drop_date = D`` (columns: the
contract's, ``event_date``, ``drop_date``, ``source_file``), snapshot feeds
``snapshot_date = D`` (the contract's, ``snapshot_date``, ``source_file``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from expectations.checks import (
    Check,
    Suite,
    a_not_before_b,
    between,
    column_set,
    in_set,
    max_null_share,
    not_null,
    of_type,
    row_count,
    unique,
)
from expectations.volume import VolumeBounds
from ingestion.feed_contract import Feed

# Plausible bounds beyond the contract's (which the ingestion already enforces).
RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "cdr": {
        "duration_s": (0, 86_400),  # no single call lasts more than a day
        "bytes_up": (0, 1e11),
        "bytes_down": (0, 1e11),
        "charge": (0, 1_000),  # one event never costs more than this
    },
    "plans": {
        "monthly_fee": (0, 500),
        "included_minutes": (0, 1_000_000),
        "included_sms": (0, 1_000_000),
        "included_data_mb": (0, 10_000_000),
    },
    "invoices": {"amount_due": (0, 100_000)},
    "payments": {"amount": (0, 100_000)},
    "topups": {"amount": (0, 1_000)},
    "tickets": {"satisfaction": (1, 5)},
}

# (later column, earlier column): the first is never before the second when both are set.
ORDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "subscribers": (("contract_end_date", "activation_date"),),
    "subscriber_products": (("end_date", "start_date"),),
    "invoices": (("period_end", "period_start"), ("due_date", "bill_date")),
    "tickets": (("resolved_at", "opened_at"),),
    "fraud_cases": (("confirmed_date", "first_seen_date"),),
}

# Optional columns that are mostly filled: at most this share null (checked on drops
# with at least ``min_rows`` rows; tiny drops are too noisy).
NULL_SHARES: dict[str, dict[str, float]] = {
    "cdr": {"cell_id": 0.5, "imei": 0.5},
    "subscribers": {"device_model": 0.5},
}

# Dates that can never be after the drop's date: nobody was activated in the future
# (add-ons may be scheduled ahead, so their start dates are not bounded).
NOT_AFTER_DROP: dict[str, tuple[str, ...]] = {"subscribers": ("activation_date",)}


@dataclass(frozen=True)
class BronzeRules:
    """Per-date inputs of a bronze suite that do not come from the contract."""

    date: dt.date
    max_late_days: int
    daily: bool  # the drop must hold rows, and event feeds an event dated D
    row_count: int  # rows of the frame (decides whether share checks are meaningful)
    min_rows_for_shares: int
    volume: VolumeBounds | None = None


def bronze_columns(feed: Feed) -> list[str]:
    meta = (
        ["event_date", "drop_date", "source_file"]
        if feed.kind == "event"
        else ["snapshot_date", "source_file"]
    )
    return list(dict.fromkeys([*feed.column_names, *meta]))  # churn_events has its own event_date


def bronze_suite(feed: Feed, rules: BronzeRules) -> Suite:
    """The checks of ``bronze.<feed>`` for the drop of ``rules.date``."""
    table = f"bronze.{feed.name}"
    checks: list[Check] = [column_set(bronze_columns(feed))]
    checks += [of_type(c.name, c.type) for c in feed.columns]
    if rules.row_count > 0:  # the non-null share of no rows is 0
        checks += [not_null(c.name) for c in feed.columns if c.required]
    checks += [in_set(c.name, c.enum) for c in feed.columns if c.enum]
    checks += _ranges(feed, rules.date)
    checks += [a_not_before_b(later, earlier) for later, earlier in ORDERS.get(feed.name, ())]
    checks.append(unique(feed.key))
    checks += _freshness(feed, rules)
    if rules.volume is not None:
        checks.append(rules.volume.check(table))
    if rules.row_count >= rules.min_rows_for_shares:
        checks += [max_null_share(col, share) for col, share in NULL_SHARES.get(feed.name, {}).items()]
    return Suite(table, table, tuple(checks))


def _ranges(feed: Feed, date: dt.date) -> list[Check]:
    hand = RANGES.get(feed.name, {})
    checks = []
    for column in feed.columns:
        lo, hi = hand.get(column.name, (None, None))
        lo = column.min_value if lo is None else lo
        hi = column.max_value if hi is None else hi
        if lo is not None or hi is not None:
            checks.append(between(column.name, lo, hi))
    for name in NOT_AFTER_DROP.get(feed.name, ()):
        checks.append(between(name, None, date, why=f"{name} is not after the drop's date {date}"))
    if feed.name == "subscribers":
        checks.append(
            between("birth_date", dt.date(1900, 1, 1), date, why="birth_date between 1900 and the drop")
        )
    return checks


def _freshness(feed: Feed, rules: BronzeRules) -> list[Check]:
    """Daily feeds hold rows; an event drop's events are dated within the late window
    and (daily feeds) reach the drop's date. Aggregates: min/max of ``event_date``."""
    d = rules.date
    checks = []
    if rules.daily:
        checks.append(row_count(1, None, "freshness", "freshness:rows", f"the drop of {d} is not empty"))
    if feed.kind == "event" and rules.row_count > 0:
        earliest = d - dt.timedelta(days=rules.max_late_days)
        checks.append(
            Check(
                "freshness:earliest_event",
                "freshness",
                "expect_column_min_to_be_between",
                {"column": "event_date", "min_value": earliest, "max_value": d},
                f"no event of the drop of {d} is older than {earliest}",
            )
        )
        newest = d if rules.daily else earliest
        checks.append(
            Check(
                "freshness:latest_event",
                "freshness",
                "expect_column_max_to_be_between",
                {"column": "event_date", "min_value": newest, "max_value": d},
                f"the newest event of the drop is dated {d} (not a stale re-delivery)"
                if rules.daily
                else f"no event of the drop of {d} is dated after it",
            )
        )
    return checks
