"""Ingest landing drops into bronze Delta tables, bad rows into quarantine.

Usage: ``python jobs/ingest.py --date D`` or ``--from D1 --to D2`` (``telco-risk ingest``).
Per feed and drop date it records rows read / accepted / quarantined in
``ops.ingest_runs`` and checks read = accepted + quarantined against what was written.
A drop whose files are unchanged since their last ingestion is skipped (``--force``
re-ingests; the result is the same either way).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ingestion import landing_zone as landing
from ingestion import raw_reader
from ingestion.feed_contract import FEEDS, Feed
from ingestion.pseudonymise import resolve_key
from ingestion.row_checks import bronze_rows, mark_duplicates, quarantine_rows, with_checks
from telco_risk import delta_io
from telco_risk.cli_args import add_dates, config_of, dates_of, run_step
from telco_risk.config import Config
from telco_risk.spark import get_spark
from telco_risk.tables import INGEST_RUNS, QUARANTINE

log = logging.getLogger("telco_risk.ingest")


class IngestError(RuntimeError):
    """A drop that cannot be ingested; the message names the file or feed."""


@dataclass(frozen=True)
class FeedDayCounts:
    feed: str
    drop_date: dt.date
    files: int
    read: int
    accepted: int
    quarantined: int
    skipped: bool = False


def _latest_fingerprints(spark: SparkSession, cfg: Config) -> dict[tuple[str, dt.date], str]:
    path = cfg.table_path(INGEST_RUNS)
    if not delta_io.table_exists(path):
        return {}
    rows = (
        delta_io.read_table(spark, path)
        .groupBy("feed", "drop_date")
        .agg(F.max_by("fingerprint", "ingested_at").alias("fingerprint"))
        .collect()
    )
    return {(r.feed, r.drop_date): r.fingerprint for r in rows}


def _existing_keys(
    spark: SparkSession, cfg: Config, feed: Feed, dates: list[dt.date], max_late: int
) -> DataFrame | None:
    """Keys already in bronze from other drops, in the event dates this batch can touch."""
    path = cfg.table_path(f"bronze.{feed.name}")
    if feed.kind != "event" or not delta_io.table_exists(path):
        return None
    lo, hi = min(dates) - dt.timedelta(days=max_late), max(dates)
    return (
        delta_io.read_table(spark, path)
        .where(F.col("event_date").between(F.lit(lo), F.lit(hi)))
        .where(~F.col("drop_date").isin(*dates))
        .select(*dict.fromkeys([*feed.key, "event_date"]))
    )


def _counts_by_date(df: DataFrame, date_col: str) -> dict[dt.date, int]:
    return {r[0]: r[1] for r in df.groupBy(date_col).count().collect()}


def ingest_feed(
    spark: SparkSession,
    cfg: Config,
    feed: Feed,
    dates: list[dt.date],
    key: bytes,
) -> list[FeedDayCounts]:
    """Ingest one feed for the given drop dates in one pass; returns counts per date."""
    root = Path(cfg.paths.landing)
    files = {d: landing.data_files(root, feed.name, d) for d in dates}
    probes = [landing.probe(root, feed, p) for d in dates for p in files[d]]
    broken = [p for p in probes if p.problem]
    if broken and cfg.ingest.on_corrupt_file == "fail":
        raise IngestError("; ".join(f"{p.relative}: {p.problem}" for p in broken))
    for p in broken:
        log.warning("quarantining unreadable file %s: %s", p.relative, p.problem)
    drop_of = {str(p.relative_to(root)): d for d in dates for p in files[d]}

    raw = raw_reader.read_raw(spark, feed, probes)
    existing = _existing_keys(spark, cfg, feed, dates, cfg.ingest.max_late_days)
    checked = mark_duplicates(with_checks(raw, feed, cfg.ingest.max_late_days), feed, existing).persist()
    try:
        raw_counts = _counts_by_date(checked, "drop_date")
        bad_files = raw_reader.broken_file_rows(spark, feed, probes, drop_of)
        date_sql = delta_io.date_list_sql(dates)
        bronze_path = cfg.table_path(f"bronze.{feed.name}")
        if feed.kind == "event":
            delta_io.replace_where(
                bronze_rows(checked, feed, key), bronze_path, f"drop_date IN ({date_sql})", ["event_date"]
            )
        else:
            delta_io.replace_where(
                bronze_rows(checked, feed, key),
                bronze_path,
                f"snapshot_date IN ({date_sql})",
                ["snapshot_date"],
            )
        quarantine = quarantine_rows(checked, feed).unionByName(bad_files)
        delta_io.replace_where(
            quarantine,
            cfg.table_path(QUARANTINE),
            f"feed = '{feed.name}' AND drop_date IN ({date_sql})",
            ["feed"],
        )
        bad_file_counts = _counts_by_date(bad_files, "drop_date") if broken else {}
    finally:
        checked.unpersist()
    return _reconcile(spark, cfg, feed, dates, files, raw_counts, bad_file_counts)


def _reconcile(
    spark: SparkSession,
    cfg: Config,
    feed: Feed,
    dates: list[dt.date],
    files: dict[dt.date, list[Path]],
    raw_counts: dict[dt.date, int],
    bad_file_counts: dict[dt.date, int],
) -> list[FeedDayCounts]:
    """Count what was written back from the tables and check nothing was lost."""
    date_col = "drop_date" if feed.kind == "event" else "snapshot_date"
    bronze = delta_io.read_table(spark, cfg.table_path(f"bronze.{feed.name}")).where(
        F.col(date_col).isin(*dates)
    )
    accepted = _counts_by_date(bronze, date_col)
    quarantined = _counts_by_date(
        delta_io.read_table(spark, cfg.table_path(QUARANTINE)).where(
            (F.col("feed") == feed.name) & F.col("drop_date").isin(*dates)
        ),
        "drop_date",
    )
    out = []
    for d in dates:
        read = raw_counts.get(d, 0) + bad_file_counts.get(d, 0)
        counts = FeedDayCounts(feed.name, d, len(files[d]), read, accepted.get(d, 0), quarantined.get(d, 0))
        if counts.read != counts.accepted + counts.quarantined:
            raise IngestError(
                f"{feed.name} {d}: rows read {counts.read} != accepted {counts.accepted}"
                f" + quarantined {counts.quarantined}"
            )
        out.append(counts)
    return out


def _record_runs(
    spark: SparkSession,
    cfg: Config,
    counts: list[FeedDayCounts],
    fingerprints: dict[tuple[str, dt.date], str],
) -> None:
    """One row per feed and drop ingested, in one commit."""
    if not counts:
        return
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (
            c.feed,
            c.drop_date,
            c.files,
            c.read,
            c.accepted,
            c.quarantined,
            fingerprints[(c.feed, c.drop_date)],
            now,
        )
        for c in counts
    ]
    schema = (
        "feed string, drop_date date, files int, rows_read long, rows_accepted long,"
        " rows_quarantined long, fingerprint string, ingested_at timestamp"
    )
    delta_io.append(spark.createDataFrame(rows, schema), cfg.table_path(INGEST_RUNS))


def ingest(
    spark: SparkSession,
    cfg: Config,
    dates: list[dt.date],
    force: bool = False,
    feeds: tuple[str, ...] = tuple(FEEDS),
) -> list[FeedDayCounts]:
    """Ingest every feed for ``dates``; complete drops only, unchanged drops skipped."""
    root = Path(cfg.paths.landing)
    landing.require_complete(root, dates)
    key = resolve_key(cfg.privacy)
    previous = {} if force else _latest_fingerprints(spark, cfg)
    results: dict[str, list[FeedDayCounts]] = {}
    work: list[tuple[Feed, list[dt.date], dict[dt.date, str]]] = []
    for name in feeds:
        prints = {d: landing.fingerprint(root, landing.data_files(root, name, d)) for d in dates}
        todo = [d for d in dates if previous.get((name, d)) != prints[d]]
        results[name] = [FeedDayCounts(name, d, 0, 0, 0, 0, skipped=True) for d in dates if d not in todo]
        if todo:
            work.append((FEEDS[name], todo, prints))

    ingested: list[FeedDayCounts] = []
    fingerprints: dict[tuple[str, dt.date], str] = {}

    def run(item: tuple[Feed, list[dt.date], dict[dt.date, str]]) -> None:
        feed, todo, prints = item
        started = time.monotonic()
        counts = ingest_feed(spark, cfg, feed, todo, key)
        results[feed.name].extend(counts)
        ingested.extend(counts)
        fingerprints.update({(feed.name, d): prints[d] for d in todo})
        log.info("ingested %s: %d drop(s) in %.1f s", feed.name, len(todo), time.monotonic() - started)

    with ThreadPoolExecutor(max_workers=cfg.ingest.parallel_feeds, thread_name_prefix="ingest") as pool:
        # Futures, not pool.map: map's results cancel the feeds still queued at the first error.
        futures = [pool.submit(run, item) for item in work]
    # Every feed has run to its end. Those that finished are recorded even when another
    # failed (a re-run skips them); then the first failure is raised.
    _record_runs(spark, cfg, ingested, fingerprints)
    for future in futures:
        future.result()
    return [c for name in feeds for c in results[name]]


def summary_table(results: list[FeedDayCounts]) -> str:
    """Per feed: drops ingested / skipped, files, rows read, accepted, quarantined."""
    lines = [
        f"{'feed':<20} {'drops':>5} {'skipped':>7} {'files':>5} {'read':>10} {'accepted':>10}"
        f" {'quarantined':>11}  check"
    ]
    for name in FEEDS:
        rows = [r for r in results if r.feed == name]
        if not rows:
            continue
        done = [r for r in rows if not r.skipped]
        read, acc, quar = (sum(getattr(r, a) for r in done) for a in ("read", "accepted", "quarantined"))
        check = "ok" if read == acc + quar else "MISMATCH"
        lines.append(
            f"{name:<20} {len(done):>5} {len(rows) - len(done):>7} {sum(r.files for r in done):>5}"
            f" {read:>10} {acc:>10} {quar:>11}  {check}"
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dates(parser)
    parser.add_argument("--force", action="store_true", help="re-ingest drops whose files are unchanged")


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    dates = dates_of(args)
    spark = get_spark(cfg, "telco-risk-ingest")
    results = ingest(spark, cfg, dates, force=args.force)
    print(summary_table(results))
    if all(r.skipped for r in results):
        print("every drop was already ingested with the same files: no table changed")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk ingest")


if __name__ == "__main__":
    raise SystemExit(main())
