"""Small ``Column -> Column`` builders shared by the feature groups (ratios, exposure, trends)."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column
from pyspark.sql import functions as F

MB = 1024 * 1024  # bytes in one MB, as plan data allowances count them


def share(numerator: Column, denominator: Column) -> Column:
    """``numerator / denominator`` as double; 0.0 when the denominator is 0 or null."""
    return F.when(denominator > 0, numerator.cast("double") / denominator).otherwise(F.lit(0.0))


def per_day(total: Column, days: Column) -> Column:
    """A mean per day (``total / days``); 0.0 when there are no days."""
    return share(total, days)


def days_since(as_of: dt.date, date: Column) -> Column:
    """Whole days from ``date`` to ``as_of`` (0 on the same day); null when ``date`` is null."""
    return F.datediff(F.lit(as_of), date)


def tenure_days(as_of: dt.date, activation_date: str = "activation_date") -> Column:
    """Days since activation: 0 on the activation day."""
    return days_since(as_of, F.col(activation_date))


def exposure_days(window: int, tenure: Column) -> Column:
    """Days of the window ``(D - window, D]`` on which the subscription existed: min(window, tenure + 1)."""
    return F.greatest(F.least(F.lit(window), tenure + 1), F.lit(0))


def rate_trend(recent_sum: Column, longer_sum: Column, recent: int, longer: int, tenure: Column) -> Column:
    """Trend of a daily rate: the last ``recent`` days against the ``longer - recent`` days before.

    ``longer_sum`` covers the whole ``longer`` window. Rates divide by the days the
    subscription existed in each part (an account activated inside the window is not
    compared with days before it existed). Result (r - b) / (r + b) in [-1, 1]: -1 usage
    stopped, 0 flat (or no usage at all), 1 all new; null when no earlier day existed.
    """
    recent_days = exposure_days(recent, tenure)
    before_days = exposure_days(longer, tenure) - recent_days
    rate_recent = recent_sum.cast("double") / recent_days
    rate_before = (longer_sum - recent_sum).cast("double") / before_days
    total = rate_recent + rate_before
    return (
        F.when(before_days <= 0, F.lit(None).cast("double"))
        .when(total == 0, F.lit(0.0))
        .otherwise((rate_recent - rate_before) / total)
    )


def flag(condition: Column) -> Column:
    """1 when the condition holds, else 0 (null counts as 0)."""
    return F.when(condition, F.lit(1)).otherwise(F.lit(0))
