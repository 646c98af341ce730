"""numpy -> pyarrow builders (nulls as -1 codes) and the fast text formatting the writer uses."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH = dt.date(1970, 1, 1)
DAY_S = 86400


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01."""
    return (date - EPOCH).days


def yyyymmdd(day: int) -> int:
    d = EPOCH + dt.timedelta(days=int(day))
    return d.year * 10000 + d.month * 100 + d.day


def enum_strings(codes: np.ndarray, names: tuple[str, ...] | list[str]) -> pa.Array:
    """Strings of ``names[code]``; a negative code is null."""
    codes = np.asarray(codes)
    idx = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.array(list(names), pa.string()).take(idx)


def digit_strings(values: np.ndarray) -> pa.Array:
    """Decimal digits of non-negative int64 values; negative is null."""
    values = np.asarray(values, dtype=np.int64)
    return pa.array(values, mask=values < 0).cast(pa.string())


def id_strings(prefix: str, day: int, seq: np.ndarray, width: int) -> pa.Array:
    """``prefix + YYYYMMDD + seq`` zero-padded to ``width`` digits (unique per day)."""
    seq = np.asarray(seq, dtype=np.int64)
    if len(seq) and seq.max() >= 10**width:
        raise ValueError(f"{prefix} sequence overflows {width} digits")
    code = np.int64(yyyymmdd(day)) * np.int64(10**width) + seq
    return pc.binary_join_element_wise(prefix, pa.array(code).cast(pa.string()), "")


def code_ids(prefix: str, codes: np.ndarray) -> pa.Array:
    """``prefix + code`` for int64 codes; a negative code is null."""
    codes = np.asarray(codes, dtype=np.int64)
    text = pa.array(codes, mask=codes < 0).cast(pa.string())
    return pc.binary_join_element_wise(prefix, text, "")


def decimals(values: np.ndarray, scale: int) -> pa.Array:
    """decimal128(12, scale) from floats, rounded half-even to ``scale`` places."""
    units = np.rint(np.asarray(values, dtype=np.float64) * 10**scale).astype(np.int64)
    words = np.empty(2 * len(units), dtype=np.int64)
    words[0::2] = units
    words[1::2] = units >> 63
    return pa.Array.from_buffers(pa.decimal128(12, scale), len(units), [None, pa.py_buffer(words.tobytes())])


def timestamps(epoch_s: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(epoch_s, dtype=np.int64)
    return pa.array(values, type=pa.int64(), mask=null).cast(pa.timestamp("s"))


def dates(days: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int32)
    return pa.array(values, type=pa.int32(), mask=null).cast(pa.date32())


@lru_cache(maxsize=1)
def _clock_strings() -> pa.Array:
    """``THH:MM:SSZ`` for every second of a day."""
    s = np.arange(DAY_S)
    hh, mm, ss = s // 3600, s // 60 % 60, s % 60
    hms = zip(hh.tolist(), mm.tolist(), ss.tolist(), strict=True)
    text = [f"T{h:02d}:{m:02d}:{x:02d}Z" for h, m, x in hms]
    return pa.array(text, pa.string())


def iso_timestamps(ts: pa.Array) -> pa.Array:
    """ISO 8601 UTC text (``2026-01-03T14:05:09Z``) of a timestamp[s] array, nulls kept."""
    secs = ts.cast(pa.int64()).to_numpy(zero_copy_only=False)
    null = np.asarray(ts.is_null())
    secs = np.where(null, 0, secs).astype(np.int64)
    days = np.floor_divide(secs, DAY_S)
    uniq, inv = np.unique(days, return_inverse=True)
    day_text = pa.array([(EPOCH + dt.timedelta(days=int(d))).isoformat() for d in uniq], pa.string())
    out = pc.binary_join_element_wise(
        day_text.take(pa.array(inv.astype(np.int32))),
        _clock_strings().take(pa.array(secs - days * DAY_S)),
        "",
    )
    if null.any():
        out = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), out)
    return out
