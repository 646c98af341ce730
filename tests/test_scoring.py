"""Nightly scoring on hand-built boosters registered through the real MLflow registry.

The boosters are stumps with known leaf values and equal covers, so each tree's SHAP
contribution is its leaf value and the probabilities are sigmoids of hand-added margins:

churn  (base 0.5, i.e. margin 0; isotonic calibrator p -> p / 2; bands 0.4 / 0.15)
  charge_trend_7v23    < 0   -> +1.0 else -1.0   (USAGE_DROP)
  tickets_billing_30d  < 0.5 -> -0.5 else +0.5   (BILLING_COMPLAINTS)
fraud  (base 0.1, i.e. margin ln(1/9); identity calibrator; bands 0.5 / 0.1)
  outgoing_only_day_share_7d < 0.9 -> -2.0 else +2.0  (OUTGOING_ONLY)
  new_b_numbers_per_day_7d   < 10  -> -1.0 else +1.0  (MANY_NEW_B_NUMBERS)
  fraud_exposure_7d          < 50  -> -1.5 else +1.5  (PREMIUM_BURST; also copied as fraud_exposure)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math

import pandas as pd
import pytest
import xgboost as xgb

from jobs.score import ScoringError, score
from models.bundle import ScoringBundle
from models.calibration import IDENTITY, Calibrator
from telco_risk import delta_io
from telco_risk.tables import RISK_SCORES

D = dt.date(2026, 3, 1)
FEATURES = (
    "subscriber_id string, snapshot_date date, charge_trend_7v23 double, tickets_billing_30d int,"
    " outgoing_only_day_share_7d double, new_b_numbers_per_day_7d double,"
    " segment string, plan_id string, region string, monthly_revenue double, fraud_exposure_7d double"
)
ROWS = [
    ("S1", D, -0.5, 2, 0.95, 20.0, "postpaid", "P1", "north", 40.0, 12.5),
    ("S2", D, 0.3, 1, 0.10, 0.0, "prepaid", "P2", "south", 10.0, 130.0),
    ("S3", D, 0.1, 0, 0.00, 0.0, "prepaid", "P2", "south", None, 0.0),
    ("S4", D, -0.2, 0, 0.95, 20.0, "postpaid", "P1", "east", 55.0, 240.0),
    # another snapshot: never scored for D
    ("S5", D - dt.timedelta(days=1), -1.0, 5, 1.0, 50.0, "prepaid", "P2", "east", 5.0, 500.0),
]
CHURN_NAME, FRAUD_NAME = "test_churn", "test_fraud"


def sigmoid(margin: float) -> float:
    return 1.0 / (1.0 + math.exp(-margin))


FRAUD_BASE = math.log(0.1 / 0.9)


def _stump(tree_id: int, feature: int, threshold: float, left: float, right: float, n_features: int) -> dict:
    """A depth-1 tree: x < threshold (or missing) -> left leaf, else right; equal covers."""
    return {
        "base_weights": [0.0, left, right],
        "categories": [],
        "categories_nodes": [],
        "categories_segments": [],
        "categories_sizes": [],
        "default_left": [1, 0, 0],
        "id": tree_id,
        "left_children": [1, -1, -1],
        "loss_changes": [1.0, 0.0, 0.0],
        "parents": [2147483647, 0, 0],
        "right_children": [2, -1, -1],
        "split_conditions": [threshold, left, right],
        "split_indices": [feature, 0, 0],
        "split_type": [0, 0, 0],
        "sum_hessian": [2.0, 1.0, 1.0],
        "tree_param": {
            "num_deleted": "0",
            "num_feature": str(n_features),
            "num_nodes": "3",
            "size_leaf_vector": "1",
        },
    }


def stump_booster(
    names: list[str], stumps: list[tuple[int, float, float, float]], base_score: float
) -> xgb.Booster:
    trees = [_stump(i, *s, n_features=len(names)) for i, s in enumerate(stumps)]
    model = {
        "learner": {
            "attributes": {},
            "feature_names": names,
            "feature_types": ["float"] * len(names),
            "gradient_booster": {
                "model": {
                    "cats": {"enc": [], "feature_segments": [], "sorted_idx": []},
                    "gbtree_model_param": {"num_parallel_tree": "1", "num_trees": str(len(trees))},
                    "iteration_indptr": list(range(len(trees) + 1)),
                    "tree_info": [0] * len(trees),
                    "trees": trees,
                },
                "name": "gbtree",
            },
            "learner_model_param": {
                "base_score": f"[{base_score}]",
                "boost_from_average": "0",
                "num_class": "0",
                "num_feature": str(len(names)),
                "num_target": "1",
            },
            "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}},
        },
        "version": [3, 2, 0],
    }
    booster = xgb.Booster()
    booster.load_model(bytearray(json.dumps(model).encode()))
    return booster


def churn_bundle() -> ScoringBundle:
    names = ["charge_trend_7v23", "tickets_billing_30d"]
    return ScoringBundle(
        model="churn",
        registered_name=CHURN_NAME,
        booster=stump_booster(names, [(0, 0.0, 1.0, -1.0), (1, 0.5, -0.5, 0.5)], 0.5),
        feature_columns=names,
        categorical_encoders={},
        calibrator=Calibrator("isotonic", (0.0, 1.0), (0.0, 0.5)),
        reason_codes={"charge_trend_7v23": "USAGE_DROP", "tickets_billing_30d": "BILLING_COMPLAINTS"},
        bands={"high": 0.4, "medium": 0.15},
    )


def fraud_bundle() -> ScoringBundle:
    names = ["outgoing_only_day_share_7d", "new_b_numbers_per_day_7d", "fraud_exposure_7d"]
    return ScoringBundle(
        model="fraud",
        registered_name=FRAUD_NAME,
        booster=stump_booster(names, [(0, 0.9, -2.0, 2.0), (1, 10.0, -1.0, 1.0), (2, 50.0, -1.5, 1.5)], 0.1),
        feature_columns=names,
        categorical_encoders={},
        calibrator=IDENTITY,
        reason_codes={
            "outgoing_only_day_share_7d": "OUTGOING_ONLY",
            "new_b_numbers_per_day_7d": "MANY_NEW_B_NUMBERS",
            "fraud_exposure_7d": "PREMIUM_BURST",
        },
        bands={"high": 0.5, "medium": 0.1},
    )


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One MLflow store for the module: both stump models registered, alias champion."""
    import mlflow

    from models.registry import ensure_experiment, log_bundle, mlflow_client
    from telco_risk.settings import MlflowConfig

    root = tmp_path_factory.mktemp("mlflow")
    ml = MlflowConfig(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_root=str(root / "artifacts"))
    client = mlflow_client(ml)
    experiment = ensure_experiment(client, "scoring-tests", ml.artifact_root)
    example = pd.DataFrame(
        {c: [0.0, 1.0] for c in [*churn_bundle().feature_columns, *fraud_bundle().feature_columns]}
    )
    run_ids = {}
    for bundle in (churn_bundle(), fraud_bundle()):
        with mlflow.start_run(experiment_id=experiment) as run:
            version = log_bundle(bundle, example)
        client.set_registered_model_alias(bundle.registered_name, "champion", version)
        run_ids[bundle.model] = run.info.run_id
    return {"tracking_uri": ml.tracking_uri, "artifact_root": ml.artifact_root, **run_ids}


