"""The CRM churn list of a score date: the top N subscribers by revenue at risk (churn
probability x monthly revenue), with their band, segment and reason codes.

Usage: ``telco-risk churn-list --date D [--top N] [--segment S] [--band B] [--out F]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from models.action_lists import churn_list, format_table
from models.risk_bands import BANDS
from telco_risk.cli_args import config_of, parse_date, positive_int, run_step
from telco_risk.config import Config
from telco_risk.score_reader import read_scores
from telco_risk.spark import get_spark

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession


def write_rows(rows: pd.DataFrame, out: str) -> None:
    """``rows`` to a ``.csv`` or ``.parquet`` file (parent folders created)."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"--out must end in .csv or .parquet, got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        rows.to_csv(path, index=False)
    else:
        rows.to_parquet(path, index=False)


def scores_of(args: argparse.Namespace, app: str) -> tuple[Config, SparkSession, DataFrame]:
    """The config, a session and the gold.risk_scores rows of ``args.date`` (an error if none)."""
    cfg = config_of(args)
    spark = get_spark(cfg, app)
    scores = read_scores(spark, cfg, args.date)
    if scores is None:
        raise ValueError(
            f"gold.risk_scores has no scores for {args.date}: run `telco-risk score --date {args.date}`"
        )
    return cfg, spark, scores


def show(rows: pd.DataFrame, title: str, out: str | None, decimals: dict[str, int]) -> None:
    """The list as aligned text under ``title``, or written to ``out``."""
    if out:
        write_rows(rows, out)
        print(f"{title}: {len(rows)} rows written to {out}")
    else:
        print(title)
        print(format_table(rows, decimals))


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    """``--date``, ``--band`` and ``--out``, which both lists take."""
    parser.add_argument("--date", type=parse_date, required=True)
    parser.add_argument("--band", choices=BANDS, help="only this band")
    parser.add_argument("--out", metavar="FILE.csv|FILE.parquet", help="write the list to a file instead")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_list_arguments(parser)
    parser.add_argument("--top", type=positive_int, default=100)
    parser.add_argument("--segment", choices=("prepaid", "postpaid"))


def handle(args: argparse.Namespace) -> int:
    _, _, scores = scores_of(args, "telco-risk-churn-list")
    rows = cast("pd.DataFrame", churn_list(scores, args.top, segment=args.segment, band=args.band).toPandas())
    rows.insert(0, "rank", range(1, len(rows) + 1))
    filters = "".join(f", {k} {v}" for k, v in (("segment", args.segment), ("band", args.band)) if v)
    day: dt.date = args.date
    title = (
        f"churn list {day}: top {args.top} by revenue at risk (churn probability x monthly revenue){filters}"
    )
    show(rows, title, args.out, {"churn_score": 3, "monthly_revenue": 2, "revenue_at_risk": 2})
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk churn-list")


if __name__ == "__main__":
    raise SystemExit(main())
