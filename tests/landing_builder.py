"""Write tiny hand-made landing drops for tests: every feed present, header-only unless given."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from pathlib import Path

from ingestion.feed_contract import FEEDS


def write_drop(
    landing: Path,
    date: dt.date,
    rows: dict[str, list[dict[str, str]]] | None = None,
    raw: dict[str, str] | None = None,
    success: bool = True,
    gz: tuple[str, ...] = (),
) -> None:
    """One day's drop. ``rows``: feed -> list of {column: text}; ``raw``: feed -> file text
    written verbatim instead; feeds in ``gz`` are gzip-compressed."""
    rows = rows or {}
    raw = raw or {}
    for name, feed in FEEDS.items():
        folder = landing / name / f"dt={date.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        if name in raw:
            text = raw[name]
        else:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(feed.column_names), lineterminator="\n")
            writer.writeheader()
            for row in rows.get(name, []):
                writer.writerow(row)
            text = buf.getvalue()
        if name in gz:
            (folder / "part-00000.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
        else:
            (folder / "part-00000.csv").write_text(text, encoding="utf-8")
        if success:
            (folder / "_SUCCESS").touch()


def cdr(record_id: str, start_time: str, **overrides: str) -> dict[str, str]:
    """A valid outgoing voice CDR with sensible defaults."""
    row = {
        "record_id": record_id,
        "msisdn": "447900000001",
        "event_type": "voice",
        "direction": "out",
        "other_party": "447900000002",
        "other_party_type": "mobile",
        "other_party_country": "GB",
        "start_time": start_time,
        "duration_s": "60",
        "bytes_up": "",
        "bytes_down": "",
        "cell_id": "C001",
        "imei": "356938035643809",
        "roaming": "false",
        "termination": "normal",
        "charge": "0.1000",
    }
    row.update(overrides)
    return row
