"""Window sums of silver.cdr_daily measures: computed from scratch or rolled day by day.

A window ``w`` at day D covers the days (D - w, D]. Every measure is an exact (integer
or decimal) daily value, so sums roll forward without drift:

- ``settled_state(cdr_daily, D, windows, lag)``: sums over (D - w, D - lag] for each
  window a measure needs, plus the latest call / data / CDR day within the longest
  window; ``lag`` = ``ingest.max_late_days``, the days late CDRs can still change.
  Kept in ``silver.cdr_window_state`` (partition ``as_of_date``).
- ``roll_state(state at D - 1, cdr_daily, D, ...)``: the same result from yesterday's
  state + day D - lag (now final) - day D - w (leaving window w): it reads a fixed
  number of days whatever the history length.
- ``window_totals(state at D, cdr_daily, D, ...)``: the state + the unsettled days
  (D - lag, D] read fresh = sums over (D - w, D]; equal to ``reread_totals``.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.windows import UsageWindows

SUM_TYPE = "decimal(22,4)"
SQUARE_TYPE = "decimal(38,8)"
LAST_DATES = ("last_call_date", "last_data_date", "last_event_date")
ALL, SHORT, MID, LONG = "all", "short", "mid", "long"

# Which windows each measure is summed over (the features use no other pairs).
MEASURE_WINDOWS: dict[str, tuple[str, ...]] = {
    **{
        m: (ALL,)
        for m in (
            "active_days",
            "events",
            "voice_out_calls",
            "voice_in_calls",
            "voice_out_seconds",
            "voice_in_seconds",
            "sms_out",
            "sms_in",
            "data_bytes",
            "events_night",
            "intl_out",
            "dropped_calls",
            "care_calls",
            "total_charge",
            "premium_intl_charge",
        )
    },
    **{m: (SHORT, MID) for m in ("distinct_b_numbers", "new_b_numbers", "short_calls", "outgoing_only_days")},
    **{m: (SHORT,) for m in ("premium_charge", "intl_charge", "roaming_charge")},
    **{
        m: (MID,)
        for m in (
            "failed_calls",
            "roaming_events",
            "distinct_parties",
            "new_parties",
            "premium_intl_charge_sq",
            "top_cell_events",
            "cell_events",
            "distinct_cells",
        )
    },
    "new_imeis": (MID, LONG),
}


def _c(name: str) -> Column:
    return F.col(name)


def measures() -> dict[str, tuple[Column, str]]:
    """Additive daily measures: name -> (expression over silver.cdr_daily columns, SQL type)."""
    premium_intl = _c("premium_charge") + _c("intl_charge")
    out_events, in_events = _c("voice_out_calls") + _c("sms_out"), _c("voice_in_calls") + _c("sms_in")
    derived = {
        "active_days": (F.lit(1), "long"),
        "data_bytes": (_c("data_bytes_up") + _c("data_bytes_down"), "long"),
        "intl_out": (_c("intl_calls") + _c("intl_sms"), "long"),
        "outgoing_only_days": (F.when((out_events > 0) & (in_events == 0), 1).otherwise(0), "long"),
        "premium_intl_charge": (premium_intl, SUM_TYPE),
        "premium_intl_charge_sq": (premium_intl * premium_intl, SQUARE_TYPE),
    }
    out: dict[str, tuple[Column, str]] = {}
    for name in MEASURE_WINDOWS:
        if name in derived:
            out[name] = derived[name]
        else:
            out[name] = (_c(name), SUM_TYPE if name.endswith("charge") else "long")
    return out


def measure_windows(measure: str, windows: UsageWindows) -> tuple[int, ...]:
    """The windows (days) ``measure`` is summed over."""
    roles = {SHORT: windows.short, MID: windows.mid, LONG: windows.long}
    chosen: set[int] = set()
    for role in MEASURE_WINDOWS[measure]:
        chosen |= set(windows.days) if role == ALL else {roles[role]}
    return tuple(sorted(chosen))


def sum_column(measure: str, window: int) -> str:
    return f"{measure}_{window}d"


def sum_columns(windows: UsageWindows) -> list[tuple[str, int, str]]:
    """(measure, window, column name) of every sum kept."""
    return [(m, w, sum_column(m, w)) for m in MEASURE_WINDOWS for w in measure_windows(m, windows)]


def state_columns(windows: UsageWindows) -> list[str]:
    """The value columns of a state / totals frame (after ``subscriber_id``)."""
    return [name for _, _, name in sum_columns(windows)] + list(LAST_DATES)


def _last_date_flags() -> dict[str, Column]:
    return {
        "last_call_date": (_c("voice_out_calls") + _c("voice_in_calls")) > 0,
        "last_data_date": _c("data_sessions") > 0,
        "last_event_date": _c("events") > 0,
    }


def _contributions(
    rows: DataFrame, windows: UsageWindows, weights: dict[int, Column], last_date_rows: Column
) -> DataFrame:
    """One row per cdr_daily row: measure * weight of the window for every sum column, and
    the row's day in the last-date columns when it counts (``last_date_rows``) and qualifies."""
    exprs = measures()
    values = [(exprs[m][0] * weights[w]).cast(exprs[m][1]).alias(name) for m, w, name in sum_columns(windows)]
    dates = [
        F.when(last_date_rows & flag, _c("event_date")).alias(n) for n, flag in _last_date_flags().items()
    ]
    return rows.select("subscriber_id", *values, *dates)


