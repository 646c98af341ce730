"""``telco-risk monitor``: health, drift, realised performance, alerts and report of score dates."""

from __future__ import annotations

import argparse

from telco_risk.cli import add_dates, dates_of


def _model_line(d: object) -> str:
    from models.monitoring.results import ModelDay

    assert isinstance(d, ModelDay)
    counts = ", ".join(f"{d.counts[s]} {s}" for s in ("act", "warn", "insufficient") if d.counts.get(s))
    top = ", ".join(f"{f} {psi:.2f}" for f, psi, status in d.top[:3] if status != "ok") or "none"
    line = f"{d.day} {d.model:<6} v{d.version}: {d.status.upper()} ({counts or 'all ok'}); drifted: {top}"
    if d.realised is not None and d.realised.auc is not None:
        line += f"; realised AUC {d.realised.auc:.3f} on the scores of {d.label_date}"
    return line


def cmd_monitor(args: argparse.Namespace) -> int:
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    cfg = load_config(args.env, args.conf)
    spark = get_spark(cfg.spark, "telco-risk-monitor", preload=("jobs.monitor", "mlflow"))
    from jobs.monitor import monitor_dates

    result = monitor_dates(spark, cfg, dates_of(args), args.run_id, args.report)
    for r in result.health:
        print(
            f"{r['score_date']} {r['model']:<6} rows {r['rows']:>8} unscored {r['unscored']:>8}"
            f" high {r['share_high']:.2%} medium {r['share_medium']:.2%} low {r['share_low']:.2%}"
        )
    for model, why in result.skipped.items():
        print(f"{model}: not monitored ({why})")
    for d in result.days:
        print(_model_line(d))
    for a in result.alerts:
        verdict = "retrain requested" if a.retrain_requested else f"held by the cool-down ({a.suppressed_by})"
        print(f"ALERT {a.alert_id}: {verdict}; {'; '.join(a.reasons[:3])}")
    for day, path in sorted(result.requests.items()):
        print(f"{day}: retrain request {path}")
    for day, path in sorted(result.reports.items()):
        print(f"{day}: report {path}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    mon = sub.add_parser(
        "monitor",
        parents=[common],
        help="score health, drift vs the training reference, realised performance, alerts and report",
    )
    add_dates(mon)
    mon.add_argument("--run-id", dest="run_id", help="pipeline run id recorded with the rows")
    mon.add_argument(
        "--report",
        choices=("all", "last", "none"),
        help="which dates get an HTML report (default: monitoring.reports)",
    )
    mon.set_defaults(func=cmd_monitor)
