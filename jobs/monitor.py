"""Monitor the scores of a date: nightly health, drift against the champion's training
reference, realised performance, act alerts with a retrain request, and the HTML report.

Usage: ``telco-risk monitor --date D [--run-id R]`` or ``--from D1 --to D2`` (the whole
range in one Spark pass, dates judged in order). Per date D and model:

1. ``ops.nightly_health``: rows, unscored rows, mean score and band shares of D.
2. The model version that scored D (else the current champion) and its training
   reference (``models/monitoring/reference.py``, cached in ``ops.monitoring_reference``).
3. One aggregation bins every model feature, the score and the band of the scored
   population of D (``gold.risk_scores`` joined to ``silver.subscriber_features``); PSI,
   chi-square test, missing and zero rates against the reference.
4. The realised AUC, high-band precision and ECE of the scores of D - delay (churn
   horizon, fraud maturity), whose labels are complete on D.
5. Statuses from the ``monitoring`` thresholds -> ``gold.monitoring``; an act status on a
   column that can act -> ``ops.monitoring_alerts`` and, outside the cool-down,
   ``<lakehouse>/reports/monitoring/D/retrain_request.json`` (``models.monitoring.retrain_request``).
6. ``<lakehouse>/reports/monitoring/D/index.html``.

Every write replaces exactly the monitored dates: monitoring a date twice gives the same
tables and files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from models.monitoring import alerts as A
from models.monitoring import monitor_results as R
from models.monitoring import report
from models.monitoring.binning import Monitored, binned_counts, collect_counts
from models.monitoring.monitor_results import MonitorResult
from models.monitoring.performance import Realised
from models.monitoring.realised import label_dates, labelled_scores, metrics_from_counts, realised_counts
from models.monitoring.reference import FEATURE, ModelReference, ReferenceError, reference_for
from models.monitoring.retrain_request import clear_request, write_request
from models.risk_bands import BANDS
from telco_risk import delta_io
from telco_risk.cli_args import add_dates, config_of, dates_of, run_step
from telco_risk.config import MODELS, Config
from telco_risk.settings import FraudModelConfig
from telco_risk.spark import get_spark
from telco_risk.tables import (
    LABEL_TABLES,
    MONITORING,
    MONITORING_ALERTS,
    NIGHTLY_HEALTH,
    RISK_SCORES,
    SUBSCRIBER_FEATURES,
)

log = logging.getLogger("telco_risk.monitor")



def nightly_health(scores: DataFrame, with_versions: bool = False) -> DataFrame:
    """One row per (score_date, model): rows, unscored, mean_score, share_high/medium/low
    (and, ``with_versions``, ``model_version``: the version that scored most rows).

    Shares are over the scored rows; a model without a champion has every row unscored.
    """
    frames = []
    for model in MODELS:
        score, band = F.col(f"{model}_score"), F.col(f"{model}_band")
        scored = F.count(score)
        band_shares = [
            F.coalesce(F.sum((band == b).cast("long")) / scored, F.lit(0.0)).alias(f"share_{b}")
            for b in BANDS
        ]
        name = f"{model}_model_version"
        mode = F.mode(name) if name in scores.columns else F.lit(None).cast("string")
        version = [mode.alias("model_version")] if with_versions else []
        frames.append(
            scores.groupBy("score_date").agg(
                F.lit(model).alias("model"),
                F.count(F.lit(1)).alias("rows"),
                (F.count(F.lit(1)) - scored).alias("unscored"),
                F.avg(score).alias("mean_score"),
                *band_shares,
                *version,
            )
        )
    return frames[0].unionByName(frames[1])


def _dates_sql(days: Sequence[dt.date]) -> str:
    return delta_io.date_list_sql(days)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _plan(
    spark: SparkSession, cfg: Config, days: list[dt.date], scored: dict[tuple[dt.date, str], str | None]
) -> tuple[dict[tuple[dt.date, str], ModelReference], dict[str, str]]:
    """(date, model) -> the reference it is judged against; model -> why it is skipped."""
    from models.registry import alias_version, mlflow_client, model_settings

    uri = cfg.mlflow.tracking_uri
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists():
        # no store yet, so no champion (and reading must not create one)
        champions: dict[str, str | None] = dict.fromkeys(MODELS)
    else:
        client = mlflow_client(cfg.mlflow)
        names = {m: model_settings(cfg, m).registered_name for m in MODELS}
        champions = {m: alias_version(client, names[m], cfg.scoring.alias) for m in MODELS}
    refs: dict[tuple[str, str], ModelReference | str] = {}
    plan: dict[tuple[dt.date, str], ModelReference] = {}
    skipped: dict[str, str] = {}
    for model in MODELS:
        for day in days:
            version = scored.get((day, model)) or champions[model]
            if version is None:
                skipped[model] = f"no version under alias '{cfg.scoring.alias}' and no scores"
                continue
            key = (model, version)
            if key not in refs:
                try:
                    refs[key] = reference_for(spark, cfg, model, version)
                except ReferenceError as exc:
                    log.warning("%s", exc)
                    refs[key] = str(exc)
            found = refs[key]
            if isinstance(found, str):
                skipped[model] = found
            else:
                plan[(day, model)] = found
    return plan, {m: why for m, why in skipped.items() if not any(k[1] == m for k in plan)}


def current_frame(
    spark: SparkSession, cfg: Config, scores: DataFrame, days: list[dt.date], features: list[str]
) -> DataFrame:
    """The scored population of the dates: gold rows joined to their feature snapshot.

    A feature the table lacks is all missing (a dropped column is drift too)."""
    path = cfg.table_path(SUBSCRIBER_FEATURES)
    score_cols = [c for m in MODELS for c in (f"{m}_score", f"{m}_band")]
    base = scores.select("subscriber_id", "score_date", *score_cols)
    if not features:
        return base
    if not delta_io.table_exists(path):
        raise FileNotFoundError(
            f"no {SUBSCRIBER_FEATURES}: the monitor compares its features with the reference"
        )
    silver = delta_io.read_table(spark, path)
    present = [c for c in features if c in silver.columns]
    for c in sorted(set(features) - set(present)):
        log.warning("%s lacks feature %s: counted as missing", SUBSCRIBER_FEATURES, c)
    feats = silver.where(F.col("snapshot_date").isin(days)).select(
        "subscriber_id", F.col("snapshot_date").alias("score_date"), *present
    )
    joined = base.join(feats, ["subscriber_id", "score_date"], "left")
    for c in sorted(set(features) - set(present)):
        joined = joined.withColumn(c, F.lit(None).cast("double"))
    return joined


def _monitored(plan: dict[tuple[dt.date, str], ModelReference], days: list[dt.date]) -> list[Monitored]:
    """Every (model version, column) to bin; restricted to its dates when versions change."""
    dates_of: dict[tuple[str, str], list[dt.date]] = {}
    refs: dict[tuple[str, str], ModelReference] = {}
    for (day, model), ref in plan.items():
        dates_of.setdefault((model, ref.version), []).append(day)
        refs[(model, ref.version)] = ref
    out = []
    for key, ref in refs.items():
        applies = None if len(dates_of[key]) == len(days) else f"score_date IN ({_dates_sql(dates_of[key])})"
        out += [Monitored(ref.model, ref.version, c.bins, applies=applies) for c in ref.columns.values()]
    return out


def _delays(cfg: Config, model: str) -> tuple[int, int]:
    """(days until a score date's labels are complete, label window) of ``model``."""
    settings = cfg.models.fraud if model == "fraud" else cfg.models.churn
    if isinstance(settings, FraudModelConfig):
        return settings.maturity_days, settings.window_days
    return settings.horizon_days, settings.horizon_days


def realised_metrics(
    spark: SparkSession, cfg: Config, days: list[dt.date], models: list[str]
) -> dict[tuple[str, dt.date], Realised]:
    """(model, label date) -> realised performance, for the label dates of ``days``."""
    gold = delta_io.read_table(spark, cfg.table_path(RISK_SCORES))
    labelled = []
    for model in models:
        outcomes_path = cfg.table_path(LABEL_TABLES[model])
        if not delta_io.table_exists(outcomes_path):
            log.info("no %s yet: no realised performance of %s", LABEL_TABLES[model], model)
            continue
        outcomes = delta_io.read_table(spark, outcomes_path)
        delay, window = _delays(cfg, model)
        targets = sorted(set(label_dates(days, delay).values()))
        labelled.append((model, labelled_scores(gold, model, outcomes, targets, delay, window)))
    counts = realised_counts(labelled)
    if counts is None:
        return {}
    return metrics_from_counts(counts.collect(), cfg.models.calibration.ece_bins)


def _earlier_alerts(
    spark: SparkSession, cfg: Config, days: list[dt.date]
) -> tuple[dict[str, tuple[dt.date, str]], bool]:
    """Model -> its latest retrain request in the cool-down before ``days``; and whether the
    alerts table holds rows of ``days`` (to be replaced), from one read."""
    path = cfg.table_path(MONITORING_ALERTS)
    if not delta_io.table_exists(path):
        return {}, False
    lo = days[0] - dt.timedelta(days=cfg.monitoring.cooldown_days)
    rows = (
        delta_io.read_table(spark, path)
        .where(F.col("monitor_date").between(F.lit(lo), F.lit(days[-1])))
        .select("model", "monitor_date", "alert_id", "retrain_requested")
        .collect()
    )
    latest: dict[str, tuple[dt.date, str]] = {}
    for r in rows:
        earlier = r["monitor_date"] < days[0] and r["retrain_requested"]
        if earlier and (r["model"] not in latest or r["monitor_date"] > latest[r["model"]][0]):
            latest[r["model"]] = (r["monitor_date"], r["alert_id"])
    return latest, any(r["monitor_date"] in days for r in rows)


def _write(
    spark: SparkSession, rows: list[dict[str, Any]], schema: str, path: str, days: list[dt.date]
) -> None:
    df = spark.createDataFrame(rows, schema) if rows else spark.createDataFrame([], schema)
    delta_io.replace_where(df, path, f"monitor_date IN ({_dates_sql(days)})", ["monitor_date"])


def monitor_dates(
    spark: SparkSession,
    cfg: Config,
    days: Sequence[dt.date],
    run_id: str | None = None,
    reports: str | None = None,
) -> MonitorResult:
    """Monitor ``days`` (see the module doc); ``reports``: all | last | none (default: config)."""
    days = sorted(set(days))
    path = cfg.table_path(RISK_SCORES)
    if not delta_io.table_exists(path):
        raise FileNotFoundError(f"no {RISK_SCORES} yet: run `telco-risk score --date {days[0]}` first")
    scores = delta_io.read_table(spark, path).where(F.col("score_date").isin(days))

    # One aggregation gives the health rows and the version that scored each date.
    health = nightly_health(scores, with_versions=True).withColumn("run_id", F.lit(run_id).cast("string"))
    collected = [r.asDict() for r in health.orderBy("score_date", "model").collect()]
    scored = {(r["score_date"], r["model"]): r.pop("model_version") for r in collected}
    result = MonitorResult(health=collected)
    delta_io.replace_where(
        spark.createDataFrame(collected, health.drop("model_version").schema),
        cfg.table_path(NIGHTLY_HEALTH),
        f"score_date IN ({_dates_sql(days)})",
        ["score_date"],
    )

    plan, result.skipped = _plan(spark, cfg, days, scored)
    if not plan:
        return result
    features = sorted({c for ref in plan.values() for c, r in ref.columns.items() if r.role == FEATURE})
    monitored = _monitored(plan, days)
    current = current_frame(spark, cfg, scores, days, features)
    sizes = {(m.model, m.version, m.bins.feature): m.bins.size for m in monitored}
    counts = collect_counts(binned_counts(current, "score_date", monitored).collect(), sizes)
    models = sorted({model for _, model in plan})
    realised = realised_metrics(spark, cfg, days, models)

    rows: list[dict[str, Any]] = []
    previous, had_alerts = _earlier_alerts(spark, cfg, days)
    for day in days:
        for model in models:
            ref = plan.get((day, model))
            if ref is None:
                continue
            day_rows = R.drift_rows(day, ref, counts, cfg.monitoring)
            label_date = day - dt.timedelta(days=_delays(cfg, model)[0])
            perf = realised.get((model, label_date))
            if perf is not None and perf.rows > 0:
                day_rows.append(R.realised_row(day, ref, label_date, perf, cfg.monitoring))
            alert = A.decide_alert(
                day, model, ref.version, R.acting(day_rows), previous.get(model), cfg.monitoring.cooldown_days
            )
            if alert is not None:
                result.alerts.append(alert)
                if alert.retrain_requested:
                    previous[model] = (day, alert.alert_id)
            result.days.append(R.summary(day, ref, day_rows))
            rows += day_rows

    now = _now()
    for r in rows:
        r.update(run_id=run_id, monitored_at=now)
    _write(spark, rows, R.MONITORING_SCHEMA, cfg.table_path(MONITORING), days)
    if result.alerts or had_alerts:
        alert_rows = R.alert_rows(result.alerts, cfg.monitoring.cooldown_days, run_id, now)
        _write(spark, alert_rows, R.ALERTS_SCHEMA, cfg.table_path(MONITORING_ALERTS), days)

    for day in days:
        request = R.request_of(day, result.alerts)
        if request is None:
            clear_request(cfg.paths.lakehouse, day)
        else:
            result.requests[day] = write_request(cfg.paths.lakehouse, request)
    mode = reports or cfg.monitoring.reports
    report_days = days if mode == "all" else days[-1:] if mode == "last" else []
    if report_days:
        result.reports = write_reports(spark, cfg, report_days, rows, result)
    return result


def write_reports(
    spark: SparkSession, cfg: Config, days: list[dt.date], rows: list[dict[str, Any]], result: MonitorResult
) -> dict[dt.date, Path]:
    """One report per date of ``days``; history from ``gold.monitoring`` (already written)."""
    lo = min(days) - dt.timedelta(days=cfg.monitoring.report_history_days)
    history = [
        r.asDict()
        for r in delta_io.read_table(spark, cfg.table_path(MONITORING))
        .where(F.col("monitor_date").between(F.lit(lo), F.lit(max(days))))
        .where(F.col("role").isin("score", "band", "performance"))
        .collect()
    ]
    out = {}
    for day in days:
        window = day - dt.timedelta(days=cfg.monitoring.report_history_days)
        past = [r for r in history if window <= r["monitor_date"] <= day]
        out[day] = report.render(day, [r for r in rows if r["monitor_date"] == day], past, result, cfg)
    return out


def monitor(spark: SparkSession, cfg: Config, day: dt.date, run_id: str | None = None) -> MonitorResult:
    """The nightly step for ``day``."""
    return monitor_dates(spark, cfg, [day], run_id)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dates(parser)
    parser.add_argument("--run-id", dest="run_id", help="pipeline run id recorded with the rows")
    parser.add_argument(
        "--report",
        choices=("all", "last", "none"),
        help="which dates get an HTML report (default: monitoring.reports)",
    )


def model_line(d: R.ModelDay) -> str:
    counts = ", ".join(f"{d.counts[s]} {s}" for s in ("act", "warn", "insufficient") if d.counts.get(s))
    top = ", ".join(f"{f} {psi:.2f}" for f, psi, status in d.top[:3] if status != "ok") or "none"
    line = f"{d.day} {d.model:<6} v{d.version}: {d.status.upper()} ({counts or 'all ok'}); drifted: {top}"
    if d.realised is not None and d.realised.auc is not None:
        line += f"; realised AUC {d.realised.auc:.3f} on the scores of {d.label_date}"
    return line


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(cfg, "telco-risk-monitor")
    result = monitor_dates(spark, cfg, dates_of(args), args.run_id, args.report)
    for r in result.health:
        print(
            f"{r['score_date']} {r['model']:<6} rows {r['rows']:>8} unscored {r['unscored']:>8}"
            f" high {r['share_high']:.2%} medium {r['share_medium']:.2%} low {r['share_low']:.2%}"
        )
    for model, why in result.skipped.items():
        print(f"{model}: not monitored ({why})")
    for d in result.days:
        print(model_line(d))
    for a in result.alerts:
        verdict = "retrain requested" if a.retrain_requested else f"held by the cool-down ({a.suppressed_by})"
        print(f"ALERT {a.alert_id}: {verdict}; {'; '.join(a.reasons[:3])}")
    for day, path in sorted(result.requests.items()):
        print(f"{day}: retrain request {path}")
    for day, path in sorted(result.reports.items()):
        print(f"{day}: report {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk monitor")


if __name__ == "__main__":
    raise SystemExit(main())
