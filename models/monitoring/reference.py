"""The champion's training reference, computed once per registered model version.

Source: the version's own training set (``training.<model>_sets``, partition
``training_set_id`` from the version's tags or the bundle's metadata, read at the Delta
version the version's ``data.training.<model>_sets.version`` tag pins). From the
``monitoring.feature_reference_split`` rows: per model feature, bin edges at the split's
quantiles (categoricals: its most frequent values) and the counts per bin, missing and
zeros; from the ``monitoring.score_reference_split`` rows scored by the version itself:
the same for its calibrated score and its band.

Cached in ``ops.monitoring_reference`` (partitioned by ``model``; one row per model
version and column, ``REFERENCE_SCHEMA``) so the nightly run reads a few hundred rows:
``reference_for(spark, cfg, model, version)`` reads it, or computes and caches it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from models.bundle import ScoringBundle
from models.monitoring.binning import ColumnBins, Counts, Monitored, binned_counts, collect_counts
from models.monitoring.drift import unique_edges
from models.risk_bands import BANDS
from models.scoring import score_frame
from telco_risk import delta_io
from telco_risk.config import Config
from telco_risk.quality_settings import MonitoringConfig
from telco_risk.tables import MONITORING_REFERENCE

log = logging.getLogger("telco_risk.monitoring.reference")

REFERENCE_SCHEMA = (
    "model string, model_version string, feature string, role string, kind string,"
    " edges array<double>, categories array<string>, counts array<long>, zeros long,"
    " importance double, importance_rank int, split string, training_set_id string,"
    " training_set_version long, computed_at timestamp"
)
FEATURE, SCORE, BAND = "feature", "score", "band"
QUANTILE_ACCURACY = 10_000


class ReferenceError(LookupError):
    """No training reference can be built for a model version; the message says why."""


def score_column(model: str) -> str:
    return f"{model}_score"


def band_column(model: str) -> str:
    return f"{model}_band"


@dataclass(frozen=True)
class ColumnReference:
    bins: ColumnBins
    role: str  # feature | score | band
    counts: np.ndarray  # rows per bin, missing last
    zeros: int
    importance: float | None = None  # gain of the feature in the booster
    importance_rank: int | None = None  # 1 = most important; None when never used


@dataclass(frozen=True)
class ModelReference:
    model: str
    version: str
    training_set_id: str
    training_set_version: int
    columns: dict[str, ColumnReference]  # feature name (or m_score / m_band) -> reference

    def important(self, top_k: int, extra: tuple[str, ...] = ()) -> set[str]:
        """Features ranked within ``top_k`` by gain, plus ``extra`` (those the model has)."""
        ranked = {
            name
            for name, c in self.columns.items()
            if c.role == FEATURE and c.importance_rank is not None and c.importance_rank <= top_k
        }
        return ranked | {name for name in extra if name in self.columns}


@dataclass(frozen=True)
class TrainingSetRef:
    set_id: str
    path: str
    version: int | None  # None: not pinned, the table's latest version is read


def numeric_edges(df: DataFrame, columns: list[str], bins: int) -> dict[str, list[float]]:
    """Bin edges of each numeric column at the (1 .. bins-1)/bins quantiles, one Spark job."""
    if not columns:
        return {}
    probs = [i / bins for i in range(1, bins)]

    def value(c: str) -> Column:
        x = F.col(c).cast("double")
        return F.when(~F.isnan(x), x)

    row = df.select(
        *[F.percentile_approx(value(c), probs, QUANTILE_ACCURACY).alias(c) for c in columns]
    ).first()
    return {c: unique_edges(row[c] or []) if row is not None else [] for c in columns}


def top_categories(df: DataFrame, columns: list[str], limit: int) -> dict[str, list[str]]:
    """The ``limit`` most frequent values of each categorical column (ties by value), one job."""
    if not columns:
        return {}
    entries = [F.struct(F.lit(c).alias("feature"), F.col(c).cast("string").alias("value")) for c in columns]
    rows = (
        df.select(F.explode(F.array(*entries)).alias("e"))
        .where(F.col("e.value").isNotNull())
        .groupBy("e.feature", "e.value")
        .count()
        .collect()
    )
    found: dict[str, list[tuple[int, str]]] = {c: [] for c in columns}
    for r in rows:
        found[r["feature"]].append((-int(r["count"]), r["value"]))
    return {c: [v for _, v in sorted(found[c])[:limit]] for c in columns}


def column_bins(
    df: DataFrame, columns: list[str], categorical: set[str], cfg: MonitoringConfig
) -> list[ColumnBins]:
    """How each of ``columns`` of ``df`` (the reference rows) is binned."""
    schema = {f.name: f.dataType for f in df.schema.fields}
    cats = [c for c in columns if c in categorical or isinstance(schema[c], T.StringType)]
    nums = [c for c in columns if c not in cats]
    edges = numeric_edges(df, nums, cfg.bins)
    values = top_categories(df, cats, cfg.max_categories)
    return [
        ColumnBins(c, "categorical", categories=tuple(values[c]))
        if c in values
        else ColumnBins(c, "numeric", edges=tuple(edges[c]))
        for c in columns
    ]


def _counts_of(df: DataFrame, model: str, bins: list[ColumnBins]) -> dict[str, Counts]:
    """Counts per bin of each column over all of ``df`` (one aggregation)."""
    monitored = [Monitored(model, "", b) for b in bins]
    grouped = binned_counts(df.withColumn("_all", F.lit(0)), "_all", monitored)
    found = collect_counts(grouped.collect(), {(model, "", b.feature): b.size for b in bins})
    empty = {b.feature: Counts(np.zeros(b.size, dtype=np.int64), 0) for b in bins}
    return empty | {key[3]: c for key, c in found.items()}


def gain_ranks(bundle: ScoringBundle) -> dict[str, tuple[float, int]]:
    """Feature -> (gain importance, rank from 1); features the booster never splits on are absent."""
    gains = {k: float(v) for k, v in bundle.booster.get_score(importance_type="gain").items()}  # type: ignore[arg-type]
    ordered = sorted(gains.items(), key=lambda kv: (-kv[1], kv[0]))
    return {name: (gain, rank) for rank, (name, gain) in enumerate(ordered, start=1)}


def compute_reference(
    spark: SparkSession, bundle: ScoringBundle, training_set: TrainingSetRef, cfg: MonitoringConfig
) -> ModelReference:
    """Build the reference of ``bundle`` from its training set (see the module doc)."""
    if bundle.version is None:
        raise ReferenceError(f"{bundle.registered_name}: only a registered version has a reference")
    if not delta_io.table_exists(training_set.path):
        raise ReferenceError(f"training set table {training_set.path} does not exist")
    table = delta_io.read_table(spark, training_set.path, training_set.version).where(
        F.col("training_set_id") == F.lit(training_set.set_id)
    )
    features = table.where(F.col("split") == F.lit(cfg.feature_reference_split)).select(
        *bundle.feature_columns
    )
    if features.limit(1).count() == 0:
        raise ReferenceError(
            f"training set {training_set.set_id} has no {cfg.feature_reference_split} rows"
            f" (Delta version {training_set.version})"
        )
    features = features.persist(StorageLevel.MEMORY_AND_DISK)
    score_rows = table.where(F.col("split") == F.lit(cfg.score_reference_split))
    scored = score_frame(score_rows, bundle, [], with_band=True).select(
        F.col("score").alias(score_column(bundle.model)),
        F.col("band").alias(band_column(bundle.model)),
    )
    scored = scored.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        feature_bins = column_bins(features, bundle.feature_columns, set(bundle.categorical_encoders), cfg)
        feature_counts = _counts_of(features, bundle.model, feature_bins)
        score_name = score_column(bundle.model)
        score_bins = [
            ColumnBins(
                score_name, "numeric", edges=tuple(numeric_edges(scored, [score_name], cfg.bins)[score_name])
            ),
            ColumnBins(band_column(bundle.model), "categorical", categories=BANDS),
        ]
        score_counts = _counts_of(scored, bundle.model, score_bins)
    finally:
        features.unpersist()
        scored.unpersist()
    ranks = gain_ranks(bundle)
    columns: dict[str, ColumnReference] = {}
    for b in feature_bins:
        gain, rank = ranks.get(b.feature, (None, None))
        c = feature_counts[b.feature]
        columns[b.feature] = ColumnReference(b, FEATURE, c.rows, c.zeros, gain, rank)
    for b, role in zip(score_bins, (SCORE, BAND), strict=True):
        c = score_counts[b.feature]
        columns[b.feature] = ColumnReference(b, role, c.rows, c.zeros)
    return ModelReference(
        bundle.model,
        bundle.version,
        training_set.set_id,
        -1 if training_set.version is None else training_set.version,
        columns,
    )


def reference_rows(ref: ModelReference, cfg: MonitoringConfig, at: dt.datetime) -> list[dict[str, Any]]:
    """``ref`` as rows of ``ops.monitoring_reference``."""
    rows = []
    for c in ref.columns.values():
        split = cfg.feature_reference_split if c.role == FEATURE else cfg.score_reference_split
        rows.append(
            {
                "model": ref.model,
                "model_version": ref.version,
                "feature": c.bins.feature,
                "role": c.role,
                "kind": c.bins.kind,
                "edges": [float(e) for e in c.bins.edges],
                "categories": list(c.bins.categories),
                "counts": [int(v) for v in c.counts],
                "zeros": int(c.zeros),
                "importance": c.importance,
                "importance_rank": c.importance_rank,
                "split": split,
                "training_set_id": ref.training_set_id,
                "training_set_version": ref.training_set_version,
                "computed_at": at,
            }
        )
    return rows


def from_rows(rows: list[Any]) -> ModelReference:
    """The inverse of ``reference_rows`` (rows of one model version)."""
    first = rows[0]
    columns = {}
    for r in rows:
        bins = ColumnBins(r["feature"], r["kind"], tuple(r["edges"] or ()), tuple(r["categories"] or ()))
        columns[r["feature"]] = ColumnReference(
            bins,
            r["role"],
            np.asarray(r["counts"], dtype=np.int64),
            int(r["zeros"] or 0),
            r["importance"],
            r["importance_rank"],
        )
    return ModelReference(
        first["model"],
        first["model_version"],
        first["training_set_id"],
        int(first["training_set_version"]),
        columns,
    )


def _predicate(model: str, version: str) -> str:
    return f"model = '{model}' AND model_version = '{version}'"


def read_cached(spark: SparkSession, path: str, model: str, version: str) -> ModelReference | None:
    if not delta_io.table_exists(path):
        return None
    rows = delta_io.read_table(spark, path).where(_predicate(model, version)).collect()
    return from_rows(rows) if rows else None


def write_cached(spark: SparkSession, path: str, ref: ModelReference, cfg: MonitoringConfig) -> None:
    """Replace the rows of the reference's model version (idempotent)."""
    rows = reference_rows(ref, cfg, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    df = spark.createDataFrame(rows, REFERENCE_SCHEMA)
    delta_io.replace_where(df, path, _predicate(ref.model, ref.version), ["model"])


def training_set_of(cfg: Config, bundle: ScoringBundle) -> TrainingSetRef:
    """The training set a registered version was trained on, from its tags (else its run's,
    else the bundle metadata); its Delta version as pinned by the tags."""
    from models.registry import mlflow_client, model_settings
    from telco_risk.tables import training_sets

    client = mlflow_client(cfg.mlflow)
    tags = dict(
        client.get_model_version(model_settings(cfg, bundle.model).registered_name, str(bundle.version)).tags
    )
    run_tags = dict(client.get_run(bundle.run_id).data.tags) if bundle.run_id else {}
    table = training_sets(bundle.model)
    set_id = (
        tags.get("training_set_id")
        or run_tags.get("training_set_id")
        or bundle.metadata.get("training_set_id")
    )
    if not set_id:
        raise ReferenceError(
            f"{bundle.registered_name} v{bundle.version} names no training set (tag training_set_id):"
            " no drift reference"
        )
    pinned = tags.get(f"data.{table}.version") or run_tags.get(f"data.{table}.version")
    path = run_tags.get("training_set_path") or cfg.table_path(table)
    return TrainingSetRef(str(set_id), path, int(pinned) if pinned is not None else None)


def reference_for(spark: SparkSession, cfg: Config, model: str, version: str) -> ModelReference:
    """The cached reference of ``model`` version ``version``; computed from the version's
    training set (loading its bundle from MLflow) and cached on first use."""
    from models.registry import load_version

    path = cfg.table_path(MONITORING_REFERENCE)
    cached = read_cached(spark, path, model, version)
    if cached is not None:
        return cached
    bundle = load_version(model, version, cfg)
    ref = compute_reference(spark, bundle, training_set_of(cfg, bundle), cfg.monitoring)
    write_cached(spark, path, ref, cfg.monitoring)
    log.info("%s v%s: training reference from %s cached in %s", model, version, ref.training_set_id, path)
    return ref
