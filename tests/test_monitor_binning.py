"""The one-pass binning aggregation, the reference's edges and categories, and realised
performance read from gold and the outcome tables: tiny inline frames, values by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality

from jobs.monitor import realised_metrics
from models.monitoring.binning import ColumnBins, Monitored, binned_counts, collect_counts
from models.monitoring.reference import numeric_edges, top_categories
from telco_risk import delta_io

D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)
NAN = float("nan")


def test_every_column_is_binned_in_one_aggregation(spark):
    df = spark.createDataFrame(
        [
            (D1, None, "prepaid"),
            (D1, NAN, "postpaid"),
            (D1, -1.0, "prepaid"),
            (D1, 0.0, "hybrid"),
            (D1, 0.5, None),
            (D2, 1.0, "prepaid"),
            (D2, 2.0, "prepaid"),
        ],
        "day date, x double, segment string",
    )
    x = ColumnBins("x", "numeric", edges=(0.0, 1.0))  # bins <= 0, (0, 1], > 1, missing
    segment = ColumnBins("segment", "categorical", categories=("prepaid", "postpaid"))  # + other, missing
    monitored = [
        Monitored("churn", "3", x),
        Monitored("churn", "3", segment),
        # another model version's column, counted on D2 only
        Monitored("fraud", "1", x, applies="day = DATE'2026-03-02'"),
    ]
    got = binned_counts(df, "day", monitored)
    expected = spark.createDataFrame(
        [
            (D1, "churn", "3", "x", 3, 2, 0),  # None and NaN are missing
            (D1, "churn", "3", "x", 0, 2, 1),  # -1 and 0 (a zero)
            (D1, "churn", "3", "x", 1, 1, 0),  # 0.5
            (D2, "churn", "3", "x", 1, 1, 0),  # 1.0: right-closed
            (D2, "churn", "3", "x", 2, 1, 0),  # 2.0
            (D1, "churn", "3", "segment", 0, 2, 0),
            (D1, "churn", "3", "segment", 1, 1, 0),
            (D1, "churn", "3", "segment", 2, 1, 0),  # hybrid: other
            (D1, "churn", "3", "segment", 3, 1, 0),  # missing
            (D2, "churn", "3", "segment", 0, 2, 0),
            (D2, "fraud", "1", "x", 1, 1, 0),
            (D2, "fraud", "1", "x", 2, 1, 0),
        ],
        "group date, model string, version string, feature string, bin int, rows long, zeros long",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)

    counts = collect_counts(
        got.collect(), {("churn", "3", "x"): 4, ("churn", "3", "segment"): 4, ("fraud", "1", "x"): 4}
    )
    assert counts[(D1, "churn", "3", "x")].rows.tolist() == [2, 1, 0, 2]
    assert counts[(D1, "churn", "3", "x")].zeros == 1
    assert counts[(D2, "fraud", "1", "x")].rows.tolist() == [0, 1, 1, 0]


def test_reference_edges_and_categories(spark):
    df = spark.createDataFrame(
        [(float(v), "a" if v <= 6 else "b" if v <= 9 else "c") for v in range(1, 11)]
        + [(None, None), (NAN, "a")],
        "x double, c string",
    )
    # quartiles of 1..10 (nulls and NaN ignored): 3, 5, 8; a discrete column keeps its values once
    assert numeric_edges(df, ["x"], 4) == {"x": [3.0, 5.0, 8.0]}
    assert top_categories(df, ["c"], 2) == {"c": ["a", "b"]}  # a 7 rows, b 3, c 1


@pytest.fixture()
def outcomes(spark, cfg):
    """Gold scores of D1 for five subscribers; churn events and fraud cases around it."""
    gold = spark.createDataFrame(
        [
            (D1, "S1", 0.9, "high", 0.7, "high"),
            (D1, "S2", 0.6, "high", 0.2, "medium"),
            (D1, "S3", 0.3, "medium", 0.6, "high"),
            (D1, "S4", 0.1, "low", 0.4, "medium"),
            (D1, "S5", 0.05, "low", None, None),
        ],
        "score_date date, subscriber_id string, churn_score double, churn_band string,"
        " fraud_score double, fraud_band string",
    )
    delta_io.append(gold, cfg.table_path("gold.risk_scores"), ["score_date"])
    days = dt.timedelta
    churn = spark.createDataFrame(
        [
            ("S1", D1 + days(5), "port_out"),  # in (D1, D1 + 30]
            ("S3", D1 + days(30), "cancellation"),  # the horizon's last day counts
            ("S4", D1 + days(31), "port_out"),  # after the horizon
            ("S5", D1, "port_out"),  # on the score date itself: not after it
        ],
        "subscriber_id string, event_date date, churn_type string",
    )
    delta_io.append(churn, cfg.table_path("bronze.churn_events"), ["event_date"])
    fraud = spark.createDataFrame(
        [
            ("F1", "S1", "simbox", D1 - days(1), D1 + days(3), "confirmed"),
            ("F2", "S2", "irsf", D1, D1 + days(20), "confirmed"),  # after the 14-day maturity
            ("F3", "S3", "irsf", D1 - days(20), D1 - days(10), "confirmed"),  # before D1 - 7
            ("F4", "S4", "wangiri", D1, D1 + days(2), "false_positive"),
        ],
        "case_id string, subscriber_id string, fraud_type string, first_seen_date date,"
        " confirmed_date date, disposition string",
    )
    delta_io.append(fraud, cfg.table_path("bronze.fraud_cases"), ["confirmed_date"])
    return cfg


def test_realised_performance_once_labels_have_arrived(spark, outcomes):
    cfg = outcomes  # churn horizon 30 days; fraud window 7, maturity 14; 10 ECE bins
    churn = realised_metrics(spark, cfg, [D1 + dt.timedelta(days=30)], ["churn"])[("churn", D1)]
    # labels S1 1, S2 0, S3 1, S4 0, S5 0; ascending scores S5 S4 S3 S2 S1:
    # S3 beats 2 negatives, S1 beats 3: AUC (2 + 3) / (2 x 3)
    assert (churn.rows, churn.positives) == (5, 2)
    assert churn.auc == pytest.approx(5 / 6)
    assert (churn.high_rows, churn.precision_high) == (2, 0.5)
    # one row per probability bin: (|0.05 - 0| + |0.1 - 0| + |0.3 - 1| + |0.6 - 0| + |0.9 - 1|) / 5
    assert churn.ece == pytest.approx(1.55 / 5)
    fraud = realised_metrics(spark, cfg, [D1 + dt.timedelta(days=14)], ["fraud"])[("fraud", D1)]
    # only S1 is positive (S5 has no fraud score); it has the highest score
    assert (fraud.rows, fraud.positives, fraud.auc) == (4, 1, 1.0)
    assert (fraud.high_rows, fraud.precision_high) == (2, 0.5)
    # a monitoring date whose look-back date has no scores gives nothing
    assert realised_metrics(spark, cfg, [D1 + dt.timedelta(days=29)], ["churn"]) == {}
