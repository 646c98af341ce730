"""Ingestion: schema enforcement, every quarantine reason, dedup, late arrivals,
pseudonymisation, corrupt files, idempotency. Expected values are written by hand."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from ingestion.landing_zone import IncompleteDropError
from jobs.ingest import IngestError, ingest
from telco_risk import delta_io
from tests.landing_builder import cdr, write_drop

D1 = dt.date(2026, 1, 1)
D2 = dt.date(2026, 1, 2)


def token(value: str, key: str = "test-key") -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def bronze(spark, cfg, feed):
    return delta_io.read_table(spark, cfg.table_path(f"bronze.{feed}"))


def quarantine(spark, cfg, feed):
    return delta_io.read_table(spark, cfg.table_path("quarantine.rows")).where(F.col("feed") == feed)


def test_cdr_schema_enforcement_and_every_reason(spark, cfg, workdir, dev_key_env):
    good = cdr("r1", "2026-01-02T10:00:00Z", charge="0.2500")
    rows = [
        good,
        dict(good),  # the same record twice in one file
        cdr("r2", "2026-01-02T11:00:00Z", duration_s="abc"),
        cdr("r3", "2026-01-02T12:00:00Z", msisdn=""),
        cdr("r4", "2026-01-02T13:00:00Z", event_type="video"),
        cdr("r5", "2025-12-20T10:00:00Z"),
        cdr("r6", "2026-01-03T00:00:01Z"),
        cdr("r7", "2026-01-01T23:59:00Z"),  # one day late: accepted on its own date
        cdr("r8", "2026-01-02T14:00:00+02:00", termination="lost"),
        cdr("r9", "2026-01-02T15:00:00Z", duration_s="-5"),
        cdr(
            "r10",
            "2026-01-02T16:00:00",
            event_type="data",
            direction="out",
            other_party="",
            other_party_type="",
            other_party_country="",
            duration_s="0",
            bytes_up="100",
            bytes_down="2000",
            roaming="TRUE",
        ),
    ]
    write_drop(workdir / "landing", D2, {"cdr": rows})
    # A malformed line (too few fields) appended by hand.
    path = workdir / "landing" / "cdr" / "dt=2026-01-02" / "part-00000.csv"
    path.write_text(path.read_text() + "r11,447900000001,voice\n")

    counts = {c.feed: c for c in ingest(spark, cfg, [D2], feeds=("cdr",))}
    assert (counts["cdr"].read, counts["cdr"].accepted, counts["cdr"].quarantined) == (12, 3, 9)

    got = bronze(spark, cfg, "cdr").select(
        "record_id", "msisdn", "event_date", "duration_s", "charge", "roaming", "bytes_down", "start_time"
    )
    expected = spark.createDataFrame(
        [
            (
                "r1",
                token("447900000001"),
                D2,
                60,
                Decimal("0.2500"),
                False,
                None,
                dt.datetime(2026, 1, 2, 10, 0),
            ),
            (
                "r7",
                token("447900000001"),
                D1,
                60,
                Decimal("0.1000"),
                False,
                None,
                dt.datetime(2026, 1, 1, 23, 59),
            ),
            (
                "r10",
                token("447900000001"),
                D2,
                0,
                Decimal("0.1000"),
                True,
                2000,
                dt.datetime(2026, 1, 2, 16, 0),
            ),
        ],
        "record_id string, msisdn string, event_date date, duration_s int, charge decimal(12,4),"
        " roaming boolean, bytes_down long, start_time timestamp",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)

    reasons = {
        (
            r.raw_content.split('"record_id":"')[1].split('"')[0]
            if "record_id" in r.raw_content
            else r.raw_content,
            r.reason,
        )
        for r in quarantine(spark, cfg, "cdr").collect()
    }
    assert reasons == {
        ("r1", "duplicate_key"),
        ("r2", "bad_type:duration_s"),
        ("r3", "missing_required:msisdn"),
        ("r4", "unknown_enum:event_type"),
        ("r5", "timestamp_out_of_range:start_time"),
        ("r6", "timestamp_out_of_range:start_time"),
        ("r8", "unknown_enum:termination"),
        ("r9", "out_of_range:duration_s"),
        (
            "r11,447900000001,voice",
            "malformed_row;missing_required:direction;missing_required:start_time;"
            "missing_required:duration_s;missing_required:roaming;missing_required:charge",
        ),
    }


def test_late_and_cross_drop_duplicates(spark, cfg, workdir, dev_key_env):
    write_drop(workdir / "landing", D1, {"cdr": [cdr("a", "2026-01-01T08:00:00Z")]})
    write_drop(
        workdir / "landing",
        D2,
        {
            "cdr": [
                cdr("a", "2026-01-01T08:00:00Z"),
                cdr("b", "2026-01-01T22:00:00Z"),
                cdr("c", "2026-01-02T09:00:00Z"),
            ]
        },
    )
    counts = ingest(spark, cfg, [D1, D2], feeds=("cdr",))
    assert {(c.drop_date, c.read, c.accepted, c.quarantined) for c in counts} == {
        (D1, 1, 1, 0),
        (D2, 3, 2, 1),
    }
    got = bronze(spark, cfg, "cdr").select("record_id", "event_date", "drop_date")
    expected = spark.createDataFrame(
        [("a", D1, D1), ("b", D1, D2), ("c", D2, D2)], "record_id string, event_date date, drop_date date"
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    dup = quarantine(spark, cfg, "cdr").select("drop_date", "reason").collect()
    assert [(r.drop_date, r.reason) for r in dup] == [(D2, "duplicate_key")]

    # Day by day gives the same answer: re-ingesting D2 alone still sees "a" from D1.
    again = ingest(spark, cfg, [D2], force=True, feeds=("cdr",))
    assert [(c.read, c.accepted, c.quarantined) for c in again] == [(3, 2, 1)]


def test_reingest_is_idempotent_and_changes_no_table(spark, cfg, workdir, dev_key_env):
    write_drop(
        workdir / "landing",
        D1,
        {"cdr": [cdr("a", "2026-01-01T08:00:00Z"), cdr("b", "2026-01-01T08:00:00Z", duration_s="x")]},
    )
    ingest(spark, cfg, [D1], feeds=("cdr", "subscribers"))
    path = cfg.table_path("bronze.cdr")
    version = delta_io.latest_version(spark, path)
    before = bronze(spark, cfg, "cdr").collect()

    skipped = ingest(spark, cfg, [D1], feeds=("cdr", "subscribers"))
    assert all(c.skipped for c in skipped)
    assert delta_io.latest_version(spark, path) == version

    forced = ingest(spark, cfg, [D1], force=True, feeds=("cdr",))
    assert [(c.read, c.accepted, c.quarantined) for c in forced] == [(2, 1, 1)]
    assert sorted(bronze(spark, cfg, "cdr").collect()) == sorted(before)
    assert quarantine(spark, cfg, "cdr").count() == 1


def test_missing_success_marker_names_the_feeds(spark, cfg, workdir):
    write_drop(workdir / "landing", D1)
    (workdir / "landing" / "tickets" / "dt=2026-01-01" / "_SUCCESS").unlink()
    (workdir / "landing" / "topups" / "dt=2026-01-01" / "_SUCCESS").unlink()
    with pytest.raises(IncompleteDropError, match=r"2026-01-01: topups, tickets"):
        ingest(spark, cfg, [D1])


def test_truncated_gzip_and_wrong_header_are_quarantined_not_lost(spark, cfg, workdir, dev_key_env):
    landing = workdir / "landing"
    write_drop(landing, D1, {"cdr": [cdr("ok1", "2026-01-01T08:00:00Z")]})
    folder = landing / "cdr" / "dt=2026-01-01"
    header = (
        "record_id,msisdn,event_type,direction,other_party,other_party_type,other_party_country,"
        "start_time,duration_s,bytes_up,bytes_down,cell_id,imei,roaming,termination,charge\n"
    )
    body = "".join(
        f"t{i},447900000001,sms,out,447900000002,mobile,GB,2026-01-01T09:00:00Z,0,,,C1,356938035643809,false,normal,0.05\n"
        for i in range(2000)
    )
    blob = gzip.compress((header + body).encode())
    (folder / "part-00001.csv.gz").write_bytes(blob[: len(blob) // 2])
    (folder / "part-00002.csv").write_text("id,number\nx1,447900000001\nx2,447900000003\n")

    counts = ingest(spark, cfg, [D1], feeds=("cdr",))
    c = counts[0]
    assert c.accepted == 1
    assert c.read == c.accepted + c.quarantined
    q = quarantine(spark, cfg, "cdr")
    by_code = {r.reason_code: r.n for r in q.groupBy("reason_code").agg(F.count("*").alias("n")).collect()}
    assert by_code["bad_header"] == 2
    assert 0 < by_code["corrupt_file"] < 2000  # the readable part of the stream is kept
    names = {r.source_file for r in q.collect()}
    assert names == {"cdr/dt=2026-01-01/part-00001.csv.gz", "cdr/dt=2026-01-01/part-00002.csv"}

    strict = cfg.model_copy(update={"ingest": cfg.ingest.model_copy(update={"on_corrupt_file": "fail"})})
    with pytest.raises(IngestError, match="part-00001.csv.gz: truncated gzip"):
        ingest(spark, strict, [D1], force=True, feeds=("cdr",))


def test_feeds_that_finished_are_recorded_when_another_fails(spark, cfg, workdir, dev_key_env):
    landing = workdir / "landing"
    write_drop(landing, D1, {"cdr": [cdr("ok1", "2026-01-01T08:00:00Z")]})
    blob = gzip.compress(b"record_id,msisdn\n" + b"r,447900000001\n" * 500)
    (landing / "cdr" / "dt=2026-01-01" / "part-00001.csv.gz").write_bytes(blob[: len(blob) // 2])
    # One feed at a time: subscribers waits in the queue while CDR fails, and still runs.
    settings = {"on_corrupt_file": "fail", "parallel_feeds": 1}
    strict = cfg.model_copy(update={"ingest": cfg.ingest.model_copy(update=settings)})
    with pytest.raises(IngestError, match="part-00001.csv.gz: truncated gzip"):
        ingest(spark, strict, [D1], feeds=("cdr", "subscribers"))
    runs = delta_io.read_table(spark, cfg.table_path("ops.ingest_runs")).collect()
    assert [(r.feed, r.drop_date) for r in runs] == [("subscribers", D1)]
    # The re-run ingests only the feed that failed (quarantining the file this time).
    again = ingest(spark, cfg, [D1], feeds=("cdr", "subscribers"))
    assert [(c.feed, c.skipped) for c in again] == [("cdr", False), ("subscribers", True)]


def test_non_utf8_field_is_quarantined(spark, cfg, workdir, dev_key_env):
    landing = workdir / "landing"
    write_drop(
        landing,
        D1,
        {"cdr": [cdr("u1", "2026-01-01T08:00:00Z"), cdr("u2", "2026-01-01T08:00:00Z", cell_id="CELLX")]},
    )
    path = landing / "cdr" / "dt=2026-01-01" / "part-00000.csv"
    path.write_bytes(path.read_bytes().replace(b"CELLX", b"CELL\xff"))
    ingest(spark, cfg, [D1], feeds=("cdr",))
    assert [r.record_id for r in bronze(spark, cfg, "cdr").collect()] == ["u1"]
    assert [r.reason for r in quarantine(spark, cfg, "cdr").collect()] == ["invalid_encoding:cell_id"]


def test_subscriber_snapshot_typed_pseudonymised_and_deduplicated(spark, cfg, workdir, dev_key_env):
    sub = {
        "subscriber_id": "S1",
        "msisdn": "+447900000001",
        "customer_id": "C1",
        "status": "active",
        "segment": "postpaid",
        "plan_id": "P1",
        "activation_date": "2024-03-01",
        "contract_type": "24m",
        "contract_end_date": "2026-03-01",
        "payment_method": "direct_debit",
        "paperless_billing": "true",
        "region": "north",
        "device_model": "",
        "birth_date": "1990-05-17",
    }
    other = dict(
        sub,
        subscriber_id="S2",
        msisdn="447900000002",
        status="terminated",
        contract_end_date="",
        contract_type="none",
        segment="prepaid",
        payment_method="voucher",
        paperless_billing="false",
    )
    clash = dict(sub, customer_id="C9")  # S1 twice in one snapshot with different content
    bad = dict(sub, subscriber_id="S3", activation_date="01/03/2024", status="gone")
    write_drop(workdir / "landing", D1, {"subscribers": [sub, other, clash, bad]})
    ingest(spark, cfg, [D1], feeds=("subscribers",))

    got = bronze(spark, cfg, "subscribers").select(
        "subscriber_id",
        "msisdn",
        "customer_id",
        "status",
        "activation_date",
        "contract_end_date",
        "paperless_billing",
        "device_model",
        "snapshot_date",
    )
    expected = spark.createDataFrame(
        [
            (
                "S1",
                token("447900000001"),
                "C1",
                "active",
                dt.date(2024, 3, 1),
                dt.date(2026, 3, 1),
                True,
                None,
                D1,
            ),
            ("S2", token("447900000002"), "C1", "terminated", dt.date(2024, 3, 1), None, False, None, D1),
        ],
        "subscriber_id string, msisdn string, customer_id string, status string, activation_date date,"
        " contract_end_date date, paperless_billing boolean, device_model string, snapshot_date date",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    reasons = sorted(r.reason for r in quarantine(spark, cfg, "subscribers").collect())
    assert reasons == ["duplicate_key", "unknown_enum:status;bad_type:activation_date"]


def test_feed_whose_own_column_is_event_date(spark, cfg, workdir, dev_key_env):
    """churn_events carries event_date itself: it is both contract column and partition."""
    churn = [
        {"subscriber_id": "S1", "event_date": "2026-01-02", "churn_type": "port_out"},
        {"subscriber_id": "S2", "event_date": "2026-01-02", "churn_type": "moved_abroad"},
    ]
    write_drop(workdir / "landing", D2, {"churn_events": churn})
    counts = ingest(spark, cfg, [D2], feeds=("churn_events",))
    assert [(c.read, c.accepted, c.quarantined) for c in counts] == [(2, 1, 1)]
    got = bronze(spark, cfg, "churn_events")
    assert got.columns == ["subscriber_id", "event_date", "churn_type", "drop_date", "source_file"]
    assert [(r.subscriber_id, r.event_date, r.drop_date) for r in got.collect()] == [("S1", D2, D2)]
