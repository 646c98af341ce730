"""What a feature build did, one line per date or CDR block, as the job prints it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class DateResult:
    as_of: dt.date
    cdr_days: tuple[dt.date, ...]  # empty when a backfill built them in blocks
    late_days: tuple[dt.date, ...]
    cdr_daily_rows: int
    feature_rows: int
    window_mode: str  # rolled | from_scratch | reread
    seconds: float


def format_result(r: DateResult) -> str:
    if r.cdr_days:
        late = ", ".join(d.isoformat() for d in r.late_days) or "none"
        cdr = f"cdr_daily {r.cdr_daily_rows} rows for {len(r.cdr_days)} day(s) (late days recomputed: {late})"
    else:
        cdr = "cdr_daily built by the backfill"
    return (
        f"{r.as_of}: {cdr}; window sums {r.window_mode}; subscriber_features {r.feature_rows} rows;"
        f" {r.seconds:.1f}s"
    )


def format_block(block: list[dt.date], rows: int, seconds: float) -> str:
    """One backfill pass over the CDR days ``block``."""
    return f"{block[0]}..{block[-1]}: cdr_daily {rows} rows for {len(block)} day(s); {seconds:.1f}s"
