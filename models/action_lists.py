"""The CRM churn list and the revenue-assurance fraud review, from ``gold.risk_scores`` rows.

Pure functions (no IO, no session, no config): ``churn_list`` and ``fraud_review`` take
score rows and return the list's rows in order; ``likely_fraud_type`` names the fraud
pattern behind a row's fraud reason codes; ``format_table`` renders rows as aligned text.

Likely fraud type: the first rule of ``FRAUD_TYPE_RULES`` whose codes are all among the
row's top fraud reason codes and, when it lists alternatives, at least one of those too;
``other`` when the row has reasons but no rule matches; null when it has none (fraud not
scored, or no feature raised the risk). The rules, most specific first:

| fraud type       | all of        | and one of                                           |
|------------------|---------------|------------------------------------------------------|
| wangiri          | SHORT_CALLS   | MANY_B_NUMBERS, MANY_NEW_B_NUMBERS, OUTGOING_ONLY,   |
|                  |               | INTERNATIONAL_BURST                                  |
| simbox           | OUTGOING_ONLY | MANY_NEW_B_NUMBERS, MANY_B_NUMBERS, FIXED_LOCATION   |
| subscription     | NEW_ACCOUNT   | -                                                    |
| account_takeover | -             | IMEI_CHANGE, CELL_HOPPING                            |
| irsf             | -             | PREMIUM_BURST, INTERNATIONAL_BURST                   |

Why: wangiri SIMs place one-ring (short) calls to many, mostly international, numbers;
a SIM box only originates ordinary-length calls to ever new numbers from one place; a
subscription fraudster is a young account running up charges; an account takeover shows a
new device or new places; IRSF is a burst of premium / international charges.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from models.risk_bands import BANDS

SEGMENTS = ("prepaid", "postpaid")
OTHER = "other"


@dataclass(frozen=True)
class FraudTypeRule:
    fraud_type: str
    all_of: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()


FRAUD_TYPE_RULES: tuple[FraudTypeRule, ...] = (
    FraudTypeRule(
        "wangiri",
        ("SHORT_CALLS",),
        ("MANY_B_NUMBERS", "MANY_NEW_B_NUMBERS", "OUTGOING_ONLY", "INTERNATIONAL_BURST"),
    ),
    FraudTypeRule("simbox", ("OUTGOING_ONLY",), ("MANY_NEW_B_NUMBERS", "MANY_B_NUMBERS", "FIXED_LOCATION")),
    FraudTypeRule("subscription", ("NEW_ACCOUNT",)),
    FraudTypeRule("account_takeover", (), ("IMEI_CHANGE", "CELL_HOPPING")),
    FraudTypeRule("irsf", (), ("PREMIUM_BURST", "INTERNATIONAL_BURST")),
)


def likely_fraud_type(reasons: Column, rules: Sequence[FraudTypeRule] = FRAUD_TYPE_RULES) -> Column:
    """``;``-joined fraud reason codes -> the likely fraud type (see the module docstring)."""
    codes = F.split(reasons, ";")

    def has(code: str) -> Column:
        return F.array_contains(codes, code)

    result: Column = F.when((reasons.isNull()) | (reasons == ""), F.lit(None).cast("string"))
    for rule in rules:
        conditions = [has(c) for c in rule.all_of]
        if rule.any_of:
            conditions.append(reduce(lambda a, b: a | b, (has(c) for c in rule.any_of)))
        result = result.when(reduce(lambda a, b: a & b, conditions), F.lit(rule.fraud_type))
    return result.otherwise(F.lit(OTHER))


def revenue_at_risk(churn_score: Column, monthly_revenue: Column) -> Column:
    """Expected monthly revenue lost to churn: probability x monthly revenue (0 when unknown)."""
    return churn_score * F.coalesce(monthly_revenue.cast("double"), F.lit(0.0))


CHURN_LIST_COLUMNS = (
    "subscriber_id",
    "segment",
    "plan_id",
    "region",
    "churn_band",
    "churn_score",
    "monthly_revenue",
    "revenue_at_risk",
    "churn_reasons",
)


def churn_list(scores: DataFrame, top: int, segment: str | None = None, band: str | None = None) -> DataFrame:
    """Score rows of one date -> the ``top`` subscribers by revenue at risk, highest first.

    Input: gold.risk_scores columns (subscriber_id, segment, plan_id, region, churn_score,
    churn_band, churn_reasons, monthly_revenue). Rows without a churn score are left out;
    ``segment`` / ``band`` keep only that segment / churn band. Ties: higher churn score,
    then subscriber_id. Output: ``CHURN_LIST_COLUMNS``.
    """
    if top < 1:
        raise ValueError(f"--top must be at least 1, got {top}")
    if segment is not None and segment not in SEGMENTS:
        raise ValueError(f"--segment must be one of {', '.join(SEGMENTS)}, got {segment!r}")
    if band is not None and band not in BANDS:
        raise ValueError(f"--band must be one of {', '.join(BANDS)}, got {band!r}")
    rows = scores.where(F.col("churn_score").isNotNull())
    if segment is not None:
        rows = rows.where(F.col("segment") == segment)
    if band is not None:
        rows = rows.where(F.col("churn_band") == band)
    return (
        rows.withColumn("revenue_at_risk", revenue_at_risk(F.col("churn_score"), F.col("monthly_revenue")))
        .orderBy(F.desc("revenue_at_risk"), F.desc("churn_score"), F.asc("subscriber_id"))
        .limit(top)
        .select(*CHURN_LIST_COLUMNS)
    )


FRAUD_REVIEW_COLUMNS = (
    "subscriber_id",
    "segment",
    "fraud_band",
    "fraud_score",
    "likely_fraud_type",
    "fraud_exposure",
    "new_alert",
    "fraud_reasons",
)


def fraud_review(
    scores: DataFrame,
    previous: DataFrame | None,
    alert_bands: Sequence[str] = ("high", "medium"),
    band: str | None = None,
) -> DataFrame:
    """Fraud alerts of one date, highest score first, each flagged new or not.

    ``scores``: gold.risk_scores rows of the date (subscriber_id, segment, fraud_score,
    fraud_band, fraud_reasons, likely_fraud_type, fraud_exposure); ``previous``: the rows of
    the previous score date, or None when there is none. An alert is a row whose fraud band
    is in ``alert_bands`` (only ``band`` when given); ``new_alert`` is true when the
    subscriber was not in ``alert_bands`` on the previous score date. Ties: higher
    exposure, then subscriber_id. Output: ``FRAUD_REVIEW_COLUMNS``.
    """
    if band is not None and band not in BANDS:
        raise ValueError(f"--band must be one of {', '.join(BANDS)}, got {band!r}")
    shown = [band] if band is not None else list(alert_bands)
    alerts = scores.where(F.col("fraud_score").isNotNull() & F.col("fraud_band").isin(*shown))
    if previous is None:
        flagged = alerts.withColumn("new_alert", F.lit(True))
    else:
        before = (
            previous.where(F.col("fraud_band").isin(*alert_bands))
            .select("subscriber_id", F.lit(True).alias("_alerted_before"))
            .distinct()
        )
        flagged = alerts.join(before, "subscriber_id", "left").withColumn(
            "new_alert", F.col("_alerted_before").isNull()
        )
    return flagged.orderBy(
        F.desc("fraud_score"), F.desc_nulls_last("fraud_exposure"), F.asc("subscriber_id")
    ).select(*FRAUD_REVIEW_COLUMNS)


def _cell(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return str(value)


def format_table(
    rows: pd.DataFrame, decimals: dict[str, int] | None = None, default_decimals: int = 2
) -> str:
    """Rows as an aligned text table: a header, a rule, numbers right-aligned, text left-aligned."""
    decimals = decimals or {}
    columns = [str(c) for c in rows.columns]
    cells = [
        [_cell(v, decimals.get(c, default_decimals)) for c, v in zip(columns, row, strict=True)]
        for row in rows.itertuples(index=False, name=None)
    ]
    numeric = [
        pd.api.types.is_numeric_dtype(rows[c]) and not pd.api.types.is_bool_dtype(rows[c]) for c in columns
    ]
    widths = [max([len(c), *(len(r[j]) for r in cells)]) for j, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(columns), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells]
    return "\n".join(out)
