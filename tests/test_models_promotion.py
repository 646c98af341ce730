"""The champion/challenger gate: pure decisions, then aliases and tags on a hermetic MLflow
registry (small boosters trained in-process), manual promotion and the scoring bundle."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

from models.bundle import ScoringBundle
from models.calibration import Calibrator
from models.promotion_gate import apply_decision, decide, promote_by_hand
from models.registry import ensure_experiment, load_champion, load_version, log_bundle, mlflow_client
from telco_risk.settings import PromotionGateConfig

GATE = PromotionGateConfig(min_roc_auc=0.7, max_calibration_error=0.05, min_auc_gain=0.005)
GOOD = {"roc_auc": 0.80, "expected_calibration_error": 0.02}


def test_floors_are_enforced_whatever_the_champion():
    low_auc = decide({"roc_auc": 0.69, "expected_calibration_error": 0.01}, None, GATE)
    assert low_auc.outcome == "kept_challenger"
    assert "roc_auc 0.6900 fails min_roc_auc (>= 0.7)" in low_auc.reasons
    badly_calibrated = decide(
        {"roc_auc": 0.9, "expected_calibration_error": 0.06}, {"roc_auc": 0.5}, GATE, "3"
    )
    assert badly_calibrated.outcome == "kept_challenger"
    assert (
        "expected_calibration_error 0.0600 fails max_calibration_error (<= 0.05)" in badly_calibrated.reasons
    )


def test_first_passing_version_becomes_champion_then_only_a_clear_gain_promotes():
    first = decide(GOOD, None, GATE)
    assert first.promote and first.reasons[-1] == "no champion yet: first version passing the floors"
    small = decide({**GOOD, "roc_auc": 0.804}, {"roc_auc": 0.80}, GATE, "2")
    assert small.outcome == "kept_challenger" and "gain +0.0040 < min_auc_gain 0.005" in small.reasons[-1]
    clear = decide({**GOOD, "roc_auc": 0.81}, {"roc_auc": 0.80}, GATE, "2")
    assert clear.outcome == "promoted" and clear.champion_before == "2"
    worse = decide(GOOD, {"roc_auc": 0.85}, GATE, "2")
    assert worse.outcome == "kept_challenger"
    unscorable = decide(GOOD, None, GATE, "2", "the test split lacks its feature(s) x")
    assert unscorable.outcome == "kept_challenger" and "promote by hand" in unscorable.reasons[-1]


@pytest.fixture(scope="module")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated MLflow SQLite store, copied per test (migrations take seconds)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow") / "template.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture()
def ml_cfg(cfg, workdir: Path, mlflow_template: Path):
    db = workdir / "mlflow.db"
    shutil.copy(mlflow_template, db)
    mlflow = cfg.mlflow.model_copy(
        update={"tracking_uri": f"sqlite:///{db}", "artifact_root": str(workdir / "mlartifacts")}
    )
    return cfg.model_copy(update={"mlflow": mlflow})


def small_bundle(seed: int) -> tuple[ScoringBundle, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    pdf = pd.DataFrame({"x": rng.normal(size=300), "plan": rng.choice(["a", "b"], 300)})
    y = ((pdf.x + (pdf.plan == "b")) > 0.5).astype(int)
    maps = {"plan": {"a": 0, "b": 1}}
    matrix = np.c_[pdf.x.to_numpy(), (pdf.plan == "b").to_numpy(dtype=float)]
    dtrain = xgb.DMatrix(
        matrix, y, feature_names=["x", "plan"], feature_types=["q", "c"], enable_categorical=True
    )
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "seed": seed}, dtrain, 5)
    bundle = ScoringBundle(
        model="churn",
        registered_name="telco_churn",
        booster=booster,
        feature_columns=["x", "plan"],
        categorical_encoders=maps,
        calibrator=Calibrator("isotonic", (0.0, 1.0), (0.1, 0.9)),
        reason_codes={"x": "X_CODE", "plan": "PLAN"},
        bands={"high": 0.5, "medium": 0.2},
    )
    return bundle, pdf


def register(ml_cfg, bundle: ScoringBundle, example: pd.DataFrame) -> tuple[str, str]:
    import mlflow

    client = mlflow_client(ml_cfg.mlflow)
    experiment = ensure_experiment(client, "telco_churn", ml_cfg.mlflow.artifact_root)
    with mlflow.start_run(experiment_id=experiment) as run:
        return log_bundle(bundle, example.head(3)), run.info.run_id


def aliases(client) -> dict[str, str]:
    return {k: str(v) for k, v in client.get_registered_model("telco_churn").aliases.items()}


def test_gate_moves_aliases_tags_every_decision_and_manual_promote_rolls_back(ml_cfg, capsys):
    client = mlflow_client(ml_cfg.mlflow)
    bundle, pdf = small_bundle(1)
    decisions = [
        ({"roc_auc": 0.60, "expected_calibration_error": 0.01}, None),  # v1 below the floor
        (GOOD, None),  # v2 first passing version
        ({**GOOD, "roc_auc": 0.79}, {"roc_auc": 0.80}),  # v3 worse than the champion
        ({**GOOD, "roc_auc": 0.86}, {"roc_auc": 0.80}),  # v4 clearly better
    ]
    runs = {}
    for challenger, champion in decisions:
        version, run_id = register(ml_cfg, bundle, pdf)
        runs[version] = run_id
        before = aliases(client).get("champion")
        apply_decision(
            client, "telco_churn", version, run_id, decide(challenger, champion, GATE, before), apply=True
        )
        if version == "1":
            assert aliases(client) == {"challenger": "1"}  # no champion: v1 failed the floor
        elif version == "2":
            assert aliases(client) == {"challenger": "2", "champion": "2"}
        elif version == "3":
            assert aliases(client) == {"challenger": "3", "champion": "2"}
    assert aliases(client) == {"challenger": "4", "champion": "4"}

    v3 = client.get_model_version("telco_churn", "3")
    assert v3.tags["gate.outcome"] == "kept_challenger" and v3.tags["gate.champion_before"] == "2"
    assert "gain -0.0100 < min_auc_gain 0.005" in v3.tags["gate.reasons"]
    assert client.get_run(runs["3"]).data.tags["gate.outcome"] == "kept_challenger"
    assert "telco_churn v3: kept_challenger" in capsys.readouterr().out

    decision = promote_by_hand(client, "telco_churn", "2")
    assert aliases(client) == {"challenger": "4", "champion": "2"}
    assert decision.outcome == "manual_promote" and decision.champion_before == "4"
    assert client.get_model_version("telco_churn", "2").tags["gate.outcome"] == "manual_promote"

    # The nightly scorer's view: the champion's bundle predicts like the one logged.
    champion = load_champion("churn", ml_cfg)
    assert (champion.version, champion.run_id) == ("2", runs["2"])
    np.testing.assert_allclose(champion.predict(pdf), bundle.predict(pdf))
    assert champion.feature_columns == ["x", "plan"] and champion.categorical_encoders == {
        "plan": {"a": 0, "b": 1}
    }
    assert load_version("churn", 3, ml_cfg).version == "3"


def test_promote_command_sets_the_champion_and_refuses_unknown_versions(ml_cfg, capsys):
    from jobs.cli import main

    bundle, pdf = small_bundle(2)
    register(ml_cfg, bundle, pdf)
    conf = [
        "--env",
        "test",
        "--conf",
        f"mlflow.tracking_uri={ml_cfg.mlflow.tracking_uri}",
        "--conf",
        f"mlflow.artifact_root={ml_cfg.mlflow.artifact_root}",
    ]
    assert main(["promote", *conf, "--model", "churn", "--version", "1"]) == 0
    assert "telco_churn v1: manual_promote" in capsys.readouterr().out
    assert aliases(mlflow_client(ml_cfg.mlflow)) == {"champion": "1"}
    assert main(["promote", *conf, "--model", "churn", "--version", "7"]) == 2
    assert capsys.readouterr().err.strip() == "telco-risk promote: error: telco_churn has no version 7"


class FixedContributions(ScoringBundle):
    """A bundle whose contributions are given, to check the reason-code logic by hand."""

    def contributions(self, pdf: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            [[0.5, 0.3, -0.2, 0.1, 0.0], [-0.1, -0.1, -0.3, 0.0, 0.2], [0.1, 0.1, 0.15, 0.4, -1.0]],
            columns=["drop_7d", "drop_30d", "tickets", "late", "bias"],
            index=pdf.index,
        )


def test_top_reasons_add_up_features_sharing_a_code_and_skip_negative_ones():
    bundle, _ = small_bundle(3)
    fixed = FixedContributions(
        model="churn",
        registered_name="telco_churn",
        booster=bundle.booster,
        feature_columns=["drop_7d", "drop_30d", "tickets", "late"],
        categorical_encoders={},
        reason_codes={"drop_7d": "USAGE_DROP", "drop_30d": "USAGE_DROP", "tickets": "CARE"},
    )
    reasons = fixed.top_reasons(pd.DataFrame(index=[10, 11, 12]), n=2)
    # row 1: USAGE_DROP .8, LATE .1, CARE -.2; row 2: nothing positive;
    # row 3: LATE .4, USAGE_DROP .2, CARE .15
    assert reasons.to_dict() == {10: "USAGE_DROP;LATE", 11: "", 12: "LATE;USAGE_DROP"}
