"""The feature catalogue: well-formed specs, and docs/feature_catalog.md in sync with the code."""

from __future__ import annotations

import re
from pathlib import Path

from features.catalog import (
    FEATURES,
    build_catalog,
    catalog_markdown,
    categorical_columns,
    feature_columns,
)
from jobs.cli import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "feature_catalog.md"


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
    assert "age_years" not in feature_columns()
    assert feature_columns(include_protected=True) == names_of(FEATURES)
    assert categorical_columns() == ["segment", "plan_id", "region", "contract_type", "payment_method"]
    # columns later steps rely on
    for name in ("segment", "monthly_revenue", "fraud_exposure_7d", "region", "plan_id", "tenure_days"):
        assert name in feature_columns()


def test_names_follow_the_configured_windows():
    names = names_of(build_catalog((14, 28, 56), (28,)))
    assert {
        "active_days_14d",
        "events_trend_14v14",
        "events_trend_28v28",
        "fraud_exposure_14d",
        "tickets_billing_28d",
        "imei_changes_56d",
    } <= set(names)
    assert not [n for n in names if n.endswith(("_7d", "_30d", "_90d"))]


def names_of(specs):
    return [s.name for s in specs]
