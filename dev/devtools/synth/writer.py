"""Landing files: text formatting, CSV / gzip / parquet writing, ``_SUCCESS`` markers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from devtools.synth import arrowutil as au
from devtools.synth.schema import COLUMNS, PARQUET_TYPES, column_names

_BATCH = 200_000


def day_dir(landing: Path, feed: str, day: int) -> Path:
    return landing / feed / f"dt={(au.EPOCH + dt.timedelta(days=int(day))).isoformat()}"


def as_text(table: pa.Table, feed: str) -> pa.Table:
    """Every column as contract text: ISO timestamps with Z, dates, true/false, fixed decimals."""
    cols = []
    for name, kind in COLUMNS[feed]:
        col = table.column(name).combine_chunks()
        if col.type == pa.string():
            cols.append(col)
        elif kind == "ts":
            cols.append(au.iso_timestamps(col))
        else:
            cols.append(col.cast(pa.string()))
    return pa.table(cols, names=column_names(feed))


def patch(table: pa.Table, patches: dict[str, tuple[list[int], list[str]]]) -> pa.Table:
    """Replace text at (row, column) positions (contract-breaking values)."""
    for name, (rows, values) in patches.items():
        if not rows:
            continue
        repl = np.full(table.num_rows, None, dtype=object)
        repl[rows] = values
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[rows] = True
        i = table.schema.get_field_index(name)
        col = pc.if_else(pa.array(mask), pa.array(repl, pa.string()), table.column(i).combine_chunks())
        table = table.set_column(i, name, col)
    return table


def csv_bytes(table: pa.Table, feed: str) -> bytes:
    """Header plus rows; a value is quoted only when it needs it (RFC 4180)."""
    header = (",".join(column_names(feed)) + "\n").encode()
    sink = pa.BufferOutputStream()
    try:
        pcsv.write_csv(
            table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=_BATCH)
        )
    except pa.ArrowInvalid:  # a value with a comma, quote or line break: RFC 4180 minimal quoting
        text = io.StringIO()
        rows = zip(*(c.to_pylist() for c in table.columns), strict=True)
        csv.writer(text, lineterminator="\n").writerows(["" if v is None else v for v in row] for row in rows)
        return header + text.getvalue().encode()
    return header + sink.getvalue().to_pybytes()


def gzip_bytes(data: bytes, level: int = 1) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # gzip container, mtime 0: reproducible
    return comp.compress(data) + comp.flush()


def parquet_bytes(table: pa.Table, feed: str) -> bytes:
    schema = pa.schema([(name, PARQUET_TYPES[kind]) for name, kind in COLUMNS[feed]])
    sink = pa.BufferOutputStream()
    pq.write_table(table.cast(schema), sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def write_drop(folder: Path, files: dict[str, bytes]) -> None:
    """Write the data files of one drop, then its ``_SUCCESS`` marker (replacing an older drop)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "_SUCCESS"
    marker.unlink(missing_ok=True)
    for stale in sorted(folder.glob("part-*")):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    marker.write_bytes(b"")
