"""Fraud signal features from window sums: B-numbers, outgoing-only days, short calls,
premium / international bursts, cell concentration, device changes, new-account activity.

Input: one row per subscriber with ``tenure_days`` and the ``features.window_state`` sums.
Output: the same rows plus the fraud_signals columns of ``features.catalog``.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.catalog import trend_name
from features.columns import exposure_days, per_day, rate_trend, share
from features.window_state import sum_column


def _s(measure: str, window: int) -> Column:
    return F.col(sum_column(measure, window))


def burstiness(total: Column, sum_of_squares: Column, days: Column) -> Column:
    """Coefficient of variation of a daily amount over ``days`` days (zero days included),
    from its sum S and sum of squares Q: sqrt(days * Q / S^2 - 1); 0 when S is 0."""
    s, q = total.cast("double"), sum_of_squares.cast("double")
    return F.when((s > 0) & (days > 0), F.sqrt(F.greatest(days * q / (s * s) - 1.0, F.lit(0.0)))).otherwise(
        F.lit(0.0)
    )


def early_life_window(windows: tuple[int, ...], early_life_days: int) -> int:
    """The shortest window that covers an account younger than ``early_life_days`` entirely."""
    return min(w for w in windows if w >= early_life_days)


def with_fraud_signal_features(wide: DataFrame, windows: tuple[int, ...], early_life_days: int) -> DataFrame:
    """Adds every fraud_signals feature of the catalogue (needs ``tenure_days``)."""
    short, mid, longest = windows[0], windows[1], windows[-1]
    tenure = F.col("tenure_days")
    cols: dict[str, Column] = {}
    for w in (short, mid):
        calls = _s("voice_out_calls", w) + _s("voice_in_calls", w)
        cols[f"distinct_b_numbers_per_day_{w}d"] = per_day(_s("distinct_b_numbers", w), _s("active_days", w))
        cols[f"new_b_numbers_per_day_{w}d"] = per_day(_s("new_b_numbers", w), _s("active_days", w))
        cols[f"short_call_share_{w}d"] = share(_s("short_calls", w), calls)
        cols[f"outgoing_only_day_share_{w}d"] = share(_s("outgoing_only_days", w), _s("active_days", w))
    cols[f"new_party_share_{mid}d"] = share(_s("new_parties", mid), _s("distinct_parties", mid))
    cols[f"premium_charge_{short}d"] = _s("premium_charge", short).cast("double")
    cols[f"intl_charge_{short}d"] = _s("intl_charge", short).cast("double")
    cols[f"roaming_charge_{short}d"] = _s("roaming_charge", short).cast("double")
    cols[f"fraud_exposure_{short}d"] = _s("premium_intl_charge", short).cast("double")
    cols[f"premium_intl_burst_{mid}d"] = burstiness(
        _s("premium_intl_charge", mid), _s("premium_intl_charge_sq", mid), exposure_days(mid, tenure)
    )
    cols[trend_name("premium_intl", short, mid)] = rate_trend(
        _s("premium_intl_charge", short), _s("premium_intl_charge", mid), short, mid, tenure
    )
    cols[f"cell_concentration_{mid}d"] = share(_s("top_cell_events", mid), _s("cell_events", mid))
    cols[f"distinct_cells_per_day_{mid}d"] = per_day(_s("distinct_cells", mid), _s("active_days", mid))
    cols[f"imei_changes_{mid}d"] = _s("new_imeis", mid)
    cols[f"imei_changes_{longest}d"] = _s("new_imeis", longest)
    ew = early_life_window(windows, early_life_days)
    young = tenure < early_life_days
    cols["new_account_events_per_day"] = F.when(young, per_day(_s("events", ew), exposure_days(ew, tenure)))
    cols["new_account_premium_intl_charge"] = F.when(young, _s("premium_intl_charge", ew).cast("double"))
    return wide.withColumns(cols)
