"""Which feature snapshots a training set may use: only those whose labels are complete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from models.errors import NoEligibleSnapshotError


def select_snapshots(
    available: Iterable[dt.date],
    as_of: dt.date,
    label_delay_days: int,
    count: int,
    spacing_days: int,
) -> list[dt.date]:
    """The latest ``count`` snapshot dates S with S + label_delay_days <= as_of, walking
    back from the newest and keeping dates at least ``spacing_days`` apart; ascending.

    Raises ``NoEligibleSnapshotError`` naming the newest snapshot and when its labels
    will be complete when no snapshot qualifies.
    """
    dates = sorted(set(available))
    if not dates:
        raise NoEligibleSnapshotError(
            "the feature table has no snapshot: build silver.subscriber_features first"
        )
    cutoff = as_of - dt.timedelta(days=label_delay_days)
    eligible = [d for d in dates if d <= cutoff]
    if not eligible:
        first = dates[0]
        raise NoEligibleSnapshotError(
            f"no snapshot has elapsed labels at as-of {as_of}: labels need {label_delay_days} days after "
            f"the snapshot, so a snapshot on or before {cutoff} is needed; the earliest is {first} "
            f"(complete from {first + dt.timedelta(days=label_delay_days)})"
        )
    chosen: list[dt.date] = []
    for day in reversed(eligible):
        if len(chosen) == count:
            break
        if not chosen or (chosen[-1] - day).days >= spacing_days:
            chosen.append(day)
    return sorted(chosen)
