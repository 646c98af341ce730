"""Benchmark: does the nightly feature step cost the same with 30 or 90 days of history?

``telco-risk features-bench`` (or ``python -m devtools.features_bench``) builds one scratch
lakehouse per history length with Spark-generated data (cheaper than the landing
generator at this size):

- bronze.cdr: raw CDRs of D - 1 and D (``events_per_day`` per subscriber, 1% of D - 1
  arriving late in drop D), pseudonymised-looking tokens;
- bronze snapshots (subscribers, plans, products) of the 32 days up to D and BSS events
  (invoices, payments, top-ups, tickets) over the whole history;
- silver.cdr_daily for the history before D - 1 and silver.cdr_seen_daily for the
  new-party lookback, synthesised directly; cdr_daily of D - 1 built from its raw CDRs
  by the real code; the window state at D - 1 summed from scratch.

It then times the real nightly step for D (late day D - 1 recomputed from raw, cdr_daily
D, window state, subscriber_features D) in the configured window mode and, for
comparison, re-reading the windows from cdr_daily; histories interleaved, best of
``repeats``. It also times one plain scan of day D's raw CDRs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from devtools.bench_world import BenchSettings, build_world
from jobs.build_features import run_date
from telco_risk import delta_io
from telco_risk.cli_args import config_of, parse_date, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark, own_driver


def time_raw_scan(spark: SparkSession, cfg: Config, day: dt.date) -> float:
    started = time.perf_counter()
    delta_io.read_table(spark, cfg.table_path("bronze.cdr")).where(
        F.col("event_date") == F.lit(day)
    ).write.format("noop").mode("overwrite").save()
    return time.perf_counter() - started


def _with_mode(cfg: Config, mode: str) -> Config:
    return cfg.model_copy(update={"features": cfg.features.model_copy(update={"window_mode": mode})})


def run_bench(spark: SparkSession, cfg: Config, s: BenchSettings) -> dict[str, dict[int, float]]:
    """Build the worlds, time the nightly step per history and mode; print and return the best times."""
    root = Path(s.workdir).resolve()
    worlds: dict[int, Config] = {}
    for history in s.histories:
        lake = root / f"history_{history}d"
        shutil.rmtree(lake, ignore_errors=True)
        worlds[history] = cfg.model_copy(
            update={"paths": cfg.paths.model_copy(update={"lakehouse": str(lake)})}
        )
        started = time.perf_counter()
        build_world(spark, worlds[history], s, history)
        print(f"built the {history}-day world in {time.perf_counter() - started:.0f}s", flush=True)
    modes = [cfg.features.window_mode] + [m for m in ("rolling", "reread") if m != cfg.features.window_mode]
    times: dict[str, dict[int, list[float]]] = {m: {h: [] for h in s.histories} for m in [*modes, "raw_scan"]}
    for _ in range(s.repeats):
        for history in s.histories:
            world = worlds[history]
            times["raw_scan"][history].append(time_raw_scan(spark, world, s.day))
            for mode in modes:
                result = run_date(spark, _with_mode(world, mode), s.day)
                times[mode][history].append(result.seconds)
                print(
                    f"  {history}d history, {mode}: {result.seconds:.1f}s ({result.feature_rows} subscribers,"
                    f" cdr_daily {result.cdr_daily_rows} rows for {len(result.cdr_days)} days)",
                    flush=True,
                )
    best = {name: {h: min(v) for h, v in by_history.items()} for name, by_history in times.items()}
    print(report(s, spark, best), flush=True)
    return best


def report(s: BenchSettings, spark: SparkSession, best: dict[str, dict[int, float]]) -> str:
    cores = os.cpu_count()
    memory = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    lines = [
        f"features-bench: {s.subscribers} subscribers, {s.events_per_day} CDRs per subscriber-day,"
        f" day {s.day}, best of {s.repeats}",
        f"machine: {platform.machine()}, {cores} cores{memory}; Spark {spark.version} master"
        f" {spark.sparkContext.master}",
        f"{'':<34}" + "".join(f"{h:>4}d history" for h in s.histories),
    ]
    labels = {
        "rolling": "nightly step, rolling window state",
        "reread": "nightly step, re-reading windows",
        "raw_scan": "plain scan of day D's raw CDRs",
    }
    for name in ("rolling", "reread", "raw_scan"):
        lines.append(f"{labels[name]:<34}" + "".join(f"{best[name][h]:>12.1f}s" for h in s.histories))
    if len(s.histories) >= 2:
        lo, hi = s.histories[0], s.histories[-1]
        for name in ("rolling", "reread"):
            ratio = best[name][hi] / best[name][lo]
            verdict = "ok" if ratio <= 1.3 else "grows with history"
            lines.append(f"{name}: {hi}d / {lo}d = {ratio:.2f} ({verdict}; limit 1.3)")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workdir", default="scratch/features-bench", help="scratch lakehouses (rebuilt)")
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--histories", default="30,90", help="history lengths in days, comma-separated")
    parser.add_argument("--events-per-day", type=int, default=30, help="CDRs per subscriber per day")
    parser.add_argument("--day", type=parse_date, default=parse_date("2026-06-30"), help="the measured day D")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per history (the best is kept)")


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    settings = BenchSettings(
        workdir=args.workdir,
        subscribers=args.subscribers,
        histories=tuple(int(h) for h in args.histories.split(",")),
        events_per_day=args.events_per_day,
        day=args.day,
        repeats=args.repeats,
    )
    # Figures of a driver of its own, comparable across runs (and the bench reads its master).
    run_bench(get_spark(own_driver(cfg), "telco-risk-features-bench"), cfg, settings)
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk features-bench")


if __name__ == "__main__":
    raise SystemExit(main())
