"""Usage window features from silver.cdr_daily: volumes, means, shares, trends, recency.

S1 has usage on D, D-10 and D-40; S2 none; S3 was activated 9 days before D.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from features.columns import MB
from features.snapshot import with_window_sums
from features.usage_windows import with_usage_window_features
from features.window_state import reread_totals
from features.windows import UsageWindows
from tests.features_bronze import assert_rows, cdr_daily_df, materialize

D = dt.date(2026, 5, 1)
WINDOWS = UsageWindows(7, 30, 90)


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def features(spark):
    rows = [
        dict(
            subscriber_id="S1",
            event_date=D,
            events=10,
            voice_out_calls=2,
            voice_in_calls=2,
            voice_out_seconds=120,
            voice_in_seconds=60,
            sms_out=1,
            sms_in=3,
            data_sessions=1,
            data_bytes_up=MB,
            data_bytes_down=3 * MB,
            events_night=5,
            intl_calls=1,
            dropped_calls=1,
            care_calls=1,
            roaming_events=2,
            total_charge=Decimal("2.0"),
        ),
        dict(
            subscriber_id="S1",
            event_date=ago(10),
            events=20,
            voice_out_calls=4,
            voice_out_seconds=600,
            data_sessions=2,
            data_bytes_down=4 * MB,
            failed_calls=2,
            total_charge=Decimal("4.0"),
        ),
        dict(
            subscriber_id="S1",
            event_date=ago(40),
            events=30,
            voice_out_calls=6,
            voice_in_calls=6,
            voice_out_seconds=1200,
            voice_in_seconds=1200,
            events_night=3,
            total_charge=Decimal("6.0"),
        ),
        dict(subscriber_id="S3", event_date=ago(8), events=6, voice_out_calls=3, data_sessions=1),
        dict(subscriber_id="S3", event_date=ago(1), events=2, sms_out=2),
    ]
    totals = reread_totals(cdr_daily_df(spark, rows), D, WINDOWS)
    base = spark.createDataFrame(
        [("S1", 700), ("S2", 700), ("S3", 9)], "subscriber_id string, tenure_days int"
    )
    return materialize(with_usage_window_features(with_window_sums(base, totals, WINDOWS), D, WINDOWS))


def test_window_volumes_means_and_shares(spark):
    got = features(spark)
    zero = dict(
        active_days=0,
        voice_out_calls=0,
        voice_in_calls=0,
        voice_minutes=0.0,
        sms=0,
        data_mb=0.0,
        charge=0.0,
        events_per_active_day=0.0,
        minutes_per_active_day=0.0,
        night_share=0.0,
        outgoing_share=0.0,
        intl_share=0.0,
        dropped_call_rate=0.0,
        care_calls=0,
    )
    s1 = {
        7: dict(
            active_days=1,
            voice_out_calls=2,
            voice_in_calls=2,
            voice_minutes=3.0,
            sms=4,
            data_mb=4.0,
            charge=2.0,
            events_per_active_day=10.0,
            minutes_per_active_day=3.0,
            night_share=0.5,
            outgoing_share=3 / 8,
            intl_share=1 / 3,
            dropped_call_rate=0.25,
            care_calls=1,
        ),
        30: dict(
            active_days=2,
            voice_out_calls=6,
            voice_in_calls=2,
            voice_minutes=13.0,
            sms=4,
            data_mb=8.0,
            charge=6.0,
            events_per_active_day=15.0,
            minutes_per_active_day=6.5,
            night_share=5 / 30,
            outgoing_share=7 / 12,
            intl_share=1 / 7,
            dropped_call_rate=0.125,
            care_calls=1,
        ),
        90: dict(
            active_days=3,
            voice_out_calls=12,
            voice_in_calls=8,
            voice_minutes=53.0,
            sms=4,
            data_mb=8.0,
            charge=12.0,
            events_per_active_day=20.0,
            minutes_per_active_day=53 / 3,
            night_share=8 / 60,
            outgoing_share=13 / 24,
            intl_share=1 / 13,
            dropped_call_rate=0.05,
            care_calls=1,
        ),
    }
    for w in WINDOWS.days:
        expected = [
            {"subscriber_id": "S1", **{f"{k}_{w}d": v for k, v in s1[w].items()}},
            {"subscriber_id": "S2", **{f"{k}_{w}d": v for k, v in zero.items()}},
        ]
        assert_rows(got.where("subscriber_id != 'S3'"), expected, approx=True)
    assert_rows(
        got,
        [
            dict(subscriber_id="S1", failed_call_rate_30d=0.25, roaming_share_30d=2 / 30, active_days_7d=1),
            dict(subscriber_id="S2", failed_call_rate_30d=0.0, roaming_share_30d=0.0, active_days_7d=0),
            # S3's call day (D-8) is outside the 7-day window, inside the 30-day one
            dict(subscriber_id="S3", failed_call_rate_30d=0.0, roaming_share_30d=0.0, active_days_7d=1),
        ],
        approx=True,
    )


def test_trends_with_exposure_and_recency(spark):
    got = features(spark)
    assert_rows(
        got,
        [
            dict(
                subscriber_id="S1",
                events_trend_7v23=90 / 370,
                voice_minutes_trend_7v23=-60 / 8340,
                data_mb_trend_7v23=64 / 120,
                charge_trend_7v23=18 / 74,
                events_trend_30v60=1 / 3,
                voice_minutes_trend_30v60=-14 / 66,
                data_mb_trend_30v60=1.0,
                charge_trend_30v60=1 / 3,
                days_since_last_call=0,
                days_since_last_data=0,
                days_since_last_event=0,
            ),
            # no usage but a long tenure: flat trends, no recency
            dict(
                subscriber_id="S2",
                events_trend_7v23=0.0,
                voice_minutes_trend_7v23=0.0,
                data_mb_trend_7v23=0.0,
                charge_trend_7v23=0.0,
                events_trend_30v60=0.0,
                voice_minutes_trend_30v60=0.0,
                data_mb_trend_30v60=0.0,
                charge_trend_30v60=0.0,
                days_since_last_call=None,
                days_since_last_data=None,
                days_since_last_event=None,
            ),
            # activated 9 days ago: the 23 days before the last 7 hold only 3 days of its life,
            # and nothing of it lies before the last 30 days
            dict(
                subscriber_id="S3",
                events_trend_7v23=-0.75,
                voice_minutes_trend_7v23=0.0,
                data_mb_trend_7v23=0.0,
                charge_trend_7v23=0.0,
                events_trend_30v60=None,
                voice_minutes_trend_30v60=None,
                data_mb_trend_30v60=None,
                charge_trend_30v60=None,
                days_since_last_call=8,
                days_since_last_data=8,
                days_since_last_event=1,
            ),
        ],
        approx=True,
    )
