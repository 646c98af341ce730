"""Evaluation metrics on (label, score) arrays; pure numpy, no side effects.

``y`` holds 0/1 labels, ``s`` scores or probabilities (higher = riskier). "Top f" is the
``ceil(f * n)`` highest-scored rows; ties keep the input order (stable sort).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata


def _arrays(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_arr, s_arr = np.asarray(y, dtype=np.float64), np.asarray(s, dtype=np.float64)
    if y_arr.shape != s_arr.shape or y_arr.ndim != 1 or len(y_arr) == 0:
        raise ValueError(
            f"labels and scores must be 1-D, non-empty and equal in length ({y_arr.shape}, {s_arr.shape})"
        )
    return y_arr, s_arr


def _both_classes(y: np.ndarray) -> tuple[int, int]:
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("the metric needs both positive and negative labels")
    return positives, negatives


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties half."""
    y, s = _arrays(y, s)
    positives, negatives = _both_classes(y)
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """PR AUC as average precision: sum over score thresholds of (recall step x precision)."""
    y, s = _arrays(y, s)
    positives, _ = _both_classes(y)
    order = np.argsort(-s, kind="stable")
    y_sorted, s_sorted = y[order], s[order]
    last_of_tie = np.r_[np.diff(s_sorted) != 0, True]  # evaluate once per distinct score
    tp = np.cumsum(y_sorted)[last_of_tie]
    seen = (np.arange(len(y_sorted)) + 1)[last_of_tie]
    recall_steps = np.diff(np.r_[0.0, tp / positives])
    return float(np.sum(recall_steps * tp / seen))


def top_count(n: int, fraction: float) -> int:
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return max(1, math.ceil(round(fraction * n, 9)))


def _top(y: np.ndarray, s: np.ndarray, k: int) -> np.ndarray:
    return y[np.argsort(-s, kind="stable")[:k]]


def precision_at_k(y: np.ndarray, s: np.ndarray, k: int) -> float:
    """Share of positives among the ``k`` highest scores (all rows when k > n)."""
    y, s = _arrays(y, s)
    return float(_top(y, s, min(k, len(y))).mean())


def capture_rate_at(y: np.ndarray, s: np.ndarray, fraction: float) -> float:
    """Share of all positives found in the top ``fraction`` of rows (cumulative gain)."""
    y, s = _arrays(y, s)
    positives, _ = _both_classes(y)
    return float(_top(y, s, top_count(len(y), fraction)).sum() / positives)


def lift_at(y: np.ndarray, s: np.ndarray, fraction: float) -> float:
    """Positive rate in the top ``fraction`` divided by the overall positive rate."""
    y, s = _arrays(y, s)
    _both_classes(y)
    return float(_top(y, s, top_count(len(y), fraction)).mean() / y.mean())


def brier_score(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _arrays(y, p)
    return float(np.mean((p - y) ** 2))


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per equal-width probability bin on [0, 1] (1.0 in the last): mean predicted
    probability, observed positive rate and row count (NaN where the bin is empty)."""
    y, p = _arrays(y, p)
    index = np.clip((p * bins).astype(int), 0, bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p = np.bincount(index, weights=p, minlength=bins) / counts
        rate = np.bincount(index, weights=y, minlength=bins) / counts
    return mean_p, rate, counts


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int) -> float:
    """Sum over bins of (rows in bin / rows) x |mean probability - positive rate|."""
    mean_p, rate, counts = calibration_bins(y, p, bins)
    filled = counts > 0
    return float(np.sum(counts[filled] / counts.sum() * np.abs(mean_p[filled] - rate[filled])))


def gain_curve(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share of rows contacted, share of positives captured), best scores first, from (0, 0)."""
    y, s = _arrays(y, s)
    positives, _ = _both_classes(y)
    captured = np.cumsum(_top(y, s, len(y))) / positives
    return np.r_[0.0, np.arange(1, len(y) + 1) / len(y)], np.r_[0.0, captured]


def pct_name(fraction: float) -> str:
    """0.01 -> ``1pct``, 0.005 -> ``0.5pct``."""
    return f"{fraction * 100:g}pct"


def evaluate(
    y: np.ndarray, p: np.ndarray, top_fractions: list[float], ks: list[int], ece_bins: int
) -> dict[str, float]:
    """Every reported metric of calibrated probabilities ``p`` against labels ``y``."""
    y, p = _arrays(y, p)
    metrics = {
        "rows": float(len(y)),
        "positives": float(y.sum()),
        "base_rate": float(y.mean()),
        "roc_auc": roc_auc(y, p),
        "pr_auc": average_precision(y, p),
        "brier": brier_score(y, p),
        "expected_calibration_error": expected_calibration_error(y, p, ece_bins),
    }
    for fraction in top_fractions:
        metrics[f"lift_at_{pct_name(fraction)}"] = lift_at(y, p, fraction)
        metrics[f"capture_at_{pct_name(fraction)}"] = capture_rate_at(y, p, fraction)
    for k in ks:
        metrics[f"precision_at_{k}"] = precision_at_k(y, p, k)
    return metrics
