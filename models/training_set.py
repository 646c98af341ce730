"""Assemble a labelled, split training set from feature snapshots, and check it is usable.

Output columns (``training.<model>_sets``): ``training_set_id``, ``subscriber_id``,
``snapshot_date``, ``split``, ``label``, the context columns the feature table has
(``segment``, ``monthly_revenue``, ``fraud_exposure_7d``) unless they are features, then
the feature columns in catalogue order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from features.catalog import build_catalog, categorical_columns, feature_columns
from features.windows import UsageWindows
from models.errors import FeatureCatalogueError, NoPositiveLabelsError, TooFewRowsError
from models.labels import (
    KEYS,
    churn_label_definition,
    churn_labels,
    exclude_churned_before_snapshot,
    fraud_label_definition,
    fraud_labels,
)
from models.registry import model_settings as settings_of
from models.split import SPLITS, TEST, TRAIN, VALIDATION
from telco_risk.config import Config
from telco_risk.settings import FraudModelConfig

CONTEXT_COLUMNS = ("segment", "monthly_revenue", "fraud_exposure_7d")


@dataclass(frozen=True)
class FeatureSet:
    """The model's inputs: feature columns (catalogue order), which are categorical, and
    the reason code of each feature."""

    columns: list[str]
    categorical: list[str]
    reason_codes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.columns:
            raise FeatureCatalogueError("the feature list is empty")
        unknown = sorted(set(self.categorical) - set(self.columns))
        if unknown:
            raise FeatureCatalogueError(f"categorical columns not in the feature list: {unknown}")


@dataclass(frozen=True)
class SplitCounts:
    rows: int
    positives: int


def check_feature_columns(available: list[str], feature_set: FeatureSet) -> None:
    missing = [c for c in feature_set.columns if c not in available]
    if missing:
        raise FeatureCatalogueError(
            f"silver.subscriber_features lacks {len(missing)} catalogue feature(s): {', '.join(missing[:10])}"
        )


def context_columns(available: list[str], feature_set: FeatureSet) -> list[str]:
    return [c for c in CONTEXT_COLUMNS if c in available and c not in feature_set.columns]


def training_set_id(model: str, as_of: dt.date, fingerprint: dict[str, Any]) -> str:
    """``<model>-<YYYYMMDD>-<10 hex>``: the same inputs always give the same id."""
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True, default=str).encode()).hexdigest()
    return f"{model}-{as_of:%Y%m%d}-{digest[:10]}"


def assemble(
    features: DataFrame,
    labelled_keys: DataFrame,
    feature_set: FeatureSet,
    set_id: str,
) -> DataFrame:
    """Features joined to ``labelled_keys`` (KEYS + ``label`` + ``split``); one row per key."""
    context = context_columns(features.columns, feature_set)
    return features.join(labelled_keys, KEYS, "inner").select(
        F.lit(set_id).alias("training_set_id"),
        *KEYS,
        "split",
        "label",
        *context,
        *feature_set.columns,
    )


def split_counts(df: DataFrame) -> dict[str, SplitCounts]:
    """Rows and positive labels per split (every split present, zero when empty)."""
    rows = df.groupBy("split").agg(F.count("*").alias("rows"), F.sum("label").alias("positives")).collect()
    found = {r["split"]: SplitCounts(int(r["rows"]), int(r["positives"] or 0)) for r in rows}
    return {s: found.get(s, SplitCounts(0, 0)) for s in SPLITS}


def check_counts(counts: dict[str, SplitCounts], min_rows: int, min_positives: int, where: str) -> None:
    """Raise a ``TrainingDataError`` when the set cannot train and evaluate a model.

    ``where`` describes the snapshots for the message.
    """
    rows = sum(c.rows for c in counts.values())
    positives = sum(c.positives for c in counts.values())
    if rows < min_rows:
        raise TooFewRowsError(f"training set has {rows} rows {where}, fewer than models.min_rows={min_rows}")
    if positives == 0:
        raise NoPositiveLabelsError(f"no positive labels in {rows} rows {where}")
    if positives < min_positives:
        raise NoPositiveLabelsError(
            f"only {positives} positive labels in {rows} rows {where}, "
            f"fewer than models.min_positives={min_positives}"
        )
    for name in (TRAIN, VALIDATION, TEST):
        c = counts[name]
        if c.positives == 0 or c.positives == c.rows:
            kind = "positive" if c.positives == 0 else "negative"
            raise NoPositiveLabelsError(
                f"the {name} split has no {kind} labels ({c.rows} rows, {c.positives} positive) {where}"
            )


def catalogue_feature_set(cfg: Config) -> FeatureSet:
    """Feature columns, categoricals and reason codes from the feature catalogue."""
    # The catalogue's names depend on the configured windows.
    specs = build_catalog(UsageWindows.of(cfg.features.windows), cfg.features.ticket_windows)
    columns = feature_columns(specs, include_protected=cfg.models.include_protected_features)
    categorical = [c for c in categorical_columns(specs) if c in columns]
    reasons = {s.name: s.reason_code for s in specs if s.reason_code}
    return FeatureSet(columns, categorical, reasons)


def label_delay_days(cfg: Config, model: str) -> int:
    """Days after a snapshot before its label is final (churn horizon, fraud maturity)."""
    settings = settings_of(cfg, model)
    return settings.maturity_days if isinstance(settings, FraudModelConfig) else settings.horizon_days


def labelled_keys(
    cfg: Config, model: str, keys: DataFrame, outcomes: DataFrame, as_of: dt.date
) -> tuple[DataFrame, str]:
    """Keys at the snapshots with their label (as known on ``as_of``) and its definition."""
    settings = settings_of(cfg, model)
    if isinstance(settings, FraudModelConfig):
        return (
            fraud_labels(keys, outcomes, settings.window_days, as_of),
            fraud_label_definition(settings.window_days, settings.maturity_days),
        )
    events = outcomes.where(F.col("event_date") <= F.lit(as_of))
    active = exclude_churned_before_snapshot(keys, events)
    return churn_labels(active, events, settings.horizon_days, as_of), churn_label_definition(
        settings.horizon_days
    )
