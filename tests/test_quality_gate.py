"""The nightly quality gate on a tiny lakehouse: a clean day passes; each injected fault
fails (or warns) naming its check.

The clean world is built once per module (hand-made drops ingested with jobs.ingest, a
week of hand-written ingestion history, inline silver frames) and copied into each
test's workdir; faults are injected one at a time into the copy.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from expectations.checks import ColumnSpec
from expectations.nightly_gate import gate_passed, run_gate
from expectations.quality_results import CheckResult, GateResult, record
from expectations.silver_suites import catalogue_features, feature_specs
from jobs.cli import main as cli_main
from jobs.ingest import ingest
from telco_risk import delta_io
from telco_risk.config import load_config
from telco_risk.tables import QUALITY_GATE, QUALITY_RESULTS
from tests.landing_builder import cdr, write_drop

D = dt.date(2026, 3, 15)
PAST = [D - dt.timedelta(days=i) for i in range(7, 0, -1)]  # the week before D
SUBS = 60  # above quality.distribution.min_rows (50): null shares and means are checked
N_CDR = 120  # above quality.volume.min_median_rows (100): volume is checked
CDR_HISTORY = [118, 121, 120, 119, 122, 120, 117]  # bronze.cdr rows of the week: median 120


def msisdn(i: int) -> str:
    return f"44790{i:07d}"


def subscriber(i: int) -> dict[str, str]:
    return {
        "subscriber_id": f"S{i}",
        "msisdn": msisdn(i),
        "customer_id": f"C{i}",
        "status": "active",
        "segment": "postpaid" if i % 2 else "prepaid",
        "plan_id": "P1",
        "activation_date": "2024-03-01",
        "contract_type": "none",
        "contract_end_date": "",
        "payment_method": "cash",
        "paperless_billing": "true",
        "region": "north",
        "device_model": "phone",
        "birth_date": "1990-05-17",
    }


def cdrs(day: dt.date, n: int, prefix: str = "r", **overrides: str) -> list[dict[str, str]]:
    return [
        cdr(f"{prefix}{i}", f"{day}T{8 + i % 12:02d}:{i % 60:02d}:00Z", msisdn=msisdn(i % SUBS), **overrides)
        for i in range(n)
    ]


def drop(cdr_rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    plan = {
        "plan_id": "P1",
        "plan_name": "Plus",
        "segment": "postpaid",
        "monthly_fee": "20.00",
        "included_minutes": "1000",
        "included_sms": "5000",
        "included_data_mb": "20480",
        "international_included": "false",
        "voicemail_included": "true",
    }
    return {
        "cdr": cdr_rows,
        "subscribers": [subscriber(i) for i in range(SUBS)],
        "plans": [plan, dict(plan, plan_id="P2", plan_name="Smart", segment="prepaid", monthly_fee="0")],
        "subscriber_products": [
            {
                "subscriber_id": f"S{i}",
                "product_code": "voicemail",
                "start_date": "2024-03-01",
                "end_date": "",
            }
            for i in range(10)
        ],
        "invoices": [
            {
                "invoice_id": "I1",
                "subscriber_id": "S1",
                "bill_date": str(D),
                "period_start": "2026-02-15",
                "period_end": "2026-03-14",
                "amount_due": "21.50",
                "due_date": "2026-03-29",
            }
        ],
        "payments": [
            {
                "payment_id": "Y1",
                "subscriber_id": "S3",
                "invoice_id": "",
                "paid_at": f"{D}T09:00:00Z",
                "amount": "20.00",
                "method": "cash",
            }
        ],
        "topups": [
            {
                "topup_id": "T1",
                "subscriber_id": "S2",
                "topup_time": f"{D}T10:00:00Z",
                "amount": "10.00",
                "channel": "app",
            }
        ],
        "tickets": [
            {
                "ticket_id": "K1",
                "subscriber_id": "S4",
                "opened_at": f"{D}T11:00:00Z",
                "channel": "call",
                "category": "billing",
                "resolved_at": f"{D}T12:00:00Z",
                "satisfaction": "4",
            }
        ],
    }


def features() -> list[ColumnSpec]:
    """The feature table's columns: the catalogue's for the test windows."""
    configured = load_config("test").features
    return feature_specs(catalogue_features(configured.windows, configured.ticket_windows), False)


def feature_value(spec: ColumnSpec, i: int, k: int):
    """Low in the column's range and the same spread every day (60 subscribers cycle
    through all ten fractions whatever the offset)."""
    if spec.dtype == "string":
        return f"v{i % 3}"
    lo = spec.min_value or 0.0
    hi = spec.max_value if spec.max_value is not None else lo + 10.0
    value = lo + (hi - lo) * ((i * 7 + k * 3) % 10) / 200
    return int(value) if spec.dtype == "int" else float(value)


def features_frame(spark, dates: list[dt.date]):
    specs = features()
    schema = ", ".join(
        ["subscriber_id string", "snapshot_date date", *(f"{s.name} {s.dtype}" for s in specs)]
    )
    rows = [
        (f"S{i}", day, *(feature_value(s, i, k) for k, s in enumerate(specs)))
        for day in dates
        for i in range(SUBS)
    ]
    return spark.createDataFrame(rows, schema)


def cdr_daily_frame(spark, dates: list[dt.date]):
    rows = [
        (f"S{i}", day, 1 + i % 4, 60 * (i % 7), Decimal(i % 5) / 10) for day in dates for i in range(SUBS)
    ]
    schema = (
        "subscriber_id string, event_date date, events long, voice_out_seconds long,"
        " total_charge decimal(18,4)"
    )
    return spark.createDataFrame(rows, schema)


def world_config(root: Path):
    return load_config(
        "test",
        environ={
            "TELCO_RISK_LANDING": str(root / "landing"),
            "TELCO_RISK_LAKEHOUSE": str(root / "lakehouse"),
            "TELCO_RISK_BSS_URL": f"jdbc:sqlite:{root / 'bss.db'}",
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        },
    )


@pytest.fixture(scope="module")
def clean_world(spark, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quality_world")
    cfg = world_config(root)
    write_drop(root / "landing", D, drop(cdrs(D, N_CDR)))
    ingest(spark, cfg, [D])
    history = [
        (feed, day, 1, rows, rows, 0, "hand-written", dt.datetime(2026, 3, 1))
        for feed, counts in {"cdr": CDR_HISTORY, "subscribers": [SUBS] * 7, "plans": [2] * 7}.items()
        for day, rows in zip(PAST, counts, strict=True)
    ]
    schema = (
        "feed string, drop_date date, files int, rows_read long, rows_accepted long,"
        " rows_quarantined long, fingerprint string, ingested_at timestamp"
    )
    delta_io.append(spark.createDataFrame(history, schema), cfg.table_path("ops.ingest_runs"))
    week = [*PAST, D]
    features_frame(spark, week).write.format("delta").partitionBy("snapshot_date").save(
        cfg.table_path("silver.subscriber_features")
    )
    cdr_daily_frame(spark, week).write.format("delta").partitionBy("event_date").save(
        cfg.table_path("silver.cdr_daily")
    )
    return root


@pytest.fixture()
def world(clean_world: Path, workdir: Path) -> Path:
    """This test's copy of the clean world (``cfg`` points at it)."""
    shutil.copytree(clean_world, workdir, dirs_exist_ok=True)
    return workdir


