"""``telco-risk features`` (CDR daily aggregates + feature snapshots) and ``features-bench``."""

from __future__ import annotations

import argparse
import datetime as dt

from telco_risk.cli import _config, add_dates, dates_of, parse_date


def date_list(text: str) -> list[dt.date]:
    """``2026-01-13,2026-01-20`` as dates."""
    return [parse_date(part.strip()) for part in text.split(",") if part.strip()]


def cmd_features(args: argparse.Namespace) -> int:
    cfg = _config(args)
    if args.catalog:
        from features.catalog import build_catalog, catalog_markdown

        print(
            catalog_markdown(build_catalog(tuple(cfg.features.windows), tuple(cfg.features.ticket_windows))),
            end="",
        )
        return 0
    dates = dates_of(args)
    if args.snapshot_dates is not None and args.snapshot_every != 1:
        raise ValueError("give either --snapshot-every or --snapshot-dates, not both")

    from jobs.features import run
    from telco_risk.spark import get_spark

    spark = get_spark(cfg.spark, "telco-risk-features")
    run(spark, cfg, dates, snapshot_every=args.snapshot_every, snapshot_on=args.snapshot_dates)
    return 0


def cmd_features_bench(args: argparse.Namespace) -> int:
    from jobs.features_bench import BenchSettings, run_bench
    from telco_risk.spark import get_spark

    cfg = _config(args)
    settings = BenchSettings(
        workdir=args.workdir,
        subscribers=args.subscribers,
        histories=tuple(int(h) for h in args.histories.split(",")),
        events_per_day=args.events_per_day,
        day=args.day,
        repeats=args.repeats,
    )
    # Figures of a driver of its own, comparable across runs (and the bench reads its master).
    spark = get_spark(cfg.spark, "telco-risk-features-bench", needs_driver=True)
    run_bench(spark, cfg, settings)
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    feat = sub.add_parser(
        "features",
        parents=[common],
        help="bronze -> silver.cdr_daily (+ late days) and silver.subscriber_features, date by date",
    )
    add_dates(feat)
    feat.add_argument(
        "--catalog", action="store_true", help="print the feature catalogue (markdown) and exit"
    )
    feat.add_argument(
        "--snapshot-every",
        type=int,
        default=1,
        metavar="N",
        help="with --from/--to: a feature snapshot only every N days counting back from --to",
    )
    feat.add_argument(
        "--snapshot-dates",
        type=date_list,
        default=None,
        metavar="D,D,...",
        help="with --from/--to: feature snapshots only on these dates (and on --to)",
    )
    feat.set_defaults(func=cmd_features)

    bench = sub.add_parser(
        "features-bench",
        parents=[common],
        help="time one nightly feature step with 30 and 90 days of history on a synthetic world",
    )
    bench.add_argument("--workdir", default="scratch/features-bench", help="scratch lakehouses (rebuilt)")
    bench.add_argument("--subscribers", type=int, default=50_000)
    bench.add_argument("--histories", default="30,90", help="history lengths in days, comma-separated")
    bench.add_argument("--events-per-day", type=int, default=30, help="CDRs per subscriber per day")
    bench.add_argument("--day", type=parse_date, default=parse_date("2026-06-30"), help="the measured day D")
    bench.add_argument("--repeats", type=int, default=2, help="timed runs per history (the best is kept)")
    bench.set_defaults(func=cmd_features_bench)
