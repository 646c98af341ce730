"""The nightly chain for one logical date without Airflow: ingest, features, validate,
score, publish, in order, with one pipeline run id.

Usage: ``telco-risk run --date D [--run-id R]`` (or ``python jobs/nightly.py ...``). A
failed quality gate stops the chain before score and publish (``NightlyResult.stopped``
holds the gate summary; the command exits 1). Any other error stops it where it happens.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import SparkSession

from expectations.nightly_gate import GateResult
from jobs.build_features import run as build_features
from jobs.ingest import ingest, summary_table
from jobs.publish import PublishResult, publish
from jobs.score import ScoreResult, new_run_id, score
from jobs.validate import validate
from telco_risk.cli_args import config_of, parse_date, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark, own_driver

log = logging.getLogger("telco_risk.nightly")


@dataclass(frozen=True)
class NightlyResult:
    day: dt.date
    run_id: str
    gate: GateResult
    scored: ScoreResult | None = None
    published: PublishResult | None = None

    @property
    def stopped(self) -> str | None:
        """Why the chain stopped before publishing (the gate summary), or None."""
        return None if self.gate.passed else self.gate.summary


def run_nightly(
    spark: SparkSession,
    cfg: Config,
    day: dt.date,
    run_id: str | None = None,
    report: Callable[[str], None] = print,
) -> NightlyResult:
    """ingest -> features -> validate -> (gate passed) score -> publish for ``day``."""
    run_id = run_id or new_run_id("nightly")
    report(f"nightly run {run_id} for {day}")
    report(f"[1/5] ingest\n{summary_table(ingest(spark, cfg, [day]))}")
    report("[2/5] features")
    build_features(spark, cfg, [day])
    report("[3/5] validate")
    gate = validate(spark, cfg, [day], run_id=run_id)[0]
    report(gate.summary)
    if not gate.passed:
        log.error("quality gate failed for %s: not scoring or publishing", day)
        return NightlyResult(day, run_id, gate)
    report("[4/5] score")
    scored = score(spark, cfg, day, run_id=run_id)
    report(scored.summary())
    report("[5/5] publish")
    published = publish(spark, cfg, day, run_id=run_id)
    report(published.summary())
    return NightlyResult(day, run_id, gate, scored, published)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=parse_date, required=True)
    parser.add_argument("--run-id", help="pipeline run id (default: a new one)")


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(own_driver(cfg), "telco-risk-nightly")
    result = run_nightly(spark, cfg, args.date, run_id=args.run_id)
    if result.stopped:
        print(
            f"telco-risk run: quality gate failed for {args.date}: not scored, not published", file=sys.stderr
        )
        return 1
    print(f"nightly run {result.run_id} for {args.date}: done")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk run")


if __name__ == "__main__":
    raise SystemExit(main())
