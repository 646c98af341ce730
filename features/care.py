"""Customer care features at snapshot D from bronze.tickets.

Point in time: a ticket exists from ``opened_at``; its ``resolved_at`` and
``satisfaction`` are known only once resolved_at is on or before the end of D (a ticket
resolved after D is open at D and has no satisfaction yet). The group's catalogue
entries (``care_specs``) follow the builder.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from features.feature_spec import FeatureSpec, spec
from telco_risk.tables import TICKETS

# Ticket categories of the contract -> the reason code their counts explain.
TICKET_CATEGORIES: dict[str, str] = {
    "billing": "BILLING_COMPLAINTS",
    "network": "NETWORK_COMPLAINTS",
    "device": "DEVICE_COMPLAINTS",
    "plan_change": "PLAN_CHANGE_REQUEST",
    "cancellation_request": "CANCELLATION_REQUEST",
    "other": "CARE_COMPLAINTS",
}


def ticket_features(tickets: DataFrame, as_of: dt.date, ticket_windows: tuple[int, ...]) -> DataFrame:
    """bronze.tickets -> ``subscriber_id``, ``tickets_<category>_<w>d`` (opened in (D - w, D]),
    ``open_tickets`` and ``last_satisfaction`` (tickets opened in the longest window)."""
    longest = max(ticket_windows)
    opened = F.to_date("opened_at")
    rows = tickets.where(opened.between(F.lit(as_of - dt.timedelta(days=longest - 1)), F.lit(as_of)))
    resolved_by_d = F.col("resolved_at").isNotNull() & (F.to_date("resolved_at") <= F.lit(as_of))
    counts = [
        F.count(
            F.when((F.col("category") == category) & (opened > F.lit(as_of - dt.timedelta(days=w))), F.lit(1))
        ).alias(f"tickets_{category}_{w}d")
        for w in ticket_windows
        for category in TICKET_CATEGORIES
    ]
    summary = rows.groupBy("subscriber_id").agg(
        *counts, F.count(F.when(~resolved_by_d, F.lit(1))).alias("open_tickets")
    )
    latest = Window.partitionBy("subscriber_id").orderBy(
        F.col("resolved_at").desc(), F.col("ticket_id").desc()
    )
    satisfaction = (
        rows.where(resolved_by_d & F.col("satisfaction").isNotNull())
        .withColumn("_rank", F.row_number().over(latest))
        .where(F.col("_rank") == 1)
        .select("subscriber_id", F.col("satisfaction").alias("last_satisfaction"))
    )
    return summary.join(satisfaction, on="subscriber_id", how="left")


# -- catalogue entries ------------------------------------------------------------------


def care_specs(ticket_windows: tuple[int, ...]) -> list[FeatureSpec]:
    """The catalogue entries of the care group, in table order."""
    g, longest = "care", max(ticket_windows)
    out: list[FeatureSpec] = []
    for w in ticket_windows:
        for category, reason in TICKET_CATEGORIES.items():
            out.append(
                spec(
                    f"tickets_{category}_{w}d",
                    f"care tickets of category {category} opened",
                    f"{w}d",
                    TICKETS,
                    g,
                    "int",
                    reason,
                    0,
                    10 * w,
                )
            )
    out += [
        spec(
            "open_tickets",
            f"tickets opened in the last {longest} days and not resolved by the end of D",
            f"{longest}d",
            TICKETS,
            g,
            "int",
            "OPEN_TICKETS",
            0,
            1_000,
        ),
        spec(
            "last_satisfaction",
            f"satisfaction (1-5) of the latest ticket resolved by the end of D, among"
            f" those opened in the last {longest} days; null when none",
            f"{longest}d",
            TICKETS,
            g,
            "int",
            "LOW_SATISFACTION",
            1,
            5,
        ),
    ]
    return out
