"""Distributed XGBoost training through ``xgboost.spark.SparkXGBClassifier``.

Input: an encoded Spark frame with the feature columns (doubles), ``label`` and
``is_validation`` (early stopping watches the validation rows). Output: the booster cut
at its best iteration. ``--trials N`` samples N parameter sets from a small space.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from typing import Any

import xgboost as xgb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from telco_risk.settings import XgboostConfig

log = logging.getLogger("telco_risk.models.xgb_train")

ARROW_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch"
DEFAULT_ARROW_BATCH = 10_000
SEARCHABLE = ("max_depth", "learning_rate", "min_child_weight", "subsample", "colsample_bytree", "reg_lambda")


@dataclass(frozen=True)
class TrialResult:
    params: dict[str, Any]
    booster: xgb.Booster
    best_iteration: int
    validation_score: float  # eval_metric on the validation rows at the best iteration


def free_task_slots(spark: SparkSession) -> int:
    """Tasks the session can run at once: default parallelism / cpus per task."""
    sc = spark.sparkContext
    cpus_per_task = int(sc.getConf().get("spark.task.cpus", "1"))
    return max(1, sc.defaultParallelism // cpus_per_task)


def worker_count(requested: int, slots: int) -> int:
    """Never more barrier tasks than free slots (xgboost.spark would wait ~10 min, then fail)."""
    return max(1, min(requested, slots))


def base_params(xgb_cfg: XgboostConfig) -> dict[str, Any]:
    return {
        "max_depth": xgb_cfg.max_depth,
        "learning_rate": xgb_cfg.learning_rate,
        "min_child_weight": xgb_cfg.min_child_weight,
        "subsample": xgb_cfg.subsample,
        "colsample_bytree": xgb_cfg.colsample_bytree,
        "reg_lambda": xgb_cfg.reg_lambda,
    }


def sample_trials(
    base: dict[str, Any], space: dict[str, list[float]], n: int, seed: int
) -> list[dict[str, Any]]:
    """``n`` distinct parameter sets: ``base`` first, then random picks from ``space``."""
    unknown = sorted(set(space) - set(SEARCHABLE))
    if unknown:
        raise ValueError(f"models.xgboost.search_space: not searchable {unknown} (choose from {SEARCHABLE})")
    rng = random.Random(seed)
    trials = [dict(base)]
    seen = {tuple(sorted(base.items()))}
    for _ in range(50 * n):
        if len(trials) >= n or not space:
            break
        candidate = dict(base)
        for key, values in sorted(space.items()):
            value = rng.choice(values)
            candidate[key] = int(value) if key == "max_depth" else float(value)
        signature = tuple(sorted(candidate.items()))
        if signature not in seen:
            seen.add(signature)
            trials.append(candidate)
    return trials


def positive_weight(positives: int, negatives: int, cap: float) -> float:
    """``scale_pos_weight``: negatives / positives of the train split, between 1 and ``cap``."""
    if positives <= 0:
        raise ValueError("the train split has no positive labels")
    return float(min(cap, max(1.0, negatives / positives)))


def even_batch_size(rows: int, workers: int, limit: int) -> int:
    """Arrow batch size cutting each worker's share of ``rows`` into equal batches of about
    ``limit`` rows at most, with slack so no small tail batch is left over."""
    per_worker = math.ceil(rows / workers)
    batches = max(1, math.ceil(per_worker / limit))
    return math.ceil(per_worker / batches * 1.01) + 16


def fit_booster(
    data: DataFrame,
    feature_columns: list[str],
    feature_types: list[str],
    params: dict[str, Any],
    scale_pos_weight: float,
    num_workers: int,
    rows: int,
    xgb_cfg: XgboostConfig,
) -> TrialResult:
    """Train on the rows of ``data`` (``rows`` of them) with ``is_validation`` false, stop
    early on the others.

    xgboost.spark 3.2 splits every Arrow batch into training and validation rows and fails
    (KeyError 'values') when either part is empty. So rows go round-robin to the workers,
    are shuffled within each worker, and each worker's rows arrive in equal batches.
    """
    from xgboost.spark import SparkXGBClassifier

    estimator = SparkXGBClassifier(
        features_col=feature_columns,
        label_col="label",
        validation_indicator_col="is_validation",
        num_workers=num_workers,
        n_estimators=xgb_cfg.n_estimators,
        early_stopping_rounds=xgb_cfg.early_stopping_rounds,
        eval_metric=xgb_cfg.eval_metric,
        scale_pos_weight=scale_pos_weight,
        feature_types=feature_types,
        tree_method="hist",
        seed=xgb_cfg.seed,
        verbose=False,
        **params,
    )
    spark = data.sparkSession
    balanced = data.repartition(num_workers).sortWithinPartitions(F.rand(xgb_cfg.seed))
    previous = spark.conf.get(ARROW_BATCH) or str(DEFAULT_ARROW_BATCH)
    spark.conf.set(ARROW_BATCH, str(even_batch_size(rows, num_workers, int(previous))))
    try:
        booster = estimator.fit(balanced).get_booster()
    finally:
        spark.conf.set(ARROW_BATCH, previous)
    attrs = booster.attributes()
    best = int(attrs.get("best_iteration", booster.num_boosted_rounds() - 1))
    score = float(attrs.get("best_score", "nan"))
    best_booster = booster[: best + 1]  # drop the rounds after the best one
    best_booster.feature_names = feature_columns
    best_booster.feature_types = feature_types
    log.info("trial %s: best iteration %d, validation %s %.4f", params, best, xgb_cfg.eval_metric, score)
    return TrialResult(params=params, booster=best_booster, best_iteration=best, validation_score=score)


def better(a: TrialResult, b: TrialResult, metric: str) -> bool:
    """Whether ``a`` beats ``b`` on the validation metric (lower logloss is better)."""
    if metric == "logloss":
        return a.validation_score < b.validation_score
    return a.validation_score > b.validation_score
