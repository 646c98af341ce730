"""Calibrated probabilities from raw model scores.

The calibrator is fitted on validation (score, label) pairs and stored as plain numbers
(JSON), so scoring needs neither pickle nor scikit-learn:
- isotonic: a monotone piecewise-linear map through (x, y) knots, clipped at the ends;
- platt: p = 1 / (1 + exp(-(a * logit(score) + b))).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Method = Literal["isotonic", "platt", "identity"]
EPS = 1e-6


@dataclass(frozen=True)
class Calibrator:
    method: Method
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()
    a: float = 1.0
    b: float = 0.0

    def predict(self, scores: np.ndarray) -> np.ndarray:
        s = np.asarray(scores, dtype=np.float64)
        if self.method == "isotonic":
            return np.interp(s, self.x, self.y)
        if self.method == "platt":
            clipped = np.clip(s, EPS, 1 - EPS)
            return 1.0 / (1.0 + np.exp(-(self.a * np.log(clipped / (1 - clipped)) + self.b)))
        return s

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "x": list(self.x), "y": list(self.y), "a": self.a, "b": self.b}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        return cls(data["method"], tuple(data["x"]), tuple(data["y"]), float(data["a"]), float(data["b"]))


IDENTITY = Calibrator("identity")


def fit_calibrator(scores: np.ndarray, labels: np.ndarray, method: Method) -> Calibrator:
    """Fit ``method`` on raw ``scores`` and 0/1 ``labels`` (the validation split)."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if method == "identity":
        return IDENTITY
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
        return Calibrator(
            "isotonic", tuple(map(float, iso.X_thresholds_)), tuple(map(float, iso.y_thresholds_))
        )
    from sklearn.linear_model import LogisticRegression

    clipped = np.clip(s, EPS, 1 - EPS)
    logit = np.log(clipped / (1 - clipped)).reshape(-1, 1)
    lr = LogisticRegression(C=1e6).fit(logit, y)
    return Calibrator("platt", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))
