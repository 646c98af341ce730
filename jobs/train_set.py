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

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from models.errors import TrainingDataError
from models.labels import KEYS
from models.registry import ensure_experiment, log_delta_input, mlflow_client
from models.registry import model_settings as settings_of
from models.snapshots import select_snapshots
from models.split import SplitPlan, plan_split, with_split
from models.training_run import FEATURE_SET_PATH, feature_set_dict
from models.training_set import (
    FeatureSet,
    SplitCounts,
    assemble,
    catalogue_feature_set,
    check_counts,
    check_feature_columns,
    label_delay_days,
    labelled_keys,
    split_counts,
    training_set_id,
)
from telco_risk import delta_io
from telco_risk.cli_args import add_as_of, add_model, add_result_file, config_of, run_step, write_result
from telco_risk.config import Config
from telco_risk.spark import get_spark
from telco_risk.tables import LABEL_TABLES, SUBSCRIBER_FEATURES, training_sets

log = logging.getLogger("telco_risk.train")


@dataclass(frozen=True)
class TrainingSet:
    """A written training set and where its inputs came from."""

    set_id: str
    path: str
    version: int
    snapshots: list[dt.date]
    plan: SplitPlan
    counts: dict[str, SplitCounts]
    label_definition: str
    data_versions: dict[str, str]  # table -> Delta version
    columns: list[str]  # of this set, in the table


def pinned(spark: SparkSession, cfg: Config, table: str, what: str) -> tuple[DataFrame, int, str]:
    """``table`` at its latest Delta version (the version and path too); an error naming
    what to run first when it does not exist."""
    path = cfg.table_path(table)
    if not delta_io.table_exists(path):
        raise TrainingDataError(f"{table} does not exist ({path}): {what}")
    version = delta_io.latest_version(spark, path)
    return delta_io.read_table(spark, path, version), version, path


def write_training_set(df: DataFrame, path: str, set_id: str) -> int:
    """Replace partition ``training_set_id = set_id`` (idempotent); returns the Delta version.

    New feature columns are merged into the table schema (the catalogue grows over time).
    """
    writer = df.write.format("delta").option("mergeSchema", "true").partitionBy("training_set_id")
    if delta_io.table_exists(path):
        writer = writer.mode("overwrite").option("replaceWhere", f"training_set_id = '{set_id}'")
    else:
        writer = writer.mode("append")
    writer.save(path)
    return delta_io.latest_version(df.sparkSession, path)


def build_training_set(
    spark: SparkSession, cfg: Config, model: str, as_of: dt.date, snapshots: int, feature_set: FeatureSet
) -> TrainingSet:
    """Select snapshots, label, split, check and write the training set (see module doc)."""
    features, features_version, _ = pinned(spark, cfg, SUBSCRIBER_FEATURES, "build the feature table first")
    check_feature_columns(features.columns, feature_set)
    label_table = LABEL_TABLES[model]
    outcomes, outcomes_version, _ = pinned(
        spark, cfg, label_table, f"ingest the {label_table.split('.')[1]} feed"
    )

    available = [r[0] for r in features.select("snapshot_date").distinct().collect()]
    delay = label_delay_days(cfg, model)
    chosen = select_snapshots(available, as_of, delay, snapshots, cfg.models.snapshot_spacing_days)
    plan = plan_split(chosen, cfg.models.split)
    at_snapshots = features.where(F.col("snapshot_date").isin(chosen))
    labelled, definition = labelled_keys(cfg, model, at_snapshots.select(*KEYS), outcomes, as_of)

    settings = settings_of(cfg, model)
    fingerprint: dict[str, Any] = {
        "model": model,
        "as_of": as_of,
        "snapshots": chosen,
        "features_version": features_version,
        "outcomes_version": outcomes_version,
        "columns": feature_set.columns,
        "label": settings.model_dump(include={"horizon_days", "window_days", "maturity_days"}),
        "split": cfg.models.split.model_dump(),
    }
    set_id = training_set_id(model, as_of, fingerprint)
    df = assemble(at_snapshots, with_split(labelled, plan, cfg.models.split), feature_set, set_id)
    df = df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        counts = split_counts(df)
        where = f"at snapshot(s) {', '.join(map(str, chosen))} (as of {as_of}, {model})"
        check_counts(counts, cfg.models.min_rows, cfg.models.min_positives, where)
        path = cfg.table_path(training_sets(model))
        version = write_training_set(df, path, set_id)
    finally:
        df.unpersist()
    log.info("training set %s: %s (Delta version %d)", set_id, counts, version)
    return TrainingSet(
        set_id=set_id,
        path=path,
        version=version,
        snapshots=chosen,
        plan=plan,
        counts=counts,
        label_definition=definition,
        data_versions={
            SUBSCRIBER_FEATURES: str(features_version),
            label_table: str(outcomes_version),
            training_sets(model): str(version),
        },
        columns=df.columns,
    )


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
            "table": training_sets(self.model),
            "training_set_version": ts.version,
        }

    def summary(self) -> str:
        ts = self.training_set
        counts = ", ".join(f"{s} {c.rows} rows / {c.positives} positives" for s, c in ts.counts.items())
        return (
            f"training set {ts.set_id} ({training_sets(self.model)} @ Delta v{ts.version}, snapshots "
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
    log_delta_input(training_sets(model), ts.path, ts.version, ts.set_id, "training")
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
    feature_set = feature_set or catalogue_feature_set(cfg)
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
