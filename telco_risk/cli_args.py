"""What every job's command line shares: ``--env``, ``--conf``, ``-v``, dates, result files,
and one clear line (exit 2) for errors the user can fix instead of a stack trace.

A job module (``jobs/<step>.py``) defines ``add_arguments(parser)`` and ``handle(args) -> int``
and runs through :func:`run_step`, whether ``spark-submit`` starts it as a script or the
``telco-risk`` command (``jobs/cli.py``) dispatches to it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any, Protocol

from telco_risk.config import MODELS, Config, ConfigError, load_config

# Exceptions that are the user's or the data's fault: reported in one line.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ConfigError, ValueError, FileNotFoundError, RuntimeError)


class Step(Protocol):
    """A job entry point: its module docstring is its description."""

    __doc__: str | None

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def handle(self, args: argparse.Namespace) -> int: ...


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def date_list(text: str) -> list[dt.date]:
    """``2026-01-13,2026-01-20`` as dates."""
    return [parse_date(part.strip()) for part in text.split(",") if part.strip()]


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


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


def add_result_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--result-file", dest="result_file", help="write the ids for the next stage (JSON) to this file"
    )


def write_result(path: str | None, result: dict[str, Any]) -> None:
    """The step's ids as JSON (temp file + rename, so a reader never sees half of it)."""
    if not path:
        return
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(target)


def config_of(args: argparse.Namespace) -> Config:
    return load_config(args.env, args.conf)


def step_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser with the flags every step takes; its description is the doc's first paragraph."""
    description = (doc or "").strip().split("\n\n")[0]
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--env", help="config overlay (local, test, cluster); default TELCO_RISK_ENV or local"
    )
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="override a setting")
    return parser


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "pyspark"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run_step(step: Step, argv: list[str] | None, prog: str) -> int:
    """Parse ``argv`` for ``step``, run it, and turn expected errors into one line and exit 2."""
    parser = step_parser(prog, step.__doc__)
    step.add_arguments(parser)
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        return int(step.handle(args))
    except EXPECTED_ERRORS as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


def add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=MODELS, required=True)


def add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=parse_date,
        required=True,
        help="labels known on this date; snapshots need their label window elapsed by then",
    )
    parser.add_argument(
        "--snapshots", type=positive_int, help="feature snapshots to use (default models.snapshots)"
    )


def add_trials(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trials",
        type=positive_int,
        help="hyper-parameter sets to try, each an MLflow child run (default models.xgboost.trials)",
    )


def add_promote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--promote",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="move the champion alias when the gate passes (default models.auto_promote)",
    )


def add_training_run(parser: argparse.ArgumentParser) -> None:
    """``--run-id`` of the MLflow run train-set opened, and ``--result-file``."""
    parser.add_argument("--run-id", dest="run_id", required=True, help="the MLflow run train-set opened")
    add_result_file(parser)
