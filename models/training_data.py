"""Read the inputs, then build, check and write a training set (``training.<model>_sets``).

Inputs are pinned to their latest Delta version when the build starts:
``silver.subscriber_features`` and the outcome table (``bronze.churn_events`` or
``bronze.fraud_cases``). The pure steps (snapshot choice, labels, split, assembly,
checks) live in their own modules; this one does the IO around them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from features.catalog import build_catalog, categorical_columns, feature_columns
from features.windows import UsageWindows
from models.errors import TrainingDataError
from models.labels import (
    KEYS,
    churn_label_definition,
    churn_labels,
    exclude_churned_before_snapshot,
    fraud_label_definition,
    fraud_labels,
)
from models.registry import model_settings as settings_of
from models.snapshots import select_snapshots
from models.split import SplitPlan, plan_split, with_split
from models.training_set import (
    FeatureSet,
    SplitCounts,
    assemble,
    check_counts,
    check_feature_columns,
    split_counts,
    training_set_id,
)
from telco_risk import delta_io
from telco_risk.config import Config
from telco_risk.settings import FraudModelConfig
from telco_risk.tables import SUBSCRIBER_FEATURES

log = logging.getLogger("telco_risk.models.training_data")

LABEL_TABLES = {"churn": "bronze.churn_events", "fraud": "bronze.fraud_cases"}


def training_table(model: str) -> str:
    return f"training.{model}_sets"


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


def load_feature_set(cfg: Config) -> FeatureSet:
    """Feature columns, categoricals and reason codes from the feature catalogue."""
    # The catalogue's names depend on the configured windows.
    specs = build_catalog(UsageWindows.of(cfg.features.windows), cfg.features.ticket_windows)
    columns = feature_columns(specs, include_protected=cfg.models.include_protected_features)
    categorical = [c for c in categorical_columns(specs) if c in columns]
    reasons = {s.name: s.reason_code for s in specs if s.reason_code}
    return FeatureSet(columns, categorical, reasons)


def label_delay_days(cfg: Config, model: str) -> int:
    """Days after a snapshot before its label is final (churn horizon, fraud maturity)."""
    settings = settings_of(cfg, model)
    return settings.maturity_days if isinstance(settings, FraudModelConfig) else settings.horizon_days


def _pinned(spark: SparkSession, cfg: Config, table: str, what: str) -> tuple[DataFrame, int, str]:
    path = cfg.table_path(table)
    if not delta_io.table_exists(path):
        raise TrainingDataError(f"{table} does not exist ({path}): {what}")
    version = delta_io.latest_version(spark, path)
    return delta_io.read_table(spark, path, version), version, path


def _labelled_keys(
    cfg: Config, model: str, keys: DataFrame, outcomes: DataFrame, as_of: dt.date
) -> tuple[DataFrame, str]:
    settings = settings_of(cfg, model)
    if isinstance(settings, FraudModelConfig):
        return (
            fraud_labels(keys, outcomes, settings.window_days, as_of),
            fraud_label_definition(settings.window_days, settings.maturity_days),
        )
    events = outcomes.where(F.col("event_date") <= F.lit(as_of))
    active = exclude_churned_before_snapshot(keys, events)
    return churn_labels(active, events, settings.horizon_days, as_of), churn_label_definition(
        settings.horizon_days
    )


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
    features, features_version, _ = _pinned(spark, cfg, SUBSCRIBER_FEATURES, "build the feature table first")
    check_feature_columns(features.columns, feature_set)
    label_table = LABEL_TABLES[model]
    outcomes, outcomes_version, _ = _pinned(
        spark, cfg, label_table, f"ingest the {label_table.split('.')[1]} feed"
    )

    available = [r[0] for r in features.select("snapshot_date").distinct().collect()]
    delay = label_delay_days(cfg, model)
    chosen = select_snapshots(available, as_of, delay, snapshots, cfg.models.snapshot_spacing_days)
    plan = plan_split(chosen, cfg.models.split)
    at_snapshots = features.where(F.col("snapshot_date").isin(chosen))
    labelled, definition = _labelled_keys(cfg, model, at_snapshots.select(*KEYS), outcomes, as_of)

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
        path = cfg.table_path(training_table(model))
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
            training_table(model): str(version),
        },
        columns=df.columns,
    )
