"""silver.cdr_daily from bronze CDRs: time of day, every daily measure, new parties and
devices over the lookback, msisdn -> subscriber mapping. Expected values by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chispa import assert_df_equality
from pyspark.sql import functions as F

from features.cdr_daily import build_cdr_daily, cdr_events, time_of_day
from features.subscriber_map import snapshot_for_days, subscriber_by_msisdn
from tests.features_bronze import assert_rows, bronze_df, materialize

D = dt.date(2026, 2, 10)
HOURS = {"day_start_hour": 7, "evening_start_hour": 19, "night_start_hour": 23}
EMPTY_SEEN = "subscriber_id string, kind string, value_hash bigint, outgoing boolean, event_date date"


def at(day: dt.date, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss))


def subscriber_map(spark, pairs, days):
    """(msisdn, subscriber_id) valid on every day in ``days``."""
    rows = [(d, m, s) for d in days for m, s in pairs]
    return spark.createDataFrame(rows, "event_date date, msisdn string, subscriber_id string")


def daily(spark, cdr_rows, days=(D,), pairs=(("m1", "S1"), ("m2", "S2")), short=10, history=None):
    events = cdr_events(bronze_df(spark, "cdr", cdr_rows), subscriber_map(spark, pairs, days), **HOURS)
    history = history if history is not None else spark.createDataFrame([], EMPTY_SEEN)
    cdr_daily, seen = build_cdr_daily(events, history, short_call_seconds=short, new_party_lookback_days=30)
    return materialize(cdr_daily), materialize(seen)


def test_time_of_day_boundaries(spark):
    times = ["06:59:59", "07:00:00", "18:59:00", "19:00:00", "22:59:00", "23:00:00", "00:00:00"]
    df = spark.createDataFrame(
        [(dt.datetime.fromisoformat(f"2026-02-10T{t}"),) for t in times], "ts timestamp"
    )
    got = [r.tod for r in df.select(time_of_day(F.col("ts"), 7, 19, 23).alias("tod")).collect()]
    assert got == ["night", "day", "day", "evening", "evening", "night", "night"]


def test_every_daily_measure_by_hand(spark):
    c = Decimal
    rows = [
        dict(start_time=at(D, 8), other_party="p1", duration_s=120, charge=c("0.10"), cell_id="C1"),
        dict(
            start_time=at(D, 19, 30),
            direction="in",
            other_party="p2",
            duration_s=5,
            charge=c("0"),
            cell_id="C2",
        ),
        dict(
            start_time=at(D, 23, 15),
            other_party="p3",
            other_party_type="international",
            other_party_country="US",
            duration_s=300,
            charge=c("2.50"),
        ),
        dict(
            start_time=at(D, 10),
            other_party="p4",
            other_party_type="premium",
            duration_s=30,
            termination="dropped",
            charge=c("1.50"),
        ),
        dict(
            start_time=at(D, 11),
            other_party="p5",
            other_party_type="customer_care",
            duration_s=0,
            termination="failed",
            charge=c("0"),
        ),
        dict(start_time=at(D, 12), event_type="sms", other_party="p1", duration_s=0, charge=c("0.05")),
        dict(
            start_time=at(D, 6, 59, 59),
            event_type="sms",
            direction="in",
            other_party="p6",
            duration_s=0,
            charge=c("0"),
            cell_id=None,
        ),
        dict(
            start_time=at(D, 13),
            event_type="data",
            other_party=None,
            other_party_type=None,
            other_party_country=None,
            duration_s=0,
            bytes_up=1000,
            bytes_down=5000,
            roaming=True,
            termination=None,
            charge=c("0.20"),
            cell_id="C3",
        ),
        dict(
            start_time=at(D, 14),
            event_type="sms",
            other_party="p7",
            other_party_type="international",
            duration_s=0,
            roaming=True,
            charge=c("0.30"),
        ),
        dict(msisdn="m2", start_time=at(D, 9), other_party="p1", duration_s=9, charge=c("0.01"), imei="i2"),
        dict(msisdn="m9", start_time=at(D, 9), other_party="p1", duration_s=60),  # unknown number: dropped
    ]
    cdr_daily, _ = daily(spark, rows)
    assert_rows(
        cdr_daily,
        [
            dict(
                subscriber_id="S1",
                event_date=D,
                events=9,
                voice_out_calls=4,
                voice_in_calls=1,
                voice_out_seconds=450,
                voice_in_seconds=5,
                sms_out=2,
                sms_in=1,
                data_sessions=1,
                data_bytes_up=1000,
                data_bytes_down=5000,
                events_day=6,
                events_evening=1,
                events_night=2,
                calls_day=3,
                calls_evening=1,
                calls_night=1,
                voice_seconds_day=150,
                voice_seconds_evening=5,
                voice_seconds_night=300,
            ),
            dict(
                subscriber_id="S2",
                event_date=D,
                events=1,
                voice_out_calls=1,
                voice_in_calls=0,
                voice_out_seconds=9,
                voice_in_seconds=0,
                sms_out=0,
                sms_in=0,
                data_sessions=0,
                data_bytes_up=0,
                data_bytes_down=0,
                events_day=1,
                events_evening=0,
                events_night=0,
                calls_day=1,
                calls_evening=0,
                calls_night=0,
                voice_seconds_day=9,
                voice_seconds_evening=0,
                voice_seconds_night=0,
            ),
        ],
    )
    assert_rows(
        cdr_daily,
        [
            dict(
                subscriber_id="S1",
                intl_calls=1,
                intl_seconds=300,
                intl_sms=1,
                intl_charge=c("2.8000"),
                premium_calls=1,
                premium_seconds=30,
                premium_sms=0,
                premium_charge=c("1.5000"),
                roaming_events=2,
                roaming_seconds=0,
                roaming_bytes=6000,
                roaming_charge=c("0.5000"),
                dropped_calls=1,
                failed_calls=1,
                short_calls=2,
                care_calls=1,
                distinct_cells=3,
                top_cell_events=6,
                cell_events=8,
                total_charge=c("4.6500"),
                distinct_parties=7,
                distinct_b_numbers=5,
                distinct_imeis=1,
            ),
            dict(
                subscriber_id="S2",
                intl_calls=0,
                intl_seconds=0,
                intl_sms=0,
                intl_charge=c("0.0000"),
                premium_calls=0,
                premium_seconds=0,
                premium_sms=0,
                premium_charge=c("0.0000"),
                roaming_events=0,
                roaming_seconds=0,
                roaming_bytes=0,
                roaming_charge=c("0.0000"),
                dropped_calls=0,
                failed_calls=0,
                short_calls=1,
                care_calls=0,
                distinct_cells=1,
                top_cell_events=1,
                cell_events=1,
                total_charge=c("0.0100"),
                distinct_parties=1,
                distinct_b_numbers=1,
                distinct_imeis=1,
            ),
        ],
    )


def test_short_call_threshold_is_strictly_below(spark):
    rows = [dict(start_time=at(D, 9), duration_s=s) for s in (9, 10, 11)]
    cdr_daily, _ = daily(spark, rows, short=10)
    assert_rows(cdr_daily, [dict(subscriber_id="S1", short_calls=1)])


def test_new_parties_and_devices_over_the_30_day_lookback(spark):
    """A party seen 30 days before (D-30) is not new; one last seen 31 days before is."""
    d30, d31, d1, d5 = (D - dt.timedelta(days=n) for n in (30, 31, 1, 5))
    rows = [
        dict(start_time=at(d30, 9), other_party="pA"),
        dict(start_time=at(d31, 9), other_party="pB"),
        dict(start_time=at(d1, 9), other_party="pD", direction="in"),
        dict(start_time=at(d5, 9), other_party="pE", imei="iA"),
        # day D: out to pA, pB, pC; in from pD; devices iA and iB
        dict(start_time=at(D, 9), other_party="pA", imei="iA"),
        dict(start_time=at(D, 10), other_party="pB", imei="iB"),
        dict(start_time=at(D, 11), event_type="sms", duration_s=0, other_party="pC", imei="iB"),
        dict(start_time=at(D, 12), other_party="pD", direction="in", imei="iB"),
        # S2 has no history: two devices on its first day are one change; S3 one device, no change
        dict(msisdn="m2", start_time=at(D, 9), other_party="pA", imei="j1"),
        dict(msisdn="m2", start_time=at(D, 10), other_party="pA", imei="j2"),
        dict(msisdn="m3", start_time=at(D, 9), other_party="pA", direction="in", imei="k1"),
    ]
    days = (d31, d30, d5, d1, D)
    cdr_daily, seen = daily(spark, rows, days=days, pairs=(("m1", "S1"), ("m2", "S2"), ("m3", "S3")))
    got = cdr_daily.where(F.col("event_date") == F.lit(D))
    assert_rows(
        got,
        [
            dict(
                subscriber_id="S1",
                distinct_parties=4,
                new_parties=2,
                distinct_b_numbers=3,
                new_b_numbers=2,
                distinct_imeis=2,
                new_imeis=1,
            ),
            dict(
                subscriber_id="S2",
                distinct_parties=1,
                new_parties=1,
                distinct_b_numbers=1,
                new_b_numbers=1,
                distinct_imeis=2,
                new_imeis=1,
            ),
            dict(
                subscriber_id="S3",
                distinct_parties=1,
                new_parties=1,
                distinct_b_numbers=0,
                new_b_numbers=0,
                distinct_imeis=1,
                new_imeis=0,
            ),
        ],
    )
    # The same answer when the earlier days come from silver.cdr_seen_daily instead of raw CDRs.
    history = seen.where(F.col("event_date") < F.lit(D))
    today = [r for r in rows if r["start_time"].date() == D]
    again, _ = daily(
        spark, today, days=(D,), pairs=(("m1", "S1"), ("m2", "S2"), ("m3", "S3")), history=history
    )
    assert_df_equality(again, got, ignore_row_order=True, ignore_nullable=True)


def test_snapshot_for_days_takes_the_nearest_earlier_snapshot():
    jan = [dt.date(2026, 1, d) for d in (1, 3)]
    days = [dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 2), dt.date(2026, 1, 3)]
    assert snapshot_for_days(jan, days) == {
        dt.date(2026, 1, 1): dt.date(2026, 1, 1),
        dt.date(2026, 1, 2): dt.date(2026, 1, 1),
        dt.date(2026, 1, 3): dt.date(2026, 1, 3),
    }


def test_msisdn_maps_through_the_snapshot_of_the_day(spark):
    s1, s3 = dt.date(2026, 1, 1), dt.date(2026, 1, 3)
    subs = bronze_df(
        spark,
        "subscribers",
        [
            dict(subscriber_id="S5", msisdn="m5", snapshot_date=s1),
            dict(subscriber_id="S1", msisdn="m1", snapshot_date=s1),
            # Jan 3: S5 got a new number and m5 went to S6; m1 was recycled to S9
            dict(subscriber_id="S5", msisdn="m7", snapshot_date=s3),
            dict(subscriber_id="S6", msisdn="m5", snapshot_date=s3, activation_date=dt.date(2026, 1, 3)),
            dict(subscriber_id="S1", msisdn="m1", snapshot_date=s3, status="terminated"),
            dict(subscriber_id="S9", msisdn="m1", snapshot_date=s3, activation_date=dt.date(2026, 1, 2)),
        ],
    )
    jan2, jan3 = dt.date(2026, 1, 2), dt.date(2026, 1, 3)
    got = subscriber_by_msisdn(subs, snapshot_for_days([s1, s3], [jan2, jan3]))
    expected = spark.createDataFrame(
        [(jan2, "m5", "S5"), (jan2, "m1", "S1"), (jan3, "m7", "S5"), (jan3, "m5", "S6"), (jan3, "m1", "S9")],
        "event_date date, msisdn string, subscriber_id string",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
