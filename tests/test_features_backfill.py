"""A backfill (``features --from --to``) gives the tables that nightly runs of the same
dates give after the same drops were ingested, whatever its block size; ``--snapshot-every``
and ``--snapshot-dates`` only thin the snapshots."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from features.build_plan import blocks, snapshot_days
from jobs.build_features import run
from telco_risk.config import load_config
from telco_risk.tables import CDR_DAILY, CDR_SEEN_DAILY, SUBSCRIBER_FEATURES
from tests.test_features_job import D1, D2, D3, drop_d3, drops_d1_d2, table_rows


def _lakehouse(spark, root, name: str, overrides: tuple[str, ...] = ()):
    cfg = load_config(
        "test",
        overrides,
        environ={
            "TELCO_RISK_LAKEHOUSE": str(root / name / "lakehouse"),
            "TELCO_RISK_LANDING": str(root / name / "landing"),
        },
    )
    drops_d1_d2(spark, cfg)
    drop_d3(spark, cfg)
    return cfg


def _tables(spark, cfg) -> dict[str, list[dict[str, Any]]]:
    return {t: table_rows(spark, cfg, t) for t in (CDR_DAILY, CDR_SEEN_DAILY, SUBSCRIBER_FEATURES)}


@pytest.fixture(scope="module")
def built(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("backfill")
    nightly = _lakehouse(spark, root, "nightly")
    for day in (D1, D2, D3):
        run(spark, nightly, [day])
    whole = _lakehouse(spark, root, "backfill")
    whole_results = run(spark, whole, [D1, D2, D3])
    sparse = _lakehouse(spark, root, "sparse")
    sparse_results = run(spark, sparse, [D1, D2, D3], snapshot_every=2)
    # CDR days in blocks of two ([D1, D2], [D3]: D3's pass reads D1-D2's seen parties back),
    # snapshots on D2 and the last day only.
    blocked = _lakehouse(spark, root, "blocked", ("features.backfill_block_days=2",))
    blocked_results = run(spark, blocked, [D1, D2, D3], snapshot_on=[D2])
    return {
        "nightly": _tables(spark, nightly),
        "backfill": _tables(spark, whole),
        "sparse": _tables(spark, sparse),
        "blocked": _tables(spark, blocked),
        "blocked_results": blocked_results,
        "whole_results": whole_results,
        "sparse_results": sparse_results,
    }


def test_backfill_equals_nightly_runs(built):
    assert built["backfill"] == built["nightly"]
    assert [r.as_of for r in built["whole_results"]] == [D1, D2, D3]
    # the state at D1 settles nothing yet (no usage before D1): D2 starts from scratch too
    assert [r.window_mode for r in built["whole_results"]] == ["from_scratch", "from_scratch", "rolled"]
    # the late CDR a5 (D2, delivered in drop D3) is in D2's day and so in the D2 snapshot
    s1_d2 = next(r for r in built["backfill"][CDR_DAILY] if r["event_date"] == D2)
    assert s1_d2["events"] == 3


def test_snapshot_every_keeps_the_last_date_and_thins_the_rest(built):
    sparse, nightly = built["sparse"], built["nightly"]
    assert sparse[CDR_DAILY] == nightly[CDR_DAILY]
    assert sorted({r["snapshot_date"] for r in sparse[SUBSCRIBER_FEATURES]}) == [D1, D3]
    assert sparse[SUBSCRIBER_FEATURES] == [
        r for r in nightly[SUBSCRIBER_FEATURES] if r["snapshot_date"] != D2
    ]
    assert [r.window_mode for r in built["sparse_results"]] == ["from_scratch", "from_scratch"]


def test_blocks_of_days_and_snapshot_dates_give_the_nightly_tables(built):
    blocked, nightly = built["blocked"], built["nightly"]
    assert blocked[CDR_DAILY] == nightly[CDR_DAILY]
    assert blocked[CDR_SEEN_DAILY] == nightly[CDR_SEEN_DAILY]
    assert blocked[SUBSCRIBER_FEATURES] == [
        r for r in nightly[SUBSCRIBER_FEATURES] if r["snapshot_date"] != D1
    ]
    assert [r.as_of for r in built["blocked_results"]] == [D2, D3]


def test_snapshot_days_and_blocks():
    days = [dt.date(2026, 1, d) for d in range(1, 11)]
    assert snapshot_days(days, 1) == days
    assert snapshot_days(days, 7) == [dt.date(2026, 1, 3), dt.date(2026, 1, 10)]
    assert snapshot_days(days, 30) == [dt.date(2026, 1, 10)]
    assert [len(b) for b in blocks(days, 4)] == [4, 4, 2]
    on = [dt.date(2026, 1, 4), dt.date(2026, 1, 2)]
    assert snapshot_days(days, 1, on) == [dt.date(2026, 1, 2), dt.date(2026, 1, 4), dt.date(2026, 1, 10)]
    with pytest.raises(ValueError, match="2026-01-11 outside the range 2026-01-01..2026-01-10"):
        snapshot_days(days, 1, [dt.date(2026, 1, 11)])
    with pytest.raises(ValueError, match="at least 1"):
        snapshot_days(days, 0)
