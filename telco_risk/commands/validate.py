"""``telco-risk validate``: the data quality gate (Great Expectations) for one or more dates.

Exit status 0 when every date's gate passed, 1 when one failed (its summary names the
table, expectation, observed value and offending values), 2 on a usage error.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from telco_risk.cli import add_dates

    parser = sub.add_parser(
        "validate",
        parents=[common],
        help="data quality gate: GX suites on a date's tables, fail stops the run",
    )
    add_dates(parser)
    parser.add_argument(
        "--table",
        action="append",
        dest="tables",
        metavar="LAYER.TABLE",
        help="validate only this table (repeatable); such a partial run never counts as the nightly gate",
    )
    parser.add_argument("--run-id", help="pipeline run id recorded with the results (default: a new one)")
    parser.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    import sys

    from telco_risk.cli import dates_of
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    cfg = load_config(args.env, args.conf)
    dates = dates_of(args)
    spark = get_spark(cfg.spark, "telco-risk-validate", preload=("jobs.validate", "great_expectations"))
    from jobs.validate import validate

    results = validate(spark, cfg, dates, tables=args.tables, run_id=args.run_id)
    for gate in results:
        print(gate.summary)
    failed = [str(g.date) for g in results if not g.passed]
    if failed:
        print(f"telco-risk validate: quality gate failed for {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
