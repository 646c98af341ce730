"""Write a synthetic operator's landing drops (every feed of the data contract, day by day).

Usage: ``telco-risk generate --landing DIR --start D [--days N] [--subscribers N]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devtools.synth import generate
from telco_risk.cli_args import parse_date, run_step


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", required=True)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--start", type=parse_date, required=True)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bad-row-rate", type=float, default=0.002, help="dose of contract-breaking rows")
    parser.add_argument("--no-corrupt-file", action="store_true", help="do not write the truncated gzip file")
    parser.add_argument("--cdr-format", choices=("csv.gz", "parquet"), default="csv.gz")


def handle(args: argparse.Namespace) -> int:
    summary = generate(
        landing=Path(args.landing),
        subscribers=args.subscribers,
        start=args.start,
        days=args.days,
        seed=args.seed,
        bad_row_rate=args.bad_row_rate,
        corrupt_files=not args.no_corrupt_file,
        cdr_format=args.cdr_format,
    )
    print(f"generated {summary.subscribers} subscribers x {summary.days} days into {args.landing}")
    for feed, rows in summary.rows_written.items():
        print(f"  {feed:<20} {rows:>10} rows")
    print(f"  monthly churn rate {summary.monthly_churn_rate:.2%}, fraud rate {summary.fraud_rate:.2%}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk generate")


if __name__ == "__main__":
    raise SystemExit(main())
