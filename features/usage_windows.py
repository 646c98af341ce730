"""Usage window features from window sums: volumes, means per active day, shares, trends, recency.

Input: one row per subscriber with ``tenure_days`` and the sums of
``features.window_state`` (``<measure>_<w>d`` over (D - w, D], last call / data / CDR
day). Output: the same rows plus the usage_windows columns, whose catalogue entries
(``usage_window_specs``) follow the expressions. A new feature over window sums already
kept is one expression here plus its entry below (a new measure also needs its daily
column in ``features.cdr_daily`` and its windows in ``features.window_state``).
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.columns import MB, days_since, per_day, rate_trend, share
from features.feature_spec import FeatureSpec, spec
from features.window_state import sum_column
from features.windows import UsageWindows, trend_name
from telco_risk.tables import CDR_DAILY


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


def with_usage_window_features(wide: DataFrame, as_of: dt.date, windows: UsageWindows) -> DataFrame:
    """Adds every usage_windows feature of the catalogue (needs ``tenure_days``)."""
    mid = windows.mid
    cols: dict[str, Column] = {}
    for w in windows.days:
        cols.update(window_columns(w))
    calls_mid = _s("voice_out_calls", mid) + _s("voice_in_calls", mid)
    cols[f"failed_call_rate_{mid}d"] = share(_s("failed_calls", mid), calls_mid)
    cols[f"roaming_share_{mid}d"] = share(_s("roaming_events", mid), _s("events", mid))
    tenure = F.col("tenure_days")
    for a, b in windows.trend_pairs:
        for name, measure in TREND_MEASURES.items():
            cols[trend_name(name, a, b)] = rate_trend(_summed(measure, a), _summed(measure, b), a, b, tenure)
    cols["days_since_last_call"] = days_since(as_of, F.col("last_call_date"))
    cols["days_since_last_data"] = days_since(as_of, F.col("last_data_date"))
    cols["days_since_last_event"] = days_since(as_of, F.col("last_event_date"))
    return wide.withColumns(cols)


# -- catalogue entries ------------------------------------------------------------------


def usage_window_specs(windows: UsageWindows) -> list[FeatureSpec]:
    """The catalogue entries of the usage_windows group, in table order."""
    g, src = "usage_windows", CDR_DAILY
    out: list[FeatureSpec] = []
    for w in windows.days:
        win = f"{w}d"
        out += [
            spec(f"active_days_{w}d", "days with at least one CDR", win, src, g, "int", "LOW_ACTIVITY", 0, w),
            spec(
                f"voice_out_calls_{w}d", "outgoing voice calls", win, src, g, "int", "USAGE_DROP", 0, 1000 * w
            ),
            spec(
                f"voice_in_calls_{w}d", "incoming voice calls", win, src, g, "int", "USAGE_DROP", 0, 1000 * w
            ),
            spec(
                f"voice_minutes_{w}d",
                "voice minutes, both directions",
                win,
                src,
                g,
                "double",
                "USAGE_DROP",
                0,
                1440 * w,
            ),
            spec(f"sms_{w}d", "SMS sent and received", win, src, g, "int", "USAGE_DROP", 0, 5000 * w),
            spec(
                f"data_mb_{w}d",
                "data volume up + down in MB (2^20 bytes)",
                win,
                src,
                g,
                "double",
                "USAGE_DROP",
                0,
                100_000 * w,
            ),
            spec(
                f"charge_{w}d",
                "sum of rated CDR charges",
                win,
                src,
                g,
                "double",
                "SPEND_LEVEL",
                0,
                10_000 * w,
            ),
            spec(
                f"events_per_active_day_{w}d",
                "CDRs per active day",
                win,
                src,
                g,
                "double",
                "USAGE_LEVEL",
                0,
                10_000,
            ),
            spec(
                f"minutes_per_active_day_{w}d",
                "voice minutes per active day",
                win,
                src,
                g,
                "double",
                "USAGE_LEVEL",
                0,
                1440,
            ),
            spec(
                f"night_share_{w}d",
                "share of CDRs at night (night_start_hour to day_start_hour, UTC)",
                win,
                src,
                g,
                "double",
                "NIGHT_USAGE",
                0,
                1,
            ),
            spec(
                f"outgoing_share_{w}d",
                "outgoing / all voice calls + SMS (the out/in ratio as a share)",
                win,
                src,
                g,
                "double",
                "OUTGOING_SHARE",
                0,
                1,
            ),
            spec(
                f"intl_share_{w}d",
                "outgoing international calls + SMS / all outgoing calls + SMS",
                win,
                src,
                g,
                "double",
                "INTERNATIONAL_USAGE",
                0,
                1,
            ),
            spec(
                f"dropped_call_rate_{w}d",
                "dropped / all voice calls",
                win,
                src,
                g,
                "double",
                "DROPPED_CALLS_UP",
                0,
                1,
            ),
            spec(
                f"care_calls_{w}d",
                "outgoing calls to customer care",
                win,
                src,
                g,
                "int",
                "CARE_CALLS",
                0,
                100 * w,
            ),
        ]
    mid = windows.mid
    out += [
        spec(
            f"failed_call_rate_{mid}d",
            "failed / all voice calls",
            f"{mid}d",
            src,
            g,
            "double",
            "FAILED_CALLS_UP",
            0,
            1,
        ),
        spec(
            f"roaming_share_{mid}d",
            "share of CDRs while roaming",
            f"{mid}d",
            src,
            g,
            "double",
            "ROAMING_USAGE",
            0,
            1,
        ),
    ]
    measures = {
        "events": "CDRs",
        "voice_minutes": "voice minutes",
        "data_mb": "data MB",
        "charge": "CDR charges",
    }
    for a, b in windows.trend_pairs:
        for measure, what in measures.items():
            out.append(
                spec(
                    trend_name(measure, a, b),
                    f"trend of daily {what}: last {a} days vs the {b - a} before (exposure-adjusted)",
                    f"{a}d vs {b - a}d before",
                    src,
                    g,
                    "double",
                    "USAGE_DROP",
                    -1,
                    1,
                )
            )
    longest = windows.long
    for name, what in (("call", "voice call"), ("data", "data session"), ("event", "CDR of any kind")):
        out.append(
            spec(
                f"days_since_last_{name}",
                f"days since the last {what} (0 = on D); null when none in the last {longest} days",
                f"{longest}d",
                src,
                g,
                "int",
                "INACTIVITY",
                0,
                longest - 1,
            )
        )
    return out