def failed(gate: GateResult) -> list[tuple[str, str]]:
    return sorted((r.table, r.check) for r in gate.failures)


def test_clean_day_passes_and_keeps_results(spark, cfg, world):
    gate = run_gate(spark, cfg, D, run_id="clean-run")
    assert gate.passed, gate.summary
    assert gate.warnings == [], gate.summary
    assert gate.scope == "nightly" and len(gate.tables) == 13
    volume = next(r for r in gate.results if (r.table, r.check) == ("bronze.cdr", "volume"))
    assert (volume.success, volume.observed_value, volume.severity) == (True, N_CDR, "fail")

    results = delta_io.read_table(spark, cfg.table_path(QUALITY_RESULTS)).where(
        F.col("run_id") == "clean-run"
    )
    assert results.count() == len(gate.results)
    assert {r.table for r in results.select("table").distinct().collect()} == set(gate.tables)
    row = results.where((F.col("table") == "bronze.cdr") & (F.col("check") == "volume")).first()
    assert (row.date, row.success, row.observed_value, row.scope) == (D, True, "120", "nightly")
    verdict = delta_io.read_table(spark, cfg.table_path(QUALITY_GATE)).collect()
    assert [(v.date, v.passed, v.run_id) for v in verdict] == [(D, True, "clean-run")]
    assert gate_passed(spark, cfg, D) is True
    assert gate_passed(spark, cfg, D + dt.timedelta(days=1)) is None

    index = Path(cfg.paths.lakehouse) / "reports" / "data_docs" / "index.html"
    assert gate.data_docs == str(index)
    html = index.read_text(encoding="utf-8")
    for suite in (
        "ops.ingest_runs",
        "bronze.cdr",
        "bronze.fraud_cases",
        "silver.subscriber_features.profile",
    ):
        assert suite in html


