"""Window sums over silver.cdr_daily: window edges, and the rolling state equal to a full recount.

A window w at D covers (D - w, D]: a day exactly w days before D is outside it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from features.window_state import reread_totals, roll_state, settled_state, window_totals
from features.windows import UsageWindows
from tests.features_bronze import assert_rows, cdr_daily_df, materialize

D = dt.date(2026, 5, 1)
WINDOWS = UsageWindows(7, 30, 90)


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def test_window_edges_and_last_dates(spark):
    rows = [
        dict(subscriber_id="S1", event_date=ago(n), events=e, voice_out_calls=1 if n == 6 else 0)
        for n, e in ((0, 1), (6, 10), (7, 100), (29, 1000), (30, 10_000), (89, 100_000), (90, 1_000_000))
    ]
    rows += [
        dict(subscriber_id="S2", event_date=ago(90), events=5, voice_out_calls=5),  # just outside: no row
        dict(subscriber_id="S3", event_date=ago(89), events=2, data_sessions=2),
    ]
    totals = materialize(reread_totals(cdr_daily_df(spark, rows), D, WINDOWS))
    assert_rows(
        totals,
        [
            dict(
                subscriber_id="S1",
                events_7d=11,
                events_30d=1111,
                events_90d=111_111,
                active_days_7d=2,
                active_days_30d=4,
                active_days_90d=6,
                last_call_date=ago(6),
                last_data_date=None,
                last_event_date=D,
            ),
            dict(
                subscriber_id="S3",
                events_7d=0,
                events_30d=0,
                events_90d=2,
                active_days_7d=0,
                active_days_30d=0,
                active_days_90d=1,
                last_call_date=None,
                last_data_date=ago(89),
                last_event_date=ago(89),
            ),
        ],
    )


def test_settled_state_leaves_out_the_unsettled_days(spark):
    rows = [dict(subscriber_id="S1", event_date=ago(n), events=e) for n, e in ((0, 1), (1, 10), (7, 100))]
    state = settled_state(cdr_daily_df(spark, rows), D, WINDOWS, lag=1)
    # lag 1: the state holds (D - w, D - 1]; day D is added fresh by window_totals
    assert_rows(state, [dict(subscriber_id="S1", events_7d=10, events_30d=110, as_of_date=D)])


def _history(spark, first: dt.date, last: dt.date):
    """Random but fixed daily rows for four subscribers; S4 is only active early on."""
    rnd = random.Random(11)
    rows = []
    day = first
    while day <= last:
        for sub in ("S1", "S2", "S3", "S4"):
            if sub == "S4" and day > first + dt.timedelta(days=3):
                continue
            if rnd.random() < 0.6:
                rows.append(
                    dict(
                        subscriber_id=sub,
                        event_date=day,
                        events=rnd.randint(1, 50),
                        voice_out_calls=rnd.randint(0, 3),
                        voice_in_calls=rnd.randint(0, 1),
                        sms_out=rnd.randint(0, 2),
                        data_sessions=rnd.randint(0, 1),
                        data_bytes_down=rnd.randint(0, 10**9),
                        new_imeis=rnd.randint(0, 1),
                        premium_charge=Decimal(rnd.randint(0, 500)) / 100,
                        intl_charge=Decimal(rnd.randint(0, 9)),
                        total_charge=Decimal(rnd.randint(0, 10_000)) / 10_000,
                    )
                )
        day += dt.timedelta(days=1)
    return materialize(cdr_daily_df(spark, rows))


def test_rolled_state_equals_a_full_recount(spark):
    lag = 1
    start = ago(92)
    cdr_daily = _history(spark, start, D + dt.timedelta(days=1))
    state = materialize(settled_state(cdr_daily, ago(1), WINDOWS, lag))
    for day in (D, D + dt.timedelta(days=1)):
        rolled = materialize(roll_state(state, cdr_daily, day, WINDOWS, lag))
        full = settled_state(cdr_daily, day, WINDOWS, lag)
        assert_df_equality(rolled, full, ignore_row_order=True, ignore_nullable=True)
        state = rolled
    assert "S4" not in {r.subscriber_id for r in state.collect()}  # its days left the 90-day window
    totals = window_totals(state, cdr_daily, D + dt.timedelta(days=1), WINDOWS, lag)
    recount = reread_totals(cdr_daily, D + dt.timedelta(days=1), WINDOWS)
    assert_df_equality(totals, recount, ignore_row_order=True, ignore_nullable=True)
    assert state.where(F.col("subscriber_id") == "S1").count() == 1


def test_windows_must_exceed_the_late_lag(spark):
    with pytest.raises(ValueError, match="must exceed the late-arrival lag"):
        settled_state(cdr_daily_df(spark, []), D, UsageWindows(1, 30, 90), lag=1)
