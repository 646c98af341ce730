"""The feature catalogue: name, definition, window, source and bounds of every feature.

This is the one place that says what ``silver.subscriber_features`` holds (besides its
keys ``subscriber_id`` and ``snapshot_date``). Names depend on the configured windows:
``build_catalog(windows, ticket_windows)``; ``FEATURES`` is the catalogue for the
defaults in ``conf/base.yaml``. Conventions used in the definitions:

- a window ``w`` at snapshot D covers the w days (D - w, D]; an event exactly w days
  before D is outside it;
- shares and per-day means are 0 when their denominator is 0; recency, contract, invoice
  and satisfaction features are null when the thing they measure does not exist;
- "exposure" is the number of days of a window on which the subscription existed,
  min(w, tenure_days + 1);
- trends compare daily rates, r = recent and b = before: (r - b) / (r + b) in [-1, 1],
  0 when both are 0, null when the subscription did not exist before the recent part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

from telco_risk.tables import CDR_DAILY, PLANS, SUBSCRIBER_PRODUCTS, SUBSCRIBERS, TICKETS, TOPUPS

Dtype = Literal["double", "int", "string"]

KEY_COLUMNS = ("subscriber_id", "snapshot_date")
DEFAULT_WINDOWS = (7, 30, 90)
DEFAULT_TICKET_WINDOWS = (30, 90)

BILLING = "bronze.invoices + bronze.payments"

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

# Ticket categories of the contract -> the reason code their counts explain.
TICKET_CATEGORIES: dict[str, str] = {
    "billing": "BILLING_COMPLAINTS",
    "network": "NETWORK_COMPLAINTS",
    "device": "DEVICE_COMPLAINTS",
    "plan_change": "PLAN_CHANGE_REQUEST",
    "cancellation_request": "CANCELLATION_REQUEST",
    "other": "CARE_COMPLAINTS",
}

MB = 1024 * 1024  # bytes in one MB, as plan data allowances count them


@dataclass(frozen=True)
class FeatureSpec:
    """One feature column: what it means, where it comes from, how it may be used."""

    name: str
    definition: str
    window: str
    source: str
    group: str
    dtype: Dtype
    categorical: bool
    protected: bool
    reason_code: str  # shown by model explanations when this feature pushes the risk up
    min_value: float | None
    max_value: float | None


def _spec(
    name: str,
    definition: str,
    window: str,
    source: str,
    group: str,
    dtype: Dtype,
    reason_code: str,
    min_value: float | None = None,
    max_value: float | None = None,
    categorical: bool = False,
    protected: bool = False,
) -> FeatureSpec:
    lo = None if min_value is None else float(min_value)
    hi = None if max_value is None else float(max_value)
    return FeatureSpec(
        name, definition, window, source, group, dtype, categorical, protected, reason_code, lo, hi
    )


def trend_pairs(windows: tuple[int, ...]) -> list[tuple[int, int]]:
    """Consecutive windows (a, b): the last a days against the b - a days before."""
    return list(itertools.pairwise(windows))


def trend_name(measure: str, recent: int, longer: int) -> str:
    return f"{measure}_trend_{recent}v{longer - recent}"


def _usage(windows: tuple[int, ...]) -> list[FeatureSpec]:
    g, src = "usage_windows", CDR_DAILY
    out: list[FeatureSpec] = []
    for w in windows:
        win = f"{w}d"
        out += [
            _spec(
                f"active_days_{w}d", "days with at least one CDR", win, src, g, "int", "LOW_ACTIVITY", 0, w
            ),
            _spec(
                f"voice_out_calls_{w}d", "outgoing voice calls", win, src, g, "int", "USAGE_DROP", 0, 1000 * w
            ),
            _spec(
                f"voice_in_calls_{w}d", "incoming voice calls", win, src, g, "int", "USAGE_DROP", 0, 1000 * w
            ),
            _spec(
                f"voice_minutes_{w}d",
                "voice minutes, both directions",
                win,
                src,
                g,
                "double",
                "USAGE_DROP",
                0,
                1440 * w,
            ),
            _spec(f"sms_{w}d", "SMS sent and received", win, src, g, "int", "USAGE_DROP", 0, 5000 * w),
            _spec(
                f"data_mb_{w}d",
                "data volume up + down in MB (2^20 bytes)",
                win,
                src,
                g,
                "double",
                "USAGE_DROP",
                0,
                100_000 * w,
            ),
            _spec(
                f"charge_{w}d",
                "sum of rated CDR charges",
                win,
                src,
                g,
                "double",
                "SPEND_LEVEL",
                0,
                10_000 * w,
            ),
            _spec(
                f"events_per_active_day_{w}d",
                "CDRs per active day",
                win,
                src,
                g,
                "double",
                "USAGE_LEVEL",
                0,
                10_000,
            ),
            _spec(
                f"minutes_per_active_day_{w}d",
                "voice minutes per active day",
                win,
                src,
                g,
                "double",
                "USAGE_LEVEL",
                0,
                1440,
            ),
            _spec(
                f"night_share_{w}d",
                "share of CDRs at night (night_start_hour to day_start_hour, UTC)",
                win,
                src,
                g,
                "double",
                "NIGHT_USAGE",
                0,
                1,
            ),
            _spec(
                f"outgoing_share_{w}d",
                "outgoing / all voice calls + SMS (the out/in ratio as a share)",
                win,
                src,
                g,
                "double",
                "OUTGOING_SHARE",
                0,
                1,
            ),
            _spec(
                f"intl_share_{w}d",
                "outgoing international calls + SMS / all outgoing calls + SMS",
                win,
                src,
                g,
                "double",
                "INTERNATIONAL_USAGE",
                0,
                1,
            ),
            _spec(
                f"dropped_call_rate_{w}d",
                "dropped / all voice calls",
                win,
                src,
                g,
                "double",
                "DROPPED_CALLS_UP",
                0,
                1,
            ),
            _spec(
                f"care_calls_{w}d",
                "outgoing calls to customer care",
                win,
                src,
                g,
                "int",
                "CARE_CALLS",
                0,
                100 * w,
            ),
        ]
    mid = windows[1]
    out += [
        _spec(
            f"failed_call_rate_{mid}d",
            "failed / all voice calls",
            f"{mid}d",
            src,
            g,
            "double",
            "FAILED_CALLS_UP",
            0,
            1,
        ),
        _spec(
            f"roaming_share_{mid}d",
            "share of CDRs while roaming",
            f"{mid}d",
            src,
            g,
            "double",
            "ROAMING_USAGE",
            0,
            1,
        ),
    ]
    measures = {
        "events": "CDRs",
        "voice_minutes": "voice minutes",
        "data_mb": "data MB",
        "charge": "CDR charges",
    }
    for a, b in trend_pairs(windows):
        for measure, what in measures.items():
            out.append(
                _spec(
                    trend_name(measure, a, b),
                    f"trend of daily {what}: last {a} days vs the {b - a} before (exposure-adjusted)",
                    f"{a}d vs {b - a}d before",
                    src,
                    g,
                    "double",
                    "USAGE_DROP",
                    -1,
                    1,
                )
            )
    longest = windows[-1]
    for name, what in (("call", "voice call"), ("data", "data session"), ("event", "CDR of any kind")):
        out.append(
            _spec(
                f"days_since_last_{name}",
                f"days since the last {what} (0 = on D); null when none in the last {longest} days",
                f"{longest}d",
                src,
                g,
                "int",
                "INACTIVITY",
                0,
                longest - 1,
            )
        )
    return out


def _fraud(windows: tuple[int, ...]) -> list[FeatureSpec]:
    g, src = "fraud_signals", CDR_DAILY
    short, mid, longest = windows[0], windows[1], windows[-1]
    out: list[FeatureSpec] = []
    for w in (short, mid):
        win = f"{w}d"
        out += [
            _spec(
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
            _spec(
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
            _spec(
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
            _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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


def _bss(windows: tuple[int, ...]) -> list[FeatureSpec]:
    g, mid, longest = "bss_state", windows[1], windows[-1]
    at = "as of D"
    out = [
        _spec(
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
        _spec("segment", "prepaid or postpaid", at, SUBSCRIBERS, g, "string", "PLAN_TYPE", categorical=True),
        _spec("plan_id", "tariff plan", at, SUBSCRIBERS, g, "string", "PLAN_TYPE", categorical=True),
        _spec("region", "home region", at, SUBSCRIBERS, g, "string", "REGION", categorical=True),
        _spec(
            "contract_type",
            "none, 12m or 24m",
            at,
            SUBSCRIBERS,
            g,
            "string",
            "CONTRACT_TYPE",
            categorical=True,
        ),
        _spec(
            "payment_method",
            "payment method on the account",
            at,
            SUBSCRIBERS,
            g,
            "string",
            "PAYMENT_METHOD",
            categorical=True,
        ),
        _spec(
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
        _spec(
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
        _spec("plan_monthly_fee", "monthly fee of the plan", at, PLANS, g, "double", "PLAN_PRICE", 0, 10_000),
        _spec(
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
        _spec(
            "plan_included_sms", "SMS included per month", at, PLANS, g, "int", "PLAN_ALLOWANCE", 0, 1_000_000
        ),
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
            _spec(
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
        _spec(
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
        _spec(
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


def _billing(windows: tuple[int, ...]) -> list[FeatureSpec]:
    g, mid, longest = "billing", windows[1], windows[-1]
    lb = "billing_lookback_days"
    return [
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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
        _spec(
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


def _care(ticket_windows: tuple[int, ...]) -> list[FeatureSpec]:
    g, longest = "care", ticket_windows[-1]
    out: list[FeatureSpec] = []
    for w in ticket_windows:
        for category, reason in TICKET_CATEGORIES.items():
            out.append(
                _spec(
                    f"tickets_{category}_{w}d",
                    f"care tickets of category {category} opened",
                    f"{w}d",
                    TICKETS,
                    g,
                    "int",
                    reason,
                    0,
                    10 * w,
                )
            )
    out += [
        _spec(
            "open_tickets",
            f"tickets opened in the last {longest} days and not resolved by the end of D",
            f"{longest}d",
            TICKETS,
            g,
            "int",
            "OPEN_TICKETS",
            0,
            1_000,
        ),
        _spec(
            "last_satisfaction",
            f"satisfaction (1-5) of the latest ticket resolved by the end of D, among"
            f" those opened in the last {longest} days; null when none",
            f"{longest}d",
            TICKETS,
            g,
            "int",
            "LOW_SATISFACTION",
            1,
            5,
        ),
    ]
    return out


def build_catalog(
    windows: tuple[int, ...] = DEFAULT_WINDOWS, ticket_windows: tuple[int, ...] = DEFAULT_TICKET_WINDOWS
) -> tuple[FeatureSpec, ...]:
    """Every feature for these windows, in the column order of the feature table."""
    if len(windows) < 3:
        raise ValueError("at least three usage windows are needed (short, mid, longest)")
    specs = (*_usage(windows), *_fraud(windows), *_bss(windows), *_billing(windows), *_care(ticket_windows))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate feature names in the catalogue")
    return tuple(specs)


FEATURES: tuple[FeatureSpec, ...] = build_catalog()


def feature_columns(include_protected: bool = False, specs: tuple[FeatureSpec, ...] = FEATURES) -> list[str]:
    """Feature column names in table order; protected ones only when asked."""
    return [s.name for s in specs if include_protected or not s.protected]


def categorical_columns(specs: tuple[FeatureSpec, ...] = FEATURES) -> list[str]:
    return [s.name for s in specs if s.categorical]


def spec_by_name(specs: tuple[FeatureSpec, ...] = FEATURES) -> dict[str, FeatureSpec]:
    return {s.name: s for s in specs}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def catalog_markdown(specs: tuple[FeatureSpec, ...] = FEATURES) -> str:
    """The catalogue as a markdown document (``docs/feature_catalog.md`` is this output)."""
    header = (
        "name",
        "group",
        "dtype",
        "window",
        "definition",
        "source",
        "categorical",
        "protected",
        "reason code",
        "min",
        "max",
    )
    lines = [
        "# Feature catalogue",
        "",
        "Generated by `telco-risk features --catalog` from `features/catalog.py`; do not edit by hand.",
        "",
        "Table `silver.subscriber_features`: one row per active subscriber per `snapshot_date` D"
        " (partition column), keys `subscriber_id`, `snapshot_date`; every value uses only data"
        " timestamped on or before the end of D (UTC).",
        "",
        "- A window `w` at D covers the w days (D - w, D]: an event exactly w days before D is outside it.",
        "- Shares and per-day means are 0 when their denominator is 0; recency, contract, invoice and"
        " satisfaction features are null when what they measure does not exist.",
        "- Exposure: the days of a window on which the subscription existed, min(w, tenure_days + 1).",
        "- Trends compare daily rates r (recent) and b (before): (r - b) / (r + b), 0 when both are 0,"
        " null when the subscription did not exist before the recent part.",
        "- Protected features are written only when `features.include_protected` is true.",
        "",
        f"{len(specs)} features.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(" --- " for _ in header) + "|",
    ]
    for s in specs:
        row = (
            s.name,
            s.group,
            s.dtype,
            s.window,
            s.definition,
            s.source,
            s.categorical,
            s.protected,
            s.reason_code,
            s.min_value,
            s.max_value,
        )
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"
