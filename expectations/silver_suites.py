"""Suites of derived tables (silver.cdr_daily, silver.subscriber_features) from column specs.

Derived tables are wide (a hundred features), and GX costs a Spark job or tens of
milliseconds per expectation, so each table gets two suites:

- ``<table>`` on the date's rows: column set, key present and unique, categorical
  values, freshness (rows for D) and volume;
- ``<table>.profile`` on its column profile (one row per column: type, null share, min,
  max, mean, computed in one pass) next to each column's bounds: types, ranges, null
  shares and means against the reference period (or the catalogue's bounds). Failures
  name the column (``unexpected_index_column_names``).

Column specs come explicitly: ``feature_specs`` reads the feature catalogue
(``catalogue_features``: ``features.catalog`` for the configured windows),
``inferred_specs`` a schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from expectations.checks import (
    SPARK_TYPES,
    Check,
    ColumnSpec,
    Suite,
    column_set,
    in_set,
    is_numeric,
    not_null,
    pair,
    row_count,
    spark_type_name,
    unique,
)
from expectations.volume import VolumeBounds
from features.catalog import FeatureSpec, build_catalog
from features.windows import NamedWindows, UsageWindows

# The highest null share that still means "not every value is null".
NOT_ALL_NULL = 1.0 - 1e-9
# cdr_daily: a subscriber's calls on one day cannot add up to more than this (late
# calls that run past midnight included).
MAX_DAILY_DURATION_S = 2 * 86_400


@dataclass(frozen=True)
class ReferenceStats:
    """A column over the reference period: mean, population std, null share."""

    mean: float | None
    std: float | None
    null_share: float
    days: int


@dataclass(frozen=True)
class DerivedRules:
    """Per-date inputs of a derived-table suite."""

    date: dt.date
    date_column: str
    key: tuple[str, ...]
    row_count: int
    min_rows_for_shares: int
    mean_tolerance_sd: float
    null_share_tolerance: float
    volume: VolumeBounds | None = None
    reference: dict[str, ReferenceStats] | None = None


def derived_suite(table: str, columns: Sequence[ColumnSpec], rules: DerivedRules) -> Suite:
    """Row-level checks of the date's frame (the per-column ones are in the profile)."""
    names = _unique([*rules.key, rules.date_column, *(c.name for c in columns)])
    checks: list[Check] = [column_set(names, exact=False)]
    if rules.row_count > 0:  # the non-null share of no rows is 0
        checks += [not_null(name) for name in _unique([*rules.key, rules.date_column])]
        checks += [not_null(c.name) for c in columns if c.required and c.name not in rules.key]
    checks += [in_set(c.name, c.values) for c in columns if c.values]
    checks.append(unique(rules.key))
    checks.append(row_count(1, None, "freshness", "freshness:rows", f"{table} holds rows for {rules.date}"))
    if rules.volume is not None:
        checks.append(rules.volume.check(table))
    return Suite(table, table, tuple(checks))


@dataclass(frozen=True)
class ProfileBound:
    """One row of a profile's bounds (None: not checked)."""

    column: str
    expected_type: str
    actual_type: str
    lo: float | None
    hi: float | None
    max_null_share: float | None
    mean_lo: float | None
    mean_hi: float | None


PROFILE_BOUNDS_SCHEMA = (
    "column string, expected_type string, actual_type string, lo double, hi double,"
    " max_null_share double, mean_lo double, mean_hi double"
)
# Columns of the profile frame: PROFILE_BOUNDS_SCHEMA + rows, null_share, min, max, mean.


def profile_bounds(
    columns: Sequence[ColumnSpec], rules: DerivedRules, actual_types: dict[str, str]
) -> list[ProfileBound]:
    """Per column: expected vs actual GX type name, value range, the highest null share
    and the mean's range. Null shares and means need ``min_rows_for_shares`` rows."""
    enough = rules.row_count >= rules.min_rows_for_shares
    bounds = []
    for spec in columns:
        ref = (rules.reference or {}).get(spec.name)
        share, mean_lo, mean_hi = None, None, None
        if enough and spec.monitored:
            share = _max_null_share(ref, rules.null_share_tolerance)
            if is_numeric(spec.dtype):
                mean_lo, mean_hi = _mean_range(spec, ref, rules.mean_tolerance_sd)
        bounds.append(
            ProfileBound(
                spec.name,
                spark_type_name(spec.dtype),
                actual_types.get(spec.name, "missing"),
                _float(spec.min_value),
                _float(spec.max_value),
                share,
                mean_lo,
                mean_hi,
            )
        )
    return bounds


