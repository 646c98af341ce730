"""Train, evaluate, register and gate the churn or fraud model.

Usage: ``telco-risk train --model churn|fraud --as-of D [--snapshots K] [--trials N]
[--promote | --no-promote]`` (or ``python jobs/train.py ...``).

1. Training set: snapshots of ``silver.subscriber_features`` whose label window has elapsed
   at D, labels from ``bronze.churn_events`` / ``bronze.fraud_cases`` as known at D, a
   time or hashed split; written to ``training.<model>_sets`` (partition
   ``training_set_id``). Bad data (no eligible snapshot, too few rows, no positives)
   stops here: nothing is logged or registered.
2. ``SparkXGBClassifier`` with early stopping on the validation split (N trials as
   MLflow child runs), isotonic/Platt calibration on validation scores.
3. Test metrics, plots and a model card in an MLflow run; the booster and the scoring
   artifacts registered as ``telco_churn`` / ``telco_fraud``; the promotion gate.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from models import metrics as M
from models.batch_predict import score_frame
from models.bundle import ScoringBundle
from models.calibration import fit_calibrator
from models.encoding import encode_spark, feature_types, fit_category_maps
from models.labels import KEYS
from models.model_card import ModelCard, render
from models.plots import write_plots
from models.promotion import GateDecision, apply_decision, decide
from models.registry import (
    CHAMPION,
    alias_version,
    ensure_experiment,
    load_version,
    log_bundle,
    log_delta_input,
    mlflow_client,
)
from models.registry import model_settings as settings_of
from models.split import TEST, TRAIN, VALIDATION
from models.training_data import (
    FEATURES_TABLE,
    TrainingSet,
    build_training_set,
    load_feature_set,
    training_table,
)
from models.training_set import FeatureSet, context_columns
from models.xgb_train import (
    TrialResult,
    base_params,
    better,
    fit_booster,
    free_task_slots,
    positive_weight,
    sample_trials,
    worker_count,
)
from telco_risk import delta_io
from telco_risk.config import Config

log = logging.getLogger("telco_risk.train")


@contextmanager
def _stage(what: str) -> Iterator[None]:
    """Log how long a step took (training runs are long; this shows where the time goes)."""
    start = time.perf_counter()
    yield
    log.info("%s: %.1fs", what, time.perf_counter() - start)


@dataclass(frozen=True)
class TrainResult:
    model: str
    registered_name: str
    version: str
    run_id: str
    training_set_id: str
    training_set_version: int
    decision: GateDecision
    metrics: dict[str, float]
    champion_metrics: dict[str, float] | None


def _flatten(data: dict[str, Any], prefix: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name))
        else:
            flat[name] = str(value)[:500]
    return flat


def _train_trials(
    train_df: DataFrame,
    feature_set: FeatureSet,
    types: list[str],
    cfg: Config,
    trials: int,
    spw: float,
    workers: int,
    rows: int,
    experiment_id: str,
) -> TrialResult:
    """The best of ``trials`` parameter sets on the validation metric; each a child run when > 1."""
    import mlflow

    xgb_cfg = cfg.models.xgboost
    candidates = sample_trials(base_params(xgb_cfg), xgb_cfg.search_space, trials, xgb_cfg.seed)
    if len(candidates) == 1:
        return fit_booster(train_df, feature_set.columns, types, candidates[0], spw, workers, rows, xgb_cfg)
    best: TrialResult | None = None
    for i, params in enumerate(candidates):
        with mlflow.start_run(experiment_id=experiment_id, nested=True, run_name=f"trial-{i}"):
            mlflow.log_params(params)
            result = fit_booster(train_df, feature_set.columns, types, params, spw, workers, rows, xgb_cfg)
            mlflow.log_metrics(
                {
                    f"validation_{xgb_cfg.eval_metric}": result.validation_score,
                    "best_iteration": result.best_iteration,
                }
            )
        if best is None or better(result, best, xgb_cfg.eval_metric):
            best = result
    assert best is not None
    return best


def _scores(df: DataFrame, bundle: ScoringBundle, calibrated: bool = True) -> tuple[np.ndarray, np.ndarray]:
    pdf = cast(pd.DataFrame, score_frame(df, bundle, ["label"], calibrated).toPandas())
    return pdf["label"].to_numpy(dtype=np.float64), pdf["score"].to_numpy(dtype=np.float64)


def _champion_on(
    test_df: DataFrame, cfg: Config, model: str, version: str | None
) -> tuple[dict[str, float] | None, str | None]:
    """The champion's metrics on ``test_df``, or why it could not be scored."""
    if version is None:
        return None, None
    try:
        champion = load_version(model, version, cfg)
    except Exception as exc:  # noqa: BLE001 - any failure to load means "cannot compare"
        return None, f"cannot load it: {exc}"
    missing = [c for c in champion.feature_columns if c not in test_df.columns]
    if missing:
        return None, f"the test split lacks its feature(s) {', '.join(missing[:5])}"
    y, p = _scores(test_df, champion)
    ev = cfg.models.evaluation
    return M.evaluate(y, p, ev.top_fractions, ev.precision_at_k, cfg.models.calibration.ece_bins), None


