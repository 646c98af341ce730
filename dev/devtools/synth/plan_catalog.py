"""The operator's static world: enums, plans, regions, devices, countries, add-ons, tariffs.

A fictional UK mobile operator (country code 44, own numbers 4479xxxxxxxx). Every
number the generator uses is named here so that the README (Synthetic operator data) can quote it.
"""

from __future__ import annotations

import numpy as np

# --- enums (codes are the index into the tuple) -----------------------------------
EVENT_TYPES = ("voice", "sms", "data")
VOICE, SMS, DATA = 0, 1, 2
DIRECTIONS = ("out", "in")
OUT, IN = 0, 1
PARTY_TYPES = ("mobile", "fixed", "premium", "international", "voicemail", "customer_care", "short_code")
MOBILE, FIXED, PREMIUM, INTL, VOICEMAIL, CARE, SHORT = range(7)
TERMINATIONS = ("normal", "dropped", "failed", "busy", "no_answer")
NORMAL, DROPPED, FAILED, BUSY, NO_ANSWER = range(5)
STATUSES = ("pending", "active", "suspended", "terminated")  # pending = not yet activated, never written
PENDING, ACTIVE, SUSPENDED, TERMINATED = range(4)
SEGMENTS = ("prepaid", "postpaid")
PREPAID, POSTPAID = 0, 1
CONTRACT_TYPES = ("none", "12m", "24m")
PAYMENT_METHODS = ("direct_debit", "credit_card", "bank_transfer", "cash", "voucher")
DIRECT_DEBIT, CREDIT_CARD, BANK_TRANSFER, CASH, VOUCHER = range(5)
TICKET_CHANNELS = ("call", "web", "store", "chat")
TICKET_CATEGORIES = ("billing", "network", "device", "plan_change", "cancellation_request", "other")
T_BILLING, T_NETWORK, T_DEVICE, T_PLAN, T_CANCEL, T_OTHER = range(6)
CHURN_TYPES = ("port_out", "cancellation", "non_payment_disconnect")
PORT_OUT, CANCELLATION, NON_PAYMENT = range(3)
FRAUD_TYPES = ("simbox", "irsf", "subscription", "wangiri", "account_takeover", "other")
SIMBOX, IRSF, SUBSCRIPTION, WANGIRI, ATO, OTHER_FRAUD = range(6)
DISPOSITIONS = ("confirmed", "false_positive")
TOPUP_CHANNELS = ("retail", "online", "app", "ussd", "voucher_card", "auto_topup")

# --- plans -----------------------------------------------------------------------
# plan_id, plan_name, segment, monthly_fee, minutes, sms, data_mb, intl_included, voicemail
PLANS = (
    ("PRE_PAYG", "Pay As You Go", PREPAID, 0.0, 0, 0, 0, False, False),
    ("PRE_SMART", "Smart Bundle", PREPAID, 0.0, 250, 250, 3072, False, True),
    ("PRE_DATA", "Data Max Bundle", PREPAID, 0.0, 100, 100, 10240, False, True),
    ("POST_S", "Essential 10", POSTPAID, 10.0, 300, 1000, 5120, False, True),
    ("POST_M", "Plus 20", POSTPAID, 20.0, 1000, 5000, 20480, False, True),
    ("POST_L", "Unlimited 35", POSTPAID, 35.0, 100000, 100000, 61440, False, True),
    # The comma makes the plans file exercise RFC 4180 quoting.
    ("POST_XL", "Unlimited Max, Global", POSTPAID, 60.0, 100000, 100000, 153600, True, True),
)
PLAN_SEGMENT = np.array([p[2] for p in PLANS], dtype=np.int8)
PLAN_FEE = np.array([p[3] for p in PLANS])
PLAN_MIN = np.array([p[4] for p in PLANS], dtype=np.float64)
PLAN_SMS = np.array([p[5] for p in PLANS], dtype=np.float64)
PLAN_MB = np.array([p[6] for p in PLANS], dtype=np.float64)
PLAN_INTL = np.array([p[7] for p in PLANS])
PREPAID_PLANS = np.array([0, 1, 2])
POSTPAID_PLANS = np.array([3, 4, 5, 6])

# --- regions and cells -----------------------------------------------------------
# name, cell-id prefix, population share, median dropped-call probability of its cells
REGIONS = (
    ("London", "LDN", 0.22, 0.012),
    ("South East", "SEA", 0.20, 0.010),
    ("Midlands", "MID", 0.18, 0.015),
    ("North West", "NWE", 0.16, 0.018),
    ("Scotland", "SCO", 0.12, 0.035),  # rural coverage: the worst region
    ("Wales", "WAL", 0.12, 0.026),
)
CELLS_PER_REGION = 160
FAULTY_CELL_SHARE = 0.06  # cells whose drop probability is x4 (congested / faulty)
FAULTY_CELL_FACTOR = 4.0

