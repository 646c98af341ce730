"""The landing zone on disk: drops, ``_SUCCESS`` markers, file probes and fingerprints.

Plain Python over file metadata and headers; row data is read by Spark elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.feed_contract import FEEDS, Feed

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet")
_CHUNK = 1 << 20


class IncompleteDropError(RuntimeError):
    """A date whose drop is not complete (missing ``_SUCCESS`` markers)."""


@dataclass(frozen=True)
class FileProbe:
    """What a cheap look at one landing file found."""

    path: Path
    relative: str
    format: str  # csv | parquet
    header: tuple[str, ...] = ()
    problem: str | None = None  # why the file cannot be read as a whole
    salvaged_lines: tuple[str, ...] = field(default=(), repr=False)  # readable lines of a broken file


def drop_dir(landing: Path, feed: str, date: dt.date) -> Path:
    return landing / feed / f"dt={date.isoformat()}"


def missing_markers(landing: Path, date: dt.date, feeds: tuple[str, ...] = tuple(FEEDS)) -> list[str]:
    """The feeds of ``date`` without a ``_SUCCESS`` marker, in contract order."""
    return [f for f in feeds if not (drop_dir(landing, f, date) / "_SUCCESS").is_file()]


def require_complete(landing: Path, dates: list[dt.date]) -> None:
    """Raise naming every incomplete date and its missing feeds."""
    problems = [(d, missing_markers(landing, d)) for d in dates]
    problems = [(d, m) for d, m in problems if m]
    if problems:
        detail = "; ".join(f"{d.isoformat()}: {', '.join(m)}" for d, m in problems)
        raise IncompleteDropError(f"drop incomplete (no _SUCCESS marker) for {detail}")


def data_files(landing: Path, feed: str, date: dt.date) -> list[Path]:
    folder = drop_dir(landing, feed, date)
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name.endswith(DATA_SUFFIXES) and not p.name.startswith(".")
    )


def fingerprint(landing: Path, files: list[Path]) -> str:
    """Identity of a drop's files (name, size, modification time), stable across runs."""
    digest = hashlib.sha256()
    for path in files:
        stat = path.stat()
        digest.update(f"{path.relative_to(landing)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def _gunzip(path: Path) -> tuple[bytes, str | None]:
    """Decompress a gzip file as far as it goes: (bytes, problem or None)."""
    out = io.BytesIO()
    decomp = zlib.decompressobj(wbits=31)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                out.write(decomp.decompress(chunk))
            except zlib.error as exc:
                return out.getvalue(), f"corrupt gzip ({exc})"
            while decomp.eof and decomp.unused_data:  # concatenated gzip members
                rest = decomp.unused_data
                decomp = zlib.decompressobj(wbits=31)
                out.write(decomp.decompress(rest))
    if not decomp.eof:
        return out.getvalue(), "truncated gzip (unexpected end of stream)"
    return out.getvalue(), None


def _parse_header(first_line: str) -> tuple[str, ...]:
    row = next(csv.reader([first_line]), [])
    return tuple(c.strip().lstrip("\ufeff") for c in row)


def _first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline(1 << 16)


def _header_problem(feed: Feed, header: tuple[str, ...]) -> str | None:
    missing = [c for c in feed.required_names if c not in header]
    if missing:
        return f"wrong header: missing required columns {', '.join(missing)}"
    if len(set(header)) != len(header):
        return "wrong header: duplicate column names"
    return None


def _salvage(text: str) -> tuple[str, ...]:
    lines = text.splitlines()
    return tuple(line for line in lines[1:] if line.strip())


def probe(landing: Path, feed: Feed, path: Path) -> FileProbe:
    """Check a file can be read as the feed's CSV or Parquet; keep what a broken one holds."""
    relative = str(path.relative_to(landing))
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            names = tuple(pq.read_schema(path).names)
        except Exception as exc:  # noqa: BLE001 - any unreadable parquet is the same case
            return FileProbe(path, relative, "parquet", problem=f"unreadable parquet ({exc})")
        return FileProbe(path, relative, "parquet", names, _header_problem(feed, names))
    if path.name.endswith(".gz"):
        raw, problem = _gunzip(path)
        if problem:
            text = raw.decode("utf-8", errors="replace")
            # The last line of a truncated stream is cut: keep it, it is quarantined too.
            header = _parse_header(text.splitlines()[0]) if text else ()
            return FileProbe(path, relative, "csv", header, problem, _salvage(text))
        first = raw.split(b"\n", 1)[0]
    else:
        first = _first_line(path)
    try:
        header = _parse_header(first.decode("utf-8").rstrip("\r\n"))
    except UnicodeDecodeError:
        return FileProbe(path, relative, "csv", problem="header is not UTF-8")
    return FileProbe(path, relative, "csv", header, _header_problem(feed, header))
