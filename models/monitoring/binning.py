"""Bin every monitored column of a frame in one Spark aggregation.

``ColumnBins`` says how one column is cut (``models.monitoring.drift`` describes the bins);
``binned_counts(df, group, monitored)`` returns one row per (``group`` value, ``model``,
``version``, ``feature``, ``bin``) with ``rows`` and ``zeros`` (rows equal to 0): each input
row's (model, version, feature, bin, zero) entries are exploded and counted in a single groupBy, so the
cost is one pass over the data whatever the number of columns. The counts are small
(groups x columns x bins) and are compared on the driver in numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from models.monitoring.drift import categorical_labels, numeric_labels

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class ColumnBins:
    """How one column is binned: numeric ``edges`` or categorical ``categories``."""

    feature: str
    kind: Kind
    edges: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Bins including the missing bin (the last)."""
        return (len(self.edges) if self.kind == "numeric" else len(self.categories)) + 2

    def labels(self) -> list[str]:
        if self.kind == "numeric":
            return numeric_labels(self.edges)
        return categorical_labels(self.categories)


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _double(value: float) -> str:
    return f"CAST('{float(value)!r}' AS DOUBLE)"


def _string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def bin_sql(column: str, bins: ColumnBins) -> str:
    """SQL of the 0-based bin (int) of ``column``: right-closed intervals between the edges,
    or the category's position (unknown values: ``other``); null and NaN: the last bin."""
    missing = bins.size - 1
    if bins.kind == "numeric":
        x = f"CAST({_quote(column)} AS DOUBLE)"
        whens = "".join(f" WHEN {x} <= {_double(e)} THEN {i}" for i, e in enumerate(bins.edges))
        return f"CASE WHEN {x} IS NULL OR isnan({x}) THEN {missing}{whens} ELSE {len(bins.edges)} END"
    x = f"CAST({_quote(column)} AS STRING)"
    whens = "".join(f" WHEN {x} = {_string(c)} THEN {i}" for i, c in enumerate(bins.categories))
    return f"CASE WHEN {x} IS NULL THEN {missing}{whens} ELSE {len(bins.categories)} END"


def zero_sql(column: str, bins: ColumnBins) -> str:
    """SQL of 1 where a numeric value equals 0, else 0 (categorical columns: always 0)."""
    if bins.kind != "numeric":
        return "0"
    return f"CASE WHEN CAST({_quote(column)} AS DOUBLE) = 0 THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Monitored:
    """One column binned for one model version; ``source``: the frame's column (default
    ``feature``); ``applies``: SQL predicate of the rows it is counted on (None: every row)."""

    model: str
    version: str
    bins: ColumnBins
    source: str | None = None
    applies: str | None = None

    def entry_sql(self) -> str:
        column = self.source or self.bins.feature
        entry = (
            f"named_struct('model', {_string(self.model)}, 'version', {_string(self.version)},"
            f" 'feature', {_string(self.bins.feature)}, 'bin', {bin_sql(column, self.bins)},"
            f" 'zero', {zero_sql(column, self.bins)})"
        )
        return entry if self.applies is None else f"CASE WHEN {self.applies} THEN {entry} END"


def binned_counts(df: DataFrame, group: str, monitored: Sequence[Monitored]) -> DataFrame:
    """``group``, ``model``, ``version``, ``feature``, ``bin`` (int), ``rows``, ``zeros`` (long).

    The entries of all columns are one SQL expression, so building the plan costs the same
    for ten columns or a thousand."""
    entries = ", ".join(m.entry_sql() for m in monitored)
    exploded = df.select(F.col(group).alias("group"), F.expr(f"explode(array({entries}))").alias("e")).where(
        F.col("e").isNotNull()
    )
    return exploded.groupBy("group", "e.model", "e.version", "e.feature", "e.bin").agg(
        F.count(F.lit(1)).alias("rows"), F.sum("e.zero").cast("long").alias("zeros")
    )


@dataclass(frozen=True)
class Counts:
    """Rows per bin (missing last) and rows equal to 0 of one column in one group."""

    rows: np.ndarray
    zeros: int


def collect_counts(
    rows: Iterable[Any], sizes: dict[tuple[str, str, str], int]
) -> dict[tuple[Any, str, str, str], Counts]:
    """``binned_counts`` rows -> {(group, model, version, feature): Counts}; ``sizes``: bins
    per (model, version, feature), so that empty bins are zeros."""
    out: dict[tuple[Any, str, str, str], Counts] = {}
    for r in rows:
        model_key = (r["model"], r["version"], r["feature"])
        key = (r["group"], *model_key)
        found = out.get(key) or Counts(np.zeros(sizes[model_key], dtype=np.int64), 0)
        found.rows[int(r["bin"])] += int(r["rows"])
        out[key] = Counts(found.rows, found.zeros + int(r["zeros"] or 0))
    return out
