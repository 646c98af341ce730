"""``gold.risk_scores``: its schema and the readers that publish and the lists share.

Kept apart from ``jobs/score.py`` so that reading scores imports neither XGBoost nor MLflow.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from telco_risk import delta_io
from telco_risk.config import Config

SCORES_TABLE = "gold.risk_scores"
GOLD_SCHEMA = (
    "score_date date, subscriber_id string,"
    " churn_score double, churn_band string, churn_reasons string,"
    " fraud_score double, fraud_band string, fraud_reasons string,"
    " churn_model_version string, fraud_model_version string, churn_run_id string, fraud_run_id string,"
    " feature_table_version long, run_id string,"
    " segment string, plan_id string, region string, monthly_revenue double,"
    " fraud_exposure double, likely_fraud_type string"
)
GOLD_COLUMNS = [part.strip().split(" ")[0] for part in GOLD_SCHEMA.split(",")]


def read_scores(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame | None:
    """The gold.risk_scores rows of ``day``; None when the table or the date is missing."""
    path = cfg.table_path(SCORES_TABLE)
    if not delta_io.table_exists(path):
        return None
    rows = delta_io.read_table(spark, path).where(F.col("score_date") == F.lit(day))
    return rows if rows.limit(1).count() else None


def previous_score_date(spark: SparkSession, cfg: Config, day: dt.date) -> dt.date | None:
    """The latest score date before ``day`` in gold.risk_scores, if any."""
    path = cfg.table_path(SCORES_TABLE)
    if not delta_io.table_exists(path):
        return None
    row = (
        delta_io.read_table(spark, path)
        .where(F.col("score_date") < F.lit(day))
        .agg(F.max("score_date"))
        .first()
    )
    return None if row is None or row[0] is None else row[0]
