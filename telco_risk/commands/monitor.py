"""``telco-risk monitor``: the nightly health of the scores of a date."""

from __future__ import annotations

import argparse

from telco_risk.cli import parse_date


def cmd_monitor(args: argparse.Namespace) -> int:
    from jobs.monitor import monitor
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    cfg = load_config(args.env, args.conf)
    rows = monitor(get_spark(cfg.spark, "telco-risk-monitor"), cfg, args.date, args.run_id)
    for r in rows:
        print(
            f"{r['model']:<6} rows {r['rows']:>8} unscored {r['unscored']:>8}"
            f" high {r['share_high']:.2%} medium {r['share_medium']:.2%} low {r['share_low']:.2%}"
        )
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    mon = sub.add_parser("monitor", parents=[common], help="record the nightly health of a date's scores")
    mon.add_argument("--date", type=parse_date, required=True)
    mon.add_argument("--run-id", dest="run_id", help="pipeline run id recorded with the rows")
    mon.set_defaults(func=cmd_monitor)
