"""Fraud signal features from window sums: B-numbers, outgoing-only days, short calls,
premium / international bursts, cell concentration, device changes, new-account activity.

Input: one row per subscriber with ``tenure_days`` and the ``features.window_state`` sums.
Output: the same rows plus the fraud_signals columns; their catalogue entries
(``fraud_signal_specs``) follow the expressions.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.columns import exposure_days, per_day, rate_trend, share
from features.feature_spec import FeatureSpec, spec
from features.window_state import sum_column
from features.windows import UsageWindows, trend_name
from telco_risk.tables import CDR_DAILY


def _s(measure: str, window: int) -> Column:
    return F.col(sum_column(measure, window))


def burstiness(total: Column, sum_of_squares: Column, days: Column) -> Column:
    """Coefficient of variation of a daily amount over ``days`` days (zero days included),
    from its sum S and sum of squares Q: sqrt(days * Q / S^2 - 1); 0 when S is 0."""
    s, q = total.cast("double"), sum_of_squares.cast("double")
    return F.when((s > 0) & (days > 0), F.sqrt(F.greatest(days * q / (s * s) - 1.0, F.lit(0.0)))).otherwise(
        F.lit(0.0)
    )


def early_life_window(windows: UsageWindows, early_life_days: int) -> int:
    """The shortest window that covers an account younger than ``early_life_days`` entirely."""
    return min(w for w in windows.days if w >= early_life_days)


def with_fraud_signal_features(wide: DataFrame, windows: UsageWindows, early_life_days: int) -> DataFrame:
    """Adds every fraud_signals feature of the catalogue (needs ``tenure_days``)."""
    short, mid, longest = windows.short, windows.mid, windows.long
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


# -- catalogue entries ------------------------------------------------------------------


def fraud_signal_specs(windows: UsageWindows) -> list[FeatureSpec]:
    """The catalogue entries of the fraud_signals group, in table order."""
    g, src = "fraud_signals", CDR_DAILY
    short, mid, longest = windows.short, windows.mid, windows.long
    out: list[FeatureSpec] = []
    for w in (short, mid):
        win = f"{w}d"
        out += [
            spec(
                f"distinct_b_numbers_per_day_{w}d",
                "distinct called/texted numbers per active day",
                win,
                src,
                g,
                "double",
                "MANY_B_NUMBERS",
                0,
                10_000,
            ),
            spec(
                f"new_b_numbers_per_day_{w}d",
                "called/texted numbers not in contact the previous"
                " new_party_lookback_days days, per active day",
                win,
                src,
                g,
                "double",
                "MANY_NEW_B_NUMBERS",
                0,
                10_000,
            ),
            spec(
                f"short_call_share_{w}d",
                "voice calls shorter than short_call_seconds / all voice calls",
                win,
                src,
                g,
                "double",
                "SHORT_CALLS",
                0,
                1,
            ),
            spec(
                f"outgoing_only_day_share_{w}d",
                "share of active days with outgoing and no incoming calls/SMS",
                win,
                src,
                g,
                "double",
                "OUTGOING_ONLY",
                0,
                1,
            ),
        ]
    m, s = f"{mid}d", f"{short}d"
    out += [
        spec(
            f"new_party_share_{mid}d",
            "new other parties / distinct other parties (daily counts summed)",
            m,
            src,
            g,
            "double",
            "MANY_NEW_B_NUMBERS",
            0,
            1,
        ),
        spec(
            f"premium_charge_{short}d",
            "charges of premium-rate CDRs",
            s,
            src,
            g,
            "double",
            "PREMIUM_BURST",
            0,
            100_000,
        ),
        spec(
            f"intl_charge_{short}d",
            "charges of international CDRs",
            s,
            src,
            g,
            "double",
            "INTERNATIONAL_BURST",
            0,
            100_000,
        ),
        spec(
            f"roaming_charge_{short}d",
            "charges of CDRs while roaming",
            s,
            src,
            g,
            "double",
            "ROAMING_CHARGES",
            0,
            100_000,
        ),
        spec(
            f"fraud_exposure_{short}d",
            "premium + international charges (revenue exposed to fraud)",
            s,
            src,
            g,
            "double",
            "PREMIUM_BURST",
            0,
            200_000,
        ),
        spec(
            f"premium_intl_burst_{mid}d",
            "coefficient of variation of daily premium + international charges"
            " over the exposure days (0 = spread evenly or none)",
            m,
            src,
            g,
            "double",
            "PREMIUM_BURST",
            0,
            float(mid) ** 0.5,
        ),
        spec(
            trend_name("premium_intl", short, mid),
            f"trend of daily premium + international charges: last {short} days vs the {mid - short} before",
            f"{short}d vs {mid - short}d before",
            src,
            g,
            "double",
            "PREMIUM_BURST",
            -1,
            1,
        ),
        spec(
            f"cell_concentration_{mid}d",
            "CDRs in each day's busiest cell / CDRs with a cell",
            m,
            src,
            g,
            "double",
            "FIXED_LOCATION",
            0,
            1,
        ),
        spec(
            f"distinct_cells_per_day_{mid}d",
            "distinct serving cells per active day",
            m,
            src,
            g,
            "double",
            "CELL_HOPPING",
            0,
            10_000,
        ),
        spec(
            f"imei_changes_{mid}d",
            "devices (IMEIs) new to the subscriber: not used the previous"
            " new_party_lookback_days days, the first device of a subscriber not counted",
            m,
            src,
            g,
            "int",
            "IMEI_CHANGE",
            0,
            10 * mid,
        ),
        spec(
            f"imei_changes_{longest}d",
            "as imei_changes over the longest window",
            f"{longest}d",
            src,
            g,
            "int",
            "IMEI_CHANGE",
            0,
            10 * longest,
        ),
        spec(
            "new_account_events_per_day",
            "CDRs per day since activation; null unless tenure_days < early_life_days",
            "since activation",
            src,
            g,
            "double",
            "NEW_ACCOUNT",
            0,
            10_000,
        ),
        spec(
            "new_account_premium_intl_charge",
            "premium + international charges since activation; null unless tenure_days < early_life_days",
            "since activation",
            src,
            g,
            "double",
            "NEW_ACCOUNT",
            0,
            1_000_000,
        ),
    ]
    return out
