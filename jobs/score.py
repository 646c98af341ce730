"""Score every subscriber active at D with the churn and fraud champions -> gold.risk_scores.

Usage: ``telco-risk score --date D [--run-id R]`` (or ``python jobs/score.py ...``).

1. Load ``<registered name>@<scoring.alias>`` of telco_churn and telco_fraud. A model
   without one is skipped with a warning (its columns stay null); neither stops the run.
2. Read ``silver.subscriber_features`` at snapshot_date = D (the active subscribers of D),
   at a pinned Delta version recorded on every row.
3. Calibrated probability, band and top 3 reason codes per model, vectorised per Arrow
   batch (models/scoring.py); the likely fraud type from the fraud reason codes.
4. Replace the score_date = D partition of ``gold.risk_scores`` (rerunning a date gives
   the same rows).

``gold.risk_scores`` (partitioned by score_date; key score_date + subscriber_id):
``RISK_SCORES_SCHEMA`` in telco_risk/tables.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
import uuid
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from models.action_lists import likely_fraud_type
from models.bundle import ScoringBundle
from models.registry import NoChampionError, load_alias, model_settings
from models.scoring import MODELS, Bundles, missing_features, score_features
from telco_risk import delta_io
from telco_risk.cli_args import config_of, parse_date, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark, is_connect
from telco_risk.tables import RISK_SCORES, RISK_SCORES_FIELDS, SUBSCRIBER_FEATURES

log = logging.getLogger("telco_risk.score")

# Copied from the feature row for the CRM and revenue-assurance lists.
CONTEXT_COLUMNS = ("segment", "plan_id", "region", "monthly_revenue")


class ScoringError(ValueError):
    """A date that cannot be scored; the message says why and what to run first."""


@dataclass(frozen=True)
class ScoreResult:
    day: dt.date
    rows: int
    run_id: str
    feature_table_version: int
    model_versions: dict[str, str | None]  # model -> registered version, None when skipped
    seconds: float

    def summary(self) -> str:
        models = ", ".join(
            f"{m} v{v}" if v is not None else f"{m} skipped (no champion)"
            for m, v in self.model_versions.items()
        )
        return (
            f"{self.day}: scored {self.rows} subscribers into {RISK_SCORES} ({models}; {SUBSCRIBER_FEATURES}"
            f" version {self.feature_table_version}; run {self.run_id}) in {self.seconds:.1f}s"
        )


def new_run_id(step: str = "score") -> str:
    return f"{step}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def exposure_column(cfg: Config) -> str:
    """Silver's premium + international charges over the short usage window (features.windows.short)."""
    return f"fraud_exposure_{cfg.features.windows.short}d"


def load_champions(cfg: Config) -> dict[str, ScoringBundle | None]:
    """The bundle under ``scoring.alias`` of each model; None (with a warning) where there is none."""
    bundles: dict[str, ScoringBundle | None] = {}
    for model in MODELS:
        try:
            bundles[model] = load_alias(model, cfg.scoring.alias, cfg)
        except NoChampionError as exc:
            log.warning("%s: its score columns stay null", exc)
            bundles[model] = None
    if all(b is None for b in bundles.values()):
        names = " nor ".join(model_settings(cfg, m).registered_name for m in MODELS)
        raise ScoringError(
            f"neither {names} has a version with alias '{cfg.scoring.alias}': nothing to score with;"
            " train and promote a model first (`telco-risk train --model churn --as-of D`)"
        )
    return bundles


def read_features(spark: SparkSession, cfg: Config, day: dt.date) -> tuple[DataFrame, int]:
    """The feature rows of snapshot ``day`` and the Delta version they were read at."""
    path = cfg.table_path(SUBSCRIBER_FEATURES)
    if not delta_io.table_exists(path):
        raise ScoringError(
            f"{SUBSCRIBER_FEATURES} does not exist: run `telco-risk features --date {day}` first"
        )
    version = delta_io.latest_version(spark, path)
    rows = delta_io.read_table(spark, path, version=version).where(F.col("snapshot_date") == F.lit(day))
    if rows.limit(1).count() == 0:
        raise ScoringError(
            f"{SUBSCRIBER_FEATURES} has no snapshot {day}: run `telco-risk features --date {day}` first"
        )
    return rows, version


