"""The typed sections of the configuration that the pipeline steps read (``conf/*.yaml``).

``telco_risk.config`` loads them; ``quality_settings`` holds the gate and monitoring ones.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Section(BaseModel):
    """A config section: unknown keys and changes after loading are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsConfig(Section):
    landing: str
    lakehouse: str


class SparkConfig(Section):
    master: str
    app_name: str
    driver_memory: str
    shuffle_partitions: int
    ui_enabled: bool
    jars_dir: str
    # Extra JVM flags of the driver (local mode: the driver is the whole application).
    driver_java_options: str
    # A JVM class-data-sharing archive drivers start from when it exists (relative paths:
    # to the project); `make setup` builds one for the local overlays. Empty: none.
    class_archive: str = ""
    extra_conf: dict[str, str]
    # A Spark Connect server (sc://host:port) the jobs run on instead of a driver of their
    # own; empty: each job starts its driver. Jobs that need a driver JVM ignore it.
    remote: str = ""

    @model_validator(mode="after")
    def _remote_url(self) -> SparkConfig:
        if self.remote and not self.remote.startswith("sc://"):
            raise ValueError(f"spark.remote must be a Spark Connect URL sc://host:port, got {self.remote!r}")
        return self


class PrivacyConfig(Section):
    key_env: str
    allow_development_key: bool


class IngestConfig(Section):
    max_late_days: int
    on_corrupt_file: Literal["quarantine", "fail"]
    parallel_feeds: int = Field(ge=1)


class BssConfig(Section):
    url: str
    table: str
    user_env: str
    password_env: str


class MlflowConfig(Section):
    tracking_uri: str
    artifact_root: str


class ModelSplitConfig(Section):
    """Train / validation / test split of a training set."""

    min_snapshots_for_time_split: int = Field(ge=3)
    validation_snapshots: int = Field(ge=1)
    test_snapshots: int = Field(ge=1)
    hash_validation_share: float = Field(gt=0, lt=0.5)
    hash_test_share: float = Field(gt=0, lt=0.5)
    hash_salt: str


class XgboostConfig(Section):
    """SparkXGBClassifier settings and the hyper-parameter search space (``--trials``)."""

    num_workers: int = Field(ge=1)
    n_estimators: int = Field(ge=1)
    early_stopping_rounds: int = Field(ge=1)
    eval_metric: Literal["auc", "aucpr", "logloss"]
    max_depth: int = Field(ge=1)
    learning_rate: float = Field(gt=0)
    min_child_weight: float = Field(ge=0)
    subsample: float = Field(gt=0, le=1)
    colsample_bytree: float = Field(gt=0, le=1)
    reg_lambda: float = Field(ge=0)
    max_positive_weight: float = Field(ge=1)
    max_categories: int = Field(ge=2)
    seed: int
    trials: int = Field(ge=1)
    search_space: dict[str, list[float]]


class CalibrationConfig(Section):
    method: Literal["isotonic", "platt"]
    ece_bins: int = Field(ge=2)


class EvaluationConfig(Section):
    top_fractions: list[float]
    precision_at_k: list[int]


class RiskBandsConfig(Section):
    """Calibrated probability cut-offs: >= high -> high, >= medium -> medium, else low."""

    high: float = Field(gt=0, lt=1)
    medium: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> RiskBandsConfig:
        if self.medium >= self.high:
            raise ValueError(f"medium ({self.medium}) must be below high ({self.high})")
        return self


class PromotionGateConfig(Section):
    """Named thresholds of the champion/challenger gate (models/promotion_gate.py)."""

    min_roc_auc: float = Field(ge=0, le=1)
    max_calibration_error: float = Field(gt=0, le=1)
    min_auc_gain: float = Field(ge=0)


class ChurnModelConfig(Section):
    registered_name: str
    experiment: str
    horizon_days: int = Field(ge=1)
    bands: RiskBandsConfig
    gate: PromotionGateConfig


class FraudModelConfig(Section):
    registered_name: str
    experiment: str
    window_days: int = Field(ge=0)
    maturity_days: int = Field(ge=0)
    bands: RiskBandsConfig
    gate: PromotionGateConfig


