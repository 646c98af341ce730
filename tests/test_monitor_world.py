"""Monitoring a generated world end to end: 1200 subscribers over 41 daily snapshots, a
churn champion trained by the real training job on days 0, 3 and 6, scored every day,
and a network outage (dropped calls x30, usage halved in London and the South East) from
day 38. The 30 days 7..36 before it must raise nothing; the outage must raise an act
alert on the dropped-call features within two days and request one retrain, the next
drifted day none (cool-down); monitoring a date again changes nothing; the report opens
in a headless browser with its plots.

One world for the module (about a minute to build: write, train, score).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.monitor import monitor, monitor_dates
from models.monitoring.retrain_request import read_request, request_path
from telco_risk import delta_io
from telco_risk.tables import MONITORING, MONITORING_ALERTS, MONITORING_REFERENCE
from tests.monitor_pipeline import (
    score_range,
    train_champion,
    world_config,
    world_environ,
    world_overrides,
    write_world,
)
from tests.monitor_world import Outage, feature_columns, generate_world

START = dt.date(2026, 1, 1)
DAYS = 41
OUTAGE = 38  # day index of the first outage day


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


# Features the outage moves (dropped calls, the usage it cuts, the churn it causes).
OUTAGE_FEATURES = {
    *(
        f"{m}_{w}d"
        for m in ("dropped_call_rate", "voice_out_calls", "voice_minutes", "data_mb", "charge")
        for w in (3, 7, 14)
    ),
    "events_trend_3v4",
    "active_days_7d",
    "tickets_network_14d",
    "churn_score",
}
STEADY_FEATURES = {"tenure_days", "days_to_contract_end", "plan_monthly_fee", "segment", "plan_id", "region"}
MONITORING_SETTINGS = [
    "monitoring.important_top_k=8",
    # the champion's out-of-sample AUC here is about 0.65-0.75 (54 training positives)
    "monitoring.realised.auc_floor.churn.warn=0.6",
    "monitoring.realised.auc_floor.churn.act=0.55",
]


@pytest.fixture(scope="module")
def world(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor-world")
    cfg = world_config(root, MONITORING_SETTINGS)
    generated = generate_world(
        START, DAYS, 1200, seed=7, outage=Outage(("London", "South East"), day(OUTAGE))
    )
    write_world(spark, cfg, generated)
    bundle = train_champion(spark, cfg, as_of=day(20))  # snapshots 0, 3, 6 (horizon 14)
    score_range(spark, cfg, bundle, day(0), day(DAYS - 1))
    return cfg


def rows_of(spark, cfg, table: str, first: dt.date, last: dt.date) -> list[dict]:
    path = cfg.table_path(table)
    if not delta_io.table_exists(path):
        return []
    df = delta_io.read_table(spark, path).where(F.col("monitor_date").between(F.lit(first), F.lit(last)))
    return [r.asDict() for r in df.collect()]


def test_no_alert_over_30_undrifted_days(spark, world):
    days = [day(i) for i in range(7, 37)]
    result = monitor_dates(spark, world, days, run_id="backfill", reports="last")
    assert result.alerts == [] and result.requests == {}
    assert not any(request_path(world.paths.lakehouse, d).exists() for d in days)
    assert result.skipped == {"fraud": "no version under alias 'champion' and no scores"}
    rows = rows_of(spark, world, MONITORING, days[0], days[-1])
    per_day = len(feature_columns()) + 2  # features, score, band
    # a realised-performance row once the 14-day labels of a score date are in (day 14 on)
    assert len(rows) == 30 * per_day + 23
    assert {r["status"] for r in rows} <= {"ok", "warn"}
    drift = [r for r in rows if r["role"] != "performance"]
    assert max(r["psi"] for r in drift) < 0.1
    realised = [r for r in rows if r["role"] == "performance"]
    assert min(r["realised_auc"] for r in realised) > 0.55
    assert all(r["positives"] >= 20 for r in realised)
    # the reference was computed once and cached for the champion's version
    reference = delta_io.read_table(spark, world.table_path(MONITORING_REFERENCE)).collect()
    assert {(r.model, r.model_version) for r in reference} == {("churn", "1")}
    assert len(reference) == per_day
    assert set(result.reports) == {days[-1]}


@pytest.fixture(scope="module")
def outage_run(spark, world):
    """The day before the outage and its first three days, monitored as one range."""
    return monitor_dates(spark, world, [day(i) for i in range(OUTAGE - 1, OUTAGE + 3)], run_id="outage")


def test_outage_alerts_on_the_right_features_within_two_days_and_requests_one_retrain(
    spark, world, outage_run
):
    alerts = {a.monitor_date: a for a in outage_run.alerts}
    assert day(OUTAGE - 1) not in alerts
    first = min(alerts)
    assert first <= day(OUTAGE + 1)  # within two days of the outage
    alert = alerts[first]
    assert alert.retrain_requested and alert.model == "churn"
    assert set(alert.features) <= OUTAGE_FEATURES
    assert {"dropped_call_rate_3d", "dropped_call_rate_7d"} & set(alert.features)
    assert not STEADY_FEATURES & {f for a in alerts.values() for f in a.features}
    # the drift goes on, but the cool-down (7 days) holds any further request
    later = [a for d, a in alerts.items() if d > first]
    assert later and all(not a.retrain_requested and a.suppressed_by == alert.alert_id for a in later)
    assert set(outage_run.requests) == {first}
    requested = [
        d for d in (day(i) for i in range(OUTAGE - 1, OUTAGE + 3)) if read_request(world.paths.lakehouse, d)
    ]
    assert requested == [first]
    request = read_request(world.paths.lakehouse, first)
    assert request is not None
    assert (request.models, request.as_of, request.alert_id) == (("churn",), first, alert.alert_id)
    assert any("dropped_call_rate" in r for r in request.reasons)
    table = rows_of(spark, world, MONITORING_ALERTS, day(OUTAGE - 1), day(OUTAGE + 2))
    assert sorted((r["monitor_date"], r["retrain_requested"]) for r in table) == sorted(
        (a.monitor_date, a.retrain_requested) for a in alerts.values()
    )


def test_monitoring_a_date_again_changes_nothing(spark, world, outage_run, capsys, monkeypatch):
    from jobs.cli import main

    first = min(a.monitor_date for a in outage_run.alerts)
    before = rows_of(spark, world, MONITORING, first, first)
    request = read_request(world.paths.lakehouse, first)
    # the nightly step of the request date again, through the command line
    root = Path(world.paths.lakehouse).parent
    for name, value in world_environ(root).items():
        monkeypatch.setenv(name, value)
    overrides = [f"--conf={o}" for o in world_overrides(root, MONITORING_SETTINGS)]
    assert main(["monitor", "--env", "test", "--date", str(first), "--run-id", "again", *overrides]) == 0
    printed = capsys.readouterr().out
    assert f"{first}: report {outage_run.reports[first]}" in printed
    assert f"ALERT monitor-churn-{first:%Y%m%d}: retrain requested" in printed
    after = rows_of(spark, world, MONITORING, first, first)
    assert len(after) == len(before)
    key = lambda r: (r["feature"], r["status"], round(r["psi"] or 0.0, 9), r["run_id"])  # noqa: E731
    assert sorted(map(key, after)) == sorted(key(r | {"run_id": "again"}) for r in before)
    assert read_request(world.paths.lakehouse, first) == request
    # the next drifted day monitored alone: the cool-down is read from the alerts table
    nxt = first + dt.timedelta(days=1)
    alone = monitor(spark, world, nxt, run_id="nightly")
    assert [a.retrain_requested for a in alone.alerts] == [False]
    assert read_request(world.paths.lakehouse, nxt) is None
    assert len(rows_of(spark, world, MONITORING_ALERTS, day(OUTAGE - 1), day(OUTAGE + 2))) == len(
        outage_run.alerts
    )


def test_the_report_opens_in_a_browser_and_shows_its_plots(world, outage_run, tmp_path):
    from tests.browser import chromium_or_skip, coloured_share, is_blank, loaded_images, screenshot

    chromium_or_skip()
    first = min(a.monitor_date for a in outage_run.alerts)
    page = outage_run.reports[first]
    text = page.read_text(encoding="utf-8")
    assert "dropped_call_rate" in text and "retrain_request.json" in text
    images = loaded_images(page)
    assert {i.src for i in images} == {"churn_drift.png", "churn_scores.png", "churn_performance.png"}
    assert all(i.loaded and i.width > 300 for i in images), images
    for i in images:
        assert not is_blank(page.parent / i.src)
    png = screenshot(page, tmp_path / "report.png", height=2400)
    assert not is_blank(png)
    assert coloured_share(png) > 0.01  # the bars and lines of the plots, not just text
