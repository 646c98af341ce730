"""Writes each day's drop of each feed: late CDRs, bad rows, the truncated file, markers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from devtools.synth import breakage
from devtools.synth.rng import BREAKAGE, stream
from devtools.synth.schema import FEEDS
from devtools.synth.writer import as_text, csv_bytes, day_dir, gzip_bytes, parquet_bytes, patch, write_drop

CORRUPT_ROWS = 2000  # rows re-sent in the truncated file
CORRUPT_CUT = 0.55  # share of the compressed bytes kept


class DropWriter:
    def __init__(
        self, landing: Path, seed: int, bad_row_rate: float, cdr_format: str, corrupt_day: int | None
    ):
        self.landing = landing
        self.seed = seed
        self.rate = bad_row_rate
        self.cdr_format = cdr_format
        self.corrupt_day = corrupt_day
        self.rows = {f: 0 for f in FEEDS}
        self.bad = {f: {k: 0 for k in breakage.KINDS} for f in FEEDS}
        self.corrupt_files: list[str] = []
        self.late_cdrs = 0
        self.previous: dict[str, pa.Table] = {}

    def _inject(self, feed: str, day: int, table: pa.Table, new_keys, previous, wrong_type=True):
        rng = stream(self.seed, BREAKAGE, day, FEEDS.index(feed))
        inj = breakage.inject(
            rng, feed, table, day, self.rate, previous, new_keys, allow_wrong_type=wrong_type
        )
        for kind, c in inj.counts.items():
            self.bad[feed][kind] += c
        self.rows[feed] += inj.table.num_rows
        return inj

    def _csv(self, feed: str, inj: breakage.Injected) -> bytes:
        return csv_bytes(patch(as_text(inj.table, feed), inj.patches), feed)

    def snapshot(self, feed: str, day: int, table: pa.Table) -> None:
        inj = self._inject(feed, day, table, None, None)
        write_drop(day_dir(self.landing, feed, day), {"part-00000.csv": self._csv(feed, inj)})

    def event(self, feed: str, day: int, table: pa.Table, new_keys: Callable[[int], pa.Array] | None) -> None:
        inj = self._inject(feed, day, table, new_keys, self.previous.get(feed))
        self.previous[feed] = table
        write_drop(day_dir(self.landing, feed, day), {"part-00000.csv": self._csv(feed, inj)})

    def cdr(
        self, day: int, ontime: pa.Table, late: pa.Table | None, new_keys: Callable[[int], pa.Array]
    ) -> None:
        """The day's on-time CDRs plus yesterday's late ones (appended, as mediation re-sends them)."""
        body = ontime if late is None else pa.concat_tables([ontime, late])
        if late is not None:
            self.late_cdrs += late.num_rows
        parquet = self.cdr_format == "parquet"
        inj = self._inject("cdr", day, body, new_keys, self.previous.get("cdr"), wrong_type=not parquet)
        self.previous["cdr"] = ontime
        if parquet:
            files = {"part-00000.parquet": parquet_bytes(inj.table, "cdr")}
        else:
            files = {"part-00000.csv.gz": gzip_bytes(self._csv("cdr", inj))}
        if day == self.corrupt_day and ontime.num_rows:
            rng = stream(self.seed, BREAKAGE, day, 99)
            k = min(CORRUPT_ROWS, ontime.num_rows)
            first = int(rng.integers(0, ontime.num_rows - k + 1))
            resent = ontime.slice(first, k)
            data = gzip_bytes(csv_bytes(as_text(resent, "cdr"), "cdr"))
            files["part-00001.csv.gz"] = data[: max(int(len(data) * CORRUPT_CUT), 64)]
            folder = day_dir(self.landing, "cdr", day)
            self.corrupt_files.append(str((folder / "part-00001.csv.gz").relative_to(self.landing)))
        write_drop(day_dir(self.landing, "cdr", day), files)


def split_late(rng: np.random.Generator, table: pa.Table, sec: np.ndarray, base_p: float, night_p: float):
    """(on-time rows, late rows): late with probability base_p, plus night_p for events after 22:00."""
    hour = (sec % 86400) // 3600
    late = rng.random(len(sec)) < base_p + night_p * (hour >= 22)
    return table.filter(pa.array(~late)), table.filter(pa.array(late))
