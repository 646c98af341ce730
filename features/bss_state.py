"""BSS state at snapshot D: the active subscriber base, account, plan, add-ons, allowance
usage and monthly revenue.

Snapshot feeds are read as of the latest ``snapshot_date`` on or before D. The group's
catalogue entries (``bss_state_specs``) follow the builders.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from features.columns import MB, days_since, exposure_days, flag, tenure_days
from features.feature_spec import FeatureSpec, spec
from features.window_state import sum_column
from features.windows import UsageWindows
from telco_risk.tables import CDR_DAILY, PLANS, SUBSCRIBER_PRODUCTS, SUBSCRIBERS

# Add-on flags: feature -> product codes of bronze.subscriber_products that set it.
ADDON_FLAGS: dict[str, tuple[str, ...]] = {
    "has_intl_pack": ("intl_pack",),
    "has_voicemail": ("voicemail",),
    "has_online_security": ("online_security",),
    "has_online_backup": ("online_backup",),
    "has_device_protection": ("device_protection",),
    "has_tech_support": ("tech_support",),
    "has_streaming": ("streaming_tv", "streaming_movies"),
    "has_broadband": ("broadband_dsl", "broadband_fiber"),
    "has_multi_line": ("multi_line",),
}

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


def with_allowance_and_revenue(wide: DataFrame, windows: UsageWindows) -> DataFrame:
    """Adds allowance usage over the middle window (outgoing minutes, SMS sent, data) and
    ``monthly_revenue`` = plan fee + CDR charges of the longest window per 30 exposure days
    (needs ``tenure_days``, the plan columns and the window sums)."""
    mid, longest = windows.mid, windows.long
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


# -- catalogue entries ------------------------------------------------------------------


def bss_state_specs(windows: UsageWindows) -> list[FeatureSpec]:
    """The catalogue entries of the bss_state group, in table order."""
    g, mid, longest = "bss_state", windows.mid, windows.long
    at = "as of D"
    out = [
        spec(
            "tenure_days",
            "days since activation (0 on the activation day)",
            at,
            SUBSCRIBERS,
            g,
            "int",
            "NEW_ACCOUNT",
            0,
            36_500,
        ),
        spec("segment", "prepaid or postpaid", at, SUBSCRIBERS, g, "string", "PLAN_TYPE", categorical=True),
        spec("plan_id", "tariff plan", at, SUBSCRIBERS, g, "string", "PLAN_TYPE", categorical=True),
        spec("region", "home region", at, SUBSCRIBERS, g, "string", "REGION", categorical=True),
        spec(
            "contract_type",
            "none, 12m or 24m",
            at,
            SUBSCRIBERS,
            g,
            "string",
            "CONTRACT_TYPE",
            categorical=True,
        ),
        spec(
            "payment_method",
            "payment method on the account",
            at,
            SUBSCRIBERS,
            g,
            "string",
            "PAYMENT_METHOD",
            categorical=True,
        ),
        spec(
            "paperless_billing",
            "1 when billing is paperless",
            at,
            SUBSCRIBERS,
            g,
            "int",
            "PAPERLESS_BILLING",
            0,
            1,
        ),
        spec(
            "days_to_contract_end",
            "days from D to contract_end_date (negative once passed); null without an end date",
            at,
            SUBSCRIBERS,
            g,
            "int",
            "CONTRACT_ENDING",
            -36_500,
            3_650,
        ),
        spec("plan_monthly_fee", "monthly fee of the plan", at, PLANS, g, "double", "PLAN_PRICE", 0, 10_000),
        spec(
            "plan_included_minutes",
            "minutes included per month",
            at,
            PLANS,
            g,
            "int",
            "PLAN_ALLOWANCE",
            0,
            1_000_000,
        ),
        spec(
            "plan_included_sms", "SMS included per month", at, PLANS, g, "int", "PLAN_ALLOWANCE", 0, 1_000_000
        ),
        spec(
            "plan_included_data_mb",
            "data MB included per month",
            at,
            PLANS,
            g,
            "int",
            "PLAN_ALLOWANCE",
            0,
            100_000_000,
        ),
        spec(
            "plan_international_included",
            "1 when the plan includes international calls",
            at,
            PLANS,
            g,
            "int",
            "PLAN_ALLOWANCE",
            0,
            1,
        ),
        spec(
            f"minutes_allowance_used_{mid}d",
            "outgoing voice minutes / included minutes; null when none included",
            f"{mid}d",
            f"{CDR_DAILY} + {PLANS}",
            g,
            "double",
            "ALLOWANCE_EXCEEDED",
            0,
            1_000,
        ),
        spec(
            f"sms_allowance_used_{mid}d",
            "SMS sent / included SMS; null when none included",
            f"{mid}d",
            f"{CDR_DAILY} + {PLANS}",
            g,
            "double",
            "ALLOWANCE_EXCEEDED",
            0,
            1_000,
        ),
        spec(
            f"data_allowance_used_{mid}d",
            "data MB / included data MB; null when none included",
            f"{mid}d",
            f"{CDR_DAILY} + {PLANS}",
            g,
            "double",
            "ALLOWANCE_EXCEEDED",
            0,
            1_000,
        ),
        spec(
            "addon_count",
            "add-on products held at the end of D (start_date <= D < end_date)",
            at,
            SUBSCRIBER_PRODUCTS,
            g,
            "int",
            "FEW_ADDONS",
            0,
            50,
        ),
    ]
    for name, codes in ADDON_FLAGS.items():
        out.append(
            spec(
                name,
                f"1 when holding {' or '.join(codes)} at the end of D",
                at,
                SUBSCRIBER_PRODUCTS,
                g,
                "int",
                "FEW_ADDONS",
                0,
                1,
            )
        )
    out += [
        spec(
            "monthly_revenue",
            f"plan monthly fee + CDR charges of the last {longest} days per 30 exposure"
            " days (out-of-bundle / prepaid spend)",
            f"{longest}d",
            f"{PLANS} + {CDR_DAILY}",
            g,
            "double",
            "SPEND_LEVEL",
            0,
            100_000,
        ),
        spec(
            "age_years",
            "age in whole years at D (protected: only with features.include_protected)",
            at,
            SUBSCRIBERS,
            g,
            "int",
            "AGE",
            0,
            120,
            protected=True,
        ),
    ]
    return out
