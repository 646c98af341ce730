"""Which subscriber a CDR's ``msisdn`` token belongs to on a given day.

CDRs carry the (pseudonymised) number, not the subscription: the subscribers snapshot of
the event's day (or the nearest earlier one available) says whose number it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F


def snapshot_for_days(available: Iterable[dt.date], days: Iterable[dt.date]) -> dict[dt.date, dt.date]:
    """For each day, the latest available snapshot date on or before it (days without one are left out)."""
    snapshots = sorted(set(available))
    chosen: dict[dt.date, dt.date] = {}
    for day in sorted(set(days)):
        earlier = [s for s in snapshots if s <= day]
        if earlier:
            chosen[day] = earlier[-1]
    return chosen


def _days_of_snapshot(snapshot_of_day: dict[dt.date, dt.date]) -> Column:
    """An array column: the event days that use the row's snapshot."""
    by_snapshot: dict[dt.date, list[dt.date]] = {}
    for day, snapshot in snapshot_of_day.items():
        by_snapshot.setdefault(snapshot, []).append(day)
    expr: Column | None = None
    for snapshot, days in sorted(by_snapshot.items()):
        matches = F.col("snapshot_date") == F.lit(snapshot)
        value = F.array(*[F.lit(d) for d in sorted(days)])
        expr = F.when(matches, value) if expr is None else expr.when(matches, value)
    assert expr is not None
    return expr


def subscriber_by_msisdn(subscribers: DataFrame, snapshot_of_day: dict[dt.date, dt.date]) -> DataFrame:
    """Input: bronze.subscribers rows (``snapshot_date``, ``subscriber_id``, ``msisdn``, ``status``,
    ``activation_date``); ``snapshot_of_day``: event day -> snapshot date to use.

    Output: ``event_date``, ``msisdn``, ``subscriber_id``, one subscriber per number and day. A
    number listed twice in one snapshot (recycled) goes to the subscription that is not
    terminated, then to the latest activation.
    """
    if not snapshot_of_day:
        return subscribers.where(F.lit(False)).select(
            F.col("snapshot_date").alias("event_date"), "msisdn", "subscriber_id"
        )
    rows = subscribers.where(F.col("snapshot_date").isin(*set(snapshot_of_day.values()))).select(
        F.explode(_days_of_snapshot(snapshot_of_day)).alias("event_date"),
        "msisdn",
        "subscriber_id",
        "status",
        "activation_date",
    )
    preference = Window.partitionBy("event_date", "msisdn").orderBy(
        (F.col("status") == "terminated").asc(), F.col("activation_date").desc(), F.col("subscriber_id")
    )
    return (
        rows.withColumn("_rank", F.row_number().over(preference))
        .where(F.col("_rank") == 1)
        .select("event_date", "msisdn", "subscriber_id")
    )