def test_half_the_cdrs_missing_fails_volume(spark, cfg, world):
    write_drop(world / "landing", D, drop(cdrs(D, N_CDR // 2)))
    ingest(spark, cfg, [D], force=True, feeds=("cdr",))
    gate = run_gate(spark, cfg, D, tables=["bronze.cdr"])
    assert failed(gate) == [("bronze.cdr", "volume")], gate.summary
    assert gate.failures[0].observed_value == 60
    assert "FAIL bronze.cdr volume [expect_table_row_count_to_be_between] observed 60" in gate.summary
    assert "median 120" in gate.summary
    assert gate_passed(spark, cfg, D) is None  # a partial run is never the nightly gate


def test_negative_durations_fail_the_cli_naming_the_values(spark, cfg, world, capsys):
    path = cfg.table_path("bronze.cdr")
    bad = delta_io.read_table(spark, path).where(F.col("record_id") == "r1").limit(1)
    rows = bad.withColumn("record_id", F.lit("neg")).withColumn("duration_s", F.lit(-5)).collect()
    delta_io.append(spark.createDataFrame(rows, bad.schema), path, partition_by=["event_date"])
    argv = [
        "validate",
        "--date",
        str(D),
        "--table",
        "bronze.cdr",
        "--conf",
        f"paths.lakehouse={cfg.paths.lakehouse}",
    ]
    assert cli_main(argv) == 1
    out, err = capsys.readouterr()
    line = next(x for x in out.splitlines() if x.startswith("FAIL"))
    assert line.startswith("FAIL bronze.cdr range:duration_s [expect_column_values_to_be_between]")
    assert "observed 1 unexpected row(s)" in line and "sample [-5]" in line
    assert "quality gate failed for 2026-03-15" in err


def test_duplicate_subscriber_in_the_snapshot_fails_uniqueness(spark, cfg, world):
    path = cfg.table_path("bronze.subscribers")
    snapshot = delta_io.read_table(spark, path)
    twice = snapshot.where(F.col("subscriber_id") == "S7").collect()
    delta_io.append(spark.createDataFrame(twice, snapshot.schema), path, partition_by=["snapshot_date"])
    gate = run_gate(spark, cfg, D, tables=["bronze.subscribers"])
    assert failed(gate) == [("bronze.subscribers", "unique:subscriber_id")], gate.summary
    assert gate.failures[0].unexpected_sample == ["S7", "S7"]


def test_unknown_enum_flood_fails_the_quarantine_rate(spark, cfg, world):
    flood = cdrs(D, 200, prefix="v", event_type="video")
    write_drop(world / "landing", D, drop(cdrs(D, N_CDR) + flood))
    ingest(spark, cfg, [D], force=True, feeds=("cdr",))
    gate = run_gate(spark, cfg, D, tables=["ops.ingest_runs", "bronze.cdr"])
    assert failed(gate) == [("ops.ingest_runs", "quarantine_rate")], gate.summary
    [sample] = gate.failures[0].unexpected_sample
    assert sample["feed"] == "cdr"
    assert sample["quarantine_rate"] == pytest.approx(200 / 320)
    assert sample["max_quarantine_rate"] == pytest.approx(0.05)


def rewrite_features(spark, cfg, column: str, value) -> None:
    """Replace snapshot D of silver.subscriber_features with ``column`` set by ``value``."""
    path = cfg.table_path("silver.subscriber_features")
    today = features_frame(spark, [D])
    changed = today.withColumn(column, value(F.col(column)).cast(today.schema[column].dataType))
    delta_io.replace_where(changed, path, f"snapshot_date = DATE'{D}'", ["snapshot_date"])


def pick(dtype: str, min_range: float) -> str:
    return next(
        s.name
        for s in features()
        if s.dtype == dtype and s.max_value is not None and s.max_value - (s.min_value or 0) >= min_range
    )


def test_all_null_feature_fails_its_null_share(spark, cfg, world):
    column = pick("int", 100)
    rewrite_features(spark, cfg, column, lambda c: F.lit(None))
    gate = run_gate(spark, cfg, D, tables=["silver.subscriber_features"])
    assert failed(gate) == [("silver.subscriber_features", "null_share")], gate.summary
    [sample] = gate.failures[0].unexpected_sample
    assert (sample["column"], sample["null_share"]) == (column, 1.0)


def test_feature_shifted_far_from_its_reference_warns_or_fails_per_severity(spark, cfg, world):
    column = pick("double", 1000)
    rewrite_features(spark, cfg, column, lambda c: c * 10)
    gate = run_gate(spark, cfg, D, tables=["silver.subscriber_features"])
    assert gate.passed, gate.summary  # distribution checks warn by default
    assert [(r.table, r.check) for r in gate.warnings] == [("silver.subscriber_features", "mean:high")]
    assert [s["column"] for s in gate.warnings[0].unexpected_sample] == [column]
    assert "WARN silver.subscriber_features mean:high" in gate.summary

    strict = cfg.model_copy(
        update={
            "quality": cfg.quality.model_copy(
                update={"severity_overrides": {"silver.subscriber_features:distribution": "fail"}}
            )
        }
    )
    gate = run_gate(spark, strict, D, tables=["silver.subscriber_features"])
    assert failed(gate) == [("silver.subscriber_features", "mean:high")]


def test_missing_table_fails_and_gate_passed_follows_the_latest_nightly_run(spark, cfg):
    gate = run_gate(spark, cfg, D, tables=["silver.cdr_daily"])
    assert failed(gate) == [("silver.cdr_daily", "freshness:table")]
    assert "no Delta table at" in str(gate.failures[0].observed_value)

    def verdict(scope: str, ok: bool, minute: int) -> GateResult:
        check = CheckResult("bronze.cdr", "bronze.cdr", "volume", "volume", "x", None, "fail", ok)
        return GateResult(
            f"run-{minute}", D, scope, ["bronze.cdr"], [check], dt.datetime(2026, 3, 16, 2, minute)
        )

    record(spark, cfg, verdict("nightly", False, 1))
    assert gate_passed(spark, cfg, D) is False
    record(spark, cfg, verdict("partial", True, 2))
    assert gate_passed(spark, cfg, D) is False  # partial runs do not count
    record(spark, cfg, verdict("nightly", True, 3))
    assert gate_passed(spark, cfg, D) is True


def rendered_dom(page: Path) -> str:
    """``page`` as Chromium renders it (scripts run), as HTML text."""
    import subprocess
    import tempfile

    from tests.browser import FLAGS, chromium_or_skip

    binary = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="telco-risk-chromium-") as profile:
        done = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--dump-dom",
                "--virtual-time-budget=5000",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_data_docs_open_in_a_browser_and_show_the_latest_run(spark, cfg, world, tmp_path):
    """Offline (no CDN scripts) the index still shows the latest run: its id and, per
    suite, the status, with links to GX's validation pages."""
    from tests.browser import is_blank, screenshot

    assert run_gate(spark, cfg, D, run_id="earlier-run").passed
    path = cfg.table_path("bronze.cdr")
    bad = delta_io.read_table(spark, path).where(F.col("record_id") == "r1").limit(1)
    rows = bad.withColumn("record_id", F.lit("neg")).withColumn("duration_s", F.lit(-5)).collect()
    delta_io.append(spark.createDataFrame(rows, bad.schema), path, partition_by=["event_date"])
    latest = run_gate(spark, cfg, D, run_id="latest-run")
    assert not latest.passed

    index = Path(latest.data_docs or "")
    dom = rendered_dom(index)
    section = dom[dom.index('id="telco-risk-latest-run"') : dom.index("</section>")]
    assert "Latest run: latest-run" in section and "earlier-run" not in section
    cdr_row = next(r for r in section.split("<tr>") if ">bronze.cdr</a>" in r)
    assert "FAILED" in cdr_row
    assert "<td>1</td><td>0</td></tr>" in cdr_row  # one failed check, no warning
    link = cdr_row.split('href="')[1].split('"')[0]
    assert link.startswith("validations/bronze/cdr/latest-run/")
    page_text = " ".join(re.sub(r"<[^>]+>", " ", rendered_dom(index.parent / link)).split())
    assert re.search(r"Status: Failed", page_text), page_text[:2000]
    png = screenshot(index, tmp_path / "data_docs.png", height=900)
    assert not is_blank(png)
