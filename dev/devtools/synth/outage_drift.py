"""Hook for injecting drift into a generated world (``generate(..., drift=...)``).

``None`` (the default) leaves the world stationary. A dict may set, from ``start_day``
(offset from the first day, default 0) on:

- ``usage_scale``: multiplier of every subscriber's ordinary usage rates;
- ``dropped_call_scale``: multiplier of every cell's dropped-call probability;
- ``outage_region`` (a region name, e.g. ``"London"``) with ``outage_dropped_call_scale``
  (multiplier of the dropped-call probability of that region's cells) and
  ``outage_usage_scale`` (multiplier of the usage of subscribers living there): a regional
  network outage. A dropped-call probability never exceeds ``MAX_DROP_P``.

Unknown keys are refused so that a typo never silently produces a stationary world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from devtools.synth import plan_catalog as cat

KEYS = (
    "start_day",
    "usage_scale",
    "dropped_call_scale",
    "outage_region",
    "outage_dropped_call_scale",
    "outage_usage_scale",
)
REGION_NAMES = tuple(r[0] for r in cat.REGIONS)
MAX_DROP_P = 0.8


@dataclass(frozen=True)
class Drift:
    start_day: int = 0
    usage_scale: float = 1.0
    dropped_call_scale: float = 1.0
    outage_region: str | None = None
    outage_dropped_call_scale: float = 1.0
    outage_usage_scale: float = 1.0

    @staticmethod
    def from_dict(spec: dict[str, Any] | None) -> Drift:
        if not spec:
            return Drift()
        unknown = sorted(set(spec) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown drift settings {unknown}; supported: {list(KEYS)}")
        region = spec.get("outage_region")
        if region is not None and region not in REGION_NAMES:
            raise ValueError(f"outage_region must be one of {list(REGION_NAMES)}, got {region!r}")
        drift = Drift(
            start_day=int(spec.get("start_day", 0)),
            usage_scale=float(spec.get("usage_scale", 1.0)),
            dropped_call_scale=float(spec.get("dropped_call_scale", 1.0)),
            outage_region=region,
            outage_dropped_call_scale=float(spec.get("outage_dropped_call_scale", 1.0)),
            outage_usage_scale=float(spec.get("outage_usage_scale", 1.0)),
        )
        scales = (
            drift.usage_scale,
            drift.dropped_call_scale,
            drift.outage_dropped_call_scale,
            drift.outage_usage_scale,
        )
        if min(scales) < 0:
            raise ValueError("drift scales must be >= 0")
        return drift

    def _on(self, day_index: int) -> bool:
        return day_index >= self.start_day

    def usage(self, day_index: int) -> float:
        return self.usage_scale if self._on(day_index) else 1.0

    def dropped_calls(self, day_index: int) -> float:
        return self.dropped_call_scale if self._on(day_index) else 1.0

    def _outage(self, day_index: int) -> int | None:
        """Index of the region in outage on this day, if any."""
        if self.outage_region is None or not self._on(day_index):
            return None
        return REGION_NAMES.index(self.outage_region)

    def usage_of(self, day_index: int, home_region: np.ndarray) -> np.ndarray:
        """Usage multiplier of every subscriber (``home_region``: region index per subscriber)."""
        scale = np.full(len(home_region), self.usage(day_index))
        region = self._outage(day_index)
        if region is not None:
            scale[home_region == region] *= self.outage_usage_scale
        return scale

    def drop_scale_of(self, day_index: int, region_first: np.ndarray, cells: int) -> float | np.ndarray:
        """Dropped-call multiplier: one number, or one per cell while a region is in outage
        (``region_first``: first cell index of each region; ``cells``: all cells)."""
        region = self._outage(day_index)
        if region is None:
            return self.dropped_calls(day_index)
        scale = np.full(cells, self.dropped_calls(day_index))
        first = int(region_first[region])
        scale[first : first + cat.CELLS_PER_REGION] *= self.outage_dropped_call_scale
        return scale
