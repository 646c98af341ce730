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
from typing import Any

import yaml
from pydantic import ValidationError

from telco_risk.quality_settings import MonitoringConfig, QualityConfig
from telco_risk.settings import (
    AirflowConfig,
    BssConfig,
    FeaturesConfig,
    IngestConfig,
    MaintenanceConfig,
    MlflowConfig,
    ModelsConfig,
    PathsConfig,
    PrivacyConfig,
    ScoringConfig,
    Section,
    SparkConfig,
)

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


class Config(Section):
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
    maintenance: MaintenanceConfig
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
