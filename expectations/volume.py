"""Volume: a date's row count against the median of the previous dates' counts."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from expectations.checks import Check


@dataclass(frozen=True)
class VolumeBounds:
    """Accepted row counts [low, high] around the trailing ``median`` of ``days`` dates."""

    median: float
    days: int
    low: int
    high: int
    tolerance: float

    def check(self, table: str) -> Check:
        return Check(
            "volume",
            "volume",
            "expect_table_row_count_to_be_between",
            {"min_value": self.low, "max_value": self.high},
            f"{table}: rows within {self.low}..{self.high} (median {self.median:g} of the previous"
            f" {self.days} dates ± {self.tolerance:.0%})",
        )


def volume_bounds(
    history: list[int], tolerance: float, min_history_days: int, min_median_rows: int
) -> VolumeBounds | None:
    """Bounds from the previous dates' row counts, or None when there is too little
    history or the table is too small for a stable median (no volume check then)."""
    if len(history) < min_history_days:
        return None
    median = float(statistics.median(history))
    if median < min_median_rows:
        return None
    low = max(math.floor(median * (1.0 - tolerance)), 0)
    high = math.ceil(median * (1.0 + tolerance))
    return VolumeBounds(median, len(history), low, high, tolerance)
