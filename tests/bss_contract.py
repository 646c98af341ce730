"""The BSS staging table's columns as ../shared/DATA_CONTRACT.md lists them, written out by
hand (not read from the code under test) for the publish and end-to-end tests."""

CONTRACT_COLUMNS = [
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
    "published_at",
]
