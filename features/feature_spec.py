"""One catalogue entry (``FeatureSpec``) and the helper the groups write their entries with.

Each feature group declares its entries beside the code that computes them;
``features.catalog`` puts the groups together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dtype = Literal["double", "int", "string"]


@dataclass(frozen=True)
class FeatureSpec:
    """One feature column: what it means, where it comes from, how it may be used."""

    name: str
    definition: str
    window: str
    source: str
    group: str
    dtype: Dtype
    categorical: bool
    protected: bool
    reason_code: str  # shown by model explanations when this feature pushes the risk up
    min_value: float | None
    max_value: float | None


def spec(
    name: str,
    definition: str,
    window: str,
    source: str,
    group: str,
    dtype: Dtype,
    reason_code: str,
    min_value: float | None = None,
    max_value: float | None = None,
    categorical: bool = False,
    protected: bool = False,
) -> FeatureSpec:
    """A ``FeatureSpec`` in the order entries are written in, bounds as floats."""
    lo = None if min_value is None else float(min_value)
    hi = None if max_value is None else float(max_value)
    return FeatureSpec(
        name, definition, window, source, group, dtype, categorical, protected, reason_code, lo, hi
    )
