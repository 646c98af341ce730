"""The synthetic world of ``features-bench``, generated in Spark (cheaper than the landing
generator at this size): bronze feeds, CDR daily history, seen parties and the window state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from features.build_plan import REQUIRED_FEEDS
from features.cdr_daily import CDR_DAILY_COLUMNS, CHARGE_TYPE, SEEN_COLUMNS
from features.window_state import settled_state
from features.windows import UsageWindows
from ingestion.feed_contract import FEEDS
from jobs.build_features import build_cdr_days, snapshot_dates
from telco_risk import delta_io
from telco_risk.config import Config
from telco_risk.tables import CDR_DAILY, CDR_SEEN_DAILY, CDR_WINDOW_STATE

SNAPSHOT_DAYS = 32
PLANS = 10


@dataclass(frozen=True)
class BenchSettings:
    workdir: str = "scratch/features-bench"
    subscribers: int = 50_000
    histories: tuple[int, ...] = (30, 90)
    events_per_day: int = 30
    day: dt.date = dt.date(2026, 6, 30)
    repeats: int = 2


def _days(last: dt.date, n: int) -> list[dt.date]:
    return [last - dt.timedelta(days=i) for i in range(n)][::-1]


def _token(prefix: str, *parts: Column) -> Column:
    return F.substring(
        F.sha2(F.concat_ws("-", F.lit(prefix), *[p.cast("string") for p in parts]), 256), 1, 32
    )


def _pick(r: Column, choices: list[tuple[float, str]]) -> Column:
    """A categorical value from a uniform ``r`` and cumulative probabilities."""
    expr = None
    for limit, value in choices:
        expr = F.when(r < limit, F.lit(value)) if expr is None else expr.when(r < limit, F.lit(value))
    assert expr is not None
    return expr


def _subscriber_ids(spark: SparkSession, n: int) -> DataFrame:
    return spark.range(n).select(
        F.col("id").alias("n"), F.format_string("S%07d", F.col("id")).alias("subscriber_id")
    )


def raw_cdrs(
    spark: SparkSession, n: int, per_day: int, day: dt.date, late_to: dt.date | None, seed: int
) -> DataFrame:
    """bronze.cdr rows of one day; with ``late_to``, 1% of them arrive in that later drop."""
    rows = spark.range(n * per_day).select(
        (F.col("id") % n).cast("int").alias("n"),
        F.col("id").alias("k"),
        *[F.rand(seed * 100 + i).alias(f"r{i}") for i in range(13)],
    )
    kind = _pick(F.col("r1"), [(0.45, "voice"), (0.75, "sms"), (1.01, "data")])
    talk = kind != "data"
    party_type = _pick(
        F.col("r4"),
        [
            (0.9, "mobile"),
            (0.95, "fixed"),
            (0.97, "international"),
            (0.98, "premium"),
            (0.99, "customer_care"),
            (1.01, "voicemail"),
        ],
    )
    midnight = int(dt.datetime.combine(day, dt.time()).replace(tzinfo=dt.UTC).timestamp())
    drop = (
        F.lit(day) if late_to is None else F.when(F.col("r12") < 0.01, F.lit(late_to)).otherwise(F.lit(day))
    )
    contact = F.floor(F.pow(F.col("r3"), 2) * 40).cast("int")
    return rows.select(
        F.concat_ws("-", F.lit(day.isoformat()), F.col("k").cast("string")).alias("record_id"),
        _token("m", F.col("n")).alias("msisdn"),
        kind.alias("event_type"),
        F.when(talk & (F.col("r2") < 0.45), F.lit("in")).otherwise(F.lit("out")).alias("direction"),
        F.when(talk, _token("p", F.col("n"), contact)).alias("other_party"),
        F.when(talk, party_type).alias("other_party_type"),
        F.when(talk, F.when(party_type == "international", F.lit("US")).otherwise(F.lit("GB"))).alias(
            "other_party_country"
        ),
        F.timestamp_seconds(F.lit(midnight) + F.floor(F.col("r5") * 86_400)).alias("start_time"),
        F.when(kind == "voice", F.floor(F.col("r6") * 300))
        .otherwise(F.lit(0))
        .cast("int")
        .alias("duration_s"),
        F.when(~talk, F.floor(F.col("r7") * 5e6)).cast("long").alias("bytes_up"),
        F.when(~talk, F.floor(F.col("r7") * 5e7)).cast("long").alias("bytes_down"),
        F.concat(F.lit("C"), ((F.col("n") % 5000) + F.floor(F.col("r8") * 3)).cast("string")).alias(
            "cell_id"
        ),
        _token("imei", F.col("n")).alias("imei"),
        (F.col("r9") < 0.01).alias("roaming"),
        F.when(
            kind == "voice", _pick(F.col("r10"), [(0.02, "dropped"), (0.04, "failed"), (1.01, "normal")])
        ).alias("termination"),
        (F.col("r11") * 0.5).cast("decimal(12,4)").alias("charge"),
        F.lit(day).alias("event_date"),
        drop.alias("drop_date"),
        F.lit("cdr/bench.parquet").alias("source_file"),
    )


def subscriber_snapshots(spark: SparkSession, n: int, days: list[dt.date], last: dt.date) -> DataFrame:
    ids = _subscriber_ids(spark, n).select(
        "n", "subscriber_id", *[F.rand(7 + i).alias(f"r{i}") for i in range(6)]
    )
    base = ids.select(
        "subscriber_id",
        _token("m", F.col("n")).alias("msisdn"),
        F.concat(F.lit("C"), F.col("n").cast("string")).alias("customer_id"),
        F.when(F.col("r0") < 0.97, F.lit("active")).otherwise(F.lit("terminated")).alias("status"),
        F.when(F.col("r1") < 0.6, F.lit("postpaid")).otherwise(F.lit("prepaid")).alias("segment"),
        F.concat(F.lit("P"), (F.col("n") % PLANS).cast("string")).alias("plan_id"),
        F.date_sub(F.lit(last), F.floor(F.col("r2") * 1500).cast("int")).alias("activation_date"),
        _pick(F.col("r3"), [(0.4, "none"), (0.7, "12m"), (1.01, "24m")]).alias("contract_type"),
        F.date_add(F.lit(last), F.floor(F.col("r4") * 700).cast("int")).alias("contract_end_date"),
        _pick(
            F.col("r5"), [(0.4, "direct_debit"), (0.7, "credit_card"), (0.9, "bank_transfer"), (1.01, "cash")]
        ).alias("payment_method"),
        (F.col("r5") < 0.5).alias("paperless_billing"),
        F.concat(F.lit("R"), (F.col("n") % 12).cast("string")).alias("region"),
        F.lit(None).cast("string").alias("device_model"),
        F.lit(None).cast("date").alias("birth_date"),
    )
    dates = spark.createDataFrame([(d,) for d in days], "snapshot_date date")
    return base.crossJoin(dates).withColumn("source_file", F.lit("subscribers/bench"))


def plan_snapshots(spark: SparkSession, days: list[dt.date]) -> DataFrame:
    rows = [
        (
            f"P{i}",
            f"Plan {i}",
            "postpaid" if i < 6 else "prepaid",
            10 + 5 * i,
            100 * i,
            50 * i,
            1024 * i,
            i % 3 == 0,
            True,
            d,
            "plans/bench",
        )
        for i in range(PLANS)
        for d in days
    ]
    schema = (
        "plan_id string, plan_name string, segment string, monthly_fee int, included_minutes int,"
        " included_sms int, included_data_mb int, international_included boolean, voicemail_included boolean,"
        " snapshot_date date, source_file string"
    )
    return spark.createDataFrame(rows, schema).withColumn(
        "monthly_fee", F.col("monthly_fee").cast("decimal(12,4)")
    )


def product_snapshots(spark: SparkSession, n: int, days: list[dt.date], last: dt.date) -> DataFrame:
    codes = ["intl_pack", "voicemail", "online_security", "tech_support", "streaming_tv", "multi_line"]
    held = (
        spark.range(n * 2)
        .select(
            F.format_string("S%07d", F.col("id") % n).alias("subscriber_id"),
            F.element_at(
                F.array(*[F.lit(c) for c in codes]), (F.floor(F.rand(3) * len(codes)) + 1).cast("int")
            ).alias("product_code"),
            F.date_sub(F.lit(last), F.floor(F.rand(4) * 900).cast("int")).alias("start_date"),
            F.lit(None).cast("date").alias("end_date"),
        )
        .dropDuplicates(["subscriber_id", "product_code"])
    )
    dates = spark.createDataFrame([(d,) for d in days], "snapshot_date date")
    return held.crossJoin(dates).withColumn("source_file", F.lit("subscriber_products/bench"))


def bss_events(spark: SparkSession, n: int, first: dt.date, last: dt.date) -> dict[str, DataFrame]:
    """Invoices (monthly, 60% of subscribers) + payments, weekly top-ups (the rest), tickets."""
    span = (last - first).days + 1
    months = span // 30 + 1
    inv = (
        spark.range(n * months)
        .select(
            (F.col("id") % n).cast("int").alias("n"),
            (F.col("id") / n).cast("int").alias("m"),
            F.rand(21).alias("r"),
        )
        .where(F.col("n") % 10 < 6)
    )
    bill = F.date_sub(F.lit(last), F.col("m") * 30 + F.col("n") % 30)
    invoices = inv.select(
        F.format_string("I%07d-%d", F.col("n"), F.col("m")).alias("invoice_id"),
        F.format_string("S%07d", F.col("n")).alias("subscriber_id"),
        bill.alias("bill_date"),
        F.date_sub(bill, 30).alias("period_start"),
        F.date_sub(bill, 1).alias("period_end"),
        (F.col("r") * 80 + 10).cast("decimal(12,4)").alias("amount_due"),
        F.date_add(bill, 14).alias("due_date"),
    ).where(F.col("bill_date") >= F.lit(first))
    paid_at = F.timestamp_seconds(
        F.unix_timestamp(F.col("bill_date").cast("timestamp")) + F.floor(F.rand(22) * 20 * 86_400)
    )
    payments = invoices.select(
        F.concat(F.lit("Y"), F.col("invoice_id")).alias("payment_id"),
        "subscriber_id",
        "invoice_id",
        paid_at.alias("paid_at"),
        F.col("amount_due").alias("amount"),
        F.lit("direct_debit").alias("method"),
    ).where(F.to_date("paid_at") <= F.lit(last))
    weeks = span // 7 + 1
    topups = (
        spark.range(n * weeks)
        .select((F.col("id") % n).cast("int").alias("n"), (F.col("id") / n).cast("int").alias("w"))
        .where(F.col("n") % 10 >= 6)
        .select(
            F.format_string("T%07d-%d", F.col("n"), F.col("w")).alias("topup_id"),
            F.format_string("S%07d", F.col("n")).alias("subscriber_id"),
            F.timestamp_seconds(
                F.unix_timestamp(F.date_sub(F.lit(last), F.col("w") * 7 + F.col("n") % 7).cast("timestamp"))
                + 43_200
            ).alias("topup_time"),
            F.lit(10).cast("decimal(12,4)").alias("amount"),
            F.lit("app").alias("channel"),
        )
        .where(F.to_date("topup_time") >= F.lit(first))
    )
    tickets = spark.range(max(n * span // 600, 1)).select(
        F.format_string("K%08d", F.col("id")).alias("ticket_id"),
        F.format_string("S%07d", (F.rand(31) * n).cast("int")).alias("subscriber_id"),
        F.timestamp_seconds(
            F.unix_timestamp(F.date_sub(F.lit(last), (F.rand(32) * span).cast("int")).cast("timestamp"))
            + 36_000
        ).alias("opened_at"),
        F.lit("call").alias("channel"),
        _pick(
            F.rand(33),
            [
                (0.4, "billing"),
                (0.6, "network"),
                (0.75, "device"),
                (0.9, "other"),
                (1.01, "cancellation_request"),
            ],
        ).alias("category"),
        F.lit(None).cast("timestamp").alias("resolved_at"),
        F.lit(None).cast("int").alias("satisfaction"),
    )
    tickets = tickets.withColumn(
        "resolved_at", F.when(F.rand(34) < 0.8, F.col("opened_at") + F.expr("INTERVAL 2 DAYS"))
    ).withColumn("satisfaction", F.when(F.col("resolved_at").isNotNull(), (F.rand(35) * 5 + 1).cast("int")))
    events = {
        "invoices": (invoices, "bill_date"),
        "payments": (payments, "paid_at"),
        "topups": (topups, "topup_time"),
        "tickets": (tickets, "opened_at"),
    }
    return {
        name: df.withColumn("event_date", F.to_date(column))
        .withColumn("drop_date", F.col("event_date"))
        .withColumn("source_file", F.lit(f"{name}/bench"))
        for name, (df, column) in events.items()
    }


def cdr_daily_history(spark: SparkSession, n: int, days: list[dt.date]) -> DataFrame:
    """silver.cdr_daily rows with plausible random values (90% of subscribers active a day)."""
    rows = (
        spark.range(n * len(days))
        .select(
            F.format_string("S%07d", F.col("id") % n).alias("subscriber_id"),
            F.element_at(F.array(*[F.lit(d) for d in days]), (F.col("id") / n).cast("int") + 1).alias(
                "event_date"
            ),
            F.rand(41).alias("active"),
        )
        .where(F.col("active") < 0.9)
    )
    values = {}
    for i, name in enumerate(CDR_DAILY_COLUMNS[2:]):
        scale = (
            40
            if "seconds" not in name and "bytes" not in name
            else (600 if "seconds" in name else 50_000_000)
        )
        value = F.floor(F.rand(100 + i) * scale)
        values[name] = (value / 100).cast(CHARGE_TYPE) if name.endswith("charge") else value.cast("long")
    values["events"] = (F.floor(F.rand(99) * 40) + 1).cast("long")
    return rows.select("subscriber_id", "event_date", *[v.alias(k) for k, v in values.items()])


def seen_history(spark: SparkSession, n: int, days: list[dt.date], parties_per_day: int = 8) -> DataFrame:
    """silver.cdr_seen_daily rows drawn from the same contact pools as ``raw_cdrs``."""
    rows = spark.range(n * len(days) * parties_per_day).select(
        (F.col("id") % n).cast("int").alias("n"),
        F.element_at(
            F.array(*[F.lit(d) for d in days]), (F.col("id") / (n * parties_per_day)).cast("int") + 1
        ).alias("event_date"),
        F.floor(F.pow(F.rand(51), 2) * 40).cast("int").alias("contact"),
        (F.rand(52) < 0.55).alias("outgoing"),
    )
    parties = (
        rows.groupBy("n", "event_date", "contact")
        .agg(F.max("outgoing").alias("outgoing"))
        .select(
            F.format_string("S%07d", F.col("n")).alias("subscriber_id"),
            F.lit("party").alias("kind"),
            F.xxhash64(_token("p", F.col("n"), F.col("contact"))).alias("value_hash"),
            "outgoing",
            "event_date",
        )
    )
    devices = spark.range(n * len(days)).select(
        F.format_string("S%07d", F.col("id") % n).alias("subscriber_id"),
        F.lit("imei").alias("kind"),
        F.xxhash64(_token("imei", F.col("id") % n)).alias("value_hash"),
        F.lit(False).alias("outgoing"),
        F.element_at(F.array(*[F.lit(d) for d in days]), (F.col("id") / n).cast("int") + 1).alias(
            "event_date"
        ),
    )
    return parties.unionByName(devices).select(*SEEN_COLUMNS)


def _bronze(df: DataFrame, cfg: Config, feed: str) -> None:
    partition = "event_date" if FEEDS[feed].kind == "event" else "snapshot_date"
    df.write.format("delta").mode("overwrite").partitionBy(partition).save(cfg.table_path(f"bronze.{feed}"))


def build_world(spark: SparkSession, cfg: Config, s: BenchSettings, history: int) -> None:
    """Everything the nightly step at ``s.day`` reads, for ``history`` days before it."""
    day, prev, n = s.day, s.day - dt.timedelta(days=1), s.subscribers
    first = day - dt.timedelta(days=history)
    snapshots = _days(day, SNAPSHOT_DAYS)
    _bronze(subscriber_snapshots(spark, n, snapshots, day), cfg, "subscribers")
    _bronze(plan_snapshots(spark, snapshots), cfg, "plans")
    _bronze(product_snapshots(spark, n, snapshots, day), cfg, "subscriber_products")
    for feed, df in bss_events(spark, n, first, day).items():
        _bronze(df, cfg, feed)
    cdr = raw_cdrs(spark, n, s.events_per_day, prev, day, seed=1).unionByName(
        raw_cdrs(spark, n, s.events_per_day, day, None, seed=2)
    )
    _bronze(cdr, cfg, "cdr")
    runs = [
        (feed, d, 1, 0, 0, 0, "bench", dt.datetime(2026, 1, 1))
        for feed in REQUIRED_FEEDS
        for d in (prev, day)
    ]
    schema = (
        "feed string, drop_date date, files int, rows_read long, rows_accepted long,"
        " rows_quarantined long, fingerprint string, ingested_at timestamp"
    )
    spark.createDataFrame(runs, schema).write.format("delta").mode("overwrite").save(
        cfg.table_path("ops.ingest_runs")
    )
    older = _days(day - dt.timedelta(days=2), history - 1)
    cdr_daily_history(spark, n, older).write.format("delta").mode("overwrite").partitionBy("event_date").save(
        cfg.table_path(CDR_DAILY)
    )
    lookback = _days(day - dt.timedelta(days=2), cfg.features.new_party_lookback_days - 1)
    seen_history(spark, n, lookback).write.format("delta").mode("overwrite").partitionBy("event_date").save(
        cfg.table_path(CDR_SEEN_DAILY)
    )
    build_cdr_days(spark, cfg, [prev], snapshot_dates(spark, cfg, "subscribers", prev, prev))
    cdr_daily = delta_io.read_table(spark, cfg.table_path(CDR_DAILY))
    state = settled_state(cdr_daily, prev, UsageWindows.of(cfg.features.windows), cfg.ingest.max_late_days)
    state.write.format("delta").mode("overwrite").partitionBy("as_of_date").save(
        cfg.table_path(CDR_WINDOW_STATE)
    )
