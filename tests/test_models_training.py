"""End to end on a small synthetic world: training set, XGBoost on Spark, calibration,
MLflow run and registry, and the bad cases that must stop before anything is registered.

The synthetic churn signal needs several features (three numbers and a category), so
the model must beat the best single feature clearly on the held-out snapshot.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from jobs.train import train
from models.errors import NoEligibleSnapshotError, NoPositiveLabelsError, TooFewRowsError
from models.training_set import FeatureSet
from telco_risk import delta_io

FEATURES = FeatureSet(
    columns=["usage_drop", "tickets_30d", "tenure_months", "late_payment", "plan_type"],
    categorical=["plan_type"],
    reason_codes={"usage_drop": "USAGE_DROP", "tickets_30d": "CARE_CONTACTS", "plan_type": "PLAN"},
)
SNAPSHOTS = [dt.date(2026, 1, 4), dt.date(2026, 1, 11), dt.date(2026, 1, 18), dt.date(2026, 1, 25)]
AS_OF = dt.date(2026, 2, 24)  # the last snapshot + 30 days: every churn window has elapsed


@pytest.fixture(scope="module")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated MLflow SQLite store, copied per test (migrations take seconds)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow") / "template.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture()
def ml_cfg(cfg, workdir: Path, mlflow_template: Path):
    """``cfg`` with a hermetic MLflow (store and artifacts in ``workdir``) and small models."""
    db = workdir / "mlflow.db"
    shutil.copy(mlflow_template, db)
    mlflow = cfg.mlflow.model_copy(
        update={"tracking_uri": f"sqlite:///{db}", "artifact_root": str(workdir / "mlartifacts")}
    )
    xgb = cfg.models.xgboost.model_copy(
        update={"n_estimators": 80, "early_stopping_rounds": 15, "max_depth": 3, "learning_rate": 0.2}
    )
    models = cfg.models.model_copy(
        update={"xgboost": xgb, "min_rows": 200, "min_positives": 10, "snapshot_spacing_days": 7}
    )
    return cfg.model_copy(update={"mlflow": mlflow, "models": models})


def churn_world(rows_per_snapshot: int = 900, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Feature rows (one subscriber per snapshot) and churn events.

    logit = -1.2 + 1.3 usage_drop + 0.9 tickets_30d - 1.1 tenure_z + 1.4 [plan prepaid_basic];
    positives churn 1..30 days after their snapshot, some negatives 31..60 days after.
    """
    rng = np.random.default_rng(seed)
    frames, events = [], []
    for s in SNAPSHOTS:
        n = rows_per_snapshot
        usage = rng.normal(size=n)
        tickets = rng.poisson(1.0, size=n)
        tenure = rng.uniform(1, 60, size=n)
        plan = rng.choice(["prepaid_basic", "prepaid_plus", "postpaid"], size=n)
        late = rng.random(n) < 0.2
        logit = (
            -1.2
            + 1.3 * usage
            + 0.9 * (tickets - 1)
            - 1.1 * (tenure - 30) / 17
            + 1.4 * (plan == "prepaid_basic")
        )
        churn = rng.random(n) < 1 / (1 + np.exp(-logit))
        ids = [f"s{s:%m%d}-{i:04d}" for i in range(n)]
        frames.append(
            pd.DataFrame(
                {
                    "subscriber_id": ids,
                    "snapshot_date": s,
                    "usage_drop": usage,
                    "tickets_30d": tickets.astype("int32"),
                    "tenure_months": tenure,
                    "late_payment": late,
                    "plan_type": plan,
                    "segment": np.where(plan == "postpaid", "postpaid", "prepaid"),
                    "monthly_revenue": rng.uniform(5, 60, size=n),
                    "fraud_exposure_7d": 0.0,
                }
            )
        )
        later = rng.random(n) < 0.15
        for i in range(n):
            if churn[i]:
                events.append((ids[i], s + dt.timedelta(days=int(rng.integers(1, 31))), "port_out"))
            elif later[i]:
                events.append((ids[i], s + dt.timedelta(days=int(rng.integers(31, 61))), "cancellation"))
    churn_events = pd.DataFrame(events, columns=["subscriber_id", "event_date", "churn_type"])
    return pd.concat(frames, ignore_index=True), churn_events


def write_world(
    spark,
    cfg,
    features: pd.DataFrame,
    churn_events: pd.DataFrame | None = None,
    fraud_cases: pd.DataFrame | None = None,
) -> None:
    feature_schema = (
        "subscriber_id string, snapshot_date date, usage_drop double, tickets_30d int, tenure_months double,"
        " late_payment boolean, plan_type string, segment string, monthly_revenue double,"
        " fraud_exposure_7d double"
    )
    delta_io.append(
        spark.createDataFrame(features, feature_schema),
        cfg.table_path("silver.subscriber_features"),
        ["snapshot_date"],
    )
    if churn_events is not None:
        schema = "subscriber_id string, event_date date, churn_type string"
        delta_io.append(
            spark.createDataFrame(churn_events, schema), cfg.table_path("bronze.churn_events"), ["event_date"]
        )
    if fraud_cases is not None:
        schema = (
            "case_id string, subscriber_id string, fraud_type string, first_seen_date date,"
            " confirmed_date date, disposition string"
        )
        delta_io.append(
            spark.createDataFrame(fraud_cases, schema),
            cfg.table_path("bronze.fraud_cases"),
            ["confirmed_date"],
        )


