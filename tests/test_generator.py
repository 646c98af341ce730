"""The synthetic operator: determinism, layout, rates, signatures and contract-breaking rows.

Plain pytest (no Spark). Everything is checked from the files written, not the summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from devtools.synth import GenerationSummary, generate

START = dt.date(2026, 1, 1)

EXPECTED_COLUMNS = {
    "cdr": [
        "record_id",
        "msisdn",
        "event_type",
        "direction",
        "other_party",
        "other_party_type",
        "other_party_country",
        "start_time",
        "duration_s",
        "bytes_up",
        "bytes_down",
        "cell_id",
        "imei",
        "roaming",
        "termination",
        "charge",
    ],
    "subscribers": [
        "subscriber_id",
        "msisdn",
        "customer_id",
        "status",
        "segment",
        "plan_id",
        "activation_date",
        "contract_type",
        "contract_end_date",
        "payment_method",
        "paperless_billing",
        "region",
        "device_model",
        "birth_date",
    ],
    "plans": [
        "plan_id",
        "plan_name",
        "segment",
        "monthly_fee",
        "included_minutes",
        "included_sms",
        "included_data_mb",
        "international_included",
        "voicemail_included",
    ],
    "subscriber_products": ["subscriber_id", "product_code", "start_date", "end_date"],
    "invoices": [
        "invoice_id",
        "subscriber_id",
        "bill_date",
        "period_start",
        "period_end",
        "amount_due",
        "due_date",
    ],
    "payments": ["payment_id", "subscriber_id", "invoice_id", "paid_at", "amount", "method"],
    "topups": ["topup_id", "subscriber_id", "topup_time", "amount", "channel"],
    "tickets": [
        "ticket_id",
        "subscriber_id",
        "opened_at",
        "channel",
        "category",
        "resolved_at",
        "satisfaction",
    ],
    "churn_events": ["subscriber_id", "event_date", "churn_type"],
    "fraud_cases": [
        "case_id",
        "subscriber_id",
        "fraud_type",
        "first_seen_date",
        "confirmed_date",
        "disposition",
    ],
}
FRAUD_TYPES = {"simbox", "irsf", "subscription", "wangiri", "account_takeover"}
ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def days_of(n: int) -> list[str]:
    return [(START + dt.timedelta(days=i)).isoformat() for i in range(n)]


def read_feed(landing: Path, feed: str) -> pa.Table:
    """Every good data file of a feed as text columns, plus ``dt`` (the drop's date)."""
    parts = []
    for folder in sorted((landing / feed).glob("dt=*")):
        for path in sorted(folder.glob("part-00000.*")):
            if path.suffix == ".parquet":
                t = pq.read_table(path)
                t = pa.table([c.cast(pa.string()) for c in t.columns], names=t.column_names)
            else:
                names = EXPECTED_COLUMNS[feed]
                opts = pcsv.ConvertOptions(
                    column_types={c: pa.string() for c in names}, strings_can_be_null=True
                )
                t = pcsv.read_csv(path, convert_options=opts)
            parts.append(t.append_column("dt", pa.array([folder.name[3:]] * t.num_rows, pa.string())))
    return pa.concat_tables(parts)


# --- worlds (module-scoped: generated once) -------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, GenerationSummary]:
    root = tmp_path_factory.mktemp("small") / "landing"
    return root, generate(root, subscribers=300, start=START, days=10, seed=42)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, GenerationSummary]:
    """3000 subscribers x 60 days, clean (no bad rows), parquet CDRs for speed."""
    root = tmp_path_factory.mktemp("world") / "landing"
    summary = generate(
        root,
        subscribers=3000,
        start=START,
        days=60,
        seed=7,
        bad_row_rate=0.0,
        corrupt_files=False,
        cdr_format="parquet",
    )
    return root, summary


