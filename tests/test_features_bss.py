"""BSS state at D: base, account, plan, add-ons, allowances, revenue, invoices and payments,
top-ups and tickets, each known only from its own timestamp. D = 2026-05-01."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from features.billing import invoice_features, topup_sums, with_topup_features
from features.bss_state import (
    active_subscribers,
    addon_features,
    plan_columns,
    with_account_features,
    with_allowance_and_revenue,
)
from features.care import ticket_features
from features.columns import MB
from features.windows import UsageWindows
from tests.features_bronze import assert_rows, bronze_df, materialize

D = dt.date(2026, 5, 1)
WINDOWS = UsageWindows(7, 30, 90)
NEXT = D + dt.timedelta(days=1)


def ago(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def at(day: dt.date, hh: int = 12, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, ss))


def test_active_base_uses_the_latest_snapshot_on_or_before_d(spark):
    subs = bronze_df(
        spark,
        "subscribers",
        [
            dict(subscriber_id="S1", snapshot_date=ago(1)),
            dict(subscriber_id="S2", snapshot_date=ago(1), status="suspended"),
            dict(subscriber_id="S3", snapshot_date=ago(2)),  # only in an older snapshot
            dict(subscriber_id="S1", snapshot_date=NEXT, status="terminated"),  # the future
            dict(subscriber_id="S4", snapshot_date=NEXT),
        ],
    )
    assert [r.subscriber_id for r in active_subscribers(subs, D).collect()] == ["S1"]


def test_account_features_and_protected_age(spark):
    base = bronze_df(
        spark,
        "subscribers",
        [
            dict(
                subscriber_id="S1",
                activation_date=dt.date(2024, 5, 1),
                contract_end_date=dt.date(2026, 6, 30),
                birth_date=dt.date(1990, 5, 2),
                snapshot_date=D,
            ),
            dict(
                subscriber_id="S2",
                activation_date=D,
                paperless_billing=False,
                contract_type="none",
                snapshot_date=D,
            ),
        ],
    )
    plain = with_account_features(base, D, include_protected=False)
    assert "age_years" not in plain.columns
    assert_rows(
        plain,
        [
            dict(subscriber_id="S1", tenure_days=730, days_to_contract_end=60, paperless_billing=1),
            dict(subscriber_id="S2", tenure_days=0, days_to_contract_end=None, paperless_billing=0),
        ],
    )
    assert_rows(
        with_account_features(base, D, include_protected=True),
        [dict(subscriber_id="S1", age_years=35), dict(subscriber_id="S2", age_years=None)],
    )


def test_plan_and_addons_held_at_the_end_of_d(spark):
    plans = bronze_df(
        spark,
        "plans",
        [
            dict(plan_id="P1", snapshot_date=D, international_included=True),
            dict(plan_id="P1", snapshot_date=NEXT, monthly_fee=Decimal("99.0000")),
        ],
    )
    assert_rows(
        plan_columns(plans, D),
        [
            dict(
                plan_id="P1",
                plan_monthly_fee=20.0,
                plan_included_minutes=300,
                plan_included_sms=100,
                plan_included_data_mb=1024,
                plan_international_included=1,
            )
        ],
    )
    products = bronze_df(
        spark,
        "subscriber_products",
        [
            dict(product_code="voicemail", start_date=dt.date(2025, 1, 1), snapshot_date=D),
            dict(product_code="streaming_tv", start_date=dt.date(2025, 1, 1), end_date=D, snapshot_date=D),
            dict(
                product_code="streaming_movies",
                start_date=ago(3),
                end_date=D + dt.timedelta(5),
                snapshot_date=D,
            ),
            dict(product_code="tech_support", start_date=NEXT, snapshot_date=D),
            dict(product_code="broadband_fiber", start_date=D, snapshot_date=D),
            dict(product_code="intl_pack", start_date=ago(3), snapshot_date=NEXT),  # next day's snapshot
        ],
    )
    assert_rows(
        addon_features(products, D),
        [
            dict(
                subscriber_id="S1",
                addon_count=3,
                has_intl_pack=0,
                has_voicemail=1,
                has_online_security=0,
                has_online_backup=0,
                has_device_protection=0,
                has_tech_support=0,
                has_streaming=1,
                has_broadband=1,
                has_multi_line=0,
            )
        ],
    )


def test_allowance_usage_and_monthly_revenue(spark):
    wide = spark.createDataFrame(
        [
            ("S1", 700, 20.0, 300, 100, 1024, 9000, 50, 512 * MB, Decimal("9.0")),
            ("S2", 9, 10.0, 0, 0, 0, 600, 5, MB, Decimal("9.0")),
        ],
        "subscriber_id string, tenure_days int, plan_monthly_fee double, plan_included_minutes int,"
        " plan_included_sms int, plan_included_data_mb int, voice_out_seconds_30d long, sms_out_30d long,"
        " data_bytes_30d long, total_charge_90d decimal(22,4)",
    )
    assert_rows(
        with_allowance_and_revenue(wide, WINDOWS),
        [
            # 9.00 over 90 days -> 3.00 per 30 days; S2 lived 10 days of the window -> 27.00 per 30 days
            dict(
                subscriber_id="S1",
                minutes_allowance_used_30d=0.5,
                sms_allowance_used_30d=0.5,
                data_allowance_used_30d=0.5,
                monthly_revenue=23.0,
            ),
            dict(
                subscriber_id="S2",
                minutes_allowance_used_30d=None,
                sms_allowance_used_30d=None,
                data_allowance_used_30d=None,
                monthly_revenue=37.0,
            ),
        ],
        approx=True,
    )


def test_invoices_and_payments_as_known_at_d(spark):
    def inv(invoice_id, sub, billed, due, amount):
        return dict(
            invoice_id=invoice_id,
            subscriber_id=sub,
            bill_date=billed,
            due_date=due,
            amount_due=Decimal(amount),
        )

    invoices = bronze_df(
        spark,
        "invoices",
        [
            inv(
                "i0", "S1", dt.date(2025, 10, 1), dt.date(2025, 10, 15), "1000"
            ),  # before the 180-day lookback
            inv("i1", "S1", dt.date(2026, 2, 1), dt.date(2026, 2, 15), "40"),
            inv("i2", "S1", dt.date(2026, 3, 1), dt.date(2026, 3, 15), "40"),
            inv("i3", "S1", dt.date(2026, 4, 1), dt.date(2026, 4, 15), "40"),
            inv("i4", "S1", D, dt.date(2026, 5, 15), "100"),
            inv("i5", "S1", NEXT, dt.date(2026, 5, 16), "500"),  # billed after D
            inv("j1", "S2", dt.date(2026, 4, 20), D, "30"),
        ],
    )

    def pay(invoice_id, paid_at, amount, sub="S1"):
        return dict(subscriber_id=sub, invoice_id=invoice_id, paid_at=paid_at, amount=Decimal(amount))

    payments = bronze_df(
        spark,
        "payments",
        [
            pay("i1", at(dt.date(2026, 2, 10)), "40"),
            pay("i2", at(dt.date(2026, 3, 20)), "20"),
            pay("i2", at(dt.date(2026, 3, 25)), "20"),
            pay("i3", at(NEXT, 0, 0, 1), "40"),  # paid after D: i3 is unpaid at D
            pay(None, at(ago(3)), "500"),  # not for an invoice
        ],
    )
    got = invoice_features(invoices, payments, D, 180)
    assert_rows(
        got,
        [
            # last = i4 (100) vs mean of i1..i3 (40); i2 paid in full 10 days late, i3 16 days late
            # and open; i4 is not due yet
            dict(
                subscriber_id="S1",
                last_invoice_amount=100.0,
                invoice_change_vs_avg=1.5,
                days_late_last_invoice=16,
                max_days_late=16,
                late_invoices=2,
                unpaid_balance=140.0,
            ),
            # due on D and unpaid: not late yet
            dict(
                subscriber_id="S2",
                last_invoice_amount=30.0,
                invoice_change_vs_avg=None,
                days_late_last_invoice=0,
                max_days_late=0,
                late_invoices=0,
                unpaid_balance=30.0,
            ),
        ],
        approx=True,
    )


def test_topups_windows_trend_and_recency(spark):
    topups = bronze_df(
        spark,
        "topups",
        [
            dict(topup_time=at(D, 23, 59, 59), amount=Decimal("10")),
            dict(topup_time=at(ago(29)), amount=Decimal("5")),
            dict(topup_time=at(ago(30)), amount=Decimal("20")),
            dict(topup_time=at(ago(89)), amount=Decimal("15")),
            dict(topup_time=at(ago(90)), amount=Decimal("100")),  # outside 90 days
            dict(topup_time=at(NEXT, 0, 0, 0), amount=Decimal("50")),  # after D
        ],
    )
    base = spark.createDataFrame([("S1", 700), ("S2", 700)], "subscriber_id string, tenure_days int")
    wide = base.join(topup_sums(topups, D, WINDOWS), on="subscriber_id", how="left")
    assert_rows(
        materialize(with_topup_features(wide, D, WINDOWS)),
        [
            # 15 over the last 30 days (0.5 a day) vs 35 over the 60 before (7/12 a day): -1/13
            dict(
                subscriber_id="S1",
                topups_30d=2,
                topup_amount_30d=15.0,
                topup_amount_trend_30v60=-1 / 13,
                days_since_last_topup=0,
            ),
            dict(
                subscriber_id="S2",
                topups_30d=0,
                topup_amount_30d=0.0,
                topup_amount_trend_30v60=0.0,
                days_since_last_topup=None,
            ),
        ],
        approx=True,
    )


def test_tickets_resolved_after_d_are_open_without_satisfaction(spark):
    def ticket(opened, category, resolved=None, satisfaction=None, sub="S1"):
        return dict(
            subscriber_id=sub,
            opened_at=opened,
            category=category,
            resolved_at=resolved,
            satisfaction=satisfaction,
        )

    tickets = bronze_df(
        spark,
        "tickets",
        [
            ticket(at(ago(5)), "billing", at(D, 10), 2),
            ticket(at(ago(2)), "network", at(NEXT, 8), 5),  # resolved after D
            ticket(at(ago(40)), "cancellation_request", at(ago(39)), 4),
            ticket(at(ago(30)), "other"),  # 30 days before D: outside the 30-day window
            ticket(at(NEXT), "billing"),  # opened after D
            ticket(at(ago(90)), "device"),  # outside 90 days
            ticket(at(ago(1)), "plan_change", at(D, 23, 59, 59), 1, sub="S2"),
        ],
    )
    got = materialize(ticket_features(tickets, D, (30, 90)))
    assert_rows(
        got,
        [
            dict(
                subscriber_id="S1",
                tickets_billing_30d=1,
                tickets_network_30d=1,
                tickets_other_30d=0,
                tickets_cancellation_request_30d=0,
                tickets_plan_change_30d=0,
                tickets_billing_90d=1,
                tickets_network_90d=1,
                tickets_cancellation_request_90d=1,
                tickets_other_90d=1,
                tickets_device_90d=0,
                open_tickets=2,
                last_satisfaction=2,
            ),
            dict(
                subscriber_id="S2",
                tickets_billing_30d=0,
                tickets_network_30d=0,
                tickets_other_30d=0,
                tickets_cancellation_request_30d=0,
                tickets_plan_change_30d=1,
                tickets_billing_90d=0,
                tickets_network_90d=0,
                tickets_cancellation_request_90d=0,
                tickets_other_90d=0,
                tickets_device_90d=0,
                open_tickets=0,
                last_satisfaction=1,
            ),
        ],
    )
