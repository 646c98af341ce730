"""The features job on a tiny bronze lakehouse: late CDRs recompute only their day, reruns
are idempotent, data dated after D never moves features at D, the rolling window state
matches a full re-read, and the written columns are exactly the catalogue's.

One scenario runs once for the module (nights D2, D3, D3 again, D4, D3 again, D3 re-read);
the tests check what it recorded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pyspark.sql import functions as F

from features.catalog import build_catalog
from features.window_state import reread_totals, window_totals
from features.windows import UsageWindows
from jobs.build_features import expected_feature_columns, run
from jobs.cli import main
from telco_risk import delta_io
from telco_risk.config import load_config
from telco_risk.tables import CDR_DAILY, CDR_SEEN_DAILY, CDR_WINDOW_STATE, SUBSCRIBER_FEATURES
from tests.features_bronze import bronze_df, mark_ingested, write_bronze

D1, D2, D3, D4 = (dt.date(2026, 3, d) for d in (9, 10, 11, 12))


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm))


def subscribers(day: dt.date, **changes: Any) -> list[dict[str, Any]]:
    rows = [
        dict(subscriber_id="S1", msisdn="m1", activation_date=dt.date(2025, 1, 1)),
        dict(
            subscriber_id="S2",
            msisdn="m2",
            segment="prepaid",
            contract_type="none",
            payment_method="voucher",
            activation_date=dt.date(2026, 3, 5),
        ),
        dict(subscriber_id="S3", msisdn="m3"),  # active, never uses the phone
        dict(subscriber_id="S4", msisdn="m4", status="suspended"),
        dict(subscriber_id="S5", msisdn="m5", status="terminated"),
    ]
    for row in rows:
        row.update(changes.get(row["subscriber_id"], {}))
        row["snapshot_date"] = day
    return rows


def snapshots(spark, cfg, day: dt.date) -> None:
    write_bronze(spark, cfg, "subscribers", subscribers(day))
    write_bronze(spark, cfg, "plans", [dict(snapshot_date=day)])
    write_bronze(spark, cfg, "subscriber_products", [dict(snapshot_date=day)])


def drops_d1_d2(spark, cfg) -> None:
    snapshots(spark, cfg, D1)
    snapshots(spark, cfg, D2)
    # a1 is late for D1 (in drop D2); S2 texts once; S3 never uses its phone
    write_bronze(
        spark,
        cfg,
        "cdr",
        [
            dict(record_id="a1", start_time=at(D1, 23, 30), other_party="p0", drop_date=D2),
            dict(record_id="a2", start_time=at(D2, 9), other_party="p1"),
            dict(record_id="a3", start_time=at(D2, 20), other_party="p2", duration_s=5),
            dict(
                record_id="a4",
                msisdn="m2",
                start_time=at(D2, 10),
                event_type="sms",
                duration_s=0,
                other_party="p7",
                charge=Decimal("0.05"),
            ),
        ],
    )
    ticket = dict(ticket_id="t1", opened_at=at(D2, 12), resolved_at=at(D4, 9), satisfaction=5)
    write_bronze(spark, cfg, "tickets", [ticket])
    invoice = dict(invoice_id="i1", bill_date=D1, due_date=D3, amount_due=Decimal("30"))
    write_bronze(spark, cfg, "invoices", [invoice])
    write_bronze(spark, cfg, "topups", [dict(subscriber_id="S2", topup_time=at(D2, 7), amount=Decimal("10"))])
    mark_ingested(spark, cfg, [D1, D2])


def drop_d3(spark, cfg) -> None:
    """a5 is late for D2; a7 comes from a number nobody has."""
    snapshots(spark, cfg, D3)
    write_bronze(
        spark,
        cfg,
        "cdr",
        [
            dict(record_id="a5", start_time=at(D2, 22), other_party="p3", drop_date=D3),
            dict(
                record_id="a6",
                start_time=at(D3, 8),
                other_party="p1",
                other_party_type="premium",
                charge=Decimal("2.50"),
            ),
            dict(record_id="a7", msisdn="m9", start_time=at(D3, 8)),
        ],
    )
    mark_ingested(spark, cfg, [D3])


def future_world(spark, cfg) -> None:
    """Everything dated after D3: new and changed rows."""
    write_bronze(
        spark,
        cfg,
        "subscribers",
        subscribers(D4, S1={"status": "terminated", "plan_id": "P2"}, S4={"status": "active"}),
    )
    write_bronze(spark, cfg, "plans", [dict(snapshot_date=D4, monthly_fee=Decimal("99"))])
    write_bronze(spark, cfg, "subscriber_products", [dict(snapshot_date=D4, product_code="intl_pack")])
    write_bronze(
        spark,
        cfg,
        "cdr",
        [
            dict(record_id="f1", start_time=at(D4, 1), other_party_type="international", charge=Decimal("9")),
            dict(record_id="f2", msisdn="m3", start_time=at(D4, 2)),
        ],
    )
    # the open ticket changes again after D3, and a new one is opened
    path = cfg.table_path("bronze.tickets")
    changed = [
        dict(ticket_id="t1", opened_at=at(D2, 12), resolved_at=at(D4, 18), satisfaction=1),
        dict(ticket_id="t2", opened_at=at(D4, 8), category="cancellation_request"),
    ]
    delta_io.replace_where(
        bronze_df(spark, "tickets", changed)
        .unionByName(delta_io.read_table(spark, path).where(~F.col("ticket_id").isin("t1", "t2")))
        .localCheckpoint(),
        path,
        "true",
        ["event_date"],
    )
    write_bronze(
        spark, cfg, "invoices", [dict(invoice_id="i2", bill_date=D4, due_date=D4, amount_due=Decimal("500"))]
    )
    write_bronze(spark, cfg, "payments", [dict(invoice_id="i1", paid_at=at(D4, 1), amount=Decimal("30"))])
    write_bronze(spark, cfg, "topups", [dict(subscriber_id="S2", topup_time=at(D4, 7), amount=Decimal("99"))])
    mark_ingested(spark, cfg, [D4])


def table_rows(spark, cfg, table: str, where: str = "true") -> list[dict[str, Any]]:
    df = delta_io.read_table(spark, cfg.table_path(table)).where(where)
    return sorted((r.asDict() for r in df.collect()), key=lambda d: [str(v) for v in d.values()])


def snapshot(spark, cfg) -> dict[str, list[dict[str, Any]]]:
    return {
        t: table_rows(spark, cfg, t)
        for t in (CDR_DAILY, CDR_SEEN_DAILY, CDR_WINDOW_STATE, SUBSCRIBER_FEATURES)
    }


def up_to(tables: dict[str, list[dict[str, Any]]], day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """Rows of each table dated on or before ``day`` (by its partition column)."""
    keys = {
        CDR_DAILY: "event_date",
        CDR_SEEN_DAILY: "event_date",
        CDR_WINDOW_STATE: "as_of_date",
        SUBSCRIBER_FEATURES: "snapshot_date",
    }
    return {t: [r for r in rows if r[keys[t]] <= day] for t, rows in tables.items()}


def totals_both_ways(spark, cfg, day: dt.date) -> tuple[list[tuple], list[tuple]]:
    """Window sums at ``day`` from the job's rolling state and from re-reading cdr_daily."""
    windows, lag = UsageWindows.of(cfg.features.windows), cfg.ingest.max_late_days
    cdr_daily = delta_io.read_table(spark, cfg.table_path(CDR_DAILY))
    state = delta_io.read_table(spark, cfg.table_path(CDR_WINDOW_STATE)).where(
        F.col("as_of_date") == F.lit(day)
    )
    rolled = window_totals(state, cdr_daily, day, windows, lag)
    reread = reread_totals(cdr_daily, day, windows)
    return sorted(tuple(r) for r in rolled.collect()), sorted(
        tuple(r) for r in reread.select(*rolled.columns).collect()
    )


