"""Benchmark of the nightly scoring and publish steps on a synthetic feature snapshot.

``telco-risk score-bench --subscribers 100000``: writes a synthetic
``silver.subscriber_features`` snapshot (every catalogue feature) into a scratch
lakehouse, trains a small churn and a small fraud booster in-process on a sample of it
(or, with ``--champions``, loads the registered champions), then times

- the score job (read the snapshot, inference + calibration + bands + top 3 reason codes
  for both models, write gold.risk_scores), best of ``--repeats`` runs;
- inference alone (the same scoring plan into Spark's ``noop`` sink);
- publishing the scored date to a SQLite staging table (first load, then a re-publish);
- the CPU cost of inference + reason codes in one process (``time.process_time`` over
  ``--cpu-rows`` rows in pandas, one XGBoost thread): a figure that noisy neighbours on a
  shared machine do not distort, from which the capacity of N cores follows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost as xgb
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from features.catalog import build_catalog
from features.windows import UsageWindows
from jobs.score import CONTEXT_COLUMNS, exposure_column, load_champions, score, spread
from models.bundle import ScoringBundle
from models.encoding import CategoryMaps, encode_pandas, feature_types
from models.scoring import MODELS, Bundles, score_batch, score_features
from models.training_set import catalogue_feature_set
from telco_risk import delta_io
from telco_risk.bss_publish import publish_date
from telco_risk.cli_args import config_of, parse_date, positive_int, run_step
from telco_risk.config import Config
from telco_risk.jdbc import connection_properties
from telco_risk.spark import get_spark, own_driver
from telco_risk.tables import RISK_SCORES, SUBSCRIBER_FEATURES

SEGMENTS = ("prepaid", "postpaid")
CATEGORIES_PER_COLUMN = 8


@dataclass(frozen=True)
class BenchSettings:
    workdir: str
    subscribers: int
    day: dt.date
    trees: int
    depth: int
    train_rows: int
    repeats: int
    champions: bool
    cpu_rows: int = 10_000


@dataclass(frozen=True)
class BenchResult:
    settings: BenchSettings
    features: int
    models: str
    score_seconds: list[float]
    inference_seconds: float
    publish_seconds: list[float]
    rows: int
    cpu_seconds_per_row: float

    def summary(self) -> str:
        s, best = self.settings, min(self.score_seconds)
        inference = self.inference_seconds
        lines = [
            f"score-bench: {self.rows} subscribers x {self.features} features, both models ({self.models})",
            f"  score job (read + infer + reasons + Delta write): best {best:.1f}s of"
            f" {', '.join(f'{x:.1f}' for x in self.score_seconds)}s -> {self.rows / best:,.0f} subscribers/s",
            f"  inference + reason codes only (noop sink): {inference:.1f}s -> {self.rows / inference:,.0f}"
            " subscribers/s",
            f"  publish to SQLite: first {self.publish_seconds[0]:.1f}s, re-publish"
            f" {', '.join(f'{x:.1f}' for x in self.publish_seconds[1:])}s"
            f" ({self.rows / self.publish_seconds[-1]:,.0f} rows/s)",
            f"  CPU cost of inference + reason codes (one thread, {s.cpu_rows} rows):"
            f" {self.cpu_seconds_per_row * 1e3:.3f} ms per subscriber -> {1 / self.cpu_seconds_per_row:,.0f}"
            f" subscribers/s per core, {2 / self.cpu_seconds_per_row:,.0f} on 2 cores",
            f"  scratch lakehouse {s.workdir}",
        ]
        return "\n".join(lines)


def bench_config(cfg: Config, workdir: Path) -> Config:
    paths = cfg.paths.model_copy(
        update={"lakehouse": str(workdir / "lakehouse"), "landing": str(workdir / "landing")}
    )
    bss = cfg.bss.model_copy(update={"url": f"jdbc:sqlite:{workdir / 'bss.db'}"})
    return cfg.model_copy(update={"paths": paths, "bss": bss})


def category_values(column: str) -> list[str]:
    return list(SEGMENTS) if column == "segment" else [f"{column}_{k}" for k in range(CATEGORIES_PER_COLUMN)]


def synthetic_column(name: str, dtype: str, lo: float | None, hi: float | None, seed: int) -> Column:
    """Skewed values within the catalogue bounds (5% nulls for doubles), or a category."""
    u = F.rand(seed)
    if dtype == "string":
        values = category_values(name)
        return F.element_at(F.array(*map(F.lit, values)), (F.floor(u * len(values)) + 1).cast("int"))
    low = lo if lo is not None else 0.0
    span = min((hi if hi is not None else low + 100.0) - low, 1000.0)
    value = F.lit(low) + F.lit(span) * F.pow(u, 3)
    if dtype == "int":
        return F.floor(value).cast("int")
    return F.when(F.rand(seed + 100_000) < 0.05, F.lit(None).cast("double")).otherwise(value)


def synthetic_snapshot(
    spark: SparkSession, cfg: Config, n: int, day: dt.date, columns: list[str]
) -> DataFrame:
    """``n`` subscriber rows of snapshot ``day`` holding ``columns`` (catalogue types and bounds)."""
    windows = UsageWindows.of(cfg.features.windows)
    specs = {s.name: s for s in build_catalog(windows, cfg.features.ticket_windows)}
    wanted = list(dict.fromkeys([*columns, *CONTEXT_COLUMNS, exposure_column(cfg)]))
    cols = [F.format_string("S%08d", F.col("id")).alias("subscriber_id"), F.lit(day).alias("snapshot_date")]
    for i, name in enumerate(wanted):
        spec = specs.get(name)
        dtype = spec.dtype if spec else "double"
        lo, hi = (spec.min_value, spec.max_value) if spec else (0.0, 100.0)
        cols.append(synthetic_column(name, dtype, lo, hi, seed=i + 1).alias(name))
    return spark.range(n).select(*cols)


def train_bundle(
    model: str, cfg: Config, sample: pd.DataFrame, trees: int, depth: int, seed: int
) -> ScoringBundle:
    """A booster on a synthetic label of ``sample`` (a few features plus noise), with the
    catalogue's features, categories and reason codes."""
    feature_set = catalogue_feature_set(cfg)
    maps: CategoryMaps = {
        c: {v: k for k, v in enumerate(category_values(c))} for c in feature_set.categorical
    }
    matrix = encode_pandas(sample, feature_set.columns, maps)
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(feature_set.columns), size=8, replace=False)
    ranks = pd.DataFrame(matrix[:, picked]).rank(pct=True).fillna(0.5).to_numpy()
    z = ranks @ rng.normal(size=len(picked)) + rng.normal(scale=0.5, size=len(sample))
    label = (z > np.quantile(z, 0.9)).astype(np.float32)
    types = feature_types(feature_set.columns, maps)
    data = xgb.DMatrix(
        matrix, label=label, feature_names=feature_set.columns, feature_types=types, enable_categorical=True
    )
    params = {
        "objective": "binary:logistic",
        "max_depth": depth,
        "eta": 0.1,
        "tree_method": "hist",
        "seed": seed,
    }
    booster = xgb.train(params, data, num_boost_round=trees)
    settings = cfg.models.churn if model == "churn" else cfg.models.fraud
    return ScoringBundle(
        model=model,
        registered_name=f"bench_{model}",
        booster=booster,
        feature_columns=feature_set.columns,
        categorical_encoders=maps,
        reason_codes={c: feature_set.reason_codes.get(c, c.upper()) for c in feature_set.columns},
        bands={"high": settings.bands.high, "medium": settings.bands.medium},
        version="bench",
        run_id="bench",
    )


