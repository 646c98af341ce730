"""Layered, typed configuration: overlays, environment, --conf, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from telco_risk.config import ConfigError, load_config


def test_overlay_env_and_cli_override_in_order(tmp_path: Path):
    cfg = load_config("test", environ={}, base_dir=tmp_path)
    assert cfg.spark.ui_enabled is False  # test overlay
    assert cfg.spark.app_name == "telco-risk"  # base
    assert cfg.paths.lakehouse == str(tmp_path / "scratch/demo/lakehouse")

    env = {
        "TELCO_RISK_LAKEHOUSE": "/data/lake",
        "TELCO_RISK_BSS_URL": "jdbc:postgresql://db/bss",
        "MLFLOW_TRACKING_URI": "http://mlflow:5000",
        "TELCO_RISK_LANDING": "rel/landing",
    }
    cfg = load_config(
        "test", ["spark.shuffle_partitions=8", "paths.lakehouse=/override"], environ=env, base_dir=tmp_path
    )
    assert cfg.paths.lakehouse == "/override"  # --conf beats the environment
    assert cfg.paths.landing == str(tmp_path / "rel/landing")
    assert cfg.bss.url == "jdbc:postgresql://db/bss"
    assert cfg.mlflow.tracking_uri == "http://mlflow:5000"
    assert cfg.spark.shuffle_partitions == 8


def test_sqlite_paths_become_absolute(tmp_path: Path):
    cfg = load_config("local", environ={}, base_dir=tmp_path)
    assert cfg.bss.url == f"jdbc:sqlite:{tmp_path}/scratch/demo/bss.db"
    assert cfg.mlflow.tracking_uri == f"sqlite:///{tmp_path}/scratch/demo/mlflow.db"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("spark.shuffle_partiton=4", "unknown key 'spark.shuffle_partiton'"),
        ("spark.shuffle_partitions=many", "key 'spark.shuffle_partitions'"),
        ("ingest.on_corrupt_file=ignore", "key 'ingest.on_corrupt_file'"),
        ("colour=blue", "unknown key 'colour'"),
        ("nonsense", "--conf expects key.path=value"),
    ],
)
def test_bad_settings_fail_naming_the_key(override: str, message: str):
    with pytest.raises(ConfigError, match=message):
        load_config("test", [override], environ={})


def test_unknown_environment_is_named():
    with pytest.raises(ConfigError, match="prod.yaml"):
        load_config("prod", environ={})


def test_every_overlay_loads():
    for env in ("local", "test", "cluster"):
        assert load_config(env, environ={}).env == env


def test_top_level_folders_are_this_projects_packages():
    """The project's packages (and the dev package) must not be shadowed by installed ones."""
    import importlib

    root = Path(__file__).resolve().parents[1]
    for name in ("features", "models", "expectations", "jobs", "telco_risk", "ingestion", "orchestration"):
        module = importlib.import_module(name)
        assert Path(module.__file__).resolve().parent == root / name
    devtools = importlib.import_module("devtools")
    assert Path(devtools.__file__).resolve().parent == root / "dev" / "devtools"
