"""A clean generated day passes the gate with the default thresholds: a generated world
(bad rows, late CDRs and a truncated file included), ingested and backfilled for six days,
so that the volume and distribution checks have their history."""

from __future__ import annotations

import datetime as dt

from devtools.synth import generate

from expectations.nightly_gate import run_gate
from jobs.build_features import run as build_features
from jobs.ingest import ingest

START = dt.date(2026, 1, 1)
DAYS = 6


def test_a_clean_generated_day_passes_the_gate(spark, cfg, workdir, dev_key_env):
    generate(workdir / "landing", subscribers=300, start=START, days=DAYS, seed=11)
    dates = [START + dt.timedelta(days=i) for i in range(DAYS)]
    ingest(spark, cfg, dates)
    build_features(spark, cfg, dates)
    gate = run_gate(spark, cfg, dates[-1])
    assert gate.passed, gate.summary
    checked = {(r.table, r.check) for r in gate.results}
    assert {("bronze.cdr", "volume"), ("silver.cdr_daily", "volume")} <= checked  # history in play