def partition_files(spark, cfg, table: str, day: dt.date) -> set[str]:
    df = delta_io.read_table(spark, cfg.table_path(table)).where(F.col("event_date") == F.lit(day))
    return set(df.inputFiles())


@pytest.fixture(scope="module")
def world(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("features_job")
    cfg = load_config(
        "test",
        environ={
            "TELCO_RISK_LAKEHOUSE": str(root / "lakehouse"),
            "TELCO_RISK_LANDING": str(root / "landing"),
        },
    )
    drops_d1_d2(spark, cfg)
    out: dict[str, Any] = {"cfg": cfg}
    out["night2"] = run(spark, cfg, [D2])[0]
    out["after2"] = snapshot(spark, cfg)
    out["d1_files"] = partition_files(spark, cfg, CDR_DAILY, D1)
    drop_d3(spark, cfg)
    out["night3"] = run(spark, cfg, [D3])[0]
    out["after3"] = snapshot(spark, cfg)
    out["d1_files_after3"] = partition_files(spark, cfg, CDR_DAILY, D1)
    out["night3_again"] = run(spark, cfg, [D3])[0]
    out["after3_again"] = snapshot(spark, cfg)
    out["totals_rolled"], out["totals_reread"] = totals_both_ways(spark, cfg, D3)
    future_world(spark, cfg)
    out["night4"] = run(spark, cfg, [D4])[0]
    run(spark, cfg, [D3])
    out["after3_future"] = snapshot(spark, cfg)
    out["features"] = delta_io.read_table(spark, cfg.table_path(SUBSCRIBER_FEATURES))
    return out


def daily(world, key: str, day: dt.date) -> dict[str, dict[str, Any]]:
    return {r["subscriber_id"]: r for r in world[key][CDR_DAILY] if r["event_date"] == day}


def test_late_cdr_recomputes_its_day_only(world):
    n2, n3 = world["night2"], world["night3"]
    assert (n2.late_days, n2.cdr_days, n2.window_mode) == ((D1,), (D1, D2), "from_scratch")
    assert (n3.late_days, n3.cdr_days, n3.window_mode) == ((D2,), (D2, D3), "rolled")
    # D1 untouched: same rows, same files; D2 recomputed with the late call to a new party
    assert daily(world, "after3", D1) == daily(world, "after2", D1)
    assert world["d1_files_after3"] == world["d1_files"]
    before, after = daily(world, "after2", D2)["S1"], daily(world, "after3", D2)["S1"]
    assert (before["events"], after["events"]) == (2, 3)
    assert (before["new_parties"], after["new_parties"]) == (2, 3)
    assert set(daily(world, "after3", D3)) == {"S1"}  # the unknown number maps to nobody


def test_rerun_is_idempotent(world):
    assert world["after3_again"] == world["after3"]
    assert world["night3_again"].feature_rows == world["night3"].feature_rows == 3


def test_data_dated_after_d_does_not_move_features_at_d(world):
    """Night D4 brought CDRs, tickets (one changed), invoices, payments, top-ups and
    snapshots dated after D3; rebuilding D3 then gives the same tables up to D3."""
    assert world["night4"].window_mode == "rolled"
    assert len(world["after3_future"][SUBSCRIBER_FEATURES]) == 3 * 3  # D2, D3 and D4
    assert up_to(world["after3_future"], D3) == up_to(world["after3"], D3)


def test_rolling_state_matches_a_full_reread(world):
    assert world["totals_rolled"] == world["totals_reread"]
    assert len(world["totals_rolled"]) == 2  # S1 and S2 have usage


def test_written_columns_are_the_catalogue(world):
    cfg = world["cfg"]
    features = world["features"]
    assert features.columns == expected_feature_columns(cfg)
    dtypes = dict(features.dtypes)
    for spec in build_catalog(UsageWindows.of(cfg.features.windows), cfg.features.ticket_windows):
        if not spec.protected:
            assert dtypes[spec.name] == spec.dtype, spec.name


def test_feature_values_at_d3(world):
    rows = {
        r.subscriber_id: r for r in world["features"].where(F.col("snapshot_date") == F.lit(D3)).collect()
    }
    assert set(rows) == {"S1", "S2", "S3"}  # active only
    s1, s2, s3 = rows["S1"], rows["S2"], rows["S3"]
    assert (s1.active_days_7d, s1.voice_out_calls_7d, s1.premium_charge_7d) == (3, 5, 2.5)
    assert (s1.days_since_last_call, s1.open_tickets, s1.last_satisfaction) == (0, 1, None)
    assert (s1.last_invoice_amount, s1.days_late_last_invoice, s1.unpaid_balance) == (30.0, 0, 30.0)
    assert (s2.tenure_days, s2.sms_7d, s2.topups_30d, s2.segment) == (6, 1, 1, "prepaid")
    assert s2.events_trend_7v23 is None  # activated inside the 7-day window: nothing to compare with
    assert (s3.active_days_90d, s3.days_since_last_event, s3.events_trend_30v60) == (0, None, 0.0)


def test_cli_reports_a_missing_drop(world, capsys):
    cfg = world["cfg"]
    code = main(
        [
            "features",
            "--env",
            "test",
            "--date",
            "2026-03-20",
            "--conf",
            f"paths.lakehouse={cfg.paths.lakehouse}",
        ]
    )
    assert code == 2
    assert "drop 2026-03-20 is not ingested for cdr" in capsys.readouterr().err
