"""The generator's regional-outage drift: dropped calls and usage change in the region from
its start day only, the days before are byte-identical to a stationary world."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from devtools.synth import generate

START = dt.date(2026, 1, 1)
OUTAGE = {
    "start_day": 3,
    "outage_region": "London",
    "outage_dropped_call_scale": 10,
    "outage_usage_scale": 0.5,
}


def world(root: Path, drift: dict | None) -> Path:
    generate(
        root,
        subscribers=400,
        start=START,
        days=6,
        seed=5,
        bad_row_rate=0.0,
        corrupt_files=False,
        cdr_format="parquet",
        drift=drift,
    )
    return root


def voice(root: Path, day: int, london: bool) -> tuple[int, int]:
    """(connected voice calls, dropped ones) on London cells (or elsewhere) in the drop of
    ``day``; wangiri's one-ring calls (unanswered or 1-3 s) are left out."""
    table = pq.read_table(root / "cdr" / f"dt={START + dt.timedelta(days=day)}")
    on_london = pc.starts_with(table["cell_id"], "LDN-")
    table = table.filter(
        pc.and_(pc.equal(table["event_type"], "voice"), on_london if london else pc.invert(on_london))
    )
    dropped = pc.equal(table["termination"], "dropped")
    connected = pc.or_(
        dropped, pc.and_(pc.equal(table["termination"], "normal"), pc.greater(table["duration_s"], 5))
    )
    return pc.sum(connected.cast("int64")).as_py() or 0, pc.sum(dropped.cast("int64")).as_py() or 0


def test_outage_in_one_region_from_its_start_day(tmp_path):
    base, hit = world(tmp_path / "base", None), world(tmp_path / "outage", OUTAGE)
    for day in range(3):  # before the outage: the very same files
        folder = f"cdr/dt={START + dt.timedelta(days=day)}"
        assert (base / folder / "part-00000.parquet").read_bytes() == (
            hit / folder / "part-00000.parquet"
        ).read_bytes()

    def totals(root: Path, days: range, london: bool = True) -> tuple[int, int]:
        counted = [voice(root, d, london) for d in days]
        return sum(c for c, _ in counted), sum(x for _, x in counted)

    before, after = totals(hit, range(3)), totals(hit, range(3, 6))
    # London's dropped-call share goes up about sevenfold (about 2% -> 15%; x10 per cell,
    # diluted by the late CDRs and the other regions' subscribers passing through)
    assert after[1] / after[0] > 5 * before[1] / before[0]
    # and its subscribers use the network about half as much
    assert after[0] < 0.7 * totals(base, range(3, 6))[0]
    # elsewhere the dropped-call share stays put
    hit_elsewhere, base_elsewhere = totals(hit, range(3, 6), False), totals(base, range(3, 6), False)
    assert hit_elsewhere[1] / hit_elsewhere[0] < 1.5 * base_elsewhere[1] / base_elsewhere[0]


def test_unknown_outage_region_is_refused(tmp_path):
    with pytest.raises(ValueError, match="outage_region must be one of"):
        generate(tmp_path, subscribers=100, start=START, days=2, seed=1, drift={"outage_region": "Atlantis"})
