"""One feature snapshot: every group composed into silver.subscriber_features rows for D.

Output: ``subscriber_id``, ``snapshot_date`` and the catalogue's columns (in catalogue
order, cast to their dtypes), one row per subscriber active at D. Every input may hold
more than D needs: each group filters to what was known at the end of D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from features.billing import invoice_features, topup_sums, with_topup_features
from features.bss_state import (
    ADDON_FLAGS,
    active_subscribers,
    addon_features,
    plan_columns,
    with_account_features,
    with_allowance_and_revenue,
)
from features.care import TICKET_CATEGORIES, ticket_features
from features.catalog import build_catalog, feature_columns, spec_by_name
from features.fraud_signals import with_fraud_signal_features
from features.usage_windows import with_usage_window_features
from features.window_state import LAST_DATES, state_columns
from features.windows import UsageWindows


@dataclass(frozen=True)
class SnapshotParams:
    """The feature settings a snapshot needs (from ``features`` in the config)."""

    windows: UsageWindows
    ticket_windows: tuple[int, ...]
    early_life_days: int
    billing_lookback_days: int
    include_protected: bool


@dataclass(frozen=True)
class SnapshotInputs:
    """Source frames (bronze layouts; ``totals`` from ``features.window_state``)."""

    subscribers: DataFrame
    plans: DataFrame
    products: DataFrame
    totals: DataFrame
    invoices: DataFrame
    payments: DataFrame
    topups: DataFrame
    tickets: DataFrame


def output_columns(params: SnapshotParams) -> list[str]:
    """The feature columns written for these settings, in table order."""
    specs = build_catalog(params.windows, params.ticket_windows)
    return feature_columns(specs, include_protected=params.include_protected)


def with_window_sums(base: DataFrame, totals: DataFrame, windows: UsageWindows) -> DataFrame:
    """``base`` (one row per subscriber) + the window sums of ``totals``: 0 for subscribers
    without usage, last call / data / CDR dates null."""
    sums = [c for c in state_columns(windows) if c not in LAST_DATES]
    joined = base.join(
        totals.select("subscriber_id", *state_columns(windows)), on="subscriber_id", how="left"
    )
    return joined.withColumns({c: F.coalesce(F.col(c), F.lit(0)) for c in sums})


def subscriber_features(inputs: SnapshotInputs, as_of: dt.date, params: SnapshotParams) -> DataFrame:
    """Every feature group at the end of ``as_of`` for the subscribers active then."""
    windows = params.windows
    tickets = [f"tickets_{category}_{w}d" for w in params.ticket_windows for category in TICKET_CATEGORIES]
    zero_filled = ["addon_count", *ADDON_FLAGS, "late_invoices", "unpaid_balance", *tickets, "open_tickets"]
    base = active_subscribers(inputs.subscribers, as_of).join(
        plan_columns(inputs.plans, as_of), on="plan_id", how="left"
    )
    wide = (
        with_window_sums(base, inputs.totals, windows)
        .join(addon_features(inputs.products, as_of), on="subscriber_id", how="left")
        .join(
            invoice_features(inputs.invoices, inputs.payments, as_of, params.billing_lookback_days),
            on="subscriber_id",
            how="left",
        )
        .join(topup_sums(inputs.topups, as_of, windows), on="subscriber_id", how="left")
        .join(ticket_features(inputs.tickets, as_of, params.ticket_windows), on="subscriber_id", how="left")
        .withColumns({c: F.coalesce(F.col(c), F.lit(0)) for c in zero_filled})
    )
    wide = (
        wide.transform(lambda df: with_account_features(df, as_of, params.include_protected))
        .transform(lambda df: with_usage_window_features(df, as_of, windows))
        .transform(lambda df: with_fraud_signal_features(df, windows, params.early_life_days))
        .transform(lambda df: with_allowance_and_revenue(df, windows))
        .transform(lambda df: with_topup_features(df, as_of, windows))
    )
    specs = spec_by_name(build_catalog(windows, params.ticket_windows))
    return wide.select(
        "subscriber_id",
        F.lit(as_of).alias("snapshot_date"),
        *[F.col(name).cast(specs[name].dtype).alias(name) for name in output_columns(params)],
    )
