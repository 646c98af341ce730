"""Risk bands: the one rule that turns a calibrated probability into high / medium / low.

A model's cut-offs come from its ``models.<model>.bands`` setting and travel in its bundle.
"""

from __future__ import annotations

import numpy as np

HIGH, MEDIUM, LOW = "high", "medium", "low"
BANDS = (HIGH, MEDIUM, LOW)


def risk_bands(probabilities: np.ndarray, high: float, medium: float) -> np.ndarray:
    """``high`` where p >= high, ``medium`` where p >= medium, else ``low``; null stays null."""
    p = np.asarray(probabilities, dtype=np.float64)
    bands = np.where(p >= high, HIGH, np.where(p >= medium, MEDIUM, LOW)).astype(object)
    bands[np.isnan(p)] = None
    return bands
