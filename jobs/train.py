"""Train, evaluate, register and gate the churn or fraud model in one call.

Usage: ``telco-risk train --model churn|fraud --as-of D [--snapshots K] [--trials N]
[--promote | --no-promote] [--no-validate]`` (or ``python jobs/train.py ...``).

The five stages, each also a command of its own (the retrain DAG runs them as tasks and
hands over only ids, through the MLflow run):

1. ``train-set`` (``jobs/train_set.py``): the training set -> ``training.<model>_sets``,
   and the MLflow run that records its context;
2. ``train-validate`` (``jobs/train_validate.py``): the training set's quality gate;
3. ``train-fit`` (``jobs/train_fit.py``): XGBoost on Spark, trials, calibration;
4. ``train-evaluate`` (``jobs/train_evaluate.py``): test metrics, plots, the champion on
   the same split, registration as ``telco_churn`` / ``telco_fraud``;
5. ``train-gate`` (``jobs/train_gate.py``): the champion/challenger decision, the model card.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass

from pyspark.sql import SparkSession

from jobs.train_evaluate import evaluate
from jobs.train_fit import fit
from jobs.train_gate import gate
from jobs.train_set import build_set
from jobs.train_validate import validate_set
from models.errors import TrainingDataError
from models.promotion_gate import GateDecision
from models.training_set import FeatureSet
from telco_risk.cli_args import add_as_of, add_model, add_promote, add_trials, config_of, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark, own_driver

__all__ = ["TrainResult", "TrainingSetRejectedError", "summary", "train"]


class TrainingSetRejectedError(TrainingDataError):
    """The training set failed its quality gate; the message is the gate's summary."""


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
    summary: str


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
    validate: bool = False,
) -> TrainResult:
    """Every stage for ``model`` (churn|fraud) as of ``as_of``: register it and run the gate.

    ``feature_set`` defaults to the catalogue (``features/catalog.py``); ``validate`` runs the
    training set's quality gate before fitting (a failure raises ``TrainingSetRejectedError``).
    """
    built = build_set(spark, cfg, model, as_of, snapshots, feature_set)
    if validate:
        checked = validate_set(spark, cfg, built.run_id)
        if not checked.passed:
            raise TrainingSetRejectedError(checked.summary)
    fit(spark, cfg, built.run_id, trials, feature_set)
    evaluated = evaluate(spark, cfg, built.run_id)
    outcome = gate(cfg, model, evaluated.version, promote)
    return TrainResult(
        model=model,
        registered_name=outcome.registered_name,
        version=outcome.version,
        run_id=outcome.run_id,
        training_set_id=outcome.training_set_id,
        training_set_version=outcome.training_set_version,
        decision=outcome.decision,
        metrics=evaluated.metrics,
        champion_metrics=evaluated.champion_metrics,
        summary=outcome.summary(),
    )


def summary(result: TrainResult) -> str:
    return result.summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model(parser)
    add_as_of(parser)
    add_trials(parser)
    add_promote(parser)
    parser.add_argument(
        "--validate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the training set's quality gate before fitting (default: yes)",
    )


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    # xgboost.spark's barrier stage runs on the SparkContext: a driver of its own.
    spark = get_spark(own_driver(cfg), f"telco-risk-train-{args.model}")
    try:
        result = train(
            spark,
            cfg,
            args.model,
            args.as_of,
            snapshots=args.snapshots,
            trials=args.trials,
            promote=args.promote,
            validate=args.validate,
        )
    except TrainingSetRejectedError as exc:
        print(exc)
        return 1
    print(result.summary)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train")


if __name__ == "__main__":
    raise SystemExit(main())
