"""Typed, layered configuration.

Resolution order: ``conf/base.yaml`` < ``conf/<env>.yaml`` < environment variables
(``TELCO_RISK_LANDING``, ``TELCO_RISK_LAKEHOUSE``, ``TELCO_RISK_BSS_URL``,
``TELCO_RISK_SPARK_REMOTE``, ``MLFLOW_TRACKING_URI``) < ``--conf key.path=value`` overrides.
Unknown keys and wrong types fail at load time with the key named.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The models the pipeline trains and scores; each has its section under `models:`.
MODELS = ("churn", "fraud")
ENV_VARS = {
    "TELCO_RISK_LANDING": ("paths", "landing"),
    "TELCO_RISK_LAKEHOUSE": ("paths", "lakehouse"),
    "TELCO_RISK_BSS_URL": ("bss", "url"),
    "TELCO_RISK_SPARK_REMOTE": ("spark", "remote"),
    "MLFLOW_TRACKING_URI": ("mlflow", "tracking_uri"),
}


class ConfigError(ValueError):
    """Configuration that cannot be loaded; the message names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsConfig(_Section):
    landing: str
    lakehouse: str


class SparkConfig(_Section):
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


class PrivacyConfig(_Section):
    key_env: str
    allow_development_key: bool


class IngestConfig(_Section):
    max_late_days: int
    on_corrupt_file: Literal["quarantine", "fail"]
    parallel_feeds: int = Field(ge=1)


class BssConfig(_Section):
    url: str
    table: str
    user_env: str
    password_env: str


class MlflowConfig(_Section):
    tracking_uri: str
    artifact_root: str


class ModelSplitConfig(_Section):
    """Train / validation / test split of a training set."""

    min_snapshots_for_time_split: int = Field(ge=3)
    validation_snapshots: int = Field(ge=1)
    test_snapshots: int = Field(ge=1)
    hash_validation_share: float = Field(gt=0, lt=0.5)
    hash_test_share: float = Field(gt=0, lt=0.5)
    hash_salt: str


class XgboostConfig(_Section):
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


class CalibrationConfig(_Section):
    method: Literal["isotonic", "platt"]
    ece_bins: int = Field(ge=2)


class EvaluationConfig(_Section):
    top_fractions: list[float]
    precision_at_k: list[int]


class RiskBandsConfig(_Section):
    """Calibrated probability cut-offs: >= high -> high, >= medium -> medium, else low."""

    high: float = Field(gt=0, lt=1)
    medium: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> RiskBandsConfig:
        if self.medium >= self.high:
            raise ValueError(f"medium ({self.medium}) must be below high ({self.high})")
        return self


class PromotionGateConfig(_Section):
    """Named thresholds of the champion/challenger gate (models/promotion_gate.py)."""

    min_roc_auc: float = Field(ge=0, le=1)
    max_calibration_error: float = Field(gt=0, le=1)
    min_auc_gain: float = Field(ge=0)


class ChurnModelConfig(_Section):
    registered_name: str
    experiment: str
    horizon_days: int = Field(ge=1)
    bands: RiskBandsConfig
    gate: PromotionGateConfig


class FraudModelConfig(_Section):
    registered_name: str
    experiment: str
    window_days: int = Field(ge=0)
    maturity_days: int = Field(ge=0)
    bands: RiskBandsConfig
    gate: PromotionGateConfig


class ModelsConfig(_Section):
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


class FeaturesConfig(_Section):
    """CDR daily aggregates and subscriber feature snapshots (features/, jobs/build_features.py)."""

    # Usage windows in days, ascending; consecutive pairs give the trends (7 vs the 23
    # before, 30 vs the 60 before). A window covers the w days (D - w, D].
    windows: tuple[int, ...] = Field(min_length=3)
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
        for name in ("windows", "ticket_windows"):
            values = getattr(self, name)
            if list(values) != sorted(set(values)) or values[0] < 1:
                raise ValueError(f"{name} must be distinct positive days in ascending order, got {values}")
        if not self.day_start_hour < self.evening_start_hour < self.night_start_hour:
            raise ValueError("hours must satisfy day_start_hour < evening_start_hour < night_start_hour")
        if self.early_life_days > self.windows[-1]:
            raise ValueError(f"early_life_days must not exceed the longest window ({self.windows[-1]})")
        return self


class QualitySeverityConfig(_Section):
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


class QualityVolumeConfig(_Section):
    """A date's rows against the median of the previous ``history_days`` dates."""

    history_days: int = Field(ge=1)
    min_history_days: int = Field(ge=1)
    tolerance: float = Field(gt=0, lt=1)
    min_median_rows: int = Field(ge=0)
    tolerance_by_table: dict[str, float]


class QualityQuarantineConfig(_Section):
    """Quarantined / read rows per feed and drop (from ops.ingest_runs)."""

    max_rate: float = Field(ge=0, le=1)
    max_rate_by_feed: dict[str, float]
    min_rows_read: int = Field(ge=1)


class QualityDistributionConfig(_Section):
    """Derived tables: null shares and means against the previous ``reference_days`` dates."""

    reference_days: int = Field(ge=1)
    min_reference_days: int = Field(ge=1)
    mean_tolerance_sd: float = Field(gt=0)
    null_share_tolerance: float = Field(ge=0, le=1)
    min_rows: int = Field(ge=1)


class QualityDerivedTableConfig(_Section):
    """How a derived table is validated: its date column, key and column specs' source."""

    date_column: str
    key: tuple[str, ...] = Field(min_length=1)
    columns_from: Literal["catalog", "schema"]
    non_negative: bool


