"""Customer care features at snapshot D from bronze.tickets.

Point in time: a ticket exists from ``opened_at``; its ``resolved_at`` and
``satisfaction`` are known only once resolved_at is on or before the end of D (a ticket
resolved after D is open at D and has no satisfaction yet).
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from features.catalog import TICKET_CATEGORIES


def ticket_features(tickets: DataFrame, as_of: dt.date, ticket_windows: tuple[int, ...]) -> DataFrame:
    """bronze.tickets -> ``subscriber_id``, ``tickets_<category>_<w>d`` (opened in (D - w, D]),
    ``open_tickets`` and ``last_satisfaction`` (tickets opened in the longest window)."""
    longest = ticket_windows[-1]
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
