"""Validate a date's tables with the quality gate; a failed gate stops the nightly run.

Usage: ``python jobs/validate.py --date D`` (``telco-risk validate``). Per date it runs
every suite of ``quality.tables`` through Great Expectations checkpoints, appends the
results to ``ops.quality_results``, the verdict to ``ops.quality_gate`` and writes the data
docs under ``<lakehouse>/reports/data_docs``. Exit status 1 when a gate failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence

from pyspark.sql import SparkSession

from expectations.nightly_gate import GateResult, run_gate
from telco_risk.cli_args import add_dates, config_of, dates_of, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark

log = logging.getLogger("telco_risk.validate")


def validate(
    spark: SparkSession,
    cfg: Config,
    dates: Sequence[dt.date],
    tables: Sequence[str] | None = None,
    run_id: str | None = None,
) -> list[GateResult]:
    """The gate of every date, oldest first (each date is validated even if one fails)."""
    out = []
    for date in sorted(dates):
        gate = run_gate(spark, cfg, date, tables=tables, run_id=run_id)
        log.info("quality gate %s: %s", date, "passed" if gate.passed else "FAILED")
        out.append(gate)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dates(parser)
    parser.add_argument(
        "--table",
        action="append",
        dest="tables",
        metavar="LAYER.TABLE",
        help="validate only this table (repeatable); such a partial run never counts as the nightly gate",
    )
    parser.add_argument("--run-id", help="pipeline run id recorded with the results (default: a new one)")


def handle(args: argparse.Namespace) -> int:
    """Exit 0 when every date's gate passed, 1 when one failed (its summary names the table,
    expectation, observed value and offending values)."""
    cfg = config_of(args)
    dates = dates_of(args)
    spark = get_spark(cfg, "telco-risk-validate")
    results = validate(spark, cfg, dates, tables=args.tables, run_id=args.run_id)
    for gate in results:
        print(gate.summary)
    failed = [str(g.date) for g in results if not g.passed]
    if failed:
        print(f"telco-risk validate: quality gate failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk validate")


if __name__ == "__main__":
    raise SystemExit(main())
