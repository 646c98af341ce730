"""Suite of a training set: keys, label, split, feature columns and the positive rate.

A training set (``models.training_set.assemble``) has ``subscriber_id``, ``snapshot_date``,
``split``, ``label`` (0/1) and the feature columns; one row per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from expectations.checks import (
    Check,
    ColumnSpec,
    Suite,
    column_set,
    in_set,
    not_null,
    row_count,
    unique,
)


@dataclass(frozen=True)
class TrainingRules:
    key: tuple[str, ...]
    label_column: str
    split_column: str
    splits: tuple[str, ...]
    min_rows: int
    positive_rate: tuple[float, float]


def training_suite(model_name: str, features: Sequence[ColumnSpec], rules: TrainingRules) -> Suite:
    """Row-level checks of a ``model_name`` training set with ``features`` as inputs; the
    features' types, ranges and null shares are checked on its profile
    (``silver_suites.profile_suite``), as for the feature table."""
    table = f"training.{model_name}"
    names = list(
        dict.fromkeys([*rules.key, rules.split_column, rules.label_column, *(f.name for f in features)])
    )
    checks: list[Check] = [column_set(names, exact=False)]
    checks += [not_null(c) for c in (*rules.key, rules.split_column, rules.label_column)]
    checks.append(in_set(rules.label_column, [0, 1]))
    checks.append(in_set(rules.split_column, list(rules.splits)))
    checks.append(unique(rules.key))
    checks += [in_set(f.name, f.values) for f in features if f.values]
    checks.append(
        row_count(rules.min_rows, None, "volume", "volume", f"{table} has at least {rules.min_rows} rows")
    )
    lo, hi = rules.positive_rate
    checks.append(
        Check(
            f"label_rate:{rules.label_column}",
            "label_rate",
            "expect_column_mean_to_be_between",
            {"column": rules.label_column, "min_value": lo, "max_value": hi},
            f"positive rate of {rules.label_column} within [{lo:g}, {hi:g}]",
        )
    )
    return Suite(table, table, tuple(checks))