def registered_versions(ml_cfg, name: str) -> list[str]:
    from mlflow import MlflowClient

    client = MlflowClient(ml_cfg.mlflow.tracking_uri, ml_cfg.mlflow.tracking_uri)
    return sorted(str(v.version) for v in client.search_model_versions(f"name = '{name}'"))


def test_churn_model_trains_registers_and_beats_single_features(spark, ml_cfg):
    from mlflow import MlflowClient

    from models.registry import load_champion

    features, events = churn_world()
    write_world(spark, ml_cfg, features, churn_events=events)

    # v1: a deliberately weak model (3 stumps); it passes the floors and, first, becomes champion.
    weak_xgb = ml_cfg.models.xgboost.model_copy(update={"n_estimators": 3, "max_depth": 1})
    weak_cfg = ml_cfg.model_copy(update={"models": ml_cfg.models.model_copy(update={"xgboost": weak_xgb})})
    weak = train(spark, weak_cfg, "churn", AS_OF, snapshots=4, feature_set=FEATURES)
    assert (weak.version, weak.decision.outcome) == ("1", "promoted")
    assert "no champion yet" in weak.decision.reasons[-1]

    # v2: the real model, compared with v1 scored on the same test split, beats it.
    result = train(spark, ml_cfg, "churn", AS_OF, snapshots=4, feature_set=FEATURES)
    assert result.training_set_id == weak.training_set_id  # same inputs, same set (replaced, not duplicated)
    assert result.champion_metrics is not None
    assert result.champion_metrics["roc_auc"] == pytest.approx(weak.metrics["roc_auc"], abs=1e-12)
    assert (result.version, result.decision.outcome) == ("2", "promoted")

    # Training set: four snapshots, time split, the newest for test, labels as hand-built.
    ts = delta_io.read_table(spark, ml_cfg.table_path("training.churn_sets"), result.training_set_version)
    ts = ts.toPandas()
    assert len(ts) == 4 * 900  # the second run replaced the set's partition, no duplicates
    assert set(ts.training_set_id) == {result.training_set_id}
    assert result.training_set_version == weak.training_set_version + 1
    split_by_date = ts.groupby("snapshot_date")["split"].unique().apply(list).to_dict()
    assert split_by_date == {
        SNAPSHOTS[0]: ["train"],
        SNAPSHOTS[1]: ["train"],
        SNAPSHOTS[2]: ["validation"],
        SNAPSHOTS[3]: ["test"],
    }
    in_window = events[events.churn_type == "port_out"].subscriber_id
    assert set(ts.loc[ts.label == 1, "subscriber_id"]) == set(in_window)

    # Beats every single feature (oriented either way) on the held-out snapshot.
    test = ts[ts.split == "test"]
    singles = {
        c: max(roc_auc_score(test.label, v), 1 - roc_auc_score(test.label, v))
        for c, v in {
            "usage_drop": test.usage_drop,
            "tickets_30d": test.tickets_30d,
            "tenure_months": test.tenure_months,
            "plan_basic": (test.plan_type == "prepaid_basic").astype(float),
        }.items()
    }
    assert result.metrics["roc_auc"] >= max(singles.values()) + 0.05, (result.metrics, singles)
    assert result.metrics["expected_calibration_error"] <= ml_cfg.models.churn.gate.max_calibration_error

    # Registered, champion and challenger, everything logged.
    client = MlflowClient(ml_cfg.mlflow.tracking_uri, ml_cfg.mlflow.tracking_uri)
    assert str(client.get_model_version_by_alias("telco_churn", "champion").version) == "2"
    assert str(client.get_model_version_by_alias("telco_churn", "challenger").version) == "2"
    run = client.get_run(result.run_id)
    for key in (
        "test_roc_auc",
        "test_pr_auc",
        "test_lift_at_1pct",
        "test_capture_at_10pct",
        "test_brier",
        "test_expected_calibration_error",
        "test_precision_at_100",
    ):
        assert key in run.data.metrics, key
    assert run.data.tags["data.silver.subscriber_features.version"] == "0"
    assert run.data.tags["data.training.churn_sets.version"] == str(result.training_set_version)
    assert run.data.tags["gate.outcome"] == "promoted"
    assert run.data.tags["gate.champion_before"] == "1"
    assert run.data.metrics["champion_test_roc_auc"] == pytest.approx(weak.metrics["roc_auc"])
    assert run.data.params["config.models.churn.horizon_days"] == "30"
    assert [i.dataset.name for i in run.inputs.dataset_inputs] == [
        "training.churn_sets",
        "silver.subscriber_features",
    ]
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"plots", "scoring", "model_card.md", "config"} <= artifacts
    plots = {a.path for a in client.list_artifacts(result.run_id, "plots")}
    assert plots == {
        f"plots/{n}.png"
        for n in ("roc", "precision_recall", "gain_lift", "calibration", "feature_importance")
    }

    # The champion bundle scores raw feature rows like the training run did.
    bundle = load_champion("churn", ml_cfg)
    assert (bundle.version, bundle.run_id) == ("2", result.run_id)
    assert bundle.feature_columns == FEATURES.columns and set(bundle.categorical_encoders) == {"plan_type"}
    probs = bundle.predict(test)
    assert roc_auc_score(test.label, probs) == pytest.approx(result.metrics["roc_auc"], abs=1e-9)
    reasons = bundle.top_reasons(test.head(50))
    assert reasons.str.split(";").map(len).max() <= 3
    assert set(";".join(reasons).split(";")) - {""} <= {
        "USAGE_DROP",
        "CARE_CONTACTS",
        "PLAN",
        "TENURE_MONTHS",
        "LATE_PAYMENT",
    }
    contributions = bundle.contributions(test.head(5))
    assert list(contributions.columns) == [*FEATURES.columns, "bias"]


