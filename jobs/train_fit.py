"""Training stage 3: fit XGBoost on a training set and calibrate it.

Usage: ``telco-risk train-fit --run-id R [--trials N]`` (or ``python jobs/train_fit.py ...``),
R being the MLflow run ``train-set`` opened. ``SparkXGBClassifier`` with early stopping on
the validation split (N trials as MLflow child runs, the best kept), isotonic/Platt
calibration on the validation scores; the booster and the scoring artifacts are logged in
run R, not registered yet (``train-evaluate`` does that).
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.train_set import stage
from models import metrics as M
from models.bundle import ScoringBundle
from models.calibration import fit_calibrator
from models.encoding import encode_spark, feature_types, fit_category_maps
from models.labels import KEYS
from models.registry import log_candidate, mlflow_client
from models.registry import model_settings as settings_of
from models.scoring import score_frame
from models.split import TEST, TRAIN, VALIDATION
from models.training_run import RunContext, load_feature_set, read_context
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
from telco_risk.cli_args import add_training_run, add_trials, config_of, run_step, write_result
from telco_risk.config import Config
from telco_risk.spark import get_spark, own_driver

log = logging.getLogger("telco_risk.train")


@dataclass(frozen=True)
class FitResult:
    model: str
    run_id: str
    model_uri: str
    best_iteration: int
    validation_score: float

    def ids(self) -> dict[str, Any]:
        return {"model": self.model, "run_id": self.run_id}

    def summary(self) -> str:
        return (
            f"{self.model}: fitted in MLflow run {self.run_id}: best iteration {self.best_iteration}, "
            f"validation score {self.validation_score:.4f} ({self.model_uri})"
        )


def training_frame(spark: SparkSession, ctx: RunContext, feature_set: FeatureSet) -> DataFrame:
    """The run's training set: keys, split, label, context and feature columns."""
    table = delta_io.read_table(spark, ctx.training_set_path, ctx.training_set_version).where(
        F.col("training_set_id") == ctx.training_set_id
    )
    context = context_columns(table.columns, feature_set)
    return table.select(*KEYS, "split", "label", *context, *feature_set.columns)


def scores(df: DataFrame, bundle: ScoringBundle, calibrated: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Labels and (calibrated) scores of ``df``'s rows, scored on Spark."""
    pdf = cast(pd.DataFrame, score_frame(df, bundle, ["label"], calibrated).toPandas())
    return pdf["label"].to_numpy(dtype=np.float64), pdf["score"].to_numpy(dtype=np.float64)


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


def fit(
    spark: SparkSession,
    cfg: Config,
    run_id: str,
    trials: int | None = None,
    feature_set: FeatureSet | None = None,
) -> FitResult:
    """Fit and calibrate on the training set of MLflow run ``run_id``; log the candidate there.

    ``feature_set`` defaults to the one the training-set stage recorded in the run.
    """
    import mlflow

    client = mlflow_client(cfg.mlflow)
    ctx = read_context(client, run_id)
    feature_set = feature_set or load_feature_set(client, run_id)
    settings = settings_of(cfg, ctx.model)
    trials = trials or cfg.models.xgboost.trials
    table = training_frame(spark, ctx, feature_set)

    maps = fit_category_maps(
        table.where(F.col("split") == TRAIN), feature_set.categorical, cfg.models.xgboost.max_categories
    )
    types = feature_types(feature_set.columns, maps)
    fit_df = (
        encode_spark(table.where(F.col("split") != TEST), feature_set.columns, maps)
        .withColumn("is_validation", F.col("split") == VALIDATION)
        .select(*feature_set.columns, "label", "is_validation")
    )
    train_counts = ctx.counts[TRAIN]
    spw = positive_weight(
        train_counts.positives,
        train_counts.rows - train_counts.positives,
        cfg.models.xgboost.max_positive_weight,
    )
    workers = worker_count(cfg.models.xgboost.num_workers, free_task_slots(spark))

    with mlflow.start_run(run_id=run_id):
        mlflow.log_params({"num_workers": workers, "scale_pos_weight": round(spw, 4), "trials": trials})
        with stage("xgboost training"):
            fit_rows = train_counts.rows + ctx.counts[VALIDATION].rows
            best = _train_trials(
                fit_df, feature_set, types, cfg, trials, spw, workers, fit_rows, ctx.experiment_id
            )
        mlflow.log_params(
            {f"xgb.{k}": v for k, v in best.params.items()} | {"best_iteration": best.best_iteration}
        )
        mlflow.log_metric(f"validation_{cfg.models.xgboost.eval_metric}", best.validation_score)

        draft = ScoringBundle(
            model=ctx.model,
            registered_name=settings.registered_name,
            booster=best.booster,
            feature_columns=feature_set.columns,
            categorical_encoders=maps,
            reason_codes={c: feature_set.reason_codes.get(c, c.upper()) for c in feature_set.columns},
            bands={"high": settings.bands.high, "medium": settings.bands.medium},
            metadata={
                "label_definition": ctx.label_definition,
                "training_set_id": ctx.training_set_id,
                "as_of": str(ctx.as_of),
                "snapshots": ctx.snapshots,
            },
        )
        with stage("validation scoring"):
            y_val, raw_val = scores(table.where(F.col("split") == VALIDATION), draft, calibrated=False)
        bundle = draft.with_calibrator(fit_calibrator(raw_val, y_val, cfg.models.calibration.method))
        mlflow.log_metric("validation_roc_auc", M.roc_auc(y_val, raw_val))
        with stage("model logging"):
            model_uri = log_candidate(bundle, table.where(F.col("split") == TEST).limit(5).toPandas())
    return FitResult(ctx.model, run_id, model_uri, best.best_iteration, best.validation_score)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_run(parser)
    add_trials(parser)


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    # xgboost.spark's barrier stage runs on the SparkContext: a driver of its own.
    spark = get_spark(own_driver(cfg), "telco-risk-train-fit")
    result = fit(spark, cfg, args.run_id, args.trials)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train-fit")


if __name__ == "__main__":
    raise SystemExit(main())