@pytest.fixture(scope="module")
def cdr(world) -> dict:
    """The world's CDRs: numpy columns (subscriber index, dates, codes) and the raw arrow table."""
    root, _ = world
    parts, drop = [], []
    for folder in sorted((root / "cdr").glob("dt=*")):
        parts.append(pq.read_table(folder / "part-00000.parquet"))
        drop.append(np.full(parts[-1].num_rows, np.datetime64(folder.name[3:])))
    t = pa.concat_tables(parts)
    subs = read_feed(root, "subscribers").filter(pc.equal(pc.field("dt"), days_of(60)[-1]))
    ids = subs["subscriber_id"].to_pylist()
    start = t["start_time"].cast(pa.timestamp("s")).to_numpy()
    date = start.astype("datetime64[D]")

    def text(name):
        coded = pc.dictionary_encode(pc.fill_null(t[name], "")).combine_chunks()
        return np.array(coded.dictionary.to_pylist())[coded.indices.to_numpy()]

    return {
        "index": {s: i for i, s in enumerate(ids)},
        "sub": pc.index_in(t["msisdn"], value_set=subs["msisdn"]).to_numpy(),
        "date": date,
        "dt": np.concatenate(drop),
        "hour": ((start - date).astype(np.int64) // 3600),
        "event_type": text("event_type"),
        "direction": text("direction"),
        "other_party_type": text("other_party_type"),
        "duration_s": t["duration_s"].to_numpy(),
        "table": t,
    }


def distinct(cdr: dict, column: str, mask: np.ndarray) -> set:
    return set(cdr["table"][column].filter(pa.array(mask)).to_pylist())


# --- determinism and layout ---------------------------------------------------------------


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(small, tmp_path):
    root, summary = small
    again = tmp_path / "again"
    assert generate(again, subscribers=300, start=START, days=10, seed=42) == summary
    first, second = _files(root), _files(again)
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)
    other = tmp_path / "other"
    generate(other, subscribers=300, start=START, days=10, seed=43)
    third = _files(other)
    assert any(third.get(k) != v for k, v in first.items() if k.endswith(("csv", "csv.gz")))


def test_every_feed_has_a_drop_per_day_with_marker_and_contract_header(small):
    root, summary = small
    assert summary.days == 10
    for feed, columns in EXPECTED_COLUMNS.items():
        folders = sorted(p.name for p in (root / feed).iterdir())
        assert folders == [f"dt={d}" for d in days_of(10)], feed
        for folder in (root / feed).iterdir():
            assert (folder / "_SUCCESS").is_file() and (folder / "_SUCCESS").stat().st_size == 0
            data = folder / ("part-00000.csv.gz" if feed == "cdr" else "part-00000.csv")
            raw = gzip.decompress(data.read_bytes()) if feed == "cdr" else data.read_bytes()
            header = next(csv.reader(io.StringIO(raw.decode("utf-8").split("\n", 1)[0])))
            assert header == columns, (feed, folder.name)
    # snapshots hold the full state every day; the catalogue has prepaid and postpaid plans
    plans = read_feed(root, "plans")
    assert set(plans["segment"].to_pylist()) == {"prepaid", "postpaid"}
    subs = read_feed(root, "subscribers")
    per_day = Counter(subs["dt"].to_pylist())
    assert min(per_day.values()) >= 280


def test_csv_values_follow_the_contract_formats(small):
    root, _ = small
    tickets = read_feed(root, "tickets")
    assert all(ISO_TS.match(v) for v in tickets["opened_at"].to_pylist() if v and v[0] == "2")
    text = gzip.decompress(
        (root / "cdr" / f"dt={days_of(10)[3]}" / "part-00000.csv.gz").read_bytes()
    ).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    good = [r for r in rows if _cdr_defect(r, dt.date.fromisoformat(days_of(10)[3])) is None]
    assert len(good) > 0.98 * len(rows)
    assert {r["event_type"] for r in good} == {"voice", "sms", "data"}
    assert all(re.match(r"^\d+\.\d{4}$", r["charge"]) for r in good)
    msisdns = [r["msisdn"] for r in good if r["msisdn"]]
    assert all(re.match(r"^447\d{9}$", m) for m in msisdns)
    assert all(re.match(r"^\d{15}$", r["imei"]) for r in good if r["imei"])


# --- rates ----------------------------------------------------------------------------------