class ModelsConfig(Section):
    """Training, evaluation and promotion of the churn and fraud models."""

    snapshots: int = Field(ge=1)
    snapshot_spacing_days: int = Field(ge=1)
    include_protected_features: bool
    min_rows: int = Field(ge=1)
    min_positives: int = Field(ge=1)
    auto_promote: bool
    split: ModelSplitConfig
    xgboost: XgboostConfig
    calibration: CalibrationConfig
    evaluation: EvaluationConfig
    churn: ChurnModelConfig
    fraud: FraudModelConfig


class WindowsConfig(Section):
    """Usage windows in days by role. A window w at snapshot D covers the days (D - w, D];
    features name the window they use by its role, and the consecutive pairs give the trends
    (short vs the mid - short days before it, mid vs the long - mid before)."""

    short: int = Field(ge=1)
    mid: int
    long: int

    @model_validator(mode="after")
    def _ascending(self) -> WindowsConfig:
        if not self.short < self.mid < self.long:
            raise ValueError(
                f"windows must satisfy short < mid < long, got {self.short}, {self.mid}, {self.long}"
            )
        return self


class FeaturesConfig(Section):
    """CDR daily aggregates and subscriber feature snapshots (features/, jobs/build_features.py)."""

    windows: WindowsConfig
    # Care tickets are counted per category over each of these (a list: every window gets
    # the same features); open tickets and satisfaction look back over the longest.
    ticket_windows: tuple[int, ...] = Field(min_length=1)
    new_party_lookback_days: int = Field(ge=1)
    short_call_seconds: int = Field(ge=1)
    day_start_hour: int = Field(ge=0, le=23)
    evening_start_hour: int = Field(ge=1, le=23)
    night_start_hour: int = Field(ge=1, le=24)
    early_life_days: int = Field(ge=1)
    billing_lookback_days: int = Field(ge=1)
    include_protected: bool
    window_mode: Literal["rolling", "reread"]
    backfill_block_days: int = Field(ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> FeaturesConfig:
        tickets = self.ticket_windows
        if list(tickets) != sorted(set(tickets)) or tickets[0] < 1:
            raise ValueError(f"ticket_windows must be distinct positive days, ascending, got {tickets}")
        if not self.day_start_hour < self.evening_start_hour < self.night_start_hour:
            raise ValueError("hours must satisfy day_start_hour < evening_start_hour < night_start_hour")
        if self.early_life_days > self.windows.long:
            raise ValueError(f"early_life_days must not exceed the long window ({self.windows.long})")
        return self


class ScoringConfig(Section):
    """Nightly scoring, publish and the CRM / revenue-assurance lists (jobs/score.py, jobs/publish.py)."""

    # Registered model alias the nightly scorer loads for each model.
    alias: str
    # Rows per Arrow batch handed to the booster (spark.sql.execution.arrow.maxRecordsPerBatch).
    arrow_batch_rows: int = Field(ge=100)
    # Spread the snapshot over at least this many tasks before scoring; 0 = default parallelism.
    min_partitions: int = Field(ge=0)
    # Publish refuses a date whose nightly quality gate failed; with this, also one never validated.
    require_gate_run: bool
    # Fraud bands that make an alert (fraud review; "new" = not in these bands the day before).
    alert_bands: tuple[Literal["high", "medium", "low"], ...] = Field(min_length=1)


class MaintenanceConfig(Section):
    """Delta table maintenance (jobs/maintain_tables.py, the telco_risk_maintenance DAG)."""

    cron: str
    optimize_days: int = Field(ge=1)
    # Delta refuses to VACUUM with less than 7 days' retention (its safety check).
    retention_days: int = Field(ge=7)
    tables: tuple[str, ...] = Field(min_length=1)


class AirflowConfig(Section):
    nightly_cron: str
    timezone: str
    # Minutes, fractions allowed (the test overlay waits seconds).
    sensor_timeout_minutes: float = Field(gt=0)
    sensor_poke_minutes: float = Field(gt=0)
    retries: int = Field(ge=0)
    retry_delay_minutes: int = Field(ge=1)
    owner: str