def _log_context(
    cfg: Config, model: str, as_of: dt.date, ts: TrainingSet, feature_set: FeatureSet, extra: dict[str, Any]
) -> dict[str, str]:
    """Tags, params (the resolved config included), the config artifact, the Delta inputs
    and the split counts of the active run; returns the data-version tags."""
    import mlflow

    data_tags = {f"data.{t}.version": v for t, v in ts.data_versions.items()}
    mlflow.set_tags(
        {
            "model": model,
            "as_of": str(as_of),
            "label_definition": ts.label_definition,
            "training_set_id": ts.set_id,
            "training_set_path": ts.path,
            **data_tags,
        }
    )
    mlflow.log_params(_flatten(cfg.redacted(), "config"))
    mlflow.log_dict(cfg.redacted(), "config/resolved_config.yaml")
    log_delta_input(training_table(model), ts.path, ts.version, ts.set_id, "training")
    features_version = ts.data_versions[FEATURES_TABLE]
    log_delta_input(
        FEATURES_TABLE, cfg.table_path(FEATURES_TABLE), features_version, f"v{features_version}", "features"
    )
    mlflow.log_params(
        {
            "model": model,
            "as_of": str(as_of),
            "snapshots": ",".join(map(str, ts.snapshots)),
            "split_mode": ts.plan.mode,
            "feature_count": len(feature_set.columns),
            **extra,
        }
    )
    mlflow.log_metrics(
        {f"{k}_{s}": float(getattr(c, k)) for s, c in ts.counts.items() for k in ("rows", "positives")}
    )
    return data_tags