def scoring_cfg(cfg, registry: dict[str, str], churn: str = CHURN_NAME, fraud: str = FRAUD_NAME):
    mlflow = cfg.mlflow.model_copy(
        update={"tracking_uri": registry["tracking_uri"], "artifact_root": registry["artifact_root"]}
    )
    models = cfg.models.model_copy(
        update={
            "churn": cfg.models.churn.model_copy(update={"registered_name": churn}),
            "fraud": cfg.models.fraud.model_copy(update={"registered_name": fraud}),
        }
    )
    return cfg.model_copy(update={"mlflow": mlflow, "models": models})


@pytest.fixture()
def features(spark, cfg) -> int:
    """silver.subscriber_features with snapshots D and D - 1; returns its Delta version."""
    path = cfg.table_path("silver.subscriber_features")
    spark.createDataFrame(ROWS, FEATURES).write.format("delta").partitionBy("snapshot_date").save(path)
    return delta_io.latest_version(spark, path)


def gold(spark, cfg) -> dict[str, dict]:
    rows = delta_io.read_table(spark, cfg.table_path(RISK_SCORES)).collect()
    return {r.subscriber_id: r.asDict() for r in rows}


def test_scores_reasons_and_lineage_of_registered_champions_twice_the_same(spark, cfg, registry, features):
    c = scoring_cfg(cfg, registry)
    result = score(spark, c, D, run_id="nightly-1")
    assert result.rows == 4
    rows = gold(spark, c)
    assert sorted(rows) == ["S1", "S2", "S3", "S4"]
    expected_churn = {  # (probability, band, reasons)
        "S1": (sigmoid(1.0 + 0.5) / 2, "high", "USAGE_DROP;BILLING_COMPLAINTS"),
        "S2": (sigmoid(-1.0 + 0.5) / 2, "medium", "BILLING_COMPLAINTS"),
        "S3": (sigmoid(-1.0 - 0.5) / 2, "low", ""),
        "S4": (sigmoid(1.0 - 0.5) / 2, "medium", "USAGE_DROP"),
    }
    expected_fraud = {  # (probability, band, reasons, likely type)
        "S1": (sigmoid(FRAUD_BASE + 2 + 1 - 1.5), "medium", "OUTGOING_ONLY;MANY_NEW_B_NUMBERS", "simbox"),
        "S2": (sigmoid(FRAUD_BASE - 2 - 1 + 1.5), "low", "PREMIUM_BURST", "irsf"),
        "S3": (sigmoid(FRAUD_BASE - 2 - 1 - 1.5), "low", "", None),
        "S4": (
            sigmoid(FRAUD_BASE + 2 + 1 + 1.5),
            "high",
            "OUTGOING_ONLY;PREMIUM_BURST;MANY_NEW_B_NUMBERS",
            "simbox",
        ),
    }
    for sid, (p, band, reasons) in expected_churn.items():
        row = rows[sid]
        assert row["churn_score"] == pytest.approx(p, abs=1e-6)
        assert (row["churn_band"], row["churn_reasons"]) == (band, reasons)
    for sid, (p, band, reasons, kind) in expected_fraud.items():
        row = rows[sid]
        assert row["fraud_score"] == pytest.approx(p, abs=1e-6)
        assert (row["fraud_band"], row["fraud_reasons"], row["likely_fraud_type"]) == (band, reasons, kind)
    s1 = rows["S1"]
    assert s1["score_date"] == D
    assert (s1["churn_model_version"], s1["fraud_model_version"]) == ("1", "1")
    assert (s1["churn_run_id"], s1["fraud_run_id"]) == (registry["churn"], registry["fraud"])
    assert (s1["feature_table_version"], s1["run_id"]) == (features, "nightly-1")
    assert (s1["segment"], s1["plan_id"], s1["region"], s1["monthly_revenue"], s1["fraud_exposure"]) == (
        "postpaid",
        "P1",
        "north",
        40.0,
        12.5,
    )
    assert rows["S3"]["monthly_revenue"] is None
    # Scoring the date again replaces its rows with the same rows.
    score(spark, c, D, run_id="nightly-1")
    assert gold(spark, c) == rows


