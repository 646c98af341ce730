"""Shared fixtures: one Spark session, one temporary lakehouse, one config per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TELCO_RISK_ENV", "test")


@pytest.fixture(scope="session")
def spark():
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    session = get_spark(load_config("test").spark, "telco-risk-tests")
    yield session
    session.stop()


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A landing zone and lakehouse of its own for one test."""
    (tmp_path / "landing").mkdir()
    (tmp_path / "lakehouse").mkdir()
    return tmp_path


@pytest.fixture()
def cfg(workdir: Path):
    from telco_risk.config import load_config

    return load_config(
        "test",
        environ={
            "TELCO_RISK_LANDING": str(workdir / "landing"),
            "TELCO_RISK_LAKEHOUSE": str(workdir / "lakehouse"),
            "TELCO_RISK_BSS_URL": f"jdbc:sqlite:{workdir / 'bss.db'}",
            "MLFLOW_TRACKING_URI": f"sqlite:///{workdir / 'mlflow.db'}",
        },
    )


@pytest.fixture()
def dev_key_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A known pseudonymisation key for tests that check tokens."""
    monkeypatch.setenv("TELCO_RISK_PSEUDONYMISATION_KEY", "test-key")
    yield "test-key"
