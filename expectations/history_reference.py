"""Reference statistics of a derived table's columns, pooled from per-date profiles.

A profile is one date's row count and, per column, its non-null count, mean and
population variance (one grouped aggregate over the reference dates). Pooling gives the
reference mean, population standard deviation and null share over all reference rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from expectations.silver_suites import ReferenceStats


@dataclass(frozen=True)
class ColumnProfile:
    non_null: int
    mean: float | None = None
    var: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class DayProfile:
    date: dt.date | None  # None: a whole frame (training set)
    rows: int
    columns: dict[str, ColumnProfile] = field(default_factory=dict)


def pool_reference(profiles: list[DayProfile], min_days: int) -> dict[str, ReferenceStats] | None:
    """Per column: pooled mean, population std and null share; None with fewer than
    ``min_days`` dates (no reference yet)."""
    days = [p for p in profiles if p.rows > 0]
    if len(days) < min_days:
        return None
    rows = sum(p.rows for p in days)
    names = {name for p in days for name in p.columns}
    out = {}
    for name in sorted(names):
        parts = [(p.columns[name]) for p in days if name in p.columns]
        non_null = sum(c.non_null for c in parts)
        null_share = 1.0 - non_null / rows if rows else 1.0
        numeric = [c for c in parts if c.mean is not None and c.non_null > 0]
        if not numeric:
            out[name] = ReferenceStats(None, None, null_share, len(days))
            continue
        n = sum(c.non_null for c in numeric)
        mean = sum(c.non_null * (c.mean or 0.0) for c in numeric) / n
        # total variance = mean of the within-date variances + variance of the date means
        within = sum(c.non_null * (c.var or 0.0) for c in numeric) / n
        between = sum(c.non_null * ((c.mean or 0.0) - mean) ** 2 for c in numeric) / n
        out[name] = ReferenceStats(mean, math.sqrt(max(within + between, 0.0)), null_share, len(days))
    return out
