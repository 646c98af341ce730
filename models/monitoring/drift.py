"""Drift statistics on binned counts: pure numpy, no Spark.

A monitored column is cut into bins by its training reference: a numeric column into
right-closed intervals between the reference's quantile edges ``e0 < e1 < ... < e(m-1)``
(``<= e0``, ``(e0, e1]``, ..., ``> e(m-1)``: m + 1 bins), a categorical one into one bin per
reference value plus ``other``; missing values (null, NaN) always get a bin of their own,
the last one. Every function here takes count vectors over the same bins.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2 as chi2_distribution

# An empty bin's share counts as this in the PSI, so one empty bin adds a large but finite term.
PSI_FLOOR = 1e-4
MISSING, OTHER = "missing", "other"


def shares(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    """Counts -> proportions (all zeros when there are no rows)."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    return c / total if total > 0 else np.zeros_like(c)


def psi(reference: Sequence[float] | np.ndarray, current: Sequence[float] | np.ndarray) -> float:
    """Population stability index of two share vectors: sum over bins of (c - r) * ln(c / r),
    a share of 0 counting as ``PSI_FLOOR``."""
    r = np.maximum(np.asarray(reference, dtype=np.float64), PSI_FLOOR)
    c = np.maximum(np.asarray(current, dtype=np.float64), PSI_FLOOR)
    if r.shape != c.shape:
        raise ValueError(f"share vectors differ in length ({r.shape}, {c.shape})")
    return float(np.sum((c - r) * np.log(c / r)))


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    dof: int
    p_value: float


def chi_square(
    reference_counts: Sequence[float] | np.ndarray, current_counts: Sequence[float] | np.ndarray
) -> ChiSquare:
    """Chi-square test of homogeneity on the 2 x k table (reference, current) of bin counts.

    Bins empty in both samples are left out; with fewer than two bins left, or an empty
    sample, there is nothing to test (statistic 0, p-value 1).
    """
    table = np.vstack(
        [np.asarray(reference_counts, dtype=np.float64), np.asarray(current_counts, dtype=np.float64)]
    )
    table = table[:, table.sum(axis=0) > 0]
    rows = table.sum(axis=1)
    if table.shape[1] < 2 or (rows == 0).any():
        return ChiSquare(0.0, 0, 1.0)
    expected = np.outer(rows, table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    dof = table.shape[1] - 1
    return ChiSquare(statistic, dof, float(chi2_distribution.sf(statistic, dof)))


def unique_edges(quantiles: Sequence[float | None]) -> list[float]:
    """Quantile values -> strictly increasing finite bin edges (ties of discrete columns collapse)."""
    finite = [float(q) for q in quantiles if q is not None and np.isfinite(q)]
    return sorted(set(finite))


def numeric_labels(edges: Sequence[float]) -> list[str]:
    """Bin labels of a numeric column cut at ``edges``, the missing bin last."""
    if not edges:
        return ["all", MISSING]
    inner = [f"({lo:.4g}, {hi:.4g}]" for lo, hi in itertools.pairwise(edges)]
    return [f"<= {edges[0]:.4g}", *inner, f"> {edges[-1]:.4g}", MISSING]


def categorical_labels(categories: Sequence[str]) -> list[str]:
    return [*categories, OTHER, MISSING]


@dataclass(frozen=True)
class ColumnDrift:
    """One column of one date against its reference."""

    rows: int
    psi: float
    chi2: float
    dof: int
    p_value: float
    reference_missing_rate: float
    missing_rate: float
    reference_zero_rate: float | None
    zero_rate: float | None

    @property
    def missing_rate_change(self) -> float:
        return self.missing_rate - self.reference_missing_rate

    @property
    def zero_rate_change(self) -> float | None:
        if self.zero_rate is None or self.reference_zero_rate is None:
            return None
        return self.zero_rate - self.reference_zero_rate


def compare(
    reference_counts: Sequence[float] | np.ndarray,
    current_counts: Sequence[float] | np.ndarray,
    reference_zeros: float | None = None,
    current_zeros: float | None = None,
) -> ColumnDrift:
    """Drift of a column: counts per bin (the missing bin last) of reference and current,
    and the rows equal to 0 (None for categorical columns)."""
    ref = np.asarray(reference_counts, dtype=np.float64)
    cur = np.asarray(current_counts, dtype=np.float64)
    test = chi_square(ref, cur)
    n_ref, n_cur = ref.sum(), cur.sum()

    def rate(part: float | None, total: float) -> float | None:
        if part is None:
            return None
        return float(part / total) if total > 0 else 0.0

    return ColumnDrift(
        rows=int(n_cur),
        psi=psi(shares(ref), shares(cur)) if n_ref > 0 and n_cur > 0 else 0.0,
        chi2=test.statistic,
        dof=test.dof,
        p_value=test.p_value,
        reference_missing_rate=rate(ref[-1], n_ref) or 0.0,
        missing_rate=rate(cur[-1], n_cur) or 0.0,
        reference_zero_rate=rate(reference_zeros, n_ref),
        zero_rate=rate(current_zeros, n_cur),
    )