def _max_null_share(ref: ReferenceStats | None, tolerance: float) -> float | None:
    """The reference's share + tolerance; a column that had values in the reference
    fails when all null. None without a reference (some features are null by definition)
    or when the reference was all null."""
    if ref is None or ref.null_share >= 1.0:
        return None
    return min(ref.null_share + tolerance, NOT_ALL_NULL)


def _mean_range(
    spec: ColumnSpec, ref: ReferenceStats | None, tolerance_sd: float
) -> tuple[float | None, float | None]:
    if ref is not None and ref.mean is not None:
        # + a hair for floating noise when the reference is constant (std 0)
        half = tolerance_sd * (ref.std or 0.0) + 1e-6 * max(1.0, abs(ref.mean))
        return ref.mean - half, ref.mean + half
    return _float(spec.min_value), _float(spec.max_value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def profile_suite(table: str, rules: DerivedRules) -> Suite:
    """Checks of the profile frame of ``table`` (one row per column, named by ``column``)."""
    ref = "the catalogue's bounds" if not rules.reference else "the reference period"
    checks = (
        pair(
            "columns:types",
            "columns",
            "actual_type",
            "expected_type",
            equal=True,
            why="every column has its documented type",
        ),
        pair("range:min", "range", "min", "lo", why="no value below the column's lower bound"),
        pair("range:max", "range", "hi", "max", why="no value above the column's upper bound"),
        pair(
            "null_share",
            "null_share",
            "max_null_share",
            "null_share",
            why=f"null share at most the reference's + {rules.null_share_tolerance:.0%}; never all null",
        ),
        pair(
            "mean:low",
            "distribution",
            "mean",
            "mean_lo",
            why=f"mean not below {ref} (- {rules.mean_tolerance_sd:g} sd)",
        ),
        pair(
            "mean:high",
            "distribution",
            "mean_hi",
            "mean",
            why=f"mean not above {ref} (+ {rules.mean_tolerance_sd:g} sd)",
        ),
    )
    return Suite(f"{table}.profile", table, checks, index_column="column")


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


# -- where column specs come from -------------------------------------------------------


def catalogue_features(windows: NamedWindows, ticket_windows: Sequence[int]) -> list[FeatureSpec]:
    """The feature catalogue's entries for these windows (``features.windows`` and
    ``features.ticket_windows`` of a config)."""
    return list(build_catalog(UsageWindows.of(windows), ticket_windows))


def feature_specs(features: Iterable[Any], include_protected: bool) -> list[ColumnSpec]:
    """Column specs of silver.subscriber_features from catalogue entries (``FeatureSpec``:
    name, dtype, categorical, protected, min_value, max_value)."""
    specs = []
    for f in features:
        if getattr(f, "protected", False) and not include_protected:
            continue
        specs.append(
            ColumnSpec(
                name=f.name,
                dtype=str(f.dtype),
                min_value=getattr(f, "min_value", None),
                max_value=getattr(f, "max_value", None),
                values=tuple(getattr(f, "values", None) or ()) or None,
                monitored=True,
            )
        )
    return specs


def inferred_specs(
    schema_fields: Iterable[tuple[str, str]], skip: Iterable[str], non_negative: bool
) -> list[ColumnSpec]:
    """Column specs from ``(name, simple type)`` pairs: every column monitored, numeric
    columns >= 0 when ``non_negative`` (daily sums and counts), durations capped.
    Nested types (arrays, maps, structs) are left out."""
    skipped = set(skip)
    specs = []
    for name, dtype in schema_fields:
        if name in skipped or dtype.split("(")[0] not in SPARK_TYPES:
            continue
        numeric = is_numeric(dtype)
        lo = 0 if numeric and non_negative else None
        timed = "duration" in name or "seconds" in name
        hi = MAX_DAILY_DURATION_S if numeric and non_negative and timed else None
        specs.append(ColumnSpec(name, dtype, min_value=lo, max_value=hi))
    return specs
