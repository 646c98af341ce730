"""The suite model: a suite is a table's list of named checks, each one GX expectation.

Suites are versioned code: builders in ``bronze_suites``, ``silver_suites``,
``training_suites`` and ``ingest_suites`` return a ``Suite`` from explicit inputs (the
contract, column specs, bounds computed from history), without Spark or GX. ``gx_runner``
turns a ``Suite`` into a Great Expectations suite and runs it.

Every check has a stable id (``range:duration_s``, ``volume``, ``unique:subscriber_id``),
a kind (what the severity config ``quality.severity`` is keyed on) and the GX expectation
type with its kwargs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "columns",  # column set and types
    "not_null",  # required values
    "enum",  # allowed values
    "range",  # plausible bounds of every value
    "relation",  # order between two columns (period_start <= period_end)
    "unique",  # key uniqueness
    "freshness",  # the data is the drop's date
    "volume",  # row count against the trailing median
    "quarantine_rate",  # quarantined / read per feed
    "null_share",  # share of nulls against a bound or the reference period
    "distribution",  # column mean against the reference period or catalogue bounds
    "label_rate",  # positive rate of a training label
]

# Spark's type names as GX reports them for each simple type name.
SPARK_TYPES = {
    "string": "StringType",
    "int": "IntegerType",
    "integer": "IntegerType",
    "long": "LongType",
    "bigint": "LongType",
    "short": "ShortType",
    "double": "DoubleType",
    "float": "FloatType",
    "decimal": "DecimalType",
    "boolean": "BooleanType",
    "bool": "BooleanType",
    "date": "DateType",
    "timestamp": "TimestampType",
}
NUMERIC_TYPES = ("int", "integer", "long", "bigint", "short", "double", "float", "decimal")
NUMERIC_GX_TYPES = frozenset(SPARK_TYPES[t] for t in NUMERIC_TYPES)


def spark_type_name(dtype: str) -> str:
    """``decimal(12,4)`` -> ``DecimalType``; ``double`` -> ``DoubleType``."""
    base = dtype.strip().lower().split("(")[0]
    try:
        return SPARK_TYPES[base]
    except KeyError:
        raise ValueError(f"no Spark type for column type {dtype!r}") from None


def is_numeric(dtype: str) -> bool:
    return dtype.strip().lower().split("(")[0] in NUMERIC_TYPES


@dataclass(frozen=True)
class Check:
    """One expectation: ``check_id`` is unique within its suite."""

    check_id: str
    kind: Kind
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_be_between"
    kwargs: dict[str, Any]
    description: str = ""

    @property
    def column(self) -> str | None:
        col = self.kwargs.get("column")
        if col is None and "column_A" in self.kwargs:
            return f"{self.kwargs['column_A']},{self.kwargs['column_B']}"
        if col is None and "column_list" in self.kwargs:
            return ",".join(self.kwargs["column_list"])
        return col


@dataclass(frozen=True)
class Suite:
    """The checks of one table (or derived frame) for one validation."""

    name: str
    table: str
    checks: tuple[Check, ...] = field(default_factory=tuple)
    index_column: str | None = None  # names the offending rows in results (profile frames)

    def __post_init__(self) -> None:
        ids = [c.check_id for c in self.checks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"suite {self.name}: duplicate check ids {dupes}")

    def check(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.check_id == check_id)


@dataclass(frozen=True)
class ColumnSpec:
    """What a column of a derived table must satisfy (silver tables, training sets)."""

    name: str
    dtype: str  # simple Spark type name: double, int, long, string, boolean, date, timestamp
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    values: tuple[str, ...] | None = None  # allowed values of a categorical column
    monitored: bool = True  # mean / null share compared with the reference period


# -- building blocks shared by the suite builders -------------------------------------


def column_set(columns: list[str], exact: bool = True) -> Check:
    return Check(
        "columns",
        "columns",
        "expect_table_columns_to_match_set",
        {"column_set": list(columns), "exact_match": exact},
        "the table has exactly its documented columns" if exact else "the documented columns are present",
    )


def of_type(column: str, dtype: str) -> Check:
    return Check(
        f"type:{column}",
        "columns",
        "expect_column_values_to_be_of_type",
        {"column": column, "type_": spark_type_name(dtype)},
        f"{column} is {dtype}",
    )


def not_null(column: str) -> Check:
    """No null at all: an aggregate check (observed = the non-null proportion)."""
    return Check(
        f"not_null:{column}",
        "not_null",
        "expect_column_proportion_of_non_null_values_to_be_between",
        {"column": column, "min_value": 1.0},
        f"{column} is required",
    )


def in_set(column: str, values: Sequence[Any]) -> Check:
    return Check(
        f"enum:{column}",
        "enum",
        "expect_column_values_to_be_in_set",
        {"column": column, "value_set": list(values)},
        f"{column} takes only its documented values",
    )


def between(
    column: str, lo: Any, hi: Any, kind: Kind = "range", check_id: str | None = None, why: str = ""
) -> Check:
    return Check(
        check_id or f"{kind}:{column}",
        kind,
        "expect_column_values_to_be_between",
        {"column": column, "min_value": lo, "max_value": hi},
        why or f"{column} within [{_fmt(lo, '-inf')}, {_fmt(hi, 'inf')}]",
    )


def unique(key: tuple[str, ...] | list[str]) -> Check:
    key = list(key)
    if len(key) == 1:
        return Check(
            f"unique:{key[0]}",
            "unique",
            "expect_column_values_to_be_unique",
            {"column": key[0]},
            f"{key[0]} is unique",
        )
    return Check(
        f"unique:{'+'.join(key)}",
        "unique",
        "expect_compound_columns_to_be_unique",
        {"column_list": key},
        f"({', '.join(key)}) is unique",
    )


def row_count(lo: int | None, hi: int | None, kind: Kind, check_id: str, why: str) -> Check:
    return Check(
        check_id, kind, "expect_table_row_count_to_be_between", {"min_value": lo, "max_value": hi}, why
    )


def max_null_share(column: str, share: float, why: str = "") -> Check:
    """At most ``share`` of the rows are null: an aggregate check (observed = the non-null
    proportion), computed in one pass with the others."""
    return Check(
        f"null_share:{column}",
        "null_share",
        "expect_column_proportion_of_non_null_values_to_be_between",
        {"column": column, "min_value": round(1.0 - share, 6)},
        why or f"at most {share:.0%} of {column} is null",
    )


def a_not_before_b(column_a: str, column_b: str) -> Check:
    """``column_a >= column_b`` where both are present (``period_start <= period_end``)."""
    return pair(f"order:{column_b}<={column_a}", "relation", column_a, column_b, f"{column_b} <= {column_a}")


def pair(check_id: str, kind: Kind, column_a: str, column_b: str, why: str, equal: bool = False) -> Check:
    """Row by row ``a >= b`` (or ``a == b``), rows where either is null skipped: bounds
    that vary per row of a profile frame."""
    if equal:
        return Check(
            check_id,
            kind,
            "expect_column_pair_values_to_be_equal",
            {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing"},
            why,
        )
    return Check(
        check_id,
        kind,
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": column_a,
            "column_B": column_b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        why,
    )


def _fmt(value: Any, unbounded: str) -> str:
    if value is None:
        return unbounded
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
