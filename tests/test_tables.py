"""The table names and schemas in telco_risk/tables.py agree with each other and the contract."""

from __future__ import annotations

from telco_risk.config import MODELS
from telco_risk.tables import BSS_STAGING_COLUMNS, LABEL_TABLES, RISK_SCORES_FIELDS, RISK_SCORES_SCHEMA
from tests.bss_contract import CONTRACT_COLUMNS


def test_the_bss_columns_are_the_contracts_and_come_from_gold_with_their_types():
    assert [name for name, _ in BSS_STAGING_COLUMNS] == CONTRACT_COLUMNS
    gold = dict(RISK_SCORES_FIELDS)
    for name, kind in BSS_STAGING_COLUMNS:
        if name != "published_at":  # stamped by publish
            assert gold[name] == kind, name


def test_gold_schema_has_score_band_reasons_version_and_run_per_model():
    names = [name for name, _ in RISK_SCORES_FIELDS]
    assert names[:2] == ["score_date", "subscriber_id"] and len(set(names)) == len(names)
    for model in MODELS:
        for suffix in ("score", "band", "reasons", "model_version", "run_id"):
            assert f"{model}_{suffix}" in names
    assert RISK_SCORES_SCHEMA.startswith("score_date date, subscriber_id string, churn_score double,")
    assert set(LABEL_TABLES) == set(MODELS)
