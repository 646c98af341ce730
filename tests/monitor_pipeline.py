"""Put a generated ``monitor_world`` into a lakehouse: features, churn events, a champion
trained by the real training job, and its scores (the nightly scorer's inference)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from models.bundle import ScoringBundle
from models.scoring import score_features
from models.training_set import FeatureSet
from telco_risk import delta_io
from telco_risk.config import Config, load_config
from telco_risk.tables import RISK_SCORES, RISK_SCORES_SCHEMA
from tests.monitor_world import CATEGORICAL, World, feature_columns, feature_schema

FEATURE_SET = FeatureSet(
    columns=feature_columns(),
    categorical=CATEGORICAL,
    reason_codes={c: "NETWORK_QUALITY" if c.startswith("dropped") else "USAGE" for c in feature_columns()},
)


# Small, fast models: churn horizon 14 days, snapshots 3 days apart, a gate any model passes.
MODEL_OVERRIDES = [
    "models.churn.horizon_days=14",
    "models.snapshot_spacing_days=3",
    "models.min_rows=200",
    "models.min_positives=10",
    "models.churn.gate.min_roc_auc=0.5",
    "models.churn.gate.max_calibration_error=0.5",
    "models.xgboost.n_estimators=60",
    "models.xgboost.early_stopping_rounds=10",
    "models.xgboost.max_depth=3",
    "models.xgboost.learning_rate=0.2",
]


def world_environ(root: Path) -> dict[str, str]:
    return {
        "TELCO_RISK_LANDING": str(root / "landing"),
        "TELCO_RISK_LAKEHOUSE": str(root / "lakehouse"),
        "TELCO_RISK_BSS_URL": f"jdbc:sqlite:{root / 'bss.db'}",
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
    }


def world_overrides(root: Path, extra: Sequence[str] = ()) -> list[str]:
    return [f"mlflow.artifact_root={root / 'mlartifacts'}", *MODEL_OVERRIDES, *extra]


def world_config(root: Path, extra: Sequence[str] = ()) -> Config:
    """The test config on a lakehouse and MLflow store under ``root``, ``extra`` overrides last."""
    return load_config("test", world_overrides(root, extra), environ=world_environ(root))


def write_world(spark: SparkSession, cfg: Config, world: World) -> None:
    features = spark.createDataFrame(world.features, feature_schema())
    delta_io.append(features, cfg.table_path("silver.subscriber_features"), ["snapshot_date"])
    events = spark.createDataFrame(
        world.churn_events, "subscriber_id string, event_date date, churn_type string"
    )
    delta_io.append(events, cfg.table_path("bronze.churn_events"), ["event_date"])


def train_champion(spark: SparkSession, cfg: Config, as_of: dt.date) -> ScoringBundle:
    """The real training job on the world's snapshots, made champion; its bundle."""
    from jobs.train import train
    from models.registry import load_version, mlflow_client

    result = train(spark, cfg, "churn", as_of, snapshots=3, promote=True, feature_set=FEATURE_SET)
    mlflow_client(cfg.mlflow).set_registered_model_alias(
        cfg.models.churn.registered_name, "champion", result.version
    )
    return load_version("churn", result.version, cfg)


def score_range(
    spark: SparkSession, cfg: Config, bundle: ScoringBundle, first: dt.date, last: dt.date
) -> None:
    """gold.risk_scores for every snapshot in [first, last] in one pass of the nightly
    scorer's inference (``models.scoring.score_features``); fraud columns stay null."""
    path = cfg.table_path("silver.subscriber_features")
    version = delta_io.latest_version(spark, path)
    rows = delta_io.read_table(spark, path, version).where(
        F.col("snapshot_date").between(F.lit(first), F.lit(last))
    )
    keep = ["subscriber_id", "snapshot_date", "segment", "plan_id", "region", "plan_monthly_fee"]
    scored = score_features(rows, {"churn": bundle, "fraud": None}, keep)
    columns = {
        "score_date": F.col("snapshot_date"),
        "churn_model_version": F.lit(bundle.version),
        "churn_run_id": F.lit(bundle.run_id),
        "feature_table_version": F.lit(version),
        "run_id": F.lit("monitor-test"),
        "monthly_revenue": F.col("plan_monthly_fee"),
    }
    gold = scored.select(
        *[
            (columns[name] if name in columns else F.col(name) if name in scored.columns else F.lit(None))
            .cast(t)
            .alias(name)
            for name, t in (part.strip().split(" ") for part in RISK_SCORES_SCHEMA.split(","))
        ]
    )
    delta_io.replace_where(
        gold,
        cfg.table_path(RISK_SCORES),
        f"score_date BETWEEN DATE'{first}' AND DATE'{last}'",
        ["score_date"],
    )
