"""Shared fixtures: one Spark session, one temporary lakehouse, one config per test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TELCO_RISK_ENV", "test")
# Airflow reads its home at import: keep the suite's metadata out of the user's ~/airflow.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="telco-risk-airflow-")
os.environ.setdefault("AIRFLOW_HOME", _AIRFLOW_HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")


@pytest.fixture(scope="session")
def spark():
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    session = get_spark(load_config("test"), "telco-risk-tests")
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
        [f"mlflow.artifact_root={workdir / 'mlartifacts'}"],
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


@pytest.fixture(scope="session")
def pg_url() -> dict[str, str]:
    """The PostgreSQL server of CI (``.ci/run`` starts one). Skipped locally without one;
    in CI (``TELCO_RISK_REQUIRE_PG=1``) a missing server fails instead of skipping."""
    url = os.environ.get("TELCO_RISK_TEST_PG_URL")
    if not url:
        if os.environ.get("TELCO_RISK_REQUIRE_PG") == "1" or os.environ.get("CI") == "true":
            pytest.fail("TELCO_RISK_TEST_PG_URL is not set: CI must not skip PostgreSQL tests")
        pytest.skip("no PostgreSQL server (set TELCO_RISK_TEST_PG_URL; .ci/run starts one)")
    return {
        "url": url,
        "user": os.environ.get("TELCO_RISK_TEST_PG_USER", ""),
        "password": os.environ.get("TELCO_RISK_TEST_PG_PASSWORD", ""),
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI, a skipped PostgreSQL test is a failure of the run."""
    if os.environ.get("TELCO_RISK_REQUIRE_PG") != "1":
        return
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "postgres" in r.keywords]
    if skipped:
        terminalreporter.write_line(f"ERROR: {len(skipped)} PostgreSQL test(s) skipped in CI", red=True)
        config._telco_pg_skipped = True


def pytest_sessionfinish(session, exitstatus):
    if getattr(session.config, "_telco_pg_skipped", False) and exitstatus == 0:
        session.exitstatus = 1
