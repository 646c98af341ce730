"""The revenue-assurance fraud review of a score date: alerts in the alert bands with their
score, reasons, likely fraud type, exposure, and whether they are new since the previous
score date.

Usage: ``telco-risk fraud-review --date D [--band B] [--out F]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, cast

from jobs.churn_list import add_list_arguments, scores_of, show
from models.action_lists import fraud_review
from telco_risk.cli_args import run_step
from telco_risk.score_reader import previous_score_date, read_scores

if TYPE_CHECKING:
    import pandas as pd


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_list_arguments(parser)


def handle(args: argparse.Namespace) -> int:
    cfg, spark, scores = scores_of(args, "telco-risk-fraud-review")
    before: dt.date | None = previous_score_date(spark, cfg, args.date)
    previous = read_scores(spark, cfg, before) if before else None
    rows = cast(
        "pd.DataFrame", fraud_review(scores, previous, cfg.scoring.alert_bands, band=args.band).toPandas()
    )
    bands = args.band or "/".join(cfg.scoring.alert_bands)
    new = int(rows["new_alert"].sum()) if len(rows) else 0
    since = f"new since {before}" if before else "all new: no earlier score date"
    title = f"fraud review {args.date}: {len(rows)} {bands} alert(s), {new} {since}"
    show(rows, title, args.out, {"fraud_score": 3, "fraud_exposure": 2})
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk fraud-review")


if __name__ == "__main__":
    raise SystemExit(main())
