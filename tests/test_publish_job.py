"""The publish job: gold.risk_scores rows of a date -> BSS staging table, and its refusals."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from expectations.quality_results import GateResult, record
from jobs.cli import main as cli_main
from jobs.publish import bss_properties, publish
from telco_risk import delta_io
from telco_risk.bss_publish import PublishError
from telco_risk.jdbc import connection_properties, query
from telco_risk.tables import RISK_SCORES, RISK_SCORES_SCHEMA
from tests.bss_contract import CONTRACT_COLUMNS

D = dt.date(2026, 3, 1)
D0 = dt.date(2026, 2, 28)
AT = dt.datetime(2026, 3, 2, 2, 15, 0)


def gold_row(
    day: dt.date, sid: str, churn: float | None, fraud: float | None, run: str = "nightly-7"
) -> tuple:
    return (
        day,
        sid,
        churn,
        None if churn is None else "high",
        None if churn is None else "USAGE_DROP;BILL_SHOCK",
        fraud,
        None if fraud is None else "low",
        None if fraud is None else "PREMIUM_BURST",
        None if churn is None else "4",
        None if fraud is None else "2",
        "run-c",
        "run-f",
        17,
        run,
        "prepaid",
        "P1",
        "north",
        30.0,
        12.5,
        "irsf",
    )


@pytest.fixture()
def scored(spark, cfg):
    """gold.risk_scores holding D0 (one row) and D (two rows, one without a churn score)."""
    rows = [
        gold_row(D0, "S1", 0.5, 0.1, run="old"),
        gold_row(D, "S1", 0.75, 0.02),
        gold_row(D, "S2", None, 0.3),
    ]
    df = spark.createDataFrame(rows, RISK_SCORES_SCHEMA)
    df.write.format("delta").partitionBy("score_date").save(cfg.table_path(RISK_SCORES))


def gate(spark, cfg, day: dt.date, passed: bool, when: dt.datetime = AT) -> None:
    """One nightly gate verdict in ops.quality_gate (a failed one carries one failed check)."""
    from expectations.quality_results import CheckResult

    failed = CheckResult(
        table="bronze.cdr",
        suite="bronze.cdr",
        check="not_null:msisdn",
        kind="not_null",
        expectation="expect_column_values_to_not_be_null",
        column="msisdn",
        severity="fail",
        success=False,
    )
    result = GateResult(
        run_id=f"quality-{uuid.uuid4().hex[:6]}",
        date=day,
        scope="nightly",
        tables=["bronze.cdr"],
        results=[] if passed else [failed],
        validated_at=when,
    )
    record(spark, cfg, result)


def table_rows(spark, url, props, table):
    return query(
        spark,
        url,
        props,
        "SELECT CAST(score_date AS TEXT), subscriber_id, churn_score, churn_band, churn_reasons,"
        " fraud_score, fraud_band, fraud_reasons, churn_model_version, fraud_model_version, run_id"
        f" FROM {table} ORDER BY subscriber_id",
    )


def columns_of(spark, url, props, table) -> list[str]:
    if url.startswith("jdbc:sqlite:"):
        return [str(r[1]) for r in query(spark, url, props, f"PRAGMA table_info({table})")]
    return [
        str(r[0])
        for r in query(
            spark,
            url,
            props,
            "SELECT column_name FROM information_schema.columns"
            f" WHERE table_name = '{table}' ORDER BY ordinal_position",
        )
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bss_cfg(request, cfg, monkeypatch):
    """``cfg`` publishing to a fresh table on SQLite or CI's PostgreSQL (credentials via env)."""
    table = f"subscriber_risk_scores_{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        return cfg.model_copy(update={"bss": cfg.bss.model_copy(update={"table": table})})
    pg = request.getfixturevalue("pg_url")
    monkeypatch.setenv("TEST_BSS_USER", pg["user"])
    monkeypatch.setenv("TEST_BSS_PASSWORD", pg["password"])
    bss = cfg.bss.model_copy(
        update={
            "url": pg["url"],
            "table": table,
            "user_env": "TEST_BSS_USER",
            "password_env": "TEST_BSS_PASSWORD",
        }
    )
    return cfg.model_copy(update={"bss": bss})


def test_publishes_the_dates_gold_rows_with_the_contracts_columns(spark, bss_cfg, scored):
    c = bss_cfg
    gate(spark, c, D, passed=True)
    result = publish(spark, c, D, published_at=AT)
    assert result.rows == 2
    url, props = c.bss.url, bss_properties(c)
    assert columns_of(spark, url, props, c.bss.table) == CONTRACT_COLUMNS
    rows = [
        tuple(None if v is None else (float(v) if isinstance(v, float) else str(v)) for v in r)
        for r in table_rows(spark, url, props, c.bss.table)
    ]
    assert rows == [
        (
            "2026-03-01",
            "S1",
            0.75,
            "high",
            "USAGE_DROP;BILL_SHOCK",
            0.02,
            "low",
            "PREMIUM_BURST",
            "4",
            "2",
            "nightly-7",
        ),
        ("2026-03-01", "S2", None, None, None, 0.3, "low", "PREMIUM_BURST", None, "2", "nightly-7"),
    ]


def test_a_failed_gate_is_refused_and_nothing_is_written(spark, cfg, scored):
    gate(spark, cfg, D, passed=True, when=AT)
    gate(spark, cfg, D, passed=False, when=AT + dt.timedelta(hours=1))  # the latest run counts
    with pytest.raises(PublishError, match=r"not publishing 2026-03-01: its quality gate failed \(1 failure"):
        publish(spark, cfg, D, published_at=AT)
    with pytest.raises(Exception, match="(?i)no such table"):
        query(spark, cfg.bss.url, connection_properties(cfg.bss.url), f"SELECT 1 FROM {cfg.bss.table}")


def test_a_date_never_validated_is_refused_unless_allowed(spark, cfg, scored):
    with pytest.raises(PublishError, match="no nightly quality gate ran for it"):
        publish(spark, cfg, D, published_at=AT)
    lenient = cfg.model_copy(update={"scoring": cfg.scoring.model_copy(update={"require_gate_run": False})})
    assert publish(spark, lenient, D, published_at=AT).rows == 2


def test_missing_scores_are_refused(spark, cfg, scored):
    day = dt.date(2026, 3, 2)
    gate(spark, cfg, day, passed=True)
    with pytest.raises(PublishError, match=r"gold.risk_scores has no scores for it; run `telco-risk score"):
        publish(spark, cfg, day, published_at=AT)


def test_cli_refusal_is_one_line_and_non_zero(spark, cfg, workdir, scored, monkeypatch, capsys):
    gate(spark, cfg, D, passed=False)
    for var, value in {
        "TELCO_RISK_LANDING": str(workdir / "landing"),
        "TELCO_RISK_LAKEHOUSE": str(workdir / "lakehouse"),
        "TELCO_RISK_BSS_URL": cfg.bss.url,
        "MLFLOW_TRACKING_URI": cfg.mlflow.tracking_uri,
    }.items():
        monkeypatch.setenv(var, value)
    assert cli_main(["publish", "--env", "test", "--date", "2026-03-01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("telco-risk publish: error: not publishing 2026-03-01: its quality gate failed")
    assert delta_io.table_exists(cfg.table_path(RISK_SCORES))
