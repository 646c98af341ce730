"""What scoring needs from a trained model, in one object: ``ScoringBundle``.

Input ``pdf``: a pandas frame holding the bundle's feature columns (raw values, as in
``silver.subscriber_features``). Everything is vectorised over rows, so a pandas UDF can
call it per Arrow batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from models.calibration import IDENTITY, Calibrator
from models.encoding import CategoryMaps, encode_pandas, feature_types
from models.risk_bands import risk_bands

if TYPE_CHECKING:  # xgboost imports scikit-learn and SciPy: only where boosters run
    import xgboost as xgb

BIAS = "bias"


@dataclass(frozen=True)
class ScoringBundle:
    model: str  # churn | fraud
    registered_name: str
    booster: xgb.Booster
    feature_columns: list[str]
    categorical_encoders: CategoryMaps
    calibrator: Calibrator = IDENTITY
    reason_codes: dict[str, str] = field(default_factory=dict)
    bands: dict[str, float] = field(default_factory=dict)  # {"high": p, "medium": p}
    version: str | None = None
    run_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # label definition, training set id, ...

    def with_calibrator(self, calibrator: Calibrator) -> ScoringBundle:
        return replace(self, calibrator=calibrator)

    def matrix(self, pdf: pd.DataFrame) -> np.ndarray:
        """Encoded float32 feature matrix (rows x ``feature_columns``)."""
        missing = [c for c in self.feature_columns if c not in pdf.columns]
        if missing:
            raise KeyError(f"{self.registered_name}: input lacks feature column(s) {missing}")
        return encode_pandas(pdf, self.feature_columns, self.categorical_encoders)

    def dmatrix(self, pdf: pd.DataFrame) -> xgb.DMatrix:
        import xgboost as xgb

        return xgb.DMatrix(
            self.matrix(pdf),
            feature_names=self.feature_columns,
            feature_types=feature_types(self.feature_columns, self.categorical_encoders),
            enable_categorical=True,
        )

    def raw_scores(self, pdf: pd.DataFrame) -> np.ndarray:
        """The booster's uncalibrated probabilities."""
        return np.asarray(self.booster.predict(self.dmatrix(pdf)), dtype=np.float64)

    def predict(self, pdf: pd.DataFrame) -> np.ndarray:
        """Calibrated probabilities, one per row."""
        return self.calibrator.predict(self.raw_scores(pdf))

    def band(self, probabilities: np.ndarray) -> np.ndarray:
        """``high`` / ``medium`` / ``low`` from the configured cut-offs."""
        return risk_bands(probabilities, self.bands["high"], self.bands["medium"])

    def contributions(self, pdf: pd.DataFrame) -> pd.DataFrame:
        """Per-row SHAP contributions in log-odds: one column per feature plus ``bias``."""
        values = self.booster.predict(self.dmatrix(pdf), pred_contribs=True)
        return pd.DataFrame(values, columns=[*self.feature_columns, BIAS], index=pdf.index)

    def top_reasons(self, pdf: pd.DataFrame, n: int = 3) -> pd.Series:
        """``;``-joined reason codes of the ``n`` largest positive contributions per row,
        most important first; features sharing a code add up. Empty when none raise the risk."""
        contrib = self.contributions(pdf).drop(columns=BIAS).to_numpy()
        codes = [self.reason_codes.get(c, c.upper()) for c in self.feature_columns]
        names = np.asarray(sorted(set(codes)), dtype=object)
        onehot = (np.asarray(codes, dtype=object)[:, None] == names[None, :]).astype(np.float64)
        by_code = contrib @ onehot  # rows x distinct codes
        order = np.argsort(-by_code, axis=1, kind="stable")[:, :n]
        top = np.take_along_axis(by_code, order, axis=1)
        picked = np.where(top > 0, names[order], "")
        joined = picked[:, 0] if len(picked) else np.asarray([], dtype=object)
        for j in range(1, picked.shape[1]):
            joined = np.where(picked[:, j] != "", joined + ";" + picked[:, j], joined)
        return pd.Series(joined, index=pdf.index, dtype=object)

    def describe(self) -> dict[str, Any]:
        """The JSON-safe part of the bundle (``scoring/bundle.json`` of the MLflow run)."""
        return {
            "model": self.model,
            "registered_name": self.registered_name,
            "feature_columns": self.feature_columns,
            "feature_types": feature_types(self.feature_columns, self.categorical_encoders),
            "categorical_encoders": self.categorical_encoders,
            "reason_codes": self.reason_codes,
            "bands": self.bands,
            "metadata": self.metadata,
        }
