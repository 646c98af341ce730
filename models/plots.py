"""Evaluation figures as PNG files (matplotlib, Agg backend: no display needed).

Inputs: test labels ``y``, calibrated probabilities ``p``, gain importance per feature.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from models import metrics

TOP_FEATURES = 20


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def roc_plot(y: np.ndarray, p: np.ndarray, title: str, path: Path) -> Path:
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, p)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(fpr, tpr, label=f"model (AUC {metrics.roc_auc(y, p):.3f})")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="random")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"{title}: ROC")
    ax.legend(loc="lower right")
    return _save(fig, path)


def pr_plot(y: np.ndarray, p: np.ndarray, title: str, path: Path) -> Path:
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(y, p)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.step(recall, precision, where="post", label=f"model (AP {metrics.average_precision(y, p):.3f})")
    ax.axhline(float(np.mean(y)), linestyle="--", color="grey", label="base rate")
    ax.set(xlabel="recall", ylabel="precision", title=f"{title}: precision-recall", ylim=(0, 1.02))
    ax.legend(loc="upper right")
    return _save(fig, path)


def gain_lift_plot(y: np.ndarray, p: np.ndarray, title: str, path: Path) -> Path:
    share, captured = metrics.gain_curve(y, p)
    fig, (gain_ax, lift_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
    gain_ax.plot(share, captured, label="model")
    gain_ax.plot([0, 1], [0, 1], "--", color="grey", label="random")
    gain_ax.set(
        xlabel="share of subscribers contacted",
        ylabel="share of positives captured",
        title=f"{title}: cumulative gain",
    )
    gain_ax.legend(loc="lower right")
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(share > 0, captured / share, np.nan)
    lift_ax.plot(share[1:], lift[1:])
    lift_ax.axhline(1.0, linestyle="--", color="grey")
    lift_ax.set(
        xlabel="share of subscribers contacted",
        ylabel="lift",
        title=f"{title}: cumulative lift",
        xscale="log",
    )
    return _save(fig, path)


def calibration_plot(y: np.ndarray, p: np.ndarray, bins: int, title: str, path: Path) -> Path:
    mean_p, rate, counts = metrics.calibration_bins(y, p, bins)
    filled = counts > 0
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    ax.plot(
        mean_p[filled],
        rate[filled],
        "o-",
        label=f"model (ECE {metrics.expected_calibration_error(y, p, bins):.3f})",
    )
    ax.set(
        xlabel="mean predicted probability",
        ylabel="observed positive rate",
        title=f"{title}: calibration",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(loc="upper left")
    return _save(fig, path)


def importance_plot(importance: dict[str, float], title: str, path: Path) -> Path:
    top = sorted(importance.items(), key=lambda kv: kv[1], reverse=True)[:TOP_FEATURES]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.3 * len(top) + 1)))
    names = [k for k, _ in reversed(top)]
    ax.barh(names, [v for _, v in reversed(top)])
    ax.set(xlabel="total gain", title=f"{title}: feature importance (top {len(top)})")
    return _save(fig, path)


def write_plots(
    folder: Path, y: np.ndarray, p: np.ndarray, importance: dict[str, float], bins: int, title: str
) -> list[Path]:
    """The five evaluation figures in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        roc_plot(y, p, title, folder / "roc.png"),
        pr_plot(y, p, title, folder / "precision_recall.png"),
        gain_lift_plot(y, p, title, folder / "gain_lift.png"),
        calibration_plot(y, p, bins, title, folder / "calibration.png"),
        importance_plot(importance, title, folder / "feature_importance.png"),
    ]
