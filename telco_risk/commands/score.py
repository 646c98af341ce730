"""``telco-risk score``, ``publish``, ``run`` (the nightly chain), ``churn-list``,
``fraud-review`` and ``score-bench``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

from telco_risk.cli import _config, parse_date

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from telco_risk.config import Config


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


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


def cmd_score(args: argparse.Namespace) -> int:
    from telco_risk.spark import get_spark

    cfg = _config(args)
    spark = get_spark(cfg.spark, "telco-risk-score", preload=("jobs.score", "mlflow"))
    from jobs.score import score

    print(score(spark, cfg, args.date, run_id=args.run_id).summary())
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from jobs.publish import publish
    from telco_risk.spark import get_spark

    cfg = _config(args)
    # The staging swap runs as JDBC statements in the driver JVM: a driver of its own.
    spark = get_spark(cfg.spark, "telco-risk-publish", needs_driver=True)
    print(publish(spark, cfg, args.date, run_id=args.run_id).summary())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from jobs.nightly import run_nightly
    from telco_risk.spark import get_spark

    cfg = _config(args)
    spark = get_spark(cfg.spark, "telco-risk-nightly", needs_driver=True)
    result = run_nightly(spark, cfg, args.date, run_id=args.run_id)
    if result.stopped:
        print(
            f"telco-risk run: quality gate failed for {args.date}: not scored, not published", file=sys.stderr
        )
        return 1
    print(f"nightly run {result.run_id} for {args.date}: done")
    return 0


def _scores(args: argparse.Namespace) -> tuple[Config, SparkSession, DataFrame]:
    from jobs.gold_scores import read_scores
    from telco_risk.spark import get_spark

    cfg = _config(args)
    spark = get_spark(cfg.spark, "telco-risk-lists")
    scores = read_scores(spark, cfg, args.date)
    if scores is None:
        raise ValueError(
            f"gold.risk_scores has no scores for {args.date}: run `telco-risk score --date {args.date}`"
        )
    return cfg, spark, scores


def _show(rows: pd.DataFrame, title: str, out: str | None, decimals: dict[str, int]) -> None:
    from telco_risk.lists import format_table

    if out:
        write_rows(rows, out)
        print(f"{title}: {len(rows)} rows written to {out}")
    else:
        print(title)
        print(format_table(rows, decimals))


def cmd_churn_list(args: argparse.Namespace) -> int:
    from telco_risk.lists import churn_list

    _, _, scores = _scores(args)
    rows = cast("pd.DataFrame", churn_list(scores, args.top, segment=args.segment, band=args.band).toPandas())
    rows.insert(0, "rank", range(1, len(rows) + 1))
    filters = "".join(f", {k} {v}" for k, v in (("segment", args.segment), ("band", args.band)) if v)
    title = (
        f"churn list {args.date}: top {args.top} by revenue at risk (churn probability x monthly revenue)"
        f"{filters}"
    )
    _show(rows, title, args.out, {"churn_score": 3, "monthly_revenue": 2, "revenue_at_risk": 2})
    return 0


def cmd_fraud_review(args: argparse.Namespace) -> int:
    from jobs.gold_scores import previous_score_date, read_scores
    from telco_risk.lists import fraud_review

    cfg, spark, scores = _scores(args)
    before: dt.date | None = previous_score_date(spark, cfg, args.date)
    previous = read_scores(spark, cfg, before) if before else None
    rows = cast(
        "pd.DataFrame", fraud_review(scores, previous, cfg.scoring.alert_bands, band=args.band).toPandas()
    )
    bands = args.band or "/".join(cfg.scoring.alert_bands)
    new = int(rows["new_alert"].sum()) if len(rows) else 0
    since = f"new since {before}" if before else "all new: no earlier score date"
    title = f"fraud review {args.date}: {len(rows)} {bands} alert(s), {new} {since}"
    _show(rows, title, args.out, {"fraud_score": 3, "fraud_exposure": 2})
    return 0


def cmd_score_bench(args: argparse.Namespace) -> int:
    from jobs.score_bench import BenchSettings, run_bench
    from telco_risk.spark import get_spark

    cfg = _config(args)
    settings = BenchSettings(
        workdir=args.workdir,
        subscribers=args.subscribers,
        day=args.day,
        trees=args.trees,
        depth=args.depth,
        train_rows=args.train_rows,
        repeats=args.repeats,
        champions=args.champions,
        cpu_rows=args.cpu_rows,
    )
    # Figures of a driver of its own, comparable across runs.
    spark = get_spark(cfg.spark, "telco-risk-score-bench", needs_driver=True)
    print(run_bench(spark, cfg, settings).summary())
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    score = sub.add_parser(
        "score", parents=[common], help="score subscribers active at D with the champions -> gold.risk_scores"
    )
    score.add_argument("--date", type=parse_date, required=True)
    score.add_argument("--run-id", help="pipeline run id written on every row (default: a new one)")
    score.set_defaults(func=cmd_score)

    publish = sub.add_parser(
        "publish", parents=[common], help="gold.risk_scores of D -> BSS staging table (atomic; gate checked)"
    )
    publish.add_argument("--date", type=parse_date, required=True)
    publish.add_argument(
        "--run-id",
        help="pipeline run id, reported (the rows keep the run id of the score run that wrote them)",
    )
    publish.set_defaults(func=cmd_publish)

    run = sub.add_parser(
        "run", parents=[common], help="the nightly chain for D: ingest, features, validate, score, publish"
    )
    run.add_argument("--date", type=parse_date, required=True)
    run.add_argument("--run-id", help="pipeline run id (default: a new one)")
    run.set_defaults(func=cmd_run)

    churn = sub.add_parser(
        "churn-list", parents=[common], help="CRM churn list of D: top N by revenue at risk, with reasons"
    )
    churn.add_argument("--date", type=parse_date, required=True)
    churn.add_argument("--top", type=positive_int, default=100)
    churn.add_argument("--segment", choices=("prepaid", "postpaid"))
    churn.add_argument("--band", choices=("high", "medium", "low"))
    churn.add_argument("--out", metavar="FILE.csv|FILE.parquet", help="write the list to a file instead")
    churn.set_defaults(func=cmd_churn_list)

    fraud = sub.add_parser(
        "fraud-review",
        parents=[common],
        help="fraud alerts of D for revenue assurance: score, reasons, likely type, exposure, new or not",
    )
    fraud.add_argument("--date", type=parse_date, required=True)
    fraud.add_argument("--band", choices=("high", "medium", "low"), help="only this fraud band")
    fraud.add_argument("--out", metavar="FILE.csv|FILE.parquet", help="write the review to a file instead")
    fraud.set_defaults(func=cmd_fraud_review)

    bench = sub.add_parser(
        "score-bench",
        parents=[common],
        help="time scoring (with reason codes) and publishing on a synthetic feature snapshot",
    )
    bench.add_argument("--subscribers", type=positive_int, default=100_000)
    bench.add_argument(
        "--workdir", default="scratch/score-bench", help="scratch lakehouse and SQLite (rebuilt)"
    )
    bench.add_argument("--day", type=parse_date, default=parse_date("2026-06-30"))
    bench.add_argument("--trees", type=positive_int, default=200, help="boosting rounds per synthetic model")
    bench.add_argument("--depth", type=positive_int, default=5, help="tree depth of the synthetic models")
    bench.add_argument("--train-rows", type=positive_int, default=20_000, help="sample the boosters train on")
    bench.add_argument("--repeats", type=positive_int, default=2, help="timed score runs (the best is kept)")
    bench.add_argument("--champions", action="store_true", help="use the registered champions instead")
    bench.add_argument(
        "--cpu-rows", type=positive_int, default=10_000, help="rows of the single-thread CPU-cost measurement"
    )
    bench.set_defaults(func=cmd_score_bench)