class QualityTrainingConfig(_Section):
    key: tuple[str, ...] = Field(min_length=1)
    label_column: str
    split_column: str
    splits: tuple[str, ...] = Field(min_length=1)
    min_rows: int = Field(ge=1)
    positive_rate: dict[str, tuple[float, float]]


class QualityConfig(_Section):
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


class ScoringConfig(_Section):
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


class DriftLevelsConfig(_Section):
    """A statistic that is worse when higher: ``warn`` <= ``act``."""

    warn: float = Field(ge=0)
    act: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> DriftLevelsConfig:
        if self.act < self.warn:
            raise ValueError(f"act ({self.act}) must not be below warn ({self.warn})")
        return self


class FloorLevelsConfig(_Section):
    """A statistic that is worse when lower (p-value, realised AUC): ``act`` <= ``warn``."""

    warn: float = Field(ge=0, le=1)
    act: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> FloorLevelsConfig:
        if self.act > self.warn:
            raise ValueError(f"act ({self.act}) must not be above warn ({self.warn})")
        return self


class RealisedConfig(_Section):
    """Realised performance of past score dates once their labels have arrived."""

    # AUC below these floors: warn / act, per model.
    auc_floor: dict[Literal["churn", "fraud"], FloorLevelsConfig]
    # Expected calibration error above this: warn.
    ece_warn: float = Field(gt=0, le=1)
    # Fewer positive labels on a score date: metrics reported, never judged.
    min_positives: int = Field(ge=1)


class MonitoringConfig(_Section):
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


class AirflowConfig(_Section):
    nightly_cron: str
    timezone: str
    # Minutes, fractions allowed (the test overlay waits seconds).
    sensor_timeout_minutes: float = Field(gt=0)
    sensor_poke_minutes: float = Field(gt=0)
    retries: int = Field(ge=0)
    retry_delay_minutes: int = Field(ge=1)
    owner: str


class Config(_Section):
    env: str
    paths: PathsConfig
    spark: SparkConfig
    privacy: PrivacyConfig
    ingest: IngestConfig
    bss: BssConfig
    mlflow: MlflowConfig
    models: ModelsConfig
    features: FeaturesConfig
    quality: QualityConfig
    scoring: ScoringConfig
    monitoring: MonitoringConfig
    airflow: AirflowConfig

    def table_path(self, name: str) -> str:
        """Path of a lakehouse table named ``layer.table`` (e.g. ``bronze.cdr``)."""
        layer, _, table = name.partition(".")
        if not layer or not table:
            raise ConfigError(f"table name must be 'layer.table', got {name!r}")
        return str(Path(self.paths.lakehouse) / layer / table)

    def redacted(self) -> dict[str, Any]:
        """The resolved config as a plain dict, safe to log (no secrets live in it)."""
        return self.model_dump()


def conf_dir() -> Path:
    return Path(os.environ.get("TELCO_RISK_CONF_DIR", PROJECT_ROOT / "conf"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path.name}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: top level must be a mapping")
    return data


def deep_merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """A new dict: ``overlay`` merged into ``base``, nested mappings merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _set_path(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{'.'.join(keys)}: {key} is not a section")
        node = child
    node[keys[-1]] = value


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """``a.b=value`` -> (("a", "b"), value) with the value read as a YAML scalar."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--conf expects key.path=value, got {text!r}")
    return tuple(key.strip().split(".")), yaml.safe_load(raw) if raw.strip() else ""


def _absolute(path: str, base: Path) -> str:
    if "://" in path:
        return path
    return str((base / path).resolve()) if not Path(path).is_absolute() else path


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    """Make file paths absolute so jobs agree whatever directory they start in."""
    paths = data.get("paths", {})
    for key in ("landing", "lakehouse"):
        if isinstance(paths.get(key), str):
            paths[key] = _absolute(paths[key], base)
    bss = data.get("bss", {})
    url = bss.get("url")
    if isinstance(url, str) and url.startswith("jdbc:sqlite:") and not url.startswith("jdbc:sqlite::"):
        bss["url"] = "jdbc:sqlite:" + _absolute(url.removeprefix("jdbc:sqlite:"), base)
    ml = data.get("mlflow", {})
    uri = ml.get("tracking_uri")
    if isinstance(uri, str) and uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        ml["tracking_uri"] = "sqlite:///" + _absolute(uri.removeprefix("sqlite:///"), base)
    if isinstance(ml.get("artifact_root"), str):
        ml["artifact_root"] = _absolute(ml["artifact_root"], base)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            lines.append(f"unknown key '{key}'")
        elif err["type"] == "missing":
            lines.append(f"missing key '{key}'")
        else:
            lines.append(f"key '{key}': {err['msg']} (got {err.get('input')!r})")
    return "invalid configuration: " + "; ".join(lines)


def load_config(
    env: str | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    environ: dict[str, str] | None = None,
    base_dir: Path | None = None,
) -> Config:
    """Load and validate the layered configuration for environment ``env``."""
    environ = dict(os.environ) if environ is None else environ
    env = env or environ.get("TELCO_RISK_ENV", "local")
    directory = conf_dir()
    data = deep_merge(_read_yaml(directory / "base.yaml"), _read_yaml(directory / f"{env}.yaml"))
    for var, env_keys in ENV_VARS.items():
        if environ.get(var):
            _set_path(data, env_keys, environ[var])
    for text in overrides:
        keys, value = parse_override(text)
        _set_path(data, keys, value)
    data["env"] = env
    _resolve_paths(data, base_dir or Path.cwd())
    try:
        return Config.model_validate(data, strict=False)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc)) from None
