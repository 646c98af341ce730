"""The ``telco-risk`` command line: one sub-command per pipeline step.

Every command accepts ``--env`` (config overlay) and repeated ``--conf key.path=value``.
Errors the user can fix print one clear line and exit non-zero, never a stack trace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from telco_risk.config import Config, ConfigError, load_config

log = logging.getLogger("telco_risk")

# Exceptions that are the user's or the data's fault: reported in one line.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ConfigError, ValueError, FileNotFoundError, RuntimeError)


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def add_dates(parser: argparse.ArgumentParser) -> None:
    """``--date D`` or ``--from D1 --to D2``."""
    parser.add_argument("--date", type=parse_date, help="one logical date")
    parser.add_argument("--from", dest="date_from", type=parse_date, help="first date of a range")
    parser.add_argument("--to", dest="date_to", type=parse_date, help="last date of a range")


def dates_of(args: argparse.Namespace) -> list[dt.date]:
    if args.date and not (args.date_from or args.date_to):
        return [args.date]
    if args.date_from and args.date_to and not args.date:
        return date_range(args.date_from, args.date_to)
    raise ValueError("give either --date D or both --from D1 and --to D2")


def _config(args: argparse.Namespace) -> Config:
    return load_config(args.env, args.conf)


def cmd_generate(args: argparse.Namespace) -> int:
    from telco_risk.synth import generate

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


def cmd_ingest(args: argparse.Namespace) -> int:
    from jobs.ingest import ingest, summary_table
    from telco_risk.spark import get_spark

    cfg = _config(args)
    dates = dates_of(args)
    spark = get_spark(cfg.spark, "telco-risk-ingest")
    results = ingest(spark, cfg, dates, force=args.force)
    print(summary_table(results))
    if all(r.skipped for r in results):
        print("every drop was already ingested with the same files: no table changed")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telco-risk", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--env", help="config overlay (local, test, cluster); default TELCO_RISK_ENV or local"
    )
    common.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="override a setting")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", parents=[common], help="write a synthetic operator's landing drops")
    gen.add_argument("--landing", required=True)
    gen.add_argument("--subscribers", type=int, default=2000)
    gen.add_argument("--start", type=parse_date, required=True)
    gen.add_argument("--days", type=int, default=30)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--bad-row-rate", type=float, default=0.002, help="dose of contract-breaking rows")
    gen.add_argument("--no-corrupt-file", action="store_true", help="do not write the truncated gzip file")
    gen.add_argument("--cdr-format", choices=("csv.gz", "parquet"), default="csv.gz")
    gen.set_defaults(func=cmd_generate)

    ing = sub.add_parser("ingest", parents=[common], help="landing drops -> bronze + quarantine")
    add_dates(ing)
    ing.add_argument("--force", action="store_true", help="re-ingest drops whose files are unchanged")
    ing.set_defaults(func=cmd_ingest)

    for module in command_modules():
        module.register(sub, common)
    return parser


def command_modules() -> list[ModuleType]:
    """Every ``telco_risk.commands.<step>`` module; each has ``register(sub, common)``."""
    import telco_risk.commands as package

    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"telco_risk.commands.{name}") for name in names]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "pyspark"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except EXPECTED_ERRORS as exc:
        print(f"telco-risk {args.command}: error: {exc}", file=sys.stderr)
        return 2