def test_only_the_model_with_a_champion_is_scored(spark, cfg, registry, features, caplog):
    c = scoring_cfg(cfg, registry, fraud="never_registered_fraud")
    with caplog.at_level(logging.WARNING, logger="telco_risk.score"):
        result = score(spark, c, D, run_id="r")
    assert result.model_versions == {"churn": "1", "fraud": None}
    assert "never_registered_fraud has no version with alias 'champion'" in caplog.text
    rows = gold(spark, c)
    assert rows["S1"]["churn_score"] == pytest.approx(sigmoid(1.5) / 2, abs=1e-6)
    assert rows["S1"]["churn_reasons"] == "USAGE_DROP;BILLING_COMPLAINTS"
    for row in rows.values():
        assert [
            row[k]
            for k in (
                "fraud_score",
                "fraud_band",
                "fraud_reasons",
                "fraud_model_version",
                "fraud_run_id",
                "likely_fraud_type",
            )
        ] == [None] * 6


def test_no_champion_at_all_stops_with_a_clear_message(spark, cfg, registry, features):
    c = scoring_cfg(cfg, registry, churn="no_churn", fraud="no_fraud")
    with pytest.raises(
        ScoringError, match="neither no_churn nor no_fraud has a version with alias 'champion'"
    ):
        score(spark, c, D)
    assert not delta_io.table_exists(c.table_path(RISK_SCORES))


def test_missing_snapshot_is_refused(spark, cfg, registry, features):
    with pytest.raises(ScoringError, match="has no snapshot 2026-03-05: run `telco-risk features"):
        score(spark, scoring_cfg(cfg, registry), dt.date(2026, 3, 5))