def _combine(parts: list[DataFrame], windows: UsageWindows) -> DataFrame:
    """Sum the parts per subscriber (latest of the last dates), typed and zero-filled."""
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.unionByName(part)
    types = {m: t for m, (_, t) in measures().items()}
    aggs = [
        F.coalesce(F.sum(name), F.lit(0)).cast(types[m]).alias(name) for m, _, name in sum_columns(windows)
    ]
    aggs += [F.max(d).alias(d) for d in LAST_DATES]
    return combined.groupBy("subscriber_id").agg(*aggs)


def _forget_old_dates(df: DataFrame, as_of: dt.date, longest: int) -> DataFrame:
    """Last dates outside the longest window become null."""
    oldest = as_of - dt.timedelta(days=longest - 1)
    return df.withColumns({d: F.when(_c(d) >= F.lit(oldest), _c(d)) for d in LAST_DATES})


def _check(windows: UsageWindows, lag: int) -> None:
    if lag < 0 or windows.short <= lag:
        raise ValueError(f"the shortest window ({windows.short}) must exceed the late-arrival lag ({lag})")


def settled_state(cdr_daily: DataFrame, as_of: dt.date, windows: UsageWindows, lag: int) -> DataFrame:
    """silver.cdr_daily -> ``subscriber_id``, the sums over (as_of - w, as_of - lag], the last
    dates within the longest window, ``as_of_date``; one row per subscriber active then."""
    _check(windows, lag)
    first = as_of - dt.timedelta(days=windows.long - 1)
    last = as_of - dt.timedelta(days=lag)
    rows = cdr_daily.where(_c("event_date").between(F.lit(first), F.lit(last)))
    weights = {
        w: F.when(_c("event_date") > F.lit(as_of - dt.timedelta(days=w)), 1).otherwise(0)
        for w in windows.days
    }
    parts = [_contributions(rows, windows, weights, F.lit(True))]
    return _combine(parts, windows).withColumn("as_of_date", F.lit(as_of))


def roll_state(
    previous: DataFrame, cdr_daily: DataFrame, as_of: dt.date, windows: UsageWindows, lag: int
) -> DataFrame:
    """The state at ``as_of`` from the state at ``as_of - 1`` (``previous``): adds day
    as_of - lag, subtracts day as_of - w from window w. Same output as ``settled_state``."""
    _check(windows, lag)
    entering = as_of - dt.timedelta(days=lag)
    leaving = {w: as_of - dt.timedelta(days=w) for w in windows.days}
    day = _c("event_date")
    rows = cdr_daily.where(day.isin(entering, *leaving.values()))
    weights = {
        w: F.when(day == F.lit(entering), 1).otherwise(0) - F.when(day == F.lit(leaving[w]), 1).otherwise(0)
        for w in windows.days
    }
    parts = [
        previous.select("subscriber_id", *state_columns(windows)),
        _contributions(rows, windows, weights, day == F.lit(entering)),
    ]
    longest = windows.long
    rolled = _forget_old_dates(_combine(parts, windows), as_of, longest)
    return rolled.where(_c(sum_column("active_days", longest)) > 0).withColumn("as_of_date", F.lit(as_of))


def window_totals(
    state: DataFrame, cdr_daily: DataFrame, as_of: dt.date, windows: UsageWindows, lag: int
) -> DataFrame:
    """The settled state at ``as_of`` + the days (as_of - lag, as_of] of silver.cdr_daily ->
    ``subscriber_id`` + sums over (as_of - w, as_of] (``state_columns``)."""
    _check(windows, lag)
    parts = [state.select("subscriber_id", *state_columns(windows))]
    if lag > 0:
        first = as_of - dt.timedelta(days=lag - 1)
        recent = cdr_daily.where(_c("event_date").between(F.lit(first), F.lit(as_of)))
        parts.append(_contributions(recent, windows, {w: F.lit(1) for w in windows.days}, F.lit(True)))
    return _combine(parts, windows)


def reread_totals(cdr_daily: DataFrame, as_of: dt.date, windows: UsageWindows) -> DataFrame:
    """Window sums at ``as_of`` straight from silver.cdr_daily (reads the longest window)."""
    return settled_state(cdr_daily, as_of, windows, 0).drop("as_of_date")
