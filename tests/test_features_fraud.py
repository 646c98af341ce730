"""Fraud signal features from silver.cdr_daily: B-numbers, outgoing-only days, short calls,
premium / international bursts, cell concentration, IMEI changes, new-account activity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from features.fraud_signals import with_fraud_signal_features
from features.snapshot import with_window_sums
from features.window_state import reread_totals
from features.windows import UsageWindows
from tests.features_bronze import assert_rows, cdr_daily_df, materialize

D = dt.date(2026, 5, 1)
WINDOWS = UsageWindows(7, 30, 90)


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def test_fraud_signals_by_hand(spark):
    rows = [
        dict(
            subscriber_id="S1",
            event_date=D,
            events=10,
            voice_out_calls=4,
            short_calls=2,
            distinct_b_numbers=4,
            new_b_numbers=3,
            distinct_parties=4,
            new_parties=3,
            premium_charge=Decimal("3.00"),
            roaming_charge=Decimal("0.50"),
            top_cell_events=8,
            cell_events=10,
            distinct_cells=2,
            new_imeis=1,
        ),
        dict(
            subscriber_id="S1",
            event_date=ago(3),
            events=5,
            voice_out_calls=1,
            voice_in_calls=1,
            distinct_b_numbers=1,
            distinct_parties=2,
            new_parties=1,
            top_cell_events=5,
            cell_events=5,
            distinct_cells=1,
        ),
        dict(
            subscriber_id="S1",
            event_date=ago(20),
            events=4,
            voice_out_calls=2,
            sms_out=1,
            short_calls=1,
            distinct_b_numbers=2,
            new_b_numbers=2,
            distinct_parties=2,
            new_parties=2,
            intl_charge=Decimal("1.00"),
            top_cell_events=3,
            cell_events=4,
            distinct_cells=2,
            new_imeis=1,
        ),
        dict(subscriber_id="S1", event_date=ago(60), events=1, new_imeis=1),
        # S2: activated 4 days before D
        dict(subscriber_id="S2", event_date=ago(2), events=6, premium_charge=Decimal("2.00")),
        dict(subscriber_id="S2", event_date=D, events=4, intl_charge=Decimal("1.00")),
    ]
    totals = reread_totals(cdr_daily_df(spark, rows), D, WINDOWS)
    base = spark.createDataFrame(
        [("S1", 700), ("S2", 4), ("S3", 700)], "subscriber_id string, tenure_days int"
    )
    got = materialize(with_fraud_signal_features(with_window_sums(base, totals, WINDOWS), WINDOWS, 30))
    assert_rows(
        got,
        [
            dict(
                subscriber_id="S1",
                distinct_b_numbers_per_day_7d=2.5,
                new_b_numbers_per_day_7d=1.5,
                short_call_share_7d=2 / 6,
                outgoing_only_day_share_7d=0.5,
                distinct_b_numbers_per_day_30d=7 / 3,
                new_b_numbers_per_day_30d=5 / 3,
                short_call_share_30d=3 / 8,
                outgoing_only_day_share_30d=2 / 3,
                new_party_share_30d=0.75,
            ),
            dict(
                subscriber_id="S2",
                distinct_b_numbers_per_day_7d=0.0,
                new_b_numbers_per_day_7d=0.0,
                short_call_share_7d=0.0,
                outgoing_only_day_share_7d=0.0,
                distinct_b_numbers_per_day_30d=0.0,
                new_b_numbers_per_day_30d=0.0,
                short_call_share_30d=0.0,
                outgoing_only_day_share_30d=0.0,
                new_party_share_30d=0.0,
            ),
            dict(
                subscriber_id="S3",
                distinct_b_numbers_per_day_7d=0.0,
                new_b_numbers_per_day_7d=0.0,
                short_call_share_7d=0.0,
                outgoing_only_day_share_7d=0.0,
                distinct_b_numbers_per_day_30d=0.0,
                new_b_numbers_per_day_30d=0.0,
                short_call_share_30d=0.0,
                outgoing_only_day_share_30d=0.0,
                new_party_share_30d=0.0,
            ),
        ],
        approx=True,
    )
    assert_rows(
        got,
        [
            # daily premium + international charges over 30 days: 3.00 on D, 1.00 on D-20:
            # S = 4, Q = 10, CV = sqrt(30 * 10 / 16 - 1)
            dict(
                subscriber_id="S1",
                premium_charge_7d=3.0,
                intl_charge_7d=0.0,
                roaming_charge_7d=0.5,
                fraud_exposure_7d=3.0,
                premium_intl_burst_30d=17.75**0.5,
                premium_intl_trend_7v23=62 / 76,
                cell_concentration_30d=16 / 19,
                distinct_cells_per_day_30d=5 / 3,
                imei_changes_30d=2,
                imei_changes_90d=3,
                new_account_events_per_day=None,
                new_account_premium_intl_charge=None,
            ),
            # 5 days of life: S = 3, Q = 5 over 5 exposure days; no days before the last 7
            dict(
                subscriber_id="S2",
                premium_charge_7d=2.0,
                intl_charge_7d=1.0,
                roaming_charge_7d=0.0,
                fraud_exposure_7d=3.0,
                premium_intl_burst_30d=4 / 3,
                premium_intl_trend_7v23=None,
                cell_concentration_30d=0.0,
                distinct_cells_per_day_30d=0.0,
                imei_changes_30d=0,
                imei_changes_90d=0,
                new_account_events_per_day=2.0,
                new_account_premium_intl_charge=3.0,
            ),
            dict(
                subscriber_id="S3",
                premium_charge_7d=0.0,
                intl_charge_7d=0.0,
                roaming_charge_7d=0.0,
                fraud_exposure_7d=0.0,
                premium_intl_burst_30d=0.0,
                premium_intl_trend_7v23=0.0,
                cell_concentration_30d=0.0,
                distinct_cells_per_day_30d=0.0,
                imei_changes_30d=0,
                imei_changes_90d=0,
                new_account_events_per_day=None,
                new_account_premium_intl_charge=None,
            ),
        ],
        approx=True,
    )
