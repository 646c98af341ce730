"""CDRs -> ``silver.cdr_daily``: one row per subscriber per day, plus the identifiers seen.

``cdr_events`` maps numbers to subscribers and adds the time of day; ``daily_usage``
aggregates counts, seconds, bytes and charges; ``seen_identifiers`` lists the distinct other
parties and IMEIs of each subscriber-day (``silver.cdr_seen_daily``: ``value_hash`` is
xxhash64 of the token, compact); ``novelty_counts`` compares them with the identifiers seen
in the previous ``lookback_days`` days, so a nightly run never rescans old raw CDRs.
All times are UTC (the session time zone).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

KEYS = ("subscriber_id", "event_date")
CHARGE_TYPE = "decimal(18,4)"
TIMES_OF_DAY = ("day", "evening", "night")

# silver.cdr_daily columns after the keys, in table order (all bigint except the charges).
USAGE_COLUMNS = (
    "events",
    "voice_out_calls",
    "voice_in_calls",
    "voice_out_seconds",
    "voice_in_seconds",
    "sms_out",
    "sms_in",
    "data_sessions",
    "data_bytes_up",
    "data_bytes_down",
    "events_day",
    "events_evening",
    "events_night",
    "calls_day",
    "calls_evening",
    "calls_night",
    "voice_seconds_day",
    "voice_seconds_evening",
    "voice_seconds_night",
    "intl_calls",
    "intl_seconds",
    "intl_sms",
    "intl_charge",
    "premium_calls",
    "premium_seconds",
    "premium_sms",
    "premium_charge",
    "roaming_events",
    "roaming_seconds",
    "roaming_bytes",
    "roaming_charge",
    "dropped_calls",
    "failed_calls",
    "short_calls",
    "care_calls",
    "distinct_cells",
    "top_cell_events",
    "cell_events",
    "total_charge",
)
NOVELTY_COLUMNS = (
    "distinct_parties",
    "new_parties",
    "distinct_b_numbers",
    "new_b_numbers",
    "distinct_imeis",
    "new_imeis",
)
CDR_DAILY_COLUMNS = (*KEYS, *USAGE_COLUMNS, *NOVELTY_COLUMNS)
SEEN_COLUMNS = ("subscriber_id", "kind", "value_hash", "outgoing", "event_date")


def time_of_day(
    start_time: Column, day_start_hour: int, evening_start_hour: int, night_start_hour: int
) -> Column:
    """``day`` for hours [day_start, evening_start), ``evening`` for [evening_start, night_start),
    ``night`` otherwise (the hour of the UTC timestamp)."""
    hour = F.hour(start_time)
    return (
        F.when((hour >= day_start_hour) & (hour < evening_start_hour), F.lit("day"))
        .when((hour >= evening_start_hour) & (hour < night_start_hour), F.lit("evening"))
        .otherwise(F.lit("night"))
    )


def cdr_events(
    cdr: DataFrame,
    subscriber_map: DataFrame,
    *,
    day_start_hour: int,
    evening_start_hour: int,
    night_start_hour: int,
) -> DataFrame:
    """bronze.cdr rows joined to ``subscriber_map`` (``event_date``, ``msisdn``, ``subscriber_id``);
    CDRs of unknown numbers drop out. Adds ``subscriber_id`` and ``time_of_day``."""
    return cdr.join(subscriber_map, on=["event_date", "msisdn"], how="inner").withColumn(
        "time_of_day", time_of_day(F.col("start_time"), day_start_hour, evening_start_hour, night_start_hour)
    )


def _count(condition: Column) -> Column:
    return F.count(F.when(condition, F.lit(1)))


def _sum(condition: Column, value: Column) -> Column:
    return F.coalesce(F.sum(F.when(condition, value)), F.lit(0)).cast("long")


def _charge(condition: Column) -> Column:
    return F.coalesce(F.sum(F.when(condition, F.col("charge"))), F.lit(0)).cast(CHARGE_TYPE)


def daily_usage(events: DataFrame, short_call_seconds: int) -> DataFrame:
    """``cdr_events`` output -> one row per (``subscriber_id``, ``event_date``) with USAGE_COLUMNS.

    International / premium / customer care follow ``other_party_type``; international and
    premium calls and SMS count outgoing events, their charges count every such event.
    Short calls: voice calls (either direction, any termination) under ``short_call_seconds``.
    Cells: ``distinct_cells``, ``top_cell_events`` (CDRs in the day's busiest cell) and
    ``cell_events`` (CDRs with a cell).
    """
    voice, sms, data = (F.col("event_type") == t for t in ("voice", "sms", "data"))
    out, inbound = F.col("direction") == "out", F.col("direction") == "in"
    intl = F.col("other_party_type") == "international"
    premium = F.col("other_party_type") == "premium"
    roaming = F.col("roaming")
    duration = F.col("duration_s")
    bytes_total = F.coalesce(F.col("bytes_up"), F.lit(0)) + F.coalesce(F.col("bytes_down"), F.lit(0))
    tod = F.col("time_of_day")
    by_time = []
    for part in TIMES_OF_DAY:
        by_time.append(_count(tod == part).alias(f"events_{part}"))
    by_time += [_count(voice & (tod == part)).alias(f"calls_{part}") for part in TIMES_OF_DAY]
    by_time += [_sum(voice & (tod == part), duration).alias(f"voice_seconds_{part}") for part in TIMES_OF_DAY]
    usage = events.groupBy(*KEYS).agg(
        F.count(F.lit(1)).alias("events"),
        _count(voice & out).alias("voice_out_calls"),
        _count(voice & inbound).alias("voice_in_calls"),
        _sum(voice & out, duration).alias("voice_out_seconds"),
        _sum(voice & inbound, duration).alias("voice_in_seconds"),
        _count(sms & out).alias("sms_out"),
        _count(sms & inbound).alias("sms_in"),
        _count(data).alias("data_sessions"),
        _sum(data, F.col("bytes_up")).alias("data_bytes_up"),
        _sum(data, F.col("bytes_down")).alias("data_bytes_down"),
        *by_time,
        _count(voice & out & intl).alias("intl_calls"),
        _sum(voice & out & intl, duration).alias("intl_seconds"),
        _count(sms & out & intl).alias("intl_sms"),
        _charge(intl).alias("intl_charge"),
        _count(voice & out & premium).alias("premium_calls"),
        _sum(voice & out & premium, duration).alias("premium_seconds"),
        _count(sms & out & premium).alias("premium_sms"),
        _charge(premium).alias("premium_charge"),
        _count(roaming).alias("roaming_events"),
        _sum(voice & roaming, duration).alias("roaming_seconds"),
        _sum(data & roaming, bytes_total).alias("roaming_bytes"),
        _charge(roaming).alias("roaming_charge"),
        _count(voice & (F.col("termination") == "dropped")).alias("dropped_calls"),
        _count(voice & (F.col("termination") == "failed")).alias("failed_calls"),
        _count(voice & (duration < short_call_seconds)).alias("short_calls"),
        _count(voice & out & (F.col("other_party_type") == "customer_care")).alias("care_calls"),
        _charge(F.lit(True)).alias("total_charge"),
    )
    cells = (
        events.where(F.col("cell_id").isNotNull())
        .groupBy(*KEYS, "cell_id")
        .agg(F.count(F.lit(1)).alias("_n"))
        .groupBy(*KEYS)
        .agg(
            F.count(F.lit(1)).alias("distinct_cells"),
            F.max("_n").alias("top_cell_events"),
            F.sum("_n").alias("cell_events"),
        )
    )
    return (
        usage.join(cells, on=list(KEYS), how="left")
        .fillna(0, subset=["distinct_cells", "top_cell_events", "cell_events"])
        .select(
            *KEYS, *[F.col(c).cast(CHARGE_TYPE if c.endswith("charge") else "long") for c in USAGE_COLUMNS]
        )
    )


def seen_identifiers(events: DataFrame) -> DataFrame:
    """Distinct other parties (voice and SMS) and IMEIs per subscriber-day: SEEN_COLUMNS with
    ``kind`` ``party`` | ``imei``, ``value_hash`` = xxhash64 of the token and ``outgoing``
    (an outgoing call or SMS to that party that day; false for IMEIs)."""
    parties = (
        events.where(F.col("other_party").isNotNull() & F.col("event_type").isin("voice", "sms"))
        .groupBy(*KEYS, F.xxhash64("other_party").alias("value_hash"))
        .agg(F.max(F.col("direction") == "out").alias("outgoing"))
        .withColumn("kind", F.lit("party"))
    )
    imeis = (
        events.where(F.col("imei").isNotNull())
        .select(*KEYS, F.xxhash64("imei").alias("value_hash"))
        .distinct()
        .withColumn("outgoing", F.lit(False))
        .withColumn("kind", F.lit("imei"))
    )
    return parties.unionByName(imeis).select(*SEEN_COLUMNS)


def novelty_counts(seen: DataFrame, history: DataFrame, lookback_days: int) -> DataFrame:
    """Per (``subscriber_id``, ``event_date``) of ``seen``: NOVELTY_COLUMNS.

    ``history`` holds SEEN_COLUMNS rows of other days (it may include ``seen`` itself). An
    identifier is new on day d when the subscriber did not have it on d - lookback_days ..
    d - 1. ``new_b_numbers``: new parties called or texted that day. ``new_imeis`` leaves
    out a subscriber's first device: when no IMEI at all was seen in the lookback, one of
    the day's new IMEIs is not a change.

    Both tests look only at the latest earlier day (a window over the identifier's days),
    not at every earlier day: a join with the whole lookback paired each identifier with
    each of its earlier days.
    """
    ids = ["subscriber_id", "kind", "value_hash"]
    days = history.select(*ids, "event_date").unionByName(seen.select(*ids, "event_date")).distinct()
    last_seen = days.withColumn(
        "_last", F.lag("event_date").over(Window.partitionBy(*ids).orderBy("event_date"))
    )
    flagged = seen.join(last_seen, on=[*ids, "event_date"], how="left").withColumn(
        "seen_before",
        F.coalesce(F.col("_last") >= F.date_sub(F.col("event_date"), lookback_days), F.lit(False)),
    )
    # Per subscriber-day of ``seen``: the latest earlier day with any IMEI.
    imei_days = (
        history.where(F.col("kind") == "imei")
        .unionByName(seen.where(F.col("kind") == "imei"))
        .select(*KEYS, F.lit(True).alias("_imei"))
        .unionByName(seen.select(*KEYS, F.lit(False).alias("_imei")))
        .distinct()
    )
    before = (
        Window.partitionBy("subscriber_id")
        .orderBy(F.unix_date("event_date"))
        .rangeBetween(Window.unboundedPreceding, -1)
    )
    had_imei = (
        imei_days.withColumn("_last", F.max(F.when(F.col("_imei"), F.col("event_date"))).over(before))
        .where(~F.col("_imei") & (F.col("_last") >= F.date_sub(F.col("event_date"), lookback_days)))
        .select(*KEYS)
        .distinct()
        .withColumn("_had_imei", F.lit(True))
    )
    party, imei = F.col("kind") == "party", F.col("kind") == "imei"
    new, outgoing = ~F.col("seen_before"), F.col("outgoing")
    counts = flagged.groupBy(*KEYS).agg(
        _count(party).alias("distinct_parties"),
        _count(party & new).alias("new_parties"),
        _count(party & outgoing).alias("distinct_b_numbers"),
        _count(party & outgoing & new).alias("new_b_numbers"),
        _count(imei).alias("distinct_imeis"),
        _count(imei & new).alias("_new_imeis"),
    )
    first_device = F.when(F.coalesce(F.col("_had_imei"), F.lit(False)), F.lit(0)).otherwise(F.lit(1))
    return (
        counts.join(had_imei, on=list(KEYS), how="left")
        .withColumn("new_imeis", F.greatest(F.col("_new_imeis") - first_device, F.lit(0)))
        .select(*KEYS, *[F.col(c).cast("long") for c in NOVELTY_COLUMNS])
    )


def cdr_daily(usage: DataFrame, novelty: DataFrame) -> DataFrame:
    """``daily_usage`` + ``novelty_counts`` -> silver.cdr_daily rows (CDR_DAILY_COLUMNS)."""
    return (
        usage.join(novelty, on=list(KEYS), how="left")
        .fillna(0, subset=list(NOVELTY_COLUMNS))
        .select(*CDR_DAILY_COLUMNS)
    )


def build_cdr_daily(
    events: DataFrame,
    seen_history: DataFrame,
    *,
    short_call_seconds: int,
    new_party_lookback_days: int,
) -> tuple[DataFrame, DataFrame]:
    """``cdr_events`` output of the days to build + identifiers seen on other days ->
    (silver.cdr_daily rows, silver.cdr_seen_daily rows) of those days."""
    seen = seen_identifiers(events)
    novelty = novelty_counts(
        seen, seen_history.select(*SEEN_COLUMNS).unionByName(seen), new_party_lookback_days
    )
    return cdr_daily(daily_usage(events, short_call_seconds), novelty), seen