def spread(df: DataFrame, min_partitions: int) -> DataFrame:
    """``df`` over at least ``min_partitions`` tasks (0: the session's default parallelism)."""
    spark = df.sparkSession
    if is_connect(spark):
        # A Spark Connect client sees neither partition counts nor the SparkContext.
        return df.repartition(min_partitions or int(spark.conf.get("spark.sql.shuffle.partitions") or 1))
    target = min_partitions or spark.sparkContext.defaultParallelism
    return df.repartition(target) if df.rdd.getNumPartitions() < target else df


def gold_rows(
    scored: DataFrame,
    day: dt.date,
    bundles: Bundles,
    feature_table_version: int,
    run_id: str,
) -> DataFrame:
    """Scored rows (subscriber_id, context columns, fraud_exposure, churn_/fraud_ score, band,
    reasons) -> the columns of ``RISK_SCORES_SCHEMA``, in its order and types: the date,
    model versions and run ids, the likely fraud type."""

    def meta(model: str, attr: str) -> Column:
        bundle = bundles.get(model)
        return F.lit(None if bundle is None else getattr(bundle, attr))

    built = {
        "score_date": F.lit(day),
        "feature_table_version": F.lit(feature_table_version),
        "run_id": F.lit(run_id),
        "likely_fraud_type": likely_fraud_type(F.col("fraud_reasons")),
    }
    for model in MODELS:
        built[f"{model}_model_version"] = meta(model, "version")
        built[f"{model}_run_id"] = meta(model, "run_id")
    return scored.select(
        *(built.get(name, F.col(name)).cast(kind).alias(name) for name, kind in RISK_SCORES_FIELDS)
    )


def score(
    spark: SparkSession,
    cfg: Config,
    day: dt.date,
    run_id: str | None = None,
    bundles: Bundles | None = None,
) -> ScoreResult:
    """Score snapshot ``day`` into gold.risk_scores (``bundles``: default the champions)."""
    started = time.perf_counter()
    run_id = run_id or new_run_id()
    bundles = dict(bundles) if bundles is not None else load_champions(cfg)
    features, version = read_features(spark, cfg, day)
    missing = missing_features(features.columns, bundles)
    if missing:
        detail = "; ".join(f"{m}: {', '.join(cols[:5])}" for m, cols in missing.items())
        raise ScoringError(f"{SUBSCRIBER_FEATURES} lacks feature column(s) the models need ({detail})")
    exposure = exposure_column(cfg)
    lacking = [c for c in (*CONTEXT_COLUMNS, exposure) if c not in features.columns]
    if lacking:
        raise ScoringError(f"{SUBSCRIBER_FEATURES} lacks column(s) {', '.join(lacking)}")
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(cfg.scoring.arrow_batch_rows))
    inputs = spread(features.withColumn("fraud_exposure", F.col(exposure)), cfg.scoring.min_partitions)
    keep = ["subscriber_id", *CONTEXT_COLUMNS, "fraud_exposure"]
    scored = score_features(inputs, bundles, keep)
    rows = gold_rows(scored, day, bundles, version, run_id)
    path = cfg.table_path(RISK_SCORES)
    delta_io.replace_where(rows, path, f"score_date = DATE'{day.isoformat()}'", ["score_date"])
    written = delta_io.read_table(spark, path).where(F.col("score_date") == F.lit(day)).count()
    versions = {m: (b.version if b is not None else None) for m, b in bundles.items()}
    return ScoreResult(day, written, run_id, version, versions, time.perf_counter() - started)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=parse_date, required=True)
    parser.add_argument("--run-id", help="pipeline run id written on every row (default: a new one)")


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(cfg, "telco-risk-score")
    print(score(spark, cfg, args.date, run_id=args.run_id).summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk score")


if __name__ == "__main__":
    raise SystemExit(main())
