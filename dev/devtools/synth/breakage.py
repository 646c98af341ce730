"""Contract-breaking rows, added on top of the clean data of a drop.

Every bad row is an EXTRA row (a corrupted copy of a real row of the same drop), so
removing every bad row gives back exactly the clean world. Each bad row breaks the
contract in exactly one way:

- ``wrong_type``: an unparseable value (``duration_s=abc``, ``charge=n/a``, a timestamp
  like ``03/01/2026 14:05``, ...); CSV only (parquet columns are typed);
- ``missing_required``: a required column left empty;
- ``unknown_enum``: a value outside the enum (``event_type=video``, ``termination=lost``, ...);
- ``timestamp_out_of_range``: a well-formed event timestamp 3-30 days before or 2-30 days
  after the drop's date (the legitimately late rows are never more than 1 day old);
- ``duplicate_key``: an exact copy of a row of the same file or of the previous day's drop.

Non-duplicate bad rows get a fresh key (event feeds: the next ids of the day; snapshot
feeds: a phantom subscriber ``SX...``) so that they never collide with a real key.
Label feeds (churn_events, fraud_cases) only receive exact duplicates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from devtools.synth import arrowutil as au
from devtools.synth.schema import COLUMNS

KINDS = ("wrong_type", "missing_required", "unknown_enum", "timestamp_out_of_range", "duplicate_key")
SNAPSHOT_RATE_FACTOR = 0.05  # snapshot feeds get bad_row_rate / 20 (a few rows)


@dataclass(frozen=True)
class Spec:
    key: str
    required: tuple[str, ...]
    wrong_type: tuple[tuple[str, str], ...] = ()  # (column, value); value "<ts>" = malformed timestamp
    unknown_enum: tuple[tuple[str, str], ...] = ()
    ts_column: str | None = None
    snapshot: bool = False
    kinds: tuple[str, ...] = field(default=KINDS)


SPECS: dict[str, Spec] = {
    "cdr": Spec(
        "record_id",
        ("record_id", "msisdn", "event_type", "direction", "start_time", "duration_s", "roaming", "charge"),
        (
            ("duration_s", "abc"),
            ("charge", "n/a"),
            ("start_time", "<ts>"),
            ("bytes_down", "12.5MB"),
            ("roaming", "yes"),
        ),
        (
            ("event_type", "video"),
            ("direction", "both"),
            ("termination", "lost"),
            ("other_party_type", "satellite"),
        ),
        "start_time",
    ),
    "invoices": Spec(
        "invoice_id",
        ("invoice_id", "subscriber_id", "bill_date", "amount_due", "due_date"),
        (("amount_due", "n/a"), ("bill_date", "<date>"), ("due_date", "TBD")),
        (),
        "bill_date",
        kinds=("wrong_type", "missing_required", "timestamp_out_of_range", "duplicate_key"),
    ),
    "payments": Spec(
        "payment_id",
        ("payment_id", "subscriber_id", "paid_at", "amount", "method"),
        (("amount", "12.50 GBP"), ("paid_at", "<ts>")),
        (("method", "paypal"),),
        "paid_at",
    ),
    "topups": Spec(
        "topup_id",
        ("topup_id", "subscriber_id", "topup_time", "amount"),
        (("amount", "ten"), ("topup_time", "<ts>")),
        (),
        "topup_time",
        kinds=("wrong_type", "missing_required", "timestamp_out_of_range", "duplicate_key"),
    ),
    "tickets": Spec(
        "ticket_id",
        ("ticket_id", "subscriber_id", "opened_at", "channel", "category"),
        (("satisfaction", "five"), ("opened_at", "<ts>"), ("resolved_at", "soon")),
        (("channel", "fax"), ("category", "complaint")),
        "opened_at",
    ),
    "churn_events": Spec("subscriber_id", (), kinds=("duplicate_key",)),
    "fraud_cases": Spec("case_id", (), kinds=("duplicate_key",)),
    "subscribers": Spec(
        "subscriber_id",
        ("msisdn", "customer_id", "status", "plan_id", "region"),
        (("activation_date", "31/02/2021"), ("paperless_billing", "yes"), ("birth_date", "unknown")),
        (
            ("status", "dormant"),
            ("segment", "hybrid"),
            ("contract_type", "36m"),
            ("payment_method", "paypal"),
        ),
        snapshot=True,
        kinds=("wrong_type", "missing_required", "unknown_enum", "duplicate_key"),
    ),
    "subscriber_products": Spec(
        "subscriber_id",
        ("product_code", "start_date"),
        (("start_date", "n/a"),),
        (),
        snapshot=True,
        kinds=("wrong_type", "missing_required", "duplicate_key"),
    ),
}


@dataclass
class Injected:
    table: pa.Table  # typed rows, bad rows interleaved
    patches: dict[str, tuple[list[int], list[str]]]  # wrong_type text, applied after formatting
    counts: dict[str, int]


def _malformed_ts(day: int, sec: int) -> str:
    d = au.EPOCH + dt.timedelta(days=int(day))
    return f"{d.day:02d}/{d.month:02d}/{d.year} {sec // 3600:02d}:{sec // 60 % 60:02d}"


def _set(table: pa.Table, name: str, mask: np.ndarray, value) -> pa.Table:
    i = table.schema.get_field_index(name)
    col = table.column(i).combine_chunks()
    scalar = pa.scalar(value, col.type)
    return table.set_column(i, name, pc.if_else(pa.array(mask), scalar, col))


def inject(
    rng: np.random.Generator,
    feed: str,
    table: pa.Table,
    day: int,
    rate: float,
    previous: pa.Table | None,
    new_keys,
    allow_wrong_type: bool = True,
) -> Injected:
    """Add bad rows at ``rate`` per row to the typed drop ``table`` of ``feed`` for ``day``.

    ``previous``: the previous drop's rows (dated that day) that may be re-sent;
    ``new_keys(k)``: ``k`` fresh key strings for the feed and day.
    """
    counts = {kind: 0 for kind in KINDS}
    spec = SPECS.get(feed)
    if spec is None:  # plans: the catalogue stays clean
        return Injected(table, {}, counts)
    n = table.num_rows
    eff = rate * (SNAPSHOT_RATE_FACTOR if spec.snapshot else 1.0)
    k = int(rng.binomial(n, min(eff, 1.0))) if n and eff > 0 else 0
    if k == 0:
        return Injected(table, {}, counts)
    kinds = [x for x in spec.kinds if allow_wrong_type or x != "wrong_type"]
    kind = rng.integers(0, len(kinds), k)
    kind_names = np.array(kinds)[kind]
    src = rng.integers(0, n, k)
    extras = table.take(pa.array(src))
    dup = kind_names == "duplicate_key"
    # a duplicate re-sent from the previous drop, when there is one
    has_previous = previous is not None and previous.num_rows > 0
    resend = dup & (rng.random(k) < 0.5) & has_previous
    if resend.any() and previous is not None:
        prev_rows = previous.take(pa.array(rng.integers(0, previous.num_rows, int(resend.sum()))))
        order = np.argsort(~resend, kind="stable")  # resent rows first
        extras = pa.concat_tables([prev_rows, extras.take(pa.array(np.flatnonzero(~resend)))])
        kind_names = kind_names[order]
        dup = dup[order]
        src = src[order]
    for kname in kind_names:
        counts[str(kname)] += 1
    fresh = ~dup
    if fresh.any():
        if spec.snapshot:
            keys = au.id_strings("SX", day, np.arange(int(fresh.sum())), 6)
        else:
            keys = new_keys(int(fresh.sum()))
        full = np.full(k, None, dtype=object)
        full[fresh] = keys.to_pylist()
        i = extras.schema.get_field_index(spec.key)
        col = extras.column(i).combine_chunks()
        extras = extras.set_column(i, spec.key, pc.if_else(pa.array(fresh), pa.array(full, pa.string()), col))
    # missing required values
    miss = np.flatnonzero(kind_names == "missing_required")
    for j in miss:
        name = spec.required[rng.integers(0, len(spec.required))]
        mask = np.zeros(k, dtype=bool)
        mask[j] = True
        extras = _set(extras, name, mask, None)
    # unknown enum values
    for j in np.flatnonzero(kind_names == "unknown_enum"):
        name, value = spec.unknown_enum[rng.integers(0, len(spec.unknown_enum))]
        mask = np.zeros(k, dtype=bool)
        mask[j] = True
        extras = _set(extras, name, mask, value)
    # timestamps far outside the drop's day
    far = np.flatnonzero(kind_names == "timestamp_out_of_range")
    if len(far):
        assert spec.ts_column is not None
        name = spec.ts_column
        kind_of = dict(COLUMNS[feed])[name]
        shift = np.where(
            rng.random(len(far)) < 0.5, -rng.integers(3, 31, len(far)), rng.integers(2, 31, len(far))
        )
        i = extras.schema.get_field_index(name)
        col = extras.column(i).combine_chunks()
        null = np.asarray(col.is_null())
        if kind_of == "ts":
            secs = pc.fill_null(col.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).copy()
            secs[far] = (day + shift) * 86400 + rng.integers(0, 86400, len(far))
            new = au.timestamps(secs, null=null)
        else:
            days = pc.fill_null(col.cast(pa.int32()), 0).to_numpy(zero_copy_only=False).copy()
            days[far] = day + shift
            new = au.dates(days, null=null)
        extras = extras.set_column(i, name, new)
    # interleave: each bad row lands before a random row of the file
    pos = rng.integers(0, n + 1, k)
    sort_key = np.concatenate([np.arange(n) * 2 + 1, pos * 2])
    order = np.argsort(sort_key, kind="stable")
    combined = pa.concat_tables([table, extras]).take(pa.array(order))
    where = np.empty(n + k, dtype=np.int64)
    where[order] = np.arange(n + k)
    patches: dict[str, tuple[list[int], list[str]]] = {}
    for j in np.flatnonzero(kind_names == "wrong_type"):
        name, value = spec.wrong_type[rng.integers(0, len(spec.wrong_type))]
        if value == "<ts>":
            value = _malformed_ts(day, int(rng.integers(0, 86400)))
        elif value == "<date>":
            d = au.EPOCH + dt.timedelta(days=int(day))
            value = f"{d.year}/{d.month:02d}/{d.day:02d}"
        rows, values = patches.setdefault(name, ([], []))
        rows.append(int(where[n + j]))
        values.append(value)
    return Injected(combined, patches, counts)
