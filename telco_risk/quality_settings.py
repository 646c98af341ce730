"""The typed sections of the quality gate (``quality:``) and of monitoring (``monitoring:``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from telco_risk.settings import Section


class QualitySeverityConfig(Section):
    """Severity of each kind of check: ``fail`` stops the nightly run, ``warn`` is reported."""

    columns: Literal["fail", "warn"]
    not_null: Literal["fail", "warn"]
    enum: Literal["fail", "warn"]
    range: Literal["fail", "warn"]
    relation: Literal["fail", "warn"]
    unique: Literal["fail", "warn"]
    freshness: Literal["fail", "warn"]
    volume: Literal["fail", "warn"]
    quarantine_rate: Literal["fail", "warn"]
    null_share: Literal["fail", "warn"]
    distribution: Literal["fail", "warn"]
    label_rate: Literal["fail", "warn"]


class QualityVolumeConfig(Section):
    """A date's rows against the median of the previous ``history_days`` dates."""

    history_days: int = Field(ge=1)
    min_history_days: int = Field(ge=1)
    tolerance: float = Field(gt=0, lt=1)
    min_median_rows: int = Field(ge=0)
    tolerance_by_table: dict[str, float]


class QualityQuarantineConfig(Section):
    """Quarantined / read rows per feed and drop (from ops.ingest_runs)."""

    max_rate: float = Field(ge=0, le=1)
    max_rate_by_feed: dict[str, float]
    min_rows_read: int = Field(ge=1)


class QualityDistributionConfig(Section):
    """Derived tables: null shares and means against the previous ``reference_days`` dates."""

    reference_days: int = Field(ge=1)
    min_reference_days: int = Field(ge=1)
    mean_tolerance_sd: float = Field(gt=0)
    null_share_tolerance: float = Field(ge=0, le=1)
    min_rows: int = Field(ge=1)


class QualityDerivedTableConfig(Section):
    """How a derived table is validated: its date column, key and column specs' source."""

    date_column: str
    key: tuple[str, ...] = Field(min_length=1)
    columns_from: Literal["catalog", "schema"]
    non_negative: bool


class QualityTrainingConfig(Section):
    key: tuple[str, ...] = Field(min_length=1)
    label_column: str
    split_column: str
    splits: tuple[str, ...] = Field(min_length=1)
    min_rows: int = Field(ge=1)
    positive_rate: dict[str, tuple[float, float]]


class QualityConfig(Section):
    """Data quality gate (expectations/, jobs/validate.py)."""

    tables: tuple[str, ...] = Field(min_length=1)
    daily_feeds: tuple[str, ...]
    sample_size: int = Field(ge=1, le=100)
    data_docs: bool
    severity: QualitySeverityConfig
    severity_overrides: dict[str, Literal["fail", "warn"]]
    volume: QualityVolumeConfig
    quarantine: QualityQuarantineConfig
    distribution: QualityDistributionConfig
    derived: dict[str, QualityDerivedTableConfig]
    training: QualityTrainingConfig

    @model_validator(mode="after")
    def _consistent(self) -> QualityConfig:
        for key in self.severity_overrides:
            if ":" not in key or "." not in key.partition(":")[0]:
                raise ValueError(f"severity_overrides key {key!r} must be '<layer.table>:<check id or kind>'")
        for table in self.tables:
            if table != "ops.ingest_runs" and not table.startswith("bronze.") and table not in self.derived:
                raise ValueError(
                    f"table {table!r} is neither ops.ingest_runs, bronze.<feed> nor in quality.derived"
                )
        return self


class DriftLevelsConfig(Section):
    """A statistic that is worse when higher: ``warn`` <= ``act``."""

    warn: float = Field(ge=0)
    act: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> DriftLevelsConfig:
        if self.act < self.warn:
            raise ValueError(f"act ({self.act}) must not be below warn ({self.warn})")
        return self


class FloorLevelsConfig(Section):
    """A statistic that is worse when lower (p-value, realised AUC): ``act`` <= ``warn``."""

    warn: float = Field(ge=0, le=1)
    act: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> FloorLevelsConfig:
        if self.act > self.warn:
            raise ValueError(f"act ({self.act}) must not be above warn ({self.warn})")
        return self


class RealisedConfig(Section):
    """Realised performance of past score dates once their labels have arrived."""

    # AUC below these floors: warn / act, per model.
    auc_floor: dict[Literal["churn", "fraud"], FloorLevelsConfig]
    # Expected calibration error above this: warn.
    ece_warn: float = Field(gt=0, le=1)
    # Fewer positive labels on a score date: metrics reported, never judged.
    min_positives: int = Field(ge=1)


class MonitoringConfig(Section):
    """Drift and model-health monitoring (jobs/monitor.py, models/monitoring/)."""

    # Quantile bins of a numeric column in the training reference.
    bins: int = Field(ge=2, le=50)
    # Values kept per categorical column of the reference (most frequent); the rest are "other".
    max_categories: int = Field(ge=1)
    # Training-set split whose rows are the reference of the features, and of the scores.
    feature_reference_split: Literal["train", "validation", "test"]
    score_reference_split: Literal["train", "validation", "test"]
    psi: DriftLevelsConfig
    # Chi-square test on the same bins: a PSI level counts only below this p-value.
    p_value: FloorLevelsConfig
    # Absolute change of the share of missing values, and of zeros (numeric columns).
    missing_rate_change: DriftLevelsConfig
    zero_rate_change: DriftLevelsConfig
    # Features whose drift can act: the champion's top k by gain importance, plus these.
    important_top_k: int = Field(ge=0)
    important_features: tuple[str, ...]
    # Drift of the score itself can act too.
    score_can_act: bool
    # Fewer monitored rows on a date: statistics reported, never judged.
    min_rows: int = Field(ge=1)
    realised: RealisedConfig
    # At most one retrain request per model within this many days.
    cooldown_days: int = Field(ge=1)
    # The report: days of history in its time series, drifted features plotted per model,
    # and which dates of a --from/--to range get one.
    report_history_days: int = Field(ge=1)
    report_features: int = Field(ge=1)
    reports: Literal["all", "last", "none"]
