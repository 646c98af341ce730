"""BSS state at snapshot D: the active subscriber base, account, plan, add-ons, allowance
usage and monthly revenue.

Snapshot feeds are read as of the latest ``snapshot_date`` on or before D.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.catalog import ADDON_FLAGS, MB
from features.columns import days_since, exposure_days, flag, tenure_days
from features.window_state import sum_column

BASE_COLUMNS = (
    "subscriber_id",
    "segment",
    "plan_id",
    "region",
    "contract_type",
    "contract_end_date",
    "payment_method",
    "paperless_billing",
    "activation_date",
    "birth_date",
)


def latest_snapshot(snapshots: DataFrame, as_of: dt.date) -> DataFrame:
    """The rows of the latest ``snapshot_date`` on or before ``as_of``."""
    eligible = snapshots.where(F.col("snapshot_date") <= F.lit(as_of))
    latest = eligible.agg(F.max("snapshot_date").alias("snapshot_date"))
    return eligible.join(latest, on="snapshot_date", how="left_semi")


def active_subscribers(subscribers: DataFrame, as_of: dt.date) -> DataFrame:
    """bronze.subscribers -> BASE_COLUMNS of the subscriptions with status active at ``as_of``."""
    return latest_snapshot(subscribers, as_of).where(F.col("status") == "active").select(*BASE_COLUMNS)


def with_account_features(wide: DataFrame, as_of: dt.date, include_protected: bool) -> DataFrame:
    """Adds ``tenure_days``, ``paperless_billing`` as 0/1, ``days_to_contract_end`` and, only
    when ``include_protected``, ``age_years`` (from ``birth_date``)."""
    cols: dict[str, Column] = {
        "tenure_days": tenure_days(as_of),
        "paperless_billing": flag(F.col("paperless_billing")),
        "days_to_contract_end": -days_since(as_of, F.col("contract_end_date")),
    }
    if include_protected:
        cols["age_years"] = F.floor(F.months_between(F.lit(as_of), F.col("birth_date")) / 12).cast("int")
    return wide.withColumns(cols)


def plan_columns(plans: DataFrame, as_of: dt.date) -> DataFrame:
    """bronze.plans -> ``plan_id`` and the plan_* features of the snapshot at ``as_of``."""
    return latest_snapshot(plans, as_of).select(
        "plan_id",
        F.col("monthly_fee").cast("double").alias("plan_monthly_fee"),
        F.col("included_minutes").alias("plan_included_minutes"),
        F.col("included_sms").alias("plan_included_sms"),
        F.col("included_data_mb").alias("plan_included_data_mb"),
        flag(F.col("international_included")).alias("plan_international_included"),
    )


def addon_features(products: DataFrame, as_of: dt.date) -> DataFrame:
    """bronze.subscriber_products -> ``subscriber_id``, ``addon_count`` and the has_* flags:
    products held at the end of ``as_of`` (start_date <= D and no end_date or end_date > D)."""
    held = latest_snapshot(products, as_of).where(
        (F.col("start_date") <= F.lit(as_of))
        & (F.col("end_date").isNull() | (F.col("end_date") > F.lit(as_of)))
    )
    flags = [
        F.max(flag(F.col("product_code").isin(*codes))).alias(name) for name, codes in ADDON_FLAGS.items()
    ]
    return held.groupBy("subscriber_id").agg(F.countDistinct("product_code").alias("addon_count"), *flags)


def _allowance_used(used: Column, included: Column) -> Column:
    return F.when(included > 0, used.cast("double") / included)


def with_allowance_and_revenue(wide: DataFrame, windows: tuple[int, ...]) -> DataFrame:
    """Adds allowance usage over the middle window (outgoing minutes, SMS sent, data) and
    ``monthly_revenue`` = plan fee + CDR charges of the longest window per 30 exposure days
    (needs ``tenure_days``, the plan columns and the window sums)."""
    mid, longest = windows[1], windows[-1]
    exposure = exposure_days(longest, F.col("tenure_days"))
    spend = F.when(exposure > 0, F.col(sum_column("total_charge", longest)).cast("double") * 30.0 / exposure)
    return wide.withColumns(
        {
            f"minutes_allowance_used_{mid}d": _allowance_used(
                F.col(sum_column("voice_out_seconds", mid)) / 60.0, F.col("plan_included_minutes")
            ),
            f"sms_allowance_used_{mid}d": _allowance_used(
                F.col(sum_column("sms_out", mid)), F.col("plan_included_sms")
            ),
            f"data_allowance_used_{mid}d": _allowance_used(
                F.col(sum_column("data_bytes", mid)) / float(MB), F.col("plan_included_data_mb")
            ),
            "monthly_revenue": F.coalesce(F.col("plan_monthly_fee"), F.lit(0.0))
            + F.coalesce(spend, F.lit(0.0)),
        }
    )
