"""Every table of the lakehouse by name (``layer.table``; ``Config.table_path`` gives its
path), and the schema of the published one, ``gold.risk_scores``.

Bronze tables are named after their feeds (ingestion/feed_contract.py holds their columns).
"""

from __future__ import annotations

# bronze: one table per landing feed, plus the rows the contract refused
CDR = "bronze.cdr"
SUBSCRIBERS = "bronze.subscribers"
PLANS = "bronze.plans"
SUBSCRIBER_PRODUCTS = "bronze.subscriber_products"
INVOICES = "bronze.invoices"
PAYMENTS = "bronze.payments"
TOPUPS = "bronze.topups"
TICKETS = "bronze.tickets"
CHURN_EVENTS = "bronze.churn_events"
FRAUD_CASES = "bronze.fraud_cases"
QUARANTINE = "quarantine.rows"

# silver: daily CDR aggregates, the rolling window state and the feature snapshots
CDR_DAILY = "silver.cdr_daily"
CDR_SEEN_DAILY = "silver.cdr_seen_daily"
CDR_WINDOW_STATE = "silver.cdr_window_state"
SUBSCRIBER_FEATURES = "silver.subscriber_features"

# gold: what the business reads
RISK_SCORES = "gold.risk_scores"
MONITORING = "gold.monitoring"

# ops: the pipeline's own records
INGEST_RUNS = "ops.ingest_runs"
QUALITY_RESULTS = "ops.quality_results"
QUALITY_GATE = "ops.quality_gate"
NIGHTLY_HEALTH = "ops.nightly_health"
MONITORING_ALERTS = "ops.monitoring_alerts"
MONITORING_REFERENCE = "ops.monitoring_reference"


# The bronze table each model's labels come from (telco_risk.config.MODELS).
LABEL_TABLES = {"churn": CHURN_EVENTS, "fraud": FRAUD_CASES}


def bronze(feed: str) -> str:
    """The bronze table of a landing feed."""
    return f"bronze.{feed}"


def training_sets(model: str) -> str:
    """The training sets of a model (one partition per training set id)."""
    return f"training.{model}_sets"


# gold.risk_scores (partitioned by score_date; key score_date + subscriber_id), in order.
RISK_SCORES_FIELDS: tuple[tuple[str, str], ...] = (
    ("score_date", "date"),
    ("subscriber_id", "string"),
    ("churn_score", "double"),
    ("churn_band", "string"),
    ("churn_reasons", "string"),
    ("fraud_score", "double"),
    ("fraud_band", "string"),
    ("fraud_reasons", "string"),
    ("churn_model_version", "string"),
    ("fraud_model_version", "string"),
    ("churn_run_id", "string"),
    ("fraud_run_id", "string"),
    ("feature_table_version", "long"),
    ("run_id", "string"),
    ("segment", "string"),
    ("plan_id", "string"),
    ("region", "string"),
    ("monthly_revenue", "double"),
    ("fraud_exposure", "double"),
    ("likely_fraud_type", "string"),
)
RISK_SCORES_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in RISK_SCORES_FIELDS)
RISK_SCORES_COLUMNS = [name for name, _ in RISK_SCORES_FIELDS]

# The BSS staging table (bss.table): the data contract's output columns, in order, with
# their logical types (telco_risk/bss_publish.py maps them to each database's types). All
# but published_at (stamped by publish) are copied from gold.risk_scores.
_GOLD_TYPES = dict(RISK_SCORES_FIELDS)
BSS_STAGING_COLUMNS: tuple[tuple[str, str], ...] = (
    *(
        (name, _GOLD_TYPES[name])
        for name in (
            "score_date",
            "subscriber_id",
            "churn_score",
            "churn_band",
            "churn_reasons",
            "fraud_score",
            "fraud_band",
            "fraud_reasons",
            "churn_model_version",
            "fraud_model_version",
            "run_id",
        )
    ),
    ("published_at", "timestamp"),
)