def test_churn_rate_is_realistic_and_spread_over_the_period(world):
    root, summary = world
    churn = read_feed(root, "churn_events")
    subs = read_feed(root, "subscribers")
    active_per_day = Counter(
        d for d, s in zip(subs["dt"].to_pylist(), subs["status"].to_pylist(), strict=True) if s == "active"
    )
    mean_active = sum(active_per_day.values()) / 60
    monthly = churn.num_rows / mean_active * 30 / 60
    assert 0.015 <= monthly <= 0.03
    assert summary.churners == churn.num_rows
    assert abs(summary.monthly_churn_rate - monthly) < 1e-9
    dates = np.array(churn["event_date"].to_pylist(), dtype="datetime64[D]")
    per_fortnight = np.bincount((dates - np.datetime64(START)).astype(int) // 15, minlength=4)
    assert per_fortnight.min() >= 0.4 * per_fortnight.mean()
    assert set(churn["churn_type"].to_pylist()) == {"port_out", "cancellation", "non_payment_disconnect"}
    # churned subscriptions are terminated from their churn date on
    last = subs.filter(pc.equal(pc.field("dt"), days_of(60)[-1]))
    status = dict(zip(last["subscriber_id"].to_pylist(), last["status"].to_pylist(), strict=True))
    assert all(status[s] == "terminated" for s in churn["subscriber_id"].to_pylist())


def test_fraud_rate_types_and_label_noise(world):
    root, summary = world
    cases = read_feed(root, "fraud_cases")
    subs = read_feed(root, "subscribers")
    confirmed = cases.filter(pc.equal(pc.field("disposition"), "confirmed"))
    rate = len(set(confirmed["subscriber_id"].to_pylist())) / len(set(subs["subscriber_id"].to_pylist()))
    assert 0.002 <= rate <= 0.01
    assert set(confirmed["fraud_type"].to_pylist()) >= FRAUD_TYPES
    assert "false_positive" in cases["disposition"].to_pylist()
    assert abs(summary.fraud_rate - rate) < 1e-9
    first = np.array(cases["first_seen_date"].to_pylist(), dtype="datetime64[D]")
    conf = np.array(cases["confirmed_date"].to_pylist(), dtype="datetime64[D]")
    assert (first < conf).all() and (first > np.datetime64(START) + 2).all()
    assert (np.array(cases["dt"].to_pylist(), dtype="datetime64[D]") == conf).all()


# --- signatures -------------------------------------------------------------------------------


def _fraud_windows(root: Path, ftype: str):
    cases = read_feed(root, "fraud_cases")
    for row in cases.to_pylist():
        if row["fraud_type"] == ftype and row["disposition"] == "confirmed":
            yield (
                row["subscriber_id"],
                np.datetime64(row["first_seen_date"]),
                np.datetime64(row["confirmed_date"]),
            )


def _window(cdr, sub, lo, hi):
    return (cdr["sub"] == cdr["index"][sub]) & (cdr["date"] >= lo) & (cdr["date"] < hi)


def test_simbox_and_wangiri_signatures(world, cdr):
    root, _ = world
    for sub, lo, hi in _fraud_windows(root, "simbox"):
        m = _window(cdr, sub, lo, hi)
        assert m.sum() / (hi - lo).astype(int) > 100  # very many calls a day
        assert (cdr["direction"][m] == "out").mean() > 0.9
        assert (cdr["event_type"][m] == "data").sum() == 0
        assert len(distinct(cdr, "cell_id", m)) <= 2
        assert len(distinct(cdr, "other_party", m)) > 0.8 * m.sum()  # new numbers all the time
    for sub, lo, hi in _fraud_windows(root, "wangiri"):
        m = _window(cdr, sub, lo, hi)
        assert np.median(cdr["duration_s"][m]) <= 3
        assert (cdr["other_party_type"][m] == "international").mean() > 0.6


def test_irsf_and_takeover_signatures(world, cdr):
    root, _ = world
    # IRSF comes in bursts (not every day): judged over all IRSF windows together
    m = np.zeros(len(cdr["sub"]), dtype=bool)
    for sub, lo, hi in _fraud_windows(root, "irsf"):
        m |= _window(cdr, sub, lo, hi) & (cdr["direction"] == "out") & (cdr["event_type"] == "voice")
    costly = np.isin(cdr["other_party_type"][m], ["premium", "international"])
    assert costly.mean() > 0.5
    assert (cdr["hour"][m][costly] < 6).mean() > 0.3
    assert cdr["duration_s"][m][costly].mean() > 600
    for sub, lo, hi in _fraud_windows(root, "account_takeover"):
        before = (cdr["sub"] == cdr["index"][sub]) & (cdr["date"] < lo - 7)
        during = _window(cdr, sub, lo, hi)
        assert distinct(cdr, "imei", during).isdisjoint(distinct(cdr, "imei", before))
        assert distinct(cdr, "cell_id", during).isdisjoint(distinct(cdr, "cell_id", before))
        costly = np.isin(cdr["other_party_type"][during], ["premium", "international"])
        assert costly.sum() > 10


def test_churn_drivers_show_before_churn(world, cdr):
    root, _ = world
    churn = read_feed(root, "churn_events")
    out = cdr["direction"] == "out"
    early, late = [], []
    for sub, day in zip(churn["subscriber_id"].to_pylist(), churn["event_date"].to_pylist(), strict=True):
        day = np.datetime64(day)
        if (day - np.datetime64(START)).astype(int) < 35:
            continue
        mine = out & (cdr["sub"] == cdr["index"][sub])
        assert not (mine & (cdr["date"] >= day)).any()  # no usage after churn
        cut = day - 14
        early.append((mine & (cdr["date"] < cut)).sum() / (cut - np.datetime64(START)).astype(int))
        late.append((mine & (cdr["date"] >= cut)).sum() / 14)
    assert len(early) >= 30
    assert np.mean(late) < 0.85 * np.mean(early)
    # more tickets (and cancellation requests) among churners than among the rest
    tickets = read_feed(root, "tickets")
    churners = set(churn["subscriber_id"].to_pylist())
    owner = tickets["subscriber_id"].to_pylist()
    n_subs = len(set(read_feed(root, "subscribers")["subscriber_id"].to_pylist()))
    per_churner = sum(s in churners for s in owner) / len(churners)
    per_other = sum(s not in churners for s in owner) / (n_subs - len(churners))
    assert per_churner > 1.5 * per_other
    categories = tickets["category"].to_pylist()
    cancel = [s for s, c in zip(owner, categories, strict=True) if c == "cancellation_request"]
    assert sum(s in churners for s in cancel) > 0.5 * len(cancel)


def test_late_cdrs_arrive_in_the_next_drop(world, cdr):
    _, summary = world
    lag = (cdr["dt"] - cdr["date"]).astype(int)
    assert set(np.unique(lag)) == {0, 1}
    assert 0.005 <= (lag == 1).mean() <= 0.02
    assert summary.late_cdrs == (lag == 1).sum()
    assert 10 <= len(lag) / (3000 * 60) <= 25  # events per subscriber-day


# --- contract-breaking rows ---------------------------------------------------------------------

CDR_REQUIRED = (
    "record_id",
    "msisdn",
    "event_type",
    "direction",
    "start_time",
    "duration_s",
    "roaming",
    "charge",
)
CDR_ENUMS = {
    "event_type": {"voice", "sms", "data"},
    "direction": {"out", "in"},
    "termination": {"normal", "dropped", "failed", "busy", "no_answer"},
    "other_party_type": {
        "mobile",
        "fixed",
        "premium",
        "international",
        "voicemail",
        "customer_care",
        "short_code",
    },
}


def _cdr_defect(row: dict[str, str], drop: dt.date) -> str | None:
    if any(row[c] == "" for c in CDR_REQUIRED):
        return "missing_required"
    ints = [row["duration_s"]] + [row[c] for c in ("bytes_up", "bytes_down") if row[c]]
    if (
        not all(re.fullmatch(r"\d+", v) for v in ints)
        or not re.fullmatch(r"\d+\.\d+", row["charge"])
        or not ISO_TS.match(row["start_time"])
        or row["roaming"] not in ("true", "false")
    ):
        return "wrong_type"
    if any(row[c] and row[c] not in allowed for c, allowed in CDR_ENUMS.items()):
        return "unknown_enum"
    lag = (drop - dt.date.fromisoformat(row["start_time"][:10])).days
    if lag not in (0, 1):
        return "timestamp_out_of_range"
    return None


def test_bad_rows_of_every_kind_are_counted_exactly(tmp_path):
    root = tmp_path / "landing"
    summary = generate(root, subscribers=400, start=START, days=8, seed=5, bad_row_rate=0.02)
    found: Counter[str] = Counter()
    seen: set[str] = set()
    for day in days_of(8):
        data = (root / "cdr" / f"dt={day}" / "part-00000.csv.gz").read_bytes()
        for row in csv.DictReader(io.StringIO(gzip.decompress(data).decode())):
            kind = _cdr_defect(row, dt.date.fromisoformat(day))
            if kind is None and row["record_id"] in seen:
                kind = "duplicate_key"
            seen.add(row["record_id"])
            if kind:
                found[kind] += 1
    expected = {k: v for k, v in summary.bad_rows["cdr"].items() if v}
    assert dict(found) == expected
    assert set(expected) == {
        "wrong_type",
        "missing_required",
        "unknown_enum",
        "timestamp_out_of_range",
        "duplicate_key",
    }
    # the other event feeds and the snapshots get bad rows too
    assert sum(sum(summary.bad_rows[f].values()) for f in ("invoices", "payments", "topups", "tickets")) > 0
    assert (
        sum(summary.bad_rows["subscribers"].values()) + sum(summary.bad_rows["subscriber_products"].values())
        > 0
    )
    # exactly one truncated gzip, next to an intact part of the same day
    assert len(summary.corrupt_files) == 1
    broken = root / summary.corrupt_files[0]
    assert broken.name == "part-00001.csv.gz" and broken.parent.parent.name == "cdr"
    with pytest.raises((EOFError, zlib.error, OSError)):
        gzip.decompress(broken.read_bytes())
    gzip.decompress((broken.parent / "part-00000.csv.gz").read_bytes())
    others = [p for p in root.rglob("*.gz") if p != broken]
    assert all(gzip.decompress(p.read_bytes()) for p in others)


def test_no_bad_rows_when_disabled(world):
    _, summary = world
    assert all(v == 0 for kinds in summary.bad_rows.values() for v in kinds.values())
    assert summary.corrupt_files == []


def test_arguments_are_validated(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path, subscribers=100, start=START, days=3, seed=1, cdr_format="json")
    with pytest.raises(ValueError):
        generate(tmp_path, subscribers=100, start=START, days=3, seed=1, drift={"unknown": 1})
