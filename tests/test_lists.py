"""CRM churn list, revenue-assurance fraud review and the likely fraud type, on hand-made gold rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pyspark.sql import functions as F

from jobs.cli import main as cli_main
from models.action_lists import churn_list, format_table, fraud_review, likely_fraud_type
from telco_risk.tables import RISK_SCORES, RISK_SCORES_COLUMNS, RISK_SCORES_SCHEMA

D0, D = dt.date(2026, 2, 26), dt.date(2026, 3, 1)  # D0: the previous score date (a gap of two days)


def gold(spark, day: dt.date, rows: list[dict]):
    """Gold rows of ``day``: the given columns, the others null."""
    full = [tuple([day if c == "score_date" else r.get(c) for c in RISK_SCORES_COLUMNS]) for r in rows]
    return spark.createDataFrame(full, RISK_SCORES_SCHEMA)


def churn(sid, segment, score, band, revenue):
    return {
        "subscriber_id": sid,
        "segment": segment,
        "churn_score": score,
        "churn_band": band,
        "monthly_revenue": revenue,
        "churn_reasons": f"R_{sid}",
    }


# revenue at risk = churn_score x monthly_revenue (quarters: exact in binary)
CHURN_ROWS = [
    churn("A", "postpaid", 0.5, "high", 80.0),  # 40
    churn("B", "prepaid", 0.75, "high", 24.0),  # 18, churn 0.75
    churn("F", "prepaid", 0.5, "high", 36.0),  # 18, churn 0.5
    churn("H", "prepaid", 0.5, "high", 36.0),  # 18, churn 0.5: after F by id
    churn("C", "postpaid", 0.25, "medium", 100.0),  # 25
    churn("D1", "prepaid", 0.375, "medium", None),  # 0: revenue unknown
    churn("E", "postpaid", None, None, 500.0),  # no churn score: never listed
    churn("G", "postpaid", 0.125, "low", 64.0),  # 8
]


def ids(df) -> list[str]:
    return [r.subscriber_id for r in df.collect()]


def test_churn_list_ranks_by_revenue_at_risk(spark):
    scores = gold(spark, D, CHURN_ROWS)
    assert ids(churn_list(scores, top=10)) == ["A", "C", "B", "F", "H", "G", "D1"]
    top3 = churn_list(scores, top=3).collect()
    assert [(r.subscriber_id, r.revenue_at_risk, r.churn_reasons) for r in top3] == [
        ("A", 40.0, "R_A"),
        ("C", 25.0, "R_C"),
        ("B", 18.0, "R_B"),
    ]


def test_churn_list_filters_segment_and_band(spark):
    scores = gold(spark, D, CHURN_ROWS)
    assert ids(churn_list(scores, top=10, segment="prepaid")) == ["B", "F", "H", "D1"]
    assert ids(churn_list(scores, top=10, band="high")) == ["A", "B", "F", "H"]
    assert ids(churn_list(scores, top=10, segment="postpaid", band="medium")) == ["C"]
    assert ids(churn_list(scores, top=2, segment="prepaid", band="high")) == ["B", "F"]
    with pytest.raises(ValueError, match="--segment must be one of prepaid, postpaid"):
        churn_list(scores, top=5, segment="business")


def fraud(sid, score, band, exposure=0.0, reasons="PREMIUM_BURST"):
    return {
        "subscriber_id": sid,
        "segment": "prepaid",
        "fraud_score": score,
        "fraud_band": band,
        "fraud_reasons": reasons,
        "likely_fraud_type": "irsf",
        "fraud_exposure": exposure,
    }


PREVIOUS = [
    fraud("X", 0.9, "high"),
    fraud("Y", 0.2, "medium"),
    fraud("Z", 0.05, "low"),
    fraud("W", None, None),
    fraud("T", 0.7, "high"),
]
TODAY = [
    fraud("X", 0.9, "high", 5.0),  # high before: not new
    fraud("Y", 0.8, "high", 10.0),  # medium before: not new
    fraud("Z", 0.8, "high", 50.0),  # low before: new; more exposure than Y -> first of the tie
    fraud("V", 0.3, "medium", 1.0),  # not scored before: new
    fraud("W", 0.2, "medium", 2.0),  # fraud model not scored before: new
    fraud("U", 0.01, "low", 99.0),  # not an alert
    fraud("T", None, None),  # no fraud score today
]


def flags(df) -> list[tuple[str, bool]]:
    return [(r.subscriber_id, r.new_alert) for r in df.collect()]


def test_fraud_review_flags_alerts_new_since_the_previous_score_date(spark):
    today, previous = gold(spark, D, TODAY), gold(spark, D0, PREVIOUS)
    review = fraud_review(today, previous)
    assert flags(review) == [("X", False), ("Z", True), ("Y", False), ("V", True), ("W", True)]
    assert flags(fraud_review(today, previous, band="high")) == [("X", False), ("Z", True), ("Y", False)]
    # Only "high" counts as an alert: Y was medium the day before, so it is new.
    assert flags(fraud_review(today, previous, alert_bands=("high",))) == [
        ("X", False),
        ("Z", True),
        ("Y", True),
    ]
    # No earlier score date: every alert is new.
    assert flags(fraud_review(today, None)) == [
        ("X", True),
        ("Z", True),
        ("Y", True),
        ("V", True),
        ("W", True),
    ]
    first = review.first()
    assert (first.likely_fraud_type, first.fraud_exposure, first.fraud_reasons) == (
        "irsf",
        5.0,
        "PREMIUM_BURST",
    )


@pytest.mark.parametrize(
    ("reasons", "expected"),
    [
        ("OUTGOING_ONLY;MANY_NEW_B_NUMBERS", "simbox"),
        ("FIXED_LOCATION;OUTGOING_ONLY", "simbox"),
        ("PREMIUM_BURST", "irsf"),
        ("INTERNATIONAL_BURST;ROAMING_CHARGES", "irsf"),
        ("SHORT_CALLS;MANY_B_NUMBERS;INTERNATIONAL_BURST", "wangiri"),
        ("OUTGOING_ONLY;MANY_NEW_B_NUMBERS;SHORT_CALLS", "wangiri"),
        ("NEW_ACCOUNT;PREMIUM_BURST", "subscription"),
        ("PREMIUM_BURST;IMEI_CHANGE", "account_takeover"),
        ("CELL_HOPPING", "account_takeover"),
        ("OUTGOING_ONLY", "other"),
        ("ROAMING_CHARGES;SHORT_CALLS", "other"),
        ("", None),
        (None, None),
    ],
)
def test_likely_fraud_type(spark, reasons, expected):
    df = spark.createDataFrame([(reasons,)], "fraud_reasons string")
    assert df.select(likely_fraud_type(F.col("fraud_reasons")).alias("t")).first().t == expected


def test_format_table_aligns_text_left_and_numbers_right():
    rows = pd.DataFrame(
        {"rank": [1, 2], "subscriber_id": ["A", "BB12"], "churn_score": [0.5, 0.125], "new": [True, False]}
    )
    assert format_table(rows, {"churn_score": 3}).splitlines() == [
        "rank  subscriber_id  churn_score  new",
        "----  -------------  -----------  ---",
        "   1  A                    0.500  yes",
        "   2  BB12                 0.125  no",
    ]


def test_cli_churn_list_to_csv_and_fraud_review_table(spark, cfg, workdir, monkeypatch, capsys):
    path = cfg.table_path(RISK_SCORES)
    gold(spark, D0, PREVIOUS).write.format("delta").partitionBy("score_date").save(path)
    churn_of = {"X": (0.5, 10.0), "Y": (0.25, 100.0), "Z": (0.75, 40.0), "W": (0.125, 8.0), "U": (0.5, 1.0)}
    today = gold(
        spark,
        D,
        [
            {
                **f,
                "churn_score": churn_of.get(f["subscriber_id"], (None, None))[0],
                "monthly_revenue": churn_of.get(f["subscriber_id"], (None, None))[1],
            }
            for f in TODAY
        ],
    )
    today.write.format("delta").mode("append").save(path)
    monkeypatch.setenv("TELCO_RISK_LAKEHOUSE", str(workdir / "lakehouse"))
    monkeypatch.setenv("TELCO_RISK_LANDING", str(workdir / "landing"))
    out = workdir / "lists" / "churn.csv"
    assert cli_main(["churn-list", "--date", str(D), "--top", "2", "--out", str(out)]) == 0
    listed = pd.read_csv(out)
    assert list(listed["rank"]) == [1, 2]
    assert list(listed["subscriber_id"]) == ["Z", "Y"]  # Z: 0.75 x 40 = 30, Y: 0.25 x 100 = 25, X: 5
    assert cli_main(["fraud-review", "--date", str(D), "--band", "high"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "fraud review 2026-03-01: 3 high alert(s), 1 new since 2026-02-26" in printed
    header = next(line for line in printed if line.startswith("subscriber_id"))
    assert header.split() == [
        "subscriber_id",
        "segment",
        "fraud_band",
        "fraud_score",
        "likely_fraud_type",
        "fraud_exposure",
        "new_alert",
        "fraud_reasons",
    ]
