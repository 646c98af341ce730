"""Billing features at snapshot D: invoices and payments (postpaid), top-ups (prepaid).

Point in time: an invoice is known from its ``bill_date``; a payment counts only once
made (``paid_at`` on or before the end of D); a top-up from its ``topup_time``. The
group's catalogue entries (``billing_specs``) follow the builders.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from features.columns import days_since, rate_trend
from features.feature_spec import FeatureSpec, spec
from features.windows import UsageWindows, trend_name
from telco_risk.tables import TOPUPS

BILLING = "bronze.invoices + bronze.payments"


def _days_before(as_of: dt.date, days: int) -> dt.date:
    """First day of the ``days``-day window ending on ``as_of``."""
    return as_of - dt.timedelta(days=days - 1)


def invoice_features(
    invoices: DataFrame, payments: DataFrame, as_of: dt.date, lookback_days: int
) -> DataFrame:
    """bronze.invoices + bronze.payments -> ``subscriber_id``, ``last_invoice_amount``,
    ``invoice_change_vs_avg``, ``days_late_last_invoice``, ``max_days_late``,
    ``late_invoices``, ``unpaid_balance`` over invoices billed in the ``lookback_days``
    days ending on ``as_of``.

    Days late of an invoice due by D (due_date <= D): paid in full by D -> date of its last
    payment - due date, else D - due date; at least 0.
    """
    billed = invoices.where(
        F.col("bill_date").between(F.lit(_days_before(as_of, lookback_days)), F.lit(as_of))
    ).select("invoice_id", "subscriber_id", "bill_date", "due_date", F.col("amount_due").cast("double"))
    paid = (
        payments.where(F.col("invoice_id").isNotNull() & (F.to_date("paid_at") <= F.lit(as_of)))
        .groupBy("invoice_id")
        .agg(F.sum("amount").cast("double").alias("_paid"), F.max(F.to_date("paid_at")).alias("_last_paid"))
    )
    due = F.col("due_date") <= F.lit(as_of)
    settled_on = F.when(F.col("_paid") >= F.col("amount_due"), F.col("_last_paid")).otherwise(F.lit(as_of))
    newest = Window.partitionBy("subscriber_id").orderBy(
        F.col("bill_date").desc(), F.col("invoice_id").desc()
    )
    newest_due = Window.partitionBy("subscriber_id", "_due").orderBy(
        F.col("due_date").desc(), F.col("bill_date").desc(), F.col("invoice_id").desc()
    )
    rows = (
        billed.join(paid, on="invoice_id", how="left")
        .withColumn("_due", due)
        .withColumn("_late", F.when(due, F.greatest(F.datediff(settled_on, F.col("due_date")), F.lit(0))))
        .withColumn(
            "_open", F.greatest(F.col("amount_due") - F.coalesce(F.col("_paid"), F.lit(0.0)), F.lit(0.0))
        )
        .withColumn("_rank", F.row_number().over(newest))
        .withColumn("_due_rank", F.row_number().over(newest_due))
    )
    latest = F.max(F.when(F.col("_rank") == 1, F.col("amount_due")))
    earlier = F.avg(F.when(F.col("_rank") > 1, F.col("amount_due")))
    summary = rows.groupBy("subscriber_id").agg(
        latest.alias("last_invoice_amount"),
        earlier.alias("_earlier_avg"),
        F.max(F.when(F.col("_due") & (F.col("_due_rank") == 1), F.col("_late"))).alias(
            "days_late_last_invoice"
        ),
        F.max("_late").alias("max_days_late"),
        F.count(F.when(F.col("_late") > 0, F.lit(1))).alias("late_invoices"),
        F.sum("_open").alias("unpaid_balance"),
    )
    change = F.when(
        F.col("_earlier_avg") > 0,
        (F.col("last_invoice_amount") - F.col("_earlier_avg")) / F.col("_earlier_avg"),
    )
    return summary.withColumn("invoice_change_vs_avg", change).drop("_earlier_avg")


def topup_sums(topups: DataFrame, as_of: dt.date, windows: UsageWindows) -> DataFrame:
    """bronze.topups -> ``subscriber_id``, ``topups_<mid>d``, ``topup_amount_<mid>d``,
    ``_topup_amount_<longest>d`` and ``_last_topup_date`` (within the longest window)."""
    mid, longest = windows.mid, windows.long
    day = F.to_date("topup_time")
    rows = topups.where(day.between(F.lit(_days_before(as_of, longest)), F.lit(as_of)))
    in_mid = day >= F.lit(_days_before(as_of, mid))
    return rows.groupBy("subscriber_id").agg(
        F.count(F.when(in_mid, F.lit(1))).alias(f"topups_{mid}d"),
        F.coalesce(F.sum(F.when(in_mid, F.col("amount"))), F.lit(0))
        .cast("double")
        .alias(f"topup_amount_{mid}d"),
        F.sum("amount").cast("double").alias(f"_topup_amount_{longest}d"),
        F.max(day).alias("_last_topup_date"),
    )


def with_topup_features(wide: DataFrame, as_of: dt.date, windows: UsageWindows) -> DataFrame:
    """Adds the top-up trend and recency from ``topup_sums`` columns (needs ``tenure_days``)."""
    mid, longest = windows.mid, windows.long
    recent = F.coalesce(F.col(f"topup_amount_{mid}d"), F.lit(0.0))
    total = F.coalesce(F.col(f"_topup_amount_{longest}d"), F.lit(0.0))
    cols: dict[str, Column] = {
        f"topups_{mid}d": F.coalesce(F.col(f"topups_{mid}d"), F.lit(0)),
        f"topup_amount_{mid}d": recent,
        trend_name("topup_amount", mid, longest): rate_trend(
            recent, total, mid, longest, F.col("tenure_days")
        ),
        "days_since_last_topup": days_since(as_of, F.col("_last_topup_date")),
    }
    return wide.withColumns(cols)


# -- catalogue entries ------------------------------------------------------------------


def billing_specs(windows: UsageWindows) -> list[FeatureSpec]:
    """The catalogue entries of the billing group, in table order."""
    g, mid, longest = "billing", windows.mid, windows.long
    lb = "billing_lookback_days"
    return [
        spec(
            "last_invoice_amount",
            "amount due of the latest invoice billed on or before D; null when none",
            lb,
            BILLING,
            g,
            "double",
            "BILL_AMOUNT",
            0,
            100_000,
        ),
        spec(
            "invoice_change_vs_avg",
            "(latest - mean of the earlier invoices) / that mean (bill shock);"
            " null without an earlier invoice",
            lb,
            BILLING,
            g,
            "double",
            "BILL_SHOCK",
            -1,
            1_000,
        ),
        spec(
            "days_late_last_invoice",
            "days past due of the latest invoice due by D: paid in full by D ->"
            " last payment date - due date, else D - due date; at least 0; null when none due",
            lb,
            BILLING,
            g,
            "int",
            "LATE_PAYMENTS",
            0,
            3_650,
        ),
        spec(
            "max_days_late",
            "largest days past due over the invoices due by D (as above); null when none",
            lb,
            BILLING,
            g,
            "int",
            "LATE_PAYMENTS",
            0,
            3_650,
        ),
        spec(
            "late_invoices",
            "invoices due by D paid after their due date or still unpaid after it",
            lb,
            BILLING,
            g,
            "int",
            "LATE_PAYMENTS",
            0,
            1_000,
        ),
        spec(
            "unpaid_balance",
            "sum over invoices billed by D of amount due - payments made by D (at least 0)",
            lb,
            BILLING,
            g,
            "double",
            "UNPAID_BALANCE",
            0,
            1_000_000,
        ),
        spec(
            f"topups_{mid}d",
            "number of prepaid top-ups",
            f"{mid}d",
            TOPUPS,
            g,
            "int",
            "TOPUP_DECLINE",
            0,
            10 * mid,
        ),
        spec(
            f"topup_amount_{mid}d",
            "amount topped up",
            f"{mid}d",
            TOPUPS,
            g,
            "double",
            "TOPUP_DECLINE",
            0,
            100_000,
        ),
        spec(
            trend_name("topup_amount", mid, longest),
            f"trend of daily top-up amount: last {mid} days vs the {longest - mid} before",
            f"{mid}d vs {longest - mid}d before",
            TOPUPS,
            g,
            "double",
            "TOPUP_DECLINE",
            -1,
            1,
        ),
        spec(
            "days_since_last_topup",
            f"days since the last top-up; null when none in the last {longest} days",
            f"{longest}d",
            TOPUPS,
            g,
            "int",
            "TOPUP_DECLINE",
            0,
            longest - 1,
        ),
    ]
