"""What a feature build reads and builds, worked out without touching a table.

``jobs/build_features.py`` does the reads and writes; this says which feeds a date needs,
which days (partitions) each read covers, how a backfill cuts its CDR days into passes and
which dates of a range get a feature snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from features.snapshot import SnapshotInputs, SnapshotParams

# Feeds whose drop D must be ingested before features at D are built.
REQUIRED_FEEDS = (
    "cdr",
    "subscribers",
    "plans",
    "subscriber_products",
    "invoices",
    "payments",
    "topups",
    "tickets",
)
# How far back the nearest earlier snapshot of a snapshot feed may be.
SNAPSHOT_SEARCH_DAYS = 31

DayRange = tuple[dt.date, dt.date]  # first and last day, both included


def missing_feeds(ingested: set[tuple[str, dt.date]], days: Iterable[dt.date]) -> dict[dt.date, list[str]]:
    """Per day of ``days`` (ascending) with any: the REQUIRED_FEEDS without a ``(feed, day)``
    in ``ingested``."""
    missing = {day: [f for f in REQUIRED_FEEDS if (f, day) not in ingested] for day in sorted(set(days))}
    return {day: feeds for day, feeds in missing.items() if feeds}


def late_day_range(as_of: dt.date, lag: int) -> DayRange | None:
    """The earlier days drop ``as_of`` may bring CDRs for (``lag`` = ingest.max_late_days)."""
    if lag == 0:
        return None
    return as_of - dt.timedelta(days=lag), as_of - dt.timedelta(days=1)


def snapshot_search_range(first: dt.date, last: dt.date) -> DayRange:
    """Snapshot dates that can be the latest snapshot on or before a day of [first, last]."""
    return first - dt.timedelta(days=SNAPSHOT_SEARCH_DAYS), last


def seen_history(seen_daily: DataFrame, days: list[dt.date], lookback_days: int) -> DataFrame:
    """The rows of silver.cdr_seen_daily that tell whether identifiers seen on ``days`` are
    new: the ``lookback_days`` before the first of them up to the last, ``days`` left out."""
    lo, hi = min(days) - dt.timedelta(days=lookback_days), max(days) - dt.timedelta(days=1)
    day = F.col("event_date")
    return seen_daily.where(day.between(F.lit(lo), F.lit(hi)) & ~day.isin(*days))


def event_ranges(as_of: dt.date, params: SnapshotParams) -> dict[str, DayRange]:
    """Per event feed a snapshot at ``as_of`` reads: the ``event_date`` days its features use."""
    lookback = {
        "invoices": params.billing_lookback_days,
        "payments": params.billing_lookback_days,
        "topups": params.windows.long,
        "tickets": max(params.ticket_windows),
    }
    return {feed: (as_of - dt.timedelta(days=days - 1), as_of) for feed, days in lookback.items()}


def snapshot_inputs(
    bronze: Callable[[str], DataFrame],
    totals: DataFrame,
    as_of: dt.date,
    subscribers_on: dt.date,
    params: SnapshotParams,
) -> SnapshotInputs:
    """The rows a snapshot at ``as_of`` reads, pruned to the partitions its features use:
    ``bronze(feed)`` is the table of a feed, ``subscribers_on`` the date of the subscribers
    snapshot to use and ``totals`` the window sums at ``as_of``."""
    events = event_ranges(as_of, params)
    lo, hi = snapshot_search_range(as_of, as_of)

    def event_rows(feed: str) -> DataFrame:
        first, last = events[feed]
        return bronze(feed).where(F.col("event_date").between(F.lit(first), F.lit(last)))

    def snapshots(feed: str) -> DataFrame:
        return bronze(feed).where(F.col("snapshot_date").between(F.lit(lo), F.lit(hi)))

    return SnapshotInputs(
        subscribers=bronze("subscribers").where(F.col("snapshot_date") == F.lit(subscribers_on)),
        plans=snapshots("plans"),
        products=snapshots("subscriber_products"),
        totals=totals,
        invoices=event_rows("invoices"),
        payments=event_rows("payments"),
        topups=event_rows("topups"),
        tickets=event_rows("tickets"),
    )


def snapshot_days(dates: list[dt.date], every: int, on: list[dt.date] | None = None) -> list[dt.date]:
    """The dates that get a feature snapshot, ascending: those of ``on`` plus the last date
    when given, else every ``every``-th date counting back from the last one (always in)."""
    ordered = sorted(set(dates))
    if on is not None:
        outside = sorted(set(on) - set(ordered))
        if outside:
            listed = ", ".join(map(str, outside))
            raise ValueError(f"--snapshot-dates {listed} outside the range {ordered[0]}..{ordered[-1]}")
        return sorted({*on, ordered[-1]})
    if every < 1:
        raise ValueError(f"--snapshot-every must be at least 1, got {every}")
    return ordered[::-1][::every][::-1]


def blocks(days: list[dt.date], size: int) -> list[list[dt.date]]:
    """``days`` (ascending) in consecutive chunks of at most ``size``: one CDR pass each."""
    return [days[i : i + size] for i in range(0, len(days), size)]
