"""Readers of ``gold.risk_scores`` that publish and the CRM / revenue-assurance lists share."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from telco_risk import delta_io
from telco_risk.config import Config
from telco_risk.tables import RISK_SCORES


def read_scores(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame | None:
    """The gold.risk_scores rows of ``day``; None when the table or the date is missing."""
    path = cfg.table_path(RISK_SCORES)
    if not delta_io.table_exists(path):
        return None
    rows = delta_io.read_table(spark, path).where(F.col("score_date") == F.lit(day))
    return rows if rows.limit(1).count() else None


def previous_score_date(spark: SparkSession, cfg: Config, day: dt.date) -> dt.date | None:
    """The latest score date before ``day`` in gold.risk_scores, if any."""
    path = cfg.table_path(RISK_SCORES)
    if not delta_io.table_exists(path):
        return None
    row = (
        delta_io.read_table(spark, path)
        .where(F.col("score_date") < F.lit(day))
        .agg(F.max("score_date"))
        .first()
    )
    return None if row is None or row[0] is None else row[0]