def cpu_cost_per_row(bundles: Bundles, rows: pd.DataFrame, keep: list[str]) -> float:
    """CPU seconds per row of ``score_batch`` (both models, reason codes) on one thread."""
    for bundle in bundles.values():
        if bundle is not None:
            bundle.booster.set_param({"nthread": 1})
    score_batch(rows.head(100), bundles, keep)  # warm-up
    started = time.process_time()
    score_batch(rows, bundles, keep)
    return (time.process_time() - started) / max(len(rows), 1)


def _bundles(cfg: Config, s: BenchSettings, features: DataFrame) -> Bundles:
    if s.champions:
        return load_champions(cfg)
    fraction = min(1.0, s.train_rows / max(s.subscribers, 1))
    sample = features.sample(fraction=fraction, seed=7).toPandas()
    return {m: train_bundle(m, cfg, sample, s.trees, s.depth, seed=i + 1) for i, m in enumerate(MODELS)}


def run_bench(spark: SparkSession, cfg: Config, s: BenchSettings) -> BenchResult:
    root = Path(s.workdir).resolve()
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    bcfg = bench_config(cfg, root)
    columns = catalogue_feature_set(cfg).columns
    snapshot = synthetic_snapshot(spark, bcfg, s.subscribers, s.day, columns)
    delta_io.replace_where(
        snapshot, bcfg.table_path(SUBSCRIBER_FEATURES), f"snapshot_date = DATE'{s.day}'", ["snapshot_date"]
    )
    features = delta_io.read_table(spark, bcfg.table_path(SUBSCRIBER_FEATURES))
    bundles = _bundles(bcfg, s, features)
    models = ", ".join(
        f"{m}: {b.booster.num_boosted_rounds()} trees" for m, b in bundles.items() if b is not None
    )
    timings = []
    for _ in range(s.repeats):
        timings.append(score(spark, bcfg, s.day, run_id="score-bench", bundles=bundles).seconds)
    started = time.perf_counter()
    keep = ["subscriber_id", *CONTEXT_COLUMNS, "fraud_exposure"]
    exposure = features.withColumn("fraud_exposure", F.col(exposure_column(bcfg)))
    plan = score_features(spread(exposure, bcfg.scoring.min_partitions), bundles, keep)
    plan.write.format("noop").mode("overwrite").save()
    inference = time.perf_counter() - started
    gold = delta_io.read_table(spark, bcfg.table_path(RISK_SCORES)).where(F.col("score_date") == F.lit(s.day))
    rows = gold.count()
    url = bcfg.bss.url
    publish_times = []
    for _ in range(2):
        started = time.perf_counter()
        publish_date(
            spark,
            url,
            connection_properties(url),
            bcfg.bss.table,
            s.day,
            gold,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        publish_times.append(time.perf_counter() - started)
    sample = exposure.limit(s.cpu_rows).toPandas()
    cpu = cpu_cost_per_row(bundles, sample, keep)
    return BenchResult(s, len(columns), models, timings, inference, publish_times, rows, cpu)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=positive_int, default=100_000)
    parser.add_argument(
        "--workdir", default="scratch/score-bench", help="scratch lakehouse and SQLite (rebuilt)"
    )
    parser.add_argument("--day", type=parse_date, default=parse_date("2026-06-30"))
    parser.add_argument("--trees", type=positive_int, default=200, help="boosting rounds per synthetic model")
    parser.add_argument("--depth", type=positive_int, default=5, help="tree depth of the synthetic models")
    parser.add_argument(
        "--train-rows", type=positive_int, default=20_000, help="sample the boosters train on"
    )
    parser.add_argument("--repeats", type=positive_int, default=2, help="timed score runs (the best is kept)")
    parser.add_argument("--champions", action="store_true", help="use the registered champions instead")
    parser.add_argument(
        "--cpu-rows", type=positive_int, default=10_000, help="rows of the single-thread CPU-cost measurement"
    )


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    settings = BenchSettings(
        workdir=args.workdir,
        subscribers=args.subscribers,
        day=args.day,
        trees=args.trees,
        depth=args.depth,
        train_rows=args.train_rows,
        repeats=args.repeats,
        champions=args.champions,
        cpu_rows=args.cpu_rows,
    )
    # Figures of a driver of its own, comparable across runs.
    print(run_bench(get_spark(own_driver(cfg), "telco-risk-score-bench"), cfg, settings).summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk score-bench")


if __name__ == "__main__":
    raise SystemExit(main())
