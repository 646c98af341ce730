"""Pure DataFrame transformations that turn raw landing rows into bronze rows.

Input: raw rows with every contract column as text plus ``drop_date``, ``source_file``,
``raw_content`` and ``_corrupt`` (the raw line when the CSV row was malformed).
Output: the same rows with typed columns and an ``errors`` array; callers split them
into bronze (no errors) and quarantine (one reason per failed check).
"""

from __future__ import annotations

from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from ingestion.feed_contract import Column, Feed
from ingestion.pseudonymise import hmac_token, normalise_number

META_COLUMNS = ("drop_date", "source_file", "raw_content")
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
_DECIMAL = "decimal(12,4)"


def raw_text(name: str) -> SparkColumn:
    """The trimmed raw text of a column, null when empty."""
    text = F.trim(F.col(name))
    return F.when(text == "", F.lit(None)).otherwise(text)


def typed_value(column: Column) -> SparkColumn:
    """The raw text converted to the contract type; null when it does not convert."""
    text = raw_text(column.name)
    if column.type == "string":
        return F.lower(text) if column.enum else text
    if column.type in ("int", "long"):
        return text.try_cast(column.type)
    if column.type == "decimal":
        return text.try_cast(_DECIMAL)
    if column.type == "boolean":
        lowered = F.lower(text)
        return F.when(lowered == "true", F.lit(True)).when(lowered == "false", F.lit(False))
    if column.type == "date":
        return F.when(text.rlike(_ISO_DATE), text.try_cast("date"))
    if column.type == "timestamp":
        return F.when(text.rlike(_ISO_TIMESTAMP), text.try_cast("timestamp"))
    raise ValueError(f"unsupported contract type {column.type}")


def column_errors(column: Column) -> list[SparkColumn]:
    """One nullable reason per check on the column (null when the check passes)."""
    text = raw_text(column.name)
    value = typed_value(column)
    present = text.isNotNull()
    name = column.name
    checks: list[tuple[SparkColumn, str]] = [
        (present & value.isNull(), f"bad_type:{name}"),
    ]
    if column.required:
        checks.append((~present, f"missing_required:{name}"))
    if column.enum:
        checks.append((present & ~F.lower(text).isin(*column.enum), f"unknown_enum:{name}"))
    if column.pattern:
        checks.append((present & ~text.rlike(column.pattern), f"bad_format:{name}"))
    if column.min_value is not None:
        checks.append((value < F.lit(column.min_value), f"out_of_range:{name}"))
    if column.max_value is not None:
        checks.append((value > F.lit(column.max_value), f"out_of_range:{name}"))
    if column.type == "string" and not column.enum:
        checks.append((F.coalesce(text.contains("\ufffd"), F.lit(False)), f"invalid_encoding:{name}"))
    return [F.when(cond, F.lit(reason)) for cond, reason in checks]


def event_date_expr(feed: Feed) -> SparkColumn:
    """The date an event belongs to (its own timestamp's UTC date)."""
    assert feed.event_column is not None
    return F.to_date(typed_value(feed.column(feed.event_column)))


def with_checks(raw: DataFrame, feed: Feed, max_late_days: int) -> DataFrame:
    """Typed contract columns, ``event_date`` / ``snapshot_date`` and an ``errors`` array.

    An event is in range when its date lies in [drop_date - max_late_days, drop_date].
    """
    reasons: list[SparkColumn] = [F.when(F.col("_corrupt").isNotNull(), F.lit("malformed_row"))]
    for column in feed.columns:
        reasons.extend(column_errors(column))
    if feed.kind == "event":
        event_date = event_date_expr(feed)
        late = F.date_diff(F.col("drop_date"), event_date)
        out_of_range = event_date.isNotNull() & ((late < 0) | (late > max_late_days))
        reasons.append(F.when(out_of_range, F.lit(f"timestamp_out_of_range:{feed.event_column}")))
    errors = F.filter(F.array(*reasons), lambda r: r.isNotNull())
    typed = [typed_value(c).alias(c.name) for c in feed.columns]
    if feed.kind == "snapshot":
        typed.append(F.col("drop_date").alias("snapshot_date"))
    elif "event_date" not in feed.column_names:  # churn_events already has its own
        typed.append(event_date_expr(feed).alias("event_date"))
    return raw.select(*typed, *[F.col(c) for c in META_COLUMNS], errors.alias("errors"))


def mark_duplicates(checked: DataFrame, feed: Feed, existing_keys: DataFrame | None) -> DataFrame:
    """Flag repeated keys: within the batch the earliest drop (then file, then content)
    wins; a key already in bronze from another drop is a duplicate of that one.

    ``existing_keys`` holds the key columns (plus ``event_date`` for event feeds) of the
    bronze rows from drops outside this batch.
    """
    scope = list(feed.key) + (["drop_date"] if feed.kind == "snapshot" else [])
    order = Window.partitionBy(*scope).orderBy("drop_date", "source_file", "raw_content")
    clean = F.size("errors") == 0
    rank = F.when(clean, F.row_number().over(order))
    flagged = checked.withColumn("_rank", rank)
    if existing_keys is not None:
        join_cols = list(dict.fromkeys([*feed.key, *(["event_date"] if feed.kind == "event" else [])]))
        seen = existing_keys.select(*join_cols).distinct().withColumn("_seen", F.lit(True))
        flagged = flagged.join(seen, on=join_cols, how="left")
    else:
        flagged = flagged.withColumn("_seen", F.lit(None).cast("boolean"))
    duplicate = clean & ((F.col("_rank") > 1) | F.coalesce(F.col("_seen"), F.lit(False)))
    errors = F.when(duplicate, F.array(F.lit("duplicate_key"))).otherwise(F.col("errors"))
    return flagged.withColumn("errors", errors).drop("_rank", "_seen")


def pseudonymise(df: DataFrame, feed: Feed, key: bytes) -> DataFrame:
    """Replace the feed's PII columns with keyed tokens."""
    for column in feed.columns:
        if column.pii:
            df = df.withColumn(column.name, hmac_token(normalise_number(F.col(column.name)), key))
    return df


def bronze_rows(checked: DataFrame, feed: Feed, key: bytes) -> DataFrame:
    """Rows without errors, PII pseudonymised, in bronze layout."""
    partition = ["event_date", "drop_date"] if feed.kind == "event" else ["snapshot_date"]
    extra = [c for c in partition if c not in feed.column_names]
    valid = checked.where(F.size("errors") == 0)
    return pseudonymise(valid, feed, key).select(*feed.column_names, *extra, "source_file")


def quarantine_rows(checked: DataFrame, feed: Feed) -> DataFrame:
    """Rows with errors: feed, drop, file, every reason and the raw content."""
    return checked.where(F.size("errors") > 0).select(
        F.lit(feed.name).alias("feed"),
        "drop_date",
        "source_file",
        F.split(F.col("errors")[0], ":")[0].alias("reason_code"),
        F.array_join("errors", ";").alias("reason"),
        "raw_content",
    )
