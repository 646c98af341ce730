"""Usage window features from window sums: volumes, means per active day, shares, trends, recency.

Input: one row per subscriber with ``tenure_days`` and the sums of
``features.window_state`` (``<measure>_<w>d`` over (D - w, D], last call / data / CDR
day). Output: the same rows plus the usage columns of ``features.catalog``.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.catalog import MB, trend_name, trend_pairs
from features.columns import days_since, per_day, rate_trend, share
from features.window_state import sum_column


def _s(measure: str, window: int) -> Column:
    return F.col(sum_column(measure, window))


def _minutes(window: int) -> Column:
    return (_s("voice_out_seconds", window) + _s("voice_in_seconds", window)) / 60.0


def window_columns(window: int) -> dict[str, Column]:
    """The per-window usage features of one window."""
    w = window
    calls = _s("voice_out_calls", w) + _s("voice_in_calls", w)
    out_events = _s("voice_out_calls", w) + _s("sms_out", w)
    all_events = calls + _s("sms_out", w) + _s("sms_in", w)
    return {
        f"active_days_{w}d": _s("active_days", w),
        f"voice_out_calls_{w}d": _s("voice_out_calls", w),
        f"voice_in_calls_{w}d": _s("voice_in_calls", w),
        f"voice_minutes_{w}d": _minutes(w),
        f"sms_{w}d": _s("sms_out", w) + _s("sms_in", w),
        f"data_mb_{w}d": _s("data_bytes", w) / float(MB),
        f"charge_{w}d": _s("total_charge", w).cast("double"),
        f"events_per_active_day_{w}d": per_day(_s("events", w), _s("active_days", w)),
        f"minutes_per_active_day_{w}d": per_day(_minutes(w), _s("active_days", w)),
        f"night_share_{w}d": share(_s("events_night", w), _s("events", w)),
        f"outgoing_share_{w}d": share(out_events, all_events),
        f"intl_share_{w}d": share(_s("intl_out", w), out_events),
        f"dropped_call_rate_{w}d": share(_s("dropped_calls", w), calls),
        f"care_calls_{w}d": _s("care_calls", w),
    }


TREND_MEASURES = {
    "events": "events",
    "voice_minutes": "voice_seconds",
    "data_mb": "data_bytes",
    "charge": "total_charge",
}


def _summed(measure: str, window: int) -> Column:
    if measure == "voice_seconds":
        return _s("voice_out_seconds", window) + _s("voice_in_seconds", window)
    return _s(measure, window)


def with_usage_window_features(wide: DataFrame, as_of: dt.date, windows: tuple[int, ...]) -> DataFrame:
    """Adds every usage_windows feature of the catalogue (needs ``tenure_days``)."""
    mid = windows[1]
    cols: dict[str, Column] = {}
    for w in windows:
        cols.update(window_columns(w))
    calls_mid = _s("voice_out_calls", mid) + _s("voice_in_calls", mid)
    cols[f"failed_call_rate_{mid}d"] = share(_s("failed_calls", mid), calls_mid)
    cols[f"roaming_share_{mid}d"] = share(_s("roaming_events", mid), _s("events", mid))
    tenure = F.col("tenure_days")
    for a, b in trend_pairs(windows):
        for name, measure in TREND_MEASURES.items():
            cols[trend_name(name, a, b)] = rate_trend(_summed(measure, a), _summed(measure, b), a, b, tenure)
    cols["days_since_last_call"] = days_since(as_of, F.col("last_call_date"))
    cols["days_since_last_data"] = days_since(as_of, F.col("last_data_date"))
    cols["days_since_last_event"] = days_since(as_of, F.col("last_event_date"))
    return wide.withColumns(cols)
