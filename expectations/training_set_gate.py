"""Quality check of a training set before a model is trained on it.

``validate_training_set(spark, cfg, df, model_name)``: keys unique, label 0/1 with a
plausible positive rate (``quality.training.positive_rate[model_name]``), split values,
enough rows, and the features' types, ranges and null shares on the set's column
profile. Results go to ``ops.quality_results`` / ``ops.quality_gate`` with scope
``training:<model_name>``; data docs under ``<data_docs>/training/<model_name>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expectations import frames
from expectations.checks import ColumnSpec
from expectations.gx_runner import GxRunner
from expectations.quality_results import GateResult, record
from expectations.runs import docs_dir, new_run_id, now_utc, profiled_columns, severity_of, validate_profile
from expectations.silver_suites import DerivedRules, catalogue_features, feature_specs
from expectations.training_suites import TrainingRules, training_suite
from telco_risk.config import Config

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def validate_training_set(
    spark: SparkSession,
    cfg: Config,
    df: DataFrame,
    model_name: str,
    features: Sequence[ColumnSpec] | None = None,
    run_id: str | None = None,
) -> GateResult:
    """Validate and record; ``features`` defaults to the catalogue's features in ``df``."""
    q, t = cfg.quality, cfg.quality.training
    specs = list(features) if features is not None else training_features(cfg, df)
    rules = TrainingRules(
        key=t.key,
        label_column=t.label_column,
        split_column=t.split_column,
        splits=t.splits,
        min_rows=t.min_rows,
        positive_rate=t.positive_rate.get(model_name, (0.0, 1.0)),
    )
    suite = training_suite(model_name, specs, rules)
    run_id = run_id or new_run_id()
    runner = GxRunner(
        run_id, str(Path(docs_dir(cfg)) / "training" / model_name) if q.data_docs else None, q.sample_size
    )
    today = dt.datetime.now(dt.UTC).date()
    cached = df.storageLevel.useMemory or df.storageLevel.useDisk
    frame = df if cached else df.persist()
    try:
        rows = frame.count()
        results = runner.validate(suite, frame, lambda table, check: severity_of(q, table, check))
        profile_rules = DerivedRules(
            date=today,
            date_column=t.key[-1],
            key=t.key,
            row_count=rows,
            min_rows_for_shares=q.distribution.min_rows,
            mean_tolerance_sd=q.distribution.mean_tolerance_sd,
            null_share_tolerance=q.distribution.null_share_tolerance,
        )
        profile = frames.frame_profile(frame, profiled_columns(frame, specs))
        results += validate_profile(spark, runner, q, suite.table, frame, specs, profile_rules, profile)
    finally:
        if not cached:
            frame.unpersist()
    gate = GateResult(
        run_id=run_id,
        date=today,
        scope=f"training:{model_name}",
        tables=[suite.table],
        results=results,
        validated_at=now_utc(),
        data_docs=runner.build_docs(),
    )
    record(spark, cfg, gate)
    return gate


def training_features(cfg: Config, df: DataFrame) -> list[ColumnSpec]:
    """Catalogue features present in the set (the models' own check reports missing ones)."""
    catalogue = catalogue_features(cfg.features.windows, cfg.features.ticket_windows)
    return [s for s in feature_specs(catalogue, include_protected=True) if s.name in df.columns]