def test_fraud_single_snapshot_uses_hashed_split_and_trials(spark, ml_cfg):
    """One snapshot: hashed split; fraud labels from confirmed cases; two trials as child runs."""
    from mlflow import MlflowClient

    snapshot = dt.date(2026, 1, 10)
    features, _ = churn_world(rows_per_snapshot=1500, seed=5)
    features = features[features.snapshot_date == SNAPSHOTS[0]].assign(snapshot_date=snapshot)
    rng = np.random.default_rng(9)
    logit = (
        -2.0 + 1.5 * features.usage_drop.to_numpy() + 1.2 * (features.plan_type == "prepaid_basic").to_numpy()
    )
    fraud = rng.random(len(features)) < 1 / (1 + np.exp(-logit))
    cases = [
        (
            f"c{i}",
            sid,
            "simbox",
            snapshot - dt.timedelta(days=3),
            snapshot + dt.timedelta(days=4),
            "confirmed",
        )
        for i, sid in enumerate(features.subscriber_id[fraud])
    ]
    write_world(spark, ml_cfg, features, fraud_cases=pd.DataFrame(cases))

    result = train(spark, ml_cfg, "fraud", dt.date(2026, 1, 24), trials=2, feature_set=FEATURES)

    assert result.registered_name == "telco_fraud" and result.version == "1"
    assert result.metrics["roc_auc"] > 0.75
    client = MlflowClient(ml_cfg.mlflow.tracking_uri, ml_cfg.mlflow.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.data.params["split_mode"] == "hash"
    children = client.search_runs(
        [run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    assert len(children) == 2
    assert all("validation_auc" in c.data.metrics for c in children)


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("labels not elapsed", NoEligibleSnapshotError, "no snapshot has elapsed labels at as-of 2026-02-01"),
        ("no positives", NoPositiveLabelsError, "no positive labels in 3600 rows"),
        ("too few rows", TooFewRowsError, "training set has 120 rows"),
    ],
)
def test_bad_training_data_stops_and_registers_nothing(spark, ml_cfg, case, error, message):
    features, events = churn_world()
    as_of = AS_OF
    if case == "labels not elapsed":
        as_of = dt.date(2026, 2, 1)  # the first snapshot's window ends on 2026-02-03
    elif case == "no positives":
        events = events[events.churn_type != "port_out"]  # only churns after the horizon
    else:
        features = features.groupby("snapshot_date").head(30)
    write_world(spark, ml_cfg, features, churn_events=events)

    with pytest.raises(error, match=message):
        train(spark, ml_cfg, "churn", as_of, snapshots=4, feature_set=FEATURES)

    assert registered_versions(ml_cfg, "telco_churn") == []
    assert not delta_io.table_exists(ml_cfg.table_path("training.churn_sets"))


def test_early_stopping_survives_batches_holding_only_training_rows(spark, ml_cfg):
    """xgboost.spark fails on an Arrow batch without validation rows. Two partitions (as
    many as workers, so xgboost.spark does not repartition), the validation rows at the end
    of the second, batches of 300 rows: this failed with KeyError 'values' before."""
    from models.xgb_train import ARROW_BATCH, fit_booster

    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 2))
    pdf = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "label": (x[:, 0] + x[:, 1] > 0).astype(int)})
    pdf["is_validation"] = np.arange(2000) >= 1600
    data = spark.createDataFrame(pdf).coalesce(2)
    assert data.rdd.getNumPartitions() == 2
    original = spark.conf.get(ARROW_BATCH)
    spark.conf.set(ARROW_BATCH, "300")
    try:
        result = fit_booster(
            data, ["a", "b"], ["q", "q"], {"max_depth": 2}, 1.0, 2, 2000, ml_cfg.models.xgboost
        )
        assert spark.conf.get(ARROW_BATCH) == "300"  # restored after the fit
    finally:
        spark.conf.set(ARROW_BATCH, original)
    assert result.validation_score > 0.9
    assert result.booster.num_boosted_rounds() == result.best_iteration + 1
