"""The feature catalogue: well-formed specs, and docs/feature_catalog.md in sync with the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from features.catalog import build_catalog, catalog_markdown, categorical_columns, feature_columns
from features.windows import UsageWindows
from jobs.cli import main
from telco_risk.config import ConfigError, load_config

DOC = Path(__file__).resolve().parents[1] / "docs" / "feature_catalog.md"
# The catalogue of the configured windows (conf/base.yaml; the test overlay keeps them).
CONFIGURED = load_config("test", environ={}).features
FEATURES = build_catalog(UsageWindows.of(CONFIGURED.windows), CONFIGURED.ticket_windows)


def test_docs_copy_is_the_generated_catalogue():
    assert DOC.read_text(encoding="utf-8") == catalog_markdown(FEATURES), (
        "docs/feature_catalog.md is stale: run `telco-risk features --catalog > docs/feature_catalog.md`"
    )


def test_cli_prints_the_catalogue(capsys):
    assert main(["features", "--catalog", "--env", "test"]) == 0
    assert capsys.readouterr().out == catalog_markdown(FEATURES)


def test_specs_are_well_formed():
    names = [s.name for s in FEATURES]
    assert len(names) == len(set(names))
    for s in FEATURES:
        assert s.dtype in ("double", "int", "string"), s.name
        assert re.fullmatch(r"[A-Z][A-Z_]+", s.reason_code), s.name
        assert s.definition and s.window and s.source and s.group, s.name
        assert s.categorical == (s.dtype == "string"), s.name
        if s.min_value is not None and s.max_value is not None:
            assert s.min_value <= s.max_value, s.name
        if s.dtype == "string":
            assert s.min_value is None and s.max_value is None, s.name
    assert [s.name for s in FEATURES if s.protected] == ["age_years"]


def test_feature_and_categorical_columns():
    assert "age_years" not in feature_columns(FEATURES)
    assert feature_columns(FEATURES, include_protected=True) == names_of(FEATURES)
    categorical = ["segment", "plan_id", "region", "contract_type", "payment_method"]
    assert categorical_columns(FEATURES) == categorical
    # columns later steps rely on
    for name in ("segment", "monthly_revenue", "fraud_exposure_7d", "region", "plan_id", "tenure_days"):
        assert name in feature_columns(FEATURES)


def test_names_follow_the_configured_windows():
    names = names_of(build_catalog(UsageWindows(14, 28, 56), (28,)))
    assert {
        "active_days_14d",
        "events_trend_14v14",
        "events_trend_28v28",
        "fraud_exposure_14d",
        "tickets_billing_28d",
        "imei_changes_56d",
    } <= set(names)
    assert not [n for n in names if n.endswith(("_7d", "_30d", "_90d"))]


def test_windows_are_named_in_the_config_and_ordered():
    named = ["features.windows.short=14", "features.windows.mid=28", "features.windows.long=56"]
    windows = load_config("test", named, environ={}).features.windows
    assert UsageWindows.of(windows) == UsageWindows(14, 28, 56)
    assert UsageWindows(7, 30, 90).days == (7, 30, 90)
    assert UsageWindows(7, 30, 90).trend_pairs == ((7, 30), (30, 90))
    with pytest.raises(ValueError, match="short < mid < long"):
        UsageWindows(30, 7, 90)
    with pytest.raises(ConfigError, match="features.windows"):
        load_config("test", ["features.windows.mid=5"], environ={})
    with pytest.raises(ConfigError, match="early_life_days"):
        load_config("test", ["features.early_life_days=91"], environ={})


def names_of(specs):
    return [s.name for s in specs]
