"""Realised performance of one score date from binned counts: pure numpy, no Spark.

Input: per fine score bin (``models.monitoring.realised`` cuts [0, 1] into ``SCORE_BINS``
bins: floor(probability x SCORE_BINS)), the rows, the positive labels and
the sum of the scores, plus the rows and positives in the high band. Rows in the same
fine bin count as tied scores (half a pair each way), so the AUC equals the exact AUC of
the scores rounded down to the fine bins; the ECE is exact because its equal-width bins
are unions of fine bins (when ``ece_bins`` divides ``SCORE_BINS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCORE_BINS = 100_000  # fine score bins per unit of probability


def binned_auc(positives: np.ndarray, negatives: np.ndarray) -> float | None:
    """P(score of a positive > score of a negative), ties half, from counts per bin in
    ascending score order; None without both classes."""
    pos = np.asarray(positives, dtype=np.float64)
    neg = np.asarray(negatives, dtype=np.float64)
    n_pos, n_neg = pos.sum(), neg.sum()
    if n_pos == 0 or n_neg == 0:
        return None
    negatives_below = np.cumsum(neg) - neg
    return float(np.sum(pos * (negatives_below + 0.5 * neg)) / (n_pos * n_neg))


def binned_ece(
    fine_bins: np.ndarray, rows: np.ndarray, positives: np.ndarray, score_sums: np.ndarray, bins: int
) -> float | None:
    """Expected calibration error over ``bins`` equal-width probability bins on [0, 1]:
    sum over bins of (rows / all rows) x |mean score - positive rate|; None without rows."""
    n = np.asarray(rows, dtype=np.float64)
    if n.sum() == 0:
        return None
    index = np.clip((np.asarray(fine_bins, dtype=np.int64) * bins) // SCORE_BINS, 0, bins - 1)
    count = np.bincount(index, weights=n, minlength=bins)
    pos = np.bincount(index, weights=np.asarray(positives, dtype=np.float64), minlength=bins)
    total = np.bincount(index, weights=np.asarray(score_sums, dtype=np.float64), minlength=bins)
    filled = count > 0
    gap = np.abs(total[filled] / count[filled] - pos[filled] / count[filled])
    return float(np.sum(count[filled] / count.sum() * gap))


@dataclass(frozen=True)
class Realised:
    """How the scores of ``label_date`` fared against the labels that arrived since."""

    rows: int
    positives: int
    auc: float | None
    high_rows: int
    precision_high: float | None  # share of positives among the high band; None when empty
    ece: float | None

    @property
    def base_rate(self) -> float | None:
        return self.positives / self.rows if self.rows else None


def realised(
    fine_bins: np.ndarray,
    rows: np.ndarray,
    positives: np.ndarray,
    score_sums: np.ndarray,
    high_rows: int,
    high_positives: int,
    ece_bins: int,
) -> Realised:
    """Metrics of one score date from its counts per fine bin (any order; bins may repeat)."""
    fine = np.asarray(fine_bins, dtype=np.int64)
    order = np.argsort(fine, kind="stable")
    uniq, start = np.unique(fine[order], return_index=True)
    n = np.add.reduceat(np.asarray(rows, dtype=np.float64)[order], start) if len(fine) else np.array([])
    pos = np.add.reduceat(np.asarray(positives, dtype=np.float64)[order], start) if len(fine) else n
    sums = np.add.reduceat(np.asarray(score_sums, dtype=np.float64)[order], start) if len(fine) else n
    return Realised(
        rows=int(n.sum()),
        positives=int(pos.sum()),
        auc=binned_auc(pos, n - pos),
        high_rows=int(high_rows),
        precision_high=(high_positives / high_rows) if high_rows else None,
        ece=binned_ece(uniq, n, pos, sums, ece_bins),
    )