# --- devices: model, TAC (first 8 IMEI digits), has data ----------------------------
DEVICES = (
    ("Apple iPhone 15", 35395411, True, 0.16),
    ("Apple iPhone 14", 35325211, True, 0.13),
    ("Apple iPhone 13", 35467311, True, 0.10),
    ("Samsung Galaxy S24", 35118672, True, 0.09),
    ("Samsung Galaxy A54", 35082145, True, 0.11),
    ("Samsung Galaxy A14", 35490231, True, 0.09),
    ("Google Pixel 8", 35667211, True, 0.06),
    ("Xiaomi Redmi Note 13", 86473205, True, 0.08),
    ("Motorola Moto G54", 35921412, True, 0.07),
    ("Oppo A78", 86781206, True, 0.05),
    ("Nokia 105", 35203811, False, 0.06),  # feature phone: no data sessions
)
DEVICE_TAC = np.array([d[1] for d in DEVICES], dtype=np.int64)
DEVICE_HAS_DATA = np.array([d[2] for d in DEVICES])
DEVICE_SHARE = np.array([d[3] for d in DEVICES]) / sum(d[3] for d in DEVICES)
SIMBOX_TAC = 86012300  # multi-SIM GSM gateway: appears in CDRs only, never in BSS

# --- countries: ISO code, dialling code, high-cost (IRSF-prone) -------------------
COUNTRIES = (
    ("GB", 44, False),
    ("PL", 48, False),
    ("RO", 40, False),
    ("IN", 91, False),
    ("PK", 92, False),
    ("NG", 234, False),
    ("US", 1, False),
    ("FR", 33, False),
    ("ES", 34, False),
    ("DE", 49, False),
    ("IT", 39, False),
    ("PT", 351, False),
    ("IE", 353, False),
    ("PH", 63, False),
    ("CN", 86, False),
    ("TR", 90, False),
    ("GR", 30, False),
    # high-cost / premium-rate international destinations
    ("CU", 53, True),
    ("LV", 371, True),
    ("SO", 252, True),
    ("GN", 224, True),
    ("SL", 232, True),
    ("TV", 688, True),
    ("NR", 674, True),
    ("ST", 239, True),
)
COUNTRY_ISO = tuple(c[0] for c in COUNTRIES)
COUNTRY_DIAL = np.array([c[1] for c in COUNTRIES], dtype=np.int64)
COUNTRY_HIGH_COST = np.array([c[2] for c in COUNTRIES])
GB = 0
DIASPORA = np.array([1, 2, 3, 4, 5, 6, 12, 13, 14, 15])  # family abroad
DIASPORA_P = np.array([0.18, 0.12, 0.17, 0.12, 0.09, 0.08, 0.08, 0.06, 0.05, 0.05])
TOURIST = np.array([8, 7, 10, 11, 16, 15, 6, 12])  # roaming destinations
TOURIST_P = np.array([0.26, 0.2, 0.13, 0.1, 0.09, 0.09, 0.08, 0.05])
HIGH_COST = np.flatnonzero(COUNTRY_HIGH_COST)
STANDARD_INTL = np.array([i for i in range(1, len(COUNTRIES)) if not COUNTRIES[i][2]])
ROAMING_CELLS_PER_COUNTRY = 12

# --- special numbers --------------------------------------------------------------
OWN_PREFIX = 447900000000  # own msisdns: 4479 + 8 digits
VOICEMAIL_NUMBER = 447953000123
CARE_NUMBER = 447953000150
SHORT_CODES = np.array([60000, 61010, 63300, 65100, 70070, 72400, 80010, 81212, 85075, 88440], dtype=np.int64)
PREMIUM_PREFIX = 449000000000  # 09xx premium rate: 4490 + 8 digits
OFFNET_PREFIXES = np.array([447500000000, 447700000000, 447800000000, 447400000000], dtype=np.int64)
FIXED_PREFIXES = np.array(
    [442000000000, 441610000000, 441210000000, 441310000000, 442920000000], dtype=np.int64
)

# --- add-on products: code, P(postpaid), P(prepaid), protective (lowers churn) -------
PRODUCTS = (
    ("intl_pack", 0.05, 0.03, False),
    ("voicemail", 0.35, 0.22, False),
    ("online_security", 0.25, 0.03, True),
    ("online_backup", 0.20, 0.02, False),
    ("device_protection", 0.30, 0.05, False),
    ("tech_support", 0.20, 0.02, True),
    ("streaming_tv", 0.20, 0.03, False),
    ("streaming_movies", 0.18, 0.03, False),
    ("broadband_dsl", 0.07, 0.0, True),
    ("broadband_fiber", 0.12, 0.0, True),
    ("multi_line", 0.0, 0.0, False),  # held by every line of a multi-line customer
)
PRODUCT_CODES = tuple(p[0] for p in PRODUCTS)
MULTI_LINE = PRODUCT_CODES.index("multi_line")
INTL_PACK = PRODUCT_CODES.index("intl_pack")

# --- tariffs (operator currency) ----------------------------------------------------
# per segment [prepaid, postpaid]; voice per started minute, data per MB
RATE_VOICE = np.array([0.10, 0.10])
RATE_SMS = np.array([0.06, 0.10])
RATE_MB = np.array([0.005, 0.01])
RATE_INTL_STD = 0.25  # per minute (0 on plans with international_included)
RATE_INTL_HIGH = 2.50  # per minute, always charged
RATE_INTL_SMS = 0.20
RATE_PREMIUM = 1.50  # per minute
PREMIUM_SETUP = 0.50  # per answered premium call
RATE_SHORT = 0.25  # per short-code call or sms
RATE_ROAM_VOICE_OUT = 0.80
RATE_ROAM_VOICE_IN = 0.30
RATE_ROAM_SMS = 0.25
RATE_ROAM_MB = 0.05
