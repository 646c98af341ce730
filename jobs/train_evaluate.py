"""Training stage 4: evaluate the fitted model on the test split and register it.

Usage: ``telco-risk train-evaluate --run-id R`` (or ``python jobs/train_evaluate.py ...``).
Test metrics (``test_*``), the five plots and the gain importance of the candidate that
``train-fit`` logged in run R; the current champion scored on the same test split
(``champion_test_*``, or why it could not be); then the candidate is registered as the
next version of ``telco_churn`` / ``telco_fraud``. ``train-gate`` decides on that version.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.train_fit import scores, training_frame
from jobs.train_set import stage
from models import metrics as M
from models.bundle import ScoringBundle
from models.plots import write_plots
from models.registry import (
    CANDIDATE_TAG,
    CHAMPION,
    alias_version,
    load_candidate,
    load_version,
    mlflow_client,
    register_candidate,
)
from models.registry import model_settings as settings_of
from models.split import TEST
from models.training_run import COMPARED_TAG, NO_CHAMPION, PROBLEM_TAG, load_feature_set, read_context
from telco_risk.cli_args import add_training_run, config_of, run_step, write_result
from telco_risk.config import Config
from telco_risk.spark import get_spark


@dataclass(frozen=True)
class EvaluateResult:
    model: str
    registered_name: str
    version: str
    run_id: str
    metrics: dict[str, float]
    champion_version: str | None
    champion_metrics: dict[str, float] | None
    champion_problem: str | None

    def ids(self) -> dict[str, Any]:
        return {"model": self.model, "run_id": self.run_id, "version": self.version}

    def summary(self) -> str:
        m, c = self.metrics, self.champion_metrics
        champion = (
            f"champion v{self.champion_version} roc_auc {c['roc_auc']:.4f} on the same split"
            if c
            else f"champion: {self.champion_problem or 'none yet'}"
        )
        return (
            f"{self.registered_name} v{self.version} registered (run {self.run_id}): test roc_auc "
            f"{m['roc_auc']:.4f}, pr_auc {m['pr_auc']:.4f}, ECE {m['expected_calibration_error']:.4f}; "
            f"{champion}"
        )


def _evaluate_on_test(test_df: DataFrame, bundle: ScoringBundle, cfg: Config) -> dict[str, float]:
    """Test metrics (logged as ``test_*``), the five plots and the gain importance."""
    import mlflow

    with stage("test scoring"):
        y, p = scores(test_df, bundle)
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


def champion_on(
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
    y, p = scores(test_df, champion)
    ev = cfg.models.evaluation
    return M.evaluate(y, p, ev.top_fractions, ev.precision_at_k, cfg.models.calibration.ece_bins), None


def evaluate(spark: SparkSession, cfg: Config, run_id: str) -> EvaluateResult:
    """Evaluate the candidate of MLflow run ``run_id``, compare the champion, register it."""
    import mlflow

    client = mlflow_client(cfg.mlflow)
    ctx = read_context(client, run_id)
    name = settings_of(cfg, ctx.model).registered_name
    bundle = load_candidate(run_id, cfg)
    test_df = training_frame(spark, ctx, load_feature_set(client, run_id)).where(F.col("split") == TEST)

    with mlflow.start_run(run_id=run_id):
        test_metrics = _evaluate_on_test(test_df, bundle, cfg)
        champion_version = alias_version(client, name, CHAMPION)
        with stage("champion scoring"):
            champion_metrics, problem = champion_on(test_df, cfg, ctx.model, champion_version)
        if champion_metrics:
            mlflow.log_metrics({f"champion_test_{k}": v for k, v in champion_metrics.items()})
        mlflow.set_tag(COMPARED_TAG, champion_version or NO_CHAMPION)
        if problem:
            mlflow.set_tag(PROBLEM_TAG, problem[:5000])
        uri = client.get_run(run_id).data.tags[CANDIDATE_TAG]
        version = register_candidate(uri, name)
    data_tags = {f"data.{t}.version": v for t, v in ctx.data_versions.items()}
    for key, value in {"training_set_id": ctx.training_set_id, "as_of": str(ctx.as_of), **data_tags}.items():
        client.set_model_version_tag(name, version, key, value)
    return EvaluateResult(
        ctx.model, name, version, run_id, test_metrics, champion_version, champion_metrics, problem
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_run(parser)


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(cfg, "telco-risk-train-evaluate")
    result = evaluate(spark, cfg, args.run_id)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train-evaluate")


if __name__ == "__main__":
    raise SystemExit(main())
