"""Validate a date's tables with the quality gate; a failed gate stops the nightly run.

Usage: ``python jobs/validate.py --date D`` (``telco-risk validate``). Per date it runs
every suite of ``quality.tables`` through Great Expectations checkpoints, appends the
results to ``ops.quality_results``, the verdict to ``ops.quality_gate`` and writes the data
docs under ``<lakehouse>/reports/data_docs``. Exit status 1 when a gate failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from pyspark.sql import SparkSession

from expectations.gate import GateResult, run_gate
from telco_risk.config import Config

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


def main(argv: list[str] | None = None) -> int:
    from telco_risk.cli import main as cli_main

    return cli_main(["validate", *(argv or [])])


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
