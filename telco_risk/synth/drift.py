"""Hook for injecting drift into a generated world (``generate(..., drift=...)``).

``None`` (the default) leaves the world stationary. A dict may set, from ``start_day``
(offset from the first day, default 0) on:

- ``usage_scale``: multiplier of every subscriber's ordinary usage rates;
- ``dropped_call_scale``: multiplier of every cell's dropped-call probability.

Unknown keys are refused so that a typo never silently produces a stationary world.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KEYS = ("start_day", "usage_scale", "dropped_call_scale")


@dataclass(frozen=True)
class Drift:
    start_day: int = 0
    usage_scale: float = 1.0
    dropped_call_scale: float = 1.0

    @staticmethod
    def from_dict(spec: dict[str, Any] | None) -> Drift:
        if not spec:
            return Drift()
        unknown = sorted(set(spec) - set(KEYS))
        if unknown:
            raise ValueError(f"unknown drift settings {unknown}; supported: {list(KEYS)}")
        drift = Drift(
            start_day=int(spec.get("start_day", 0)),
            usage_scale=float(spec.get("usage_scale", 1.0)),
            dropped_call_scale=float(spec.get("dropped_call_scale", 1.0)),
        )
        if drift.usage_scale < 0 or drift.dropped_call_scale < 0:
            raise ValueError("drift scales must be >= 0")
        return drift

    def usage(self, day_index: int) -> float:
        return self.usage_scale if day_index >= self.start_day else 1.0

    def dropped_calls(self, day_index: int) -> float:
        return self.dropped_call_scale if day_index >= self.start_day else 1.0
