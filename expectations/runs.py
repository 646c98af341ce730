"""What the nightly gate and the training-set check share: severities, run ids, the data
docs folder, column specs of a frame and the validation of a column profile."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expectations import frames
from expectations.checks import NUMERIC_GX_TYPES, Check, ColumnSpec, spark_type_name
from expectations.gx_runner import GxRunner
from expectations.history_reference import DayProfile
from expectations.quality_results import CheckResult
from expectations.silver_suites import (
    DerivedRules,
    catalogue_features,
    feature_specs,
    inferred_specs,
    profile_bounds,
    profile_suite,
)
from telco_risk.config import Config
from telco_risk.quality_settings import QualityConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def severity_of(q: QualityConfig, table: str, check: Check) -> str:
    """``severity_overrides["<table>:<check id>"]``, then ``["<table>:<kind>"]``, then
    ``severity.<kind>``."""
    for key in (f"{table}:{check.check_id}", f"{table}:{check.kind}"):
        if key in q.severity_overrides:
            return q.severity_overrides[key]
    return str(getattr(q.severity, check.kind))


def docs_dir(cfg: Config) -> str:
    return str(Path(cfg.paths.lakehouse) / "reports" / "data_docs")


def new_run_id() -> str:
    return f"quality-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def now_utc() -> dt.datetime:
    """Naive UTC, as Spark timestamps are stored (session time zone UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def gx_type(simple: str) -> str:
    """GX's name of a Spark simple type (``bigint`` -> ``LongType``); nested types as is."""
    try:
        return spark_type_name(simple)
    except ValueError:
        return simple


def column_specs(
    cfg: Config, source: str, non_negative: bool, frame: DataFrame, skip: Sequence[str]
) -> list[ColumnSpec]:
    """From the feature catalogue (``source == "catalog"``), else from ``frame``'s schema
    without the ``skip`` columns."""
    if source == "catalog":
        catalogue = catalogue_features(cfg.features.windows, cfg.features.ticket_windows)
        return feature_specs(catalogue, include_protected=include_protected(cfg))
    fields = [(f.name, f.dataType.simpleString()) for f in frame.schema.fields]
    return inferred_specs(fields, skip=skip, non_negative=non_negative)


def include_protected(cfg: Config) -> bool:
    """Protected features (age) are in the feature table only when the features enable them."""
    features = getattr(cfg, "features", None)
    return bool(getattr(features, "include_protected", False))


def profiled_columns(frame: DataFrame, columns: Sequence[ColumnSpec]) -> list[tuple[str, bool]]:
    """``(name, numeric)`` of the spec columns present in ``frame``, numeric by their
    actual type (casting text to double would fail on non-numbers)."""
    actual = {f.name: gx_type(f.dataType.simpleString()) for f in frame.schema.fields}
    return [(c.name, actual[c.name] in NUMERIC_GX_TYPES) for c in columns if c.name in actual]


def validate_profile(
    spark: SparkSession,
    runner: GxRunner,
    q: QualityConfig,
    table: str,
    frame: DataFrame,
    columns: Sequence[ColumnSpec],
    rules: DerivedRules,
    profile: DayProfile | None,
) -> list[CheckResult]:
    """The ``<table>.profile`` suite on the column profile of ``frame`` (``profile``)."""
    actual = {f.name: gx_type(f.dataType.simpleString()) for f in frame.schema.fields}
    bounds = profile_bounds(columns, rules, actual)
    stats = frames.profile_frame(spark, bounds, profile).persist()
    try:
        return runner.validate(profile_suite(table, rules), stats, lambda t, c: severity_of(q, t, c))
    finally:
        stats.unpersist()
