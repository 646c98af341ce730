"""Suite of a date's ingestion counts: every feed ingested, counts add up, quarantine rate.

Validated frame (``frames.ingest_frame``: the latest ``ops.ingest_runs`` row per feed
for drop D): ``feed``, ``rows_read``, ``rows_accepted``, ``rows_quarantined``,
``unaccounted`` (read - accepted - quarantined), ``quarantine_rate`` (quarantined / read)
and ``max_quarantine_rate`` (the feed's threshold; null for drops too small for a rate).
Failures name the feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from expectations.checks import Check, Suite, between, pair
from telco_risk.tables import INGEST_RUNS


def ingest_suite(date: dt.date, feeds: Sequence[str], min_rows_read: int) -> Suite:
    checks: tuple[Check, ...] = (
        Check(
            "freshness:feeds",
            "freshness",
            "expect_column_distinct_values_to_contain_set",
            {"column": "feed", "value_set": list(feeds)},
            f"every feed has an ingestion run for the drop of {date}",
        ),
        between(
            "unaccounted",
            0,
            0,
            kind="relation",
            check_id="reconciled",
            why="rows read = rows accepted + rows quarantined",
        ),
        pair(
            "quarantine_rate",
            "quarantine_rate",
            "max_quarantine_rate",
            "quarantine_rate",
            why=f"quarantined / read at most the feed's max_quarantine_rate (drops of {min_rows_read}+ rows)",
        ),
    )
    return Suite(INGEST_RUNS, INGEST_RUNS, checks, index_column="feed")