def _evaluate_on_test(test_df: DataFrame, bundle: ScoringBundle, cfg: Config) -> dict[str, float]:
    """Test metrics (logged as ``test_*``), the five plots and the gain importance."""
    import mlflow

    with _stage("test scoring"):
        y, p = _scores(test_df, bundle)
    ev = cfg.models.evaluation
    bins = cfg.models.calibration.ece_bins
    test_metrics = M.evaluate(y, p, ev.top_fractions, ev.precision_at_k, bins)
    mlflow.log_metrics({f"test_{k}": v for k, v in test_metrics.items()})
    importance = {
        k: float(cast(float, v)) for k, v in bundle.booster.get_score(importance_type="gain").items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        write_plots(Path(tmp), y, p, importance, bins, bundle.registered_name)
        mlflow.log_artifacts(tmp, "plots")
    mlflow.log_dict(importance, "feature_importance.json")
    return test_metrics


def train(
    spark: SparkSession,
    cfg: Config,
    model: str,
    as_of: dt.date,
    *,
    snapshots: int | None = None,
    trials: int | None = None,
    promote: bool | None = None,
    feature_set: FeatureSet | None = None,
) -> TrainResult:
    """Train ``model`` (churn|fraud) as of ``as_of``; register it and run the gate.

    ``feature_set`` defaults to the catalogue (``features/catalog.py``).
    """
    import mlflow

    settings = settings_of(cfg, model)
    feature_set = feature_set or load_feature_set(cfg)
    snapshots = snapshots or cfg.models.snapshots
    trials = trials or cfg.models.xgboost.trials
    promote = cfg.models.auto_promote if promote is None else promote

    with _stage("training set"):
        ts = build_training_set(spark, cfg, model, as_of, snapshots, feature_set)
    table = delta_io.read_table(spark, ts.path, ts.version).where(F.col("training_set_id") == ts.set_id)
    context = context_columns(ts.columns, feature_set)
    table = table.select(*KEYS, "split", "label", *context, *feature_set.columns)

    maps = fit_category_maps(
        table.where(F.col("split") == TRAIN), feature_set.categorical, cfg.models.xgboost.max_categories
    )
    types = feature_types(feature_set.columns, maps)
    fit_df = (
        encode_spark(table.where(F.col("split") != TEST), feature_set.columns, maps)
        .withColumn("is_validation", F.col("split") == VALIDATION)
        .select(*feature_set.columns, "label", "is_validation")
    )
    train_counts = ts.counts[TRAIN]
    spw = positive_weight(
        train_counts.positives,
        train_counts.rows - train_counts.positives,
        cfg.models.xgboost.max_positive_weight,
    )
    workers = worker_count(cfg.models.xgboost.num_workers, free_task_slots(spark))

    client = mlflow_client(cfg.mlflow)
    experiment_id = ensure_experiment(client, settings.experiment, cfg.mlflow.artifact_root)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{model}-{as_of}") as run:
        run_id = run.info.run_id
        data_tags = _log_context(
            cfg,
            model,
            as_of,
            ts,
            feature_set,
            {"num_workers": workers, "scale_pos_weight": round(spw, 4), "trials": trials},
        )

        with _stage("xgboost training"):
            fit_rows = train_counts.rows + ts.counts[VALIDATION].rows
            best = _train_trials(
                fit_df, feature_set, types, cfg, trials, spw, workers, fit_rows, experiment_id
            )
        mlflow.log_params(
            {f"xgb.{k}": v for k, v in best.params.items()} | {"best_iteration": best.best_iteration}
        )
        mlflow.log_metric(f"validation_{cfg.models.xgboost.eval_metric}", best.validation_score)

        draft = ScoringBundle(
            model=model,
            registered_name=settings.registered_name,
            booster=best.booster,
            feature_columns=feature_set.columns,
            categorical_encoders=maps,
            reason_codes={c: feature_set.reason_codes.get(c, c.upper()) for c in feature_set.columns},
            bands={"high": settings.bands.high, "medium": settings.bands.medium},
            metadata={
                "label_definition": ts.label_definition,
                "training_set_id": ts.set_id,
                "as_of": str(as_of),
                "snapshots": [str(d) for d in ts.snapshots],
            },
        )
        with _stage("validation scoring"):
            y_val, raw_val = _scores(table.where(F.col("split") == VALIDATION), draft, calibrated=False)
        bundle = draft.with_calibrator(fit_calibrator(raw_val, y_val, cfg.models.calibration.method))
        mlflow.log_metric("validation_roc_auc", M.roc_auc(y_val, raw_val))

        test_df = table.where(F.col("split") == TEST)
        test_metrics = _evaluate_on_test(test_df, bundle, cfg)

        champion_version = alias_version(client, settings.registered_name, CHAMPION)
        with _stage("champion scoring"):
            champion_metrics, problem = _champion_on(test_df, cfg, model, champion_version)
        if champion_metrics:
            mlflow.log_metrics({f"champion_test_{k}": v for k, v in champion_metrics.items()})

        with _stage("model logging"):
            version = log_bundle(bundle, test_df.limit(5).toPandas())
        decision = decide(test_metrics, champion_metrics, settings.gate, champion_version, problem)
        apply_decision(client, settings.registered_name, version, run_id, decision, apply=promote)
        for key, value in {"training_set_id": ts.set_id, "as_of": str(as_of), **data_tags}.items():
            client.set_model_version_tag(settings.registered_name, version, key, value)

        card = ModelCard(
            model=model,
            registered_name=settings.registered_name,
            version=version,
            run_id=run_id,
            as_of=str(as_of),
            label_definition=ts.label_definition,
            snapshots=[str(d) for d in ts.snapshots],
            split=ts.plan.describe(),
            counts=ts.counts,
            data_versions=ts.data_versions,
            params={
                **best.params,
                "best_iteration": best.best_iteration,
                "scale_pos_weight": round(spw, 4),
                "calibration": cfg.models.calibration.method,
            },
            metrics=test_metrics,
            champion_metrics=champion_metrics,
            decision=decision.summary() + ("" if promote else " (not applied: --no-promote)"),
            features=[(c, c in maps, bundle.reason_codes[c]) for c in feature_set.columns],
        )
        mlflow.log_text(render(card), "model_card.md")

    return TrainResult(
        model=model,
        registered_name=settings.registered_name,
        version=version,
        run_id=run_id,
        training_set_id=ts.set_id,
        training_set_version=ts.version,
        decision=decision,
        metrics=test_metrics,
        champion_metrics=champion_metrics,
    )


def summary(result: TrainResult) -> str:
    m = result.metrics
    return (
        f"{result.registered_name} v{result.version} (run {result.run_id}, training set "
        f"{result.training_set_id} @ Delta v{result.training_set_version}): test roc_auc {m['roc_auc']:.4f}, "
        f"pr_auc {m['pr_auc']:.4f}, ECE {m['expected_calibration_error']:.4f}, "
        f"{int(m['rows'])} rows / {int(m['positives'])} positives; gate: {result.decision.outcome}"
    )


def main(argv: list[str] | None = None) -> int:
    from telco_risk.cli import main as cli_main

    return cli_main(["train", *(argv or [])])


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
