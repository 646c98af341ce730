"""Training stage 1: build the training set and open its MLflow run.

Usage: ``telco-risk train-set --model churn|fraud --as-of D [--snapshots K]`` (or
``python jobs/train_set.py ...``). Snapshots of ``silver.subscriber_features`` whose label
window has elapsed at D, labels as known at D, a time or hashed split, written to
``training.<model>_sets`` (partition ``training_set_id``). Bad data (no eligible snapshot,
too few rows, no positives) stops here and nothing is logged. Otherwise an MLflow run
records the context every later stage reads (``models/training_run.py``): the next
stages need only its run id.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pyspark.sql import SparkSession

from models.registry import ensure_experiment, log_delta_input, mlflow_client
from models.registry import model_settings as settings_of
from models.training_data import TrainingSet, build_training_set, load_feature_set, training_table
from models.training_run import FEATURE_SET_PATH, feature_set_dict
from models.training_set import FeatureSet
from telco_risk.cli_args import add_as_of, add_model, add_result_file, config_of, run_step, write_result
from telco_risk.config import Config
from telco_risk.spark import get_spark
from telco_risk.tables import SUBSCRIBER_FEATURES

log = logging.getLogger("telco_risk.train")


@contextmanager
def stage(what: str) -> Iterator[None]:
    """Log how long a step took (training runs are long; this shows where the time goes)."""
    start = time.perf_counter()
    yield
    log.info("%s: %.1fs", what, time.perf_counter() - start)


@dataclass(frozen=True)
class SetResult:
    model: str
    run_id: str
    training_set: TrainingSet

    def ids(self) -> dict[str, Any]:
        """What the next stages (and Airflow's XCom) get: ids, a table name, a version."""
        ts = self.training_set
        return {
            "model": self.model,
            "run_id": self.run_id,
            "training_set_id": ts.set_id,
            "table": training_table(self.model),
            "training_set_version": ts.version,
        }

    def summary(self) -> str:
        ts = self.training_set
        counts = ", ".join(f"{s} {c.rows} rows / {c.positives} positives" for s, c in ts.counts.items())
        return (
            f"training set {ts.set_id} ({training_table(self.model)} @ Delta v{ts.version}, snapshots "
            f"{', '.join(map(str, ts.snapshots))}, {ts.plan.mode} split): {counts}; MLflow run {self.run_id}"
        )


def _flatten(data: dict[str, Any], prefix: str) -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, name))
        else:
            flat[name] = str(value)[:500]
    return flat


def _log_context(cfg: Config, model: str, as_of: dt.date, ts: TrainingSet, feature_set: FeatureSet) -> None:
    """Tags, params (the resolved config included), the config artifact, the Delta inputs,
    the feature set and the split counts of the active run."""
    import mlflow

    mlflow.set_tags(
        {
            "model": model,
            "as_of": str(as_of),
            "label_definition": ts.label_definition,
            "training_set_id": ts.set_id,
            "training_set_path": ts.path,
            "split": ts.plan.describe(),
            **{f"data.{t}.version": v for t, v in ts.data_versions.items()},
        }
    )
    mlflow.log_params(_flatten(cfg.redacted(), "config"))
    mlflow.log_dict(cfg.redacted(), "config/resolved_config.yaml")
    log_delta_input(training_table(model), ts.path, ts.version, ts.set_id, "training")
    features_version = ts.data_versions[SUBSCRIBER_FEATURES]
    log_delta_input(
        SUBSCRIBER_FEATURES,
        cfg.table_path(SUBSCRIBER_FEATURES),
        features_version,
        f"v{features_version}",
        "features",
    )
    mlflow.log_params(
        {
            "model": model,
            "as_of": str(as_of),
            "snapshots": ",".join(map(str, ts.snapshots)),
            "split_mode": ts.plan.mode,
            "feature_count": len(feature_set.columns),
        }
    )
    mlflow.log_dict(feature_set_dict(feature_set), FEATURE_SET_PATH)
    mlflow.log_metrics(
        {f"{k}_{s}": float(getattr(c, k)) for s, c in ts.counts.items() for k in ("rows", "positives")}
    )


def build_set(
    spark: SparkSession,
    cfg: Config,
    model: str,
    as_of: dt.date,
    snapshots: int | None = None,
    feature_set: FeatureSet | None = None,
    tags: dict[str, str] | None = None,
) -> SetResult:
    """Build and write the set of ``model`` (churn|fraud) as of ``as_of``; open its run.

    ``feature_set`` defaults to the catalogue (``features/catalog.py``); ``tags`` go on the
    run as they are (e.g. the Airflow run and the alert that asked for the retrain).
    """
    import mlflow

    settings = settings_of(cfg, model)
    feature_set = feature_set or load_feature_set(cfg)
    with stage("training set"):
        ts = build_training_set(spark, cfg, model, as_of, snapshots or cfg.models.snapshots, feature_set)
    client = mlflow_client(cfg.mlflow)
    experiment_id = ensure_experiment(client, settings.experiment, cfg.mlflow.artifact_root)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{model}-{as_of}") as run:
        _log_context(cfg, model, as_of, ts, feature_set)
        if tags:
            mlflow.set_tags(tags)
    return SetResult(model, run.info.run_id, ts)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model(parser)
    add_as_of(parser)
    parser.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag for the MLflow run"
    )
    add_result_file(parser)


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(cfg, f"telco-risk-train-set-{args.model}")
    tags = dict(item.partition("=")[::2] for item in args.tag)
    result = build_set(spark, cfg, args.model, args.as_of, args.snapshots, tags=tags)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train-set")


if __name__ == "__main__":
    raise SystemExit(main())
