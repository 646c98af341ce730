"""Publish a date's gold.risk_scores rows to the BSS staging table, atomically.

Usage: ``telco-risk publish --date D`` (or ``python jobs/publish.py ...``).

Refuses (``PublishError``, one line, nothing written) a date whose latest nightly quality
gate failed, a date never validated (unless ``scoring.require_gate_run`` is false) and a
date without scores. Otherwise ``telco_risk.bss_publish.publish_date`` loads a side table and
swaps it in with one transaction at ``bss.url`` / ``bss.table``; credentials come from the
environment variables named by ``bss.user_env`` / ``bss.password_env``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from expectations.nightly_gate import gate_passed
from expectations.quality_results import NIGHTLY
from telco_risk import delta_io
from telco_risk.bss_publish import PublishError, dialect_for, publish_date
from telco_risk.cli_args import config_of, parse_date, run_step
from telco_risk.config import Config
from telco_risk.jdbc import connection_properties
from telco_risk.score_reader import read_scores
from telco_risk.spark import get_spark, own_driver
from telco_risk.tables import QUALITY_GATE, RISK_SCORES


@dataclass(frozen=True)
class PublishResult:
    day: dt.date
    rows: int
    table: str
    dialect: str
    published_at: dt.datetime
    seconds: float
    run_id: str | None = None

    def summary(self) -> str:
        run = f" (run {self.run_id})" if self.run_id else ""
        return (
            f"{self.day}: published {self.rows} rows to {self.table} ({self.dialect}) at"
            f" {self.published_at:%Y-%m-%d %H:%M:%S} UTC in {self.seconds:.1f}s{run}"
        )


def failed_gate_detail(spark: SparkSession, cfg: Config, day: dt.date) -> str:
    """``3 failure(s), run quality-...`` of the date's latest nightly gate run."""
    row = (
        delta_io.read_table(spark, cfg.table_path(QUALITY_GATE))
        .where((F.col("date") == F.lit(day)) & (F.col("scope") == NIGHTLY))
        .orderBy(F.col("validated_at").desc())
        .select("failures", "run_id")
        .first()
    )
    return "" if row is None else f"{row.failures} failure(s), run {row.run_id}"


def check_gate(spark: SparkSession, cfg: Config, day: dt.date) -> None:
    """Raise ``PublishError`` unless the date's nightly gate passed (or, when allowed, never ran)."""
    passed = gate_passed(spark, cfg, day)
    if passed is False:
        detail = failed_gate_detail(spark, cfg, day)
        raise PublishError(
            f"not publishing {day}: its quality gate failed ({detail});"
            f" see `telco-risk validate --date {day}`"
        )
    if passed is None and cfg.scoring.require_gate_run:
        raise PublishError(
            f"not publishing {day}: no nightly quality gate ran for it;"
            f" run `telco-risk validate --date {day}` first (or set scoring.require_gate_run=false)"
        )


def bss_properties(cfg: Config, environ: dict[str, str] | None = None) -> dict[str, str]:
    """JDBC properties with the credentials from the environment variables ``bss`` names."""
    env = os.environ if environ is None else environ
    return connection_properties(
        cfg.bss.url, env.get(cfg.bss.user_env, ""), env.get(cfg.bss.password_env, "")
    )


def publish(
    spark: SparkSession,
    cfg: Config,
    day: dt.date,
    published_at: dt.datetime | None = None,
    run_id: str | None = None,
) -> PublishResult:
    """Publish gold.risk_scores of ``day`` after the gate and score checks. The rows keep
    the run id of the score run that wrote them; ``run_id`` (this step's) is only reported."""
    started = time.perf_counter()
    check_gate(spark, cfg, day)
    scores = read_scores(spark, cfg, day)
    if scores is None:
        raise PublishError(
            f"not publishing {day}: {RISK_SCORES} has no scores for it; run `telco-risk score"
            f" --date {day}` first"
        )
    at = published_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = publish_date(spark, cfg.bss.url, bss_properties(cfg), cfg.bss.table, day, scores, at)
    return PublishResult(
        day, rows, cfg.bss.table, dialect_for(cfg.bss.url).name, at, time.perf_counter() - started, run_id
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=parse_date, required=True)
    parser.add_argument(
        "--run-id",
        help="pipeline run id, reported (the rows keep the run id of the score run that wrote them)",
    )


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    # The staging swap runs as JDBC statements in the driver JVM: a driver of its own.
    spark = get_spark(own_driver(cfg), "telco-risk-publish")
    print(publish(spark, cfg, args.date, run_id=args.run_id).summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk publish")


if __name__ == "__main__":
    raise SystemExit(main())
