"""The usage windows by role: ``short``, ``mid`` and ``long`` (days).

A window ``w`` at snapshot D covers the w days (D - w, D]. Features say which window they
use by its role, so their names follow the configured lengths (``active_days_30d`` is the
mid window's); each consecutive pair gives a trend (the last ``short`` days against the
``mid - short`` before, the last ``mid`` against the ``long - mid`` before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class NamedWindows(Protocol):
    """Anything naming the three windows, e.g. the ``features.windows`` config section."""

    @property
    def short(self) -> int: ...

    @property
    def mid(self) -> int: ...

    @property
    def long(self) -> int: ...


@dataclass(frozen=True)
class UsageWindows:
    short: int
    mid: int
    long: int

    def __post_init__(self) -> None:
        if not 1 <= self.short < self.mid < self.long:
            raise ValueError(f"usage windows must satisfy 1 <= short < mid < long, got {self.days}")

    @classmethod
    def of(cls, named: NamedWindows) -> UsageWindows:
        return cls(named.short, named.mid, named.long)

    @property
    def days(self) -> tuple[int, int, int]:
        """The three lengths, shortest first."""
        return (self.short, self.mid, self.long)

    @property
    def trend_pairs(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(recent, longer) of each usage trend: the last ``recent`` days against the
        ``longer - recent`` days before."""
        return ((self.short, self.mid), (self.mid, self.long))


def trend_name(measure: str, recent: int, longer: int) -> str:
    return f"{measure}_trend_{recent}v{longer - recent}"
