"""Nightly health of the published scores -> ``ops.nightly_health`` (the DAG's monitor hook).

Usage: ``telco-risk monitor --date D [--run-id R]``. Per model and score date: rows
scored, rows without a score, mean score and the share of each band. Drift against the
training reference (PSI, realised performance) builds on this table later.
"""

from __future__ import annotations

import datetime as dt
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from telco_risk import delta_io
from telco_risk.config import Config

log = logging.getLogger("telco_risk.monitor")

HEALTH_TABLE = "ops.nightly_health"
MODELS = ("churn", "fraud")
BANDS = ("high", "medium", "low")


def nightly_health(scores: DataFrame) -> DataFrame:
    """One row per (score_date, model): rows, unscored, mean_score, share_high/medium/low.

    Shares are over the scored rows; a model without a champion has every row unscored.
    """
    frames = []
    for model in MODELS:
        score, band = F.col(f"{model}_score"), F.col(f"{model}_band")
        scored = F.count(score)
        shares = [
            F.coalesce(F.sum((band == b).cast("long")) / scored, F.lit(0.0)).alias(f"share_{b}")
            for b in BANDS
        ]
        frames.append(
            scores.groupBy("score_date").agg(
                F.lit(model).alias("model"),
                F.count(F.lit(1)).alias("rows"),
                (F.count(F.lit(1)) - scored).alias("unscored"),
                F.avg(score).alias("mean_score"),
                *shares,
            )
        )
    return frames[0].unionByName(frames[1])


def monitor(
    spark: SparkSession, cfg: Config, day: dt.date, run_id: str | None = None
) -> list[dict[str, object]]:
    """Record and return the health rows of ``day``."""
    path = cfg.table_path("gold.risk_scores")
    if not delta_io.table_exists(path):
        raise FileNotFoundError(f"no gold.risk_scores yet: run `telco-risk score --date {day}` first")
    scores = delta_io.read_table(spark, path).where(F.col("score_date") == F.lit(day))
    health = nightly_health(scores).withColumn("run_id", F.lit(run_id).cast("string"))
    delta_io.replace_where(
        health, cfg.table_path(HEALTH_TABLE), f"score_date = DATE'{day.isoformat()}'", ["score_date"]
    )
    rows = [r.asDict() for r in health.orderBy("model").collect()]
    for r in rows:
        log.info("%s %s: %s", day, r["model"], r)
    return rows


def main(argv: list[str] | None = None) -> int:
    from telco_risk.cli import main as cli_main

    return cli_main(["monitor", *(argv or [])])


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
