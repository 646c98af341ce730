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
   ``<lakehouse>/reports/monitoring/D/retrain_request.json`` (``telco_risk.retrain_request``).
6. ``<lakehouse>/reports/monitoring/D/index.html``.

Every write replaces exactly the monitored dates: monitoring a date twice gives the same
tables and files.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from models.bundle import ScoringBundle
from models.monitoring import alerts as A
from models.monitoring.binning import Monitored, binned_counts, collect_counts
from models.monitoring.drift import compare, shares
from models.monitoring.performance import Realised
from models.monitoring.realised import label_dates, labelled_scores, metrics_from_counts, realised_counts
from models.monitoring.reference import (
    FEATURE,
    REFERENCE_TABLE,
    ModelReference,
    ReferenceError,
    TrainingSetRef,
    compute_reference,
    read_cached,
    write_cached,
)
from telco_risk import delta_io
from telco_risk.config import Config, FraudModelConfig
from telco_risk.retrain_request import RetrainRequest, clear_request, write_request

log = logging.getLogger("telco_risk.monitor")

HEALTH_TABLE = "ops.nightly_health"
SCORES_TABLE = "gold.risk_scores"
FEATURES_TABLE = "silver.subscriber_features"
MONITORING_TABLE = "gold.monitoring"
ALERTS_TABLE = "ops.monitoring_alerts"
LABEL_TABLES = {"churn": "bronze.churn_events", "fraud": "bronze.fraud_cases"}
MODELS = ("churn", "fraud")
BANDS = ("high", "medium", "low")
PERFORMANCE = "performance"
REALISED_FEATURE = "realised"

MONITORING_SCHEMA = (
    "monitor_date date, model string, feature string, role string, model_version string,"
    " training_set_id string, status string, can_act boolean, reasons string, rows long,"
    " psi double, chi2 double, dof int, p_value double,"
    " reference_missing_rate double, missing_rate double, reference_zero_rate double, zero_rate double,"
    " importance_rank int, bins array<string>, reference_share array<double>, current_share array<double>,"
    " label_date date, positives long, realised_auc double, precision_high double, high_rows long,"
    " ece double, run_id string, monitored_at timestamp"
)
ALERTS_SCHEMA = (
    "monitor_date date, model string, model_version string, alert_id string, level string,"
    " features array<string>, reasons array<string>, retrain_requested boolean,"
    " suppressed_by string, cooldown_days int, run_id string, created_at timestamp"
)
SEVERITY: dict[str, int] = {A.ACT: 3, A.WARN: 2, A.INSUFFICIENT: 1, A.OK: 0}


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


@dataclass(frozen=True)
class ModelDay:
    """What the monitor concluded for one model on one date (the CLI prints these)."""

    day: dt.date
    model: str
    version: str
    rows: int
    status: str
    counts: dict[str, int]  # status -> columns
    top: list[tuple[str, float, str]]  # (feature, psi, status), largest PSI first
    realised: Realised | None = None
    label_date: dt.date | None = None


@dataclass
class MonitorResult:
    health: list[dict[str, Any]]
    days: list[ModelDay] = field(default_factory=list)
    alerts: list[A.Alert] = field(default_factory=list)
    requests: dict[dt.date, Path] = field(default_factory=dict)
    reports: dict[dt.date, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # model -> why it was not monitored


def _dates_sql(days: Sequence[dt.date]) -> str:
    return delta_io.date_list_sql(days)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def training_set_of(cfg: Config, bundle: ScoringBundle) -> TrainingSetRef:
    """The training set a registered version was trained on, from its tags (else its run's,
    else the bundle metadata); its Delta version as pinned by the tags."""
    from models.registry import mlflow_client, model_settings
    from models.training_data import training_table

    client = mlflow_client(cfg.mlflow)
    tags = dict(
        client.get_model_version(model_settings(cfg, bundle.model).registered_name, str(bundle.version)).tags
    )
    run_tags = dict(client.get_run(bundle.run_id).data.tags) if bundle.run_id else {}
    table = training_table(bundle.model)
    set_id = (
        tags.get("training_set_id")
        or run_tags.get("training_set_id")
        or bundle.metadata.get("training_set_id")
    )
    if not set_id:
        raise ReferenceError(
            f"{bundle.registered_name} v{bundle.version} names no training set (tag training_set_id):"
            " no drift reference"
        )
    pinned = tags.get(f"data.{table}.version") or run_tags.get(f"data.{table}.version")
    path = run_tags.get("training_set_path") or cfg.table_path(table)
    return TrainingSetRef(str(set_id), path, int(pinned) if pinned is not None else None)


def reference_for(spark: SparkSession, cfg: Config, model: str, version: str) -> ModelReference:
    """The cached reference of ``model`` version ``version``; computed from the version's
    training set (loading its bundle from MLflow) and cached on first use."""
    from models.registry import load_version

    path = cfg.table_path(REFERENCE_TABLE)
    cached = read_cached(spark, path, model, version)
    if cached is not None:
        return cached
    bundle = load_version(model, version, cfg)
    ref = compute_reference(spark, bundle, training_set_of(cfg, bundle), cfg.monitoring)
    write_cached(spark, path, ref, cfg.monitoring)
    log.info("%s v%s: training reference from %s cached in %s", model, version, ref.training_set_id, path)
    return ref


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
    path = cfg.table_path(FEATURES_TABLE)
    score_cols = [c for m in MODELS for c in (f"{m}_score", f"{m}_band")]
    base = scores.select("subscriber_id", "score_date", *score_cols)
    if not features:
        return base
    if not delta_io.table_exists(path):
        raise FileNotFoundError(f"no {FEATURES_TABLE}: the monitor compares its features with the reference")
    silver = delta_io.read_table(spark, path)
    present = [c for c in features if c in silver.columns]
    for c in sorted(set(features) - set(present)):
        log.warning("%s lacks feature %s: counted as missing", FEATURES_TABLE, c)
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


def _drift_rows(
    day: dt.date,
    ref: ModelReference,
    counts: dict[tuple[Any, str, str, str], Any],
    cfg: Config,
) -> list[dict[str, Any]]:
    important = ref.important(cfg.monitoring.important_top_k, cfg.monitoring.important_features)
    rows = []
    for name, c in ref.columns.items():
        found = counts.get((day, ref.model, ref.version, name))
        current = found.rows if found is not None else np.zeros_like(c.counts)
        zeros = found.zeros if found is not None else 0
        numeric = c.bins.kind == "numeric"
        drift = compare(c.counts, current, c.zeros if numeric else None, zeros if numeric else None)
        verdict = A.judge_drift(name, c.role, drift, cfg.monitoring)
        rows.append(
            {
                "monitor_date": day,
                "model": ref.model,
                "feature": name,
                "role": c.role,
                "model_version": ref.version,
                "training_set_id": ref.training_set_id,
                "status": verdict.status,
                "can_act": A.can_act(c.role, name, important, cfg.monitoring),
                "reasons": "; ".join(verdict.reasons),
                "rows": drift.rows,
                "psi": drift.psi,
                "chi2": drift.chi2,
                "dof": drift.dof,
                "p_value": drift.p_value,
                "reference_missing_rate": drift.reference_missing_rate,
                "missing_rate": drift.missing_rate,
                "reference_zero_rate": drift.reference_zero_rate,
                "zero_rate": drift.zero_rate,
                "importance_rank": c.importance_rank,
                "bins": c.bins.labels(),
                "reference_share": [float(v) for v in shares(c.counts)],
                "current_share": [float(v) for v in shares(current)],
            }
        )
    return rows


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
    gold = delta_io.read_table(spark, cfg.table_path(SCORES_TABLE))
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


def _realised_row(
    day: dt.date, ref: ModelReference, label_date: dt.date, perf: Realised, cfg: Config
) -> dict[str, Any]:
    verdict = A.judge_realised(ref.model, label_date, perf, cfg.monitoring)
    return {
        "monitor_date": day,
        "model": ref.model,
        "feature": REALISED_FEATURE,
        "role": PERFORMANCE,
        "model_version": ref.version,
        "training_set_id": ref.training_set_id,
        "status": verdict.status,
        "can_act": True,
        "reasons": "; ".join(verdict.reasons),
        "rows": perf.rows,
        "label_date": label_date,
        "positives": perf.positives,
        "realised_auc": perf.auc,
        "precision_high": perf.precision_high,
        "high_rows": perf.high_rows,
        "ece": perf.ece,
    }


def _earlier_alerts(
    spark: SparkSession, cfg: Config, days: list[dt.date]
) -> tuple[dict[str, tuple[dt.date, str]], bool]:
    """Model -> its latest retrain request in the cool-down before ``days``; and whether the
    alerts table holds rows of ``days`` (to be replaced), from one read."""
    path = cfg.table_path(ALERTS_TABLE)
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


def _acting(rows: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """(feature, reasons) of the act rows that can act, the largest PSI first."""
    hits = [r for r in rows if r["status"] == A.ACT and r["can_act"]]
    hits.sort(key=lambda r: (r["role"] != PERFORMANCE, -(r.get("psi") or 0.0), r["feature"]))
    return [(r["feature"], tuple(r["reasons"].split("; "))) for r in hits]


def request_of(day: dt.date, alerts: list[A.Alert]) -> RetrainRequest | None:
    """The retrain request of ``day``: every model whose alert requested one."""
    asking = [a for a in alerts if a.monitor_date == day and a.retrain_requested]
    if not asking:
        return None
    return RetrainRequest(
        day=day,
        models=tuple(a.model for a in asking),
        as_of=day,
        reasons=tuple(f"{a.model}: {r}" for a in asking for r in a.reasons[:10]),
        alert_id="+".join(a.alert_id for a in asking),
    )


def _alert_rows(alerts: list[A.Alert], cfg: Config, run_id: str | None) -> list[dict[str, Any]]:
    now = _now()
    return [
        {
            "monitor_date": a.monitor_date,
            "model": a.model,
            "model_version": a.model_version,
            "alert_id": a.alert_id,
            "level": A.ACT,
            "features": list(a.features),
            "reasons": list(a.reasons),
            "retrain_requested": a.retrain_requested,
            "suppressed_by": a.suppressed_by,
            "cooldown_days": cfg.monitoring.cooldown_days,
            "run_id": run_id,
            "created_at": now,
        }
        for a in alerts
    ]


def effective_status(row: dict[str, Any]) -> str:
    """A row's status, an act on a column that cannot act counting as warn."""
    return A.WARN if row["status"] == A.ACT and not row["can_act"] else str(row["status"])


def _summary(day: dt.date, ref: ModelReference, rows: list[dict[str, Any]]) -> ModelDay:
    drift = [r for r in rows if r["role"] != PERFORMANCE]
    counts: dict[str, int] = {}
    for r in rows:
        counts[effective_status(r)] = counts.get(effective_status(r), 0) + 1
    worst = max((effective_status(r) for r in rows), key=SEVERITY.__getitem__, default=A.OK)
    top = sorted(((r["feature"], r["psi"], r["status"]) for r in drift), key=lambda t: -t[1])[:5]
    perf = next((r for r in rows if r["role"] == PERFORMANCE), None)
    realised = None
    if perf is not None:
        realised = Realised(
            perf["rows"],
            perf["positives"],
            perf["realised_auc"],
            perf["high_rows"],
            perf["precision_high"],
            perf["ece"],
        )
    return ModelDay(
        day,
        ref.model,
        ref.version,
        max((r["rows"] for r in drift if r["role"] == "score"), default=0),
        worst,
        counts,
        top,
        realised,
        perf["label_date"] if perf else None,
    )


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
    path = cfg.table_path(SCORES_TABLE)
    if not delta_io.table_exists(path):
        raise FileNotFoundError(f"no {SCORES_TABLE} yet: run `telco-risk score --date {days[0]}` first")
    scores = delta_io.read_table(spark, path).where(F.col("score_date").isin(days))

    # One aggregation gives the health rows and the version that scored each date.
    health = nightly_health(scores, with_versions=True).withColumn("run_id", F.lit(run_id).cast("string"))
    collected = [r.asDict() for r in health.orderBy("score_date", "model").collect()]
    scored = {(r["score_date"], r["model"]): r.pop("model_version") for r in collected}
    result = MonitorResult(health=collected)
    delta_io.replace_where(
        spark.createDataFrame(collected, health.drop("model_version").schema),
        cfg.table_path(HEALTH_TABLE),
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
            day_rows = _drift_rows(day, ref, counts, cfg)
            label_date = day - dt.timedelta(days=_delays(cfg, model)[0])
            perf = realised.get((model, label_date))
            if perf is not None and perf.rows > 0:
                day_rows.append(_realised_row(day, ref, label_date, perf, cfg))
            alert = A.decide_alert(
                day, model, ref.version, _acting(day_rows), previous.get(model), cfg.monitoring.cooldown_days
            )
            if alert is not None:
                result.alerts.append(alert)
                if alert.retrain_requested:
                    previous[model] = (day, alert.alert_id)
            result.days.append(_summary(day, ref, day_rows))
            rows += day_rows

    now = _now()
    for r in rows:
        r.update(run_id=run_id, monitored_at=now)
    _write(spark, rows, MONITORING_SCHEMA, cfg.table_path(MONITORING_TABLE), days)
    if result.alerts or had_alerts:
        alert_rows = _alert_rows(result.alerts, cfg, run_id)
        _write(spark, alert_rows, ALERTS_SCHEMA, cfg.table_path(ALERTS_TABLE), days)

    for day in days:
        request = request_of(day, result.alerts)
        if request is None:
            clear_request(cfg.paths.lakehouse, day)
        else:
            result.requests[day] = write_request(cfg.paths.lakehouse, request)
    mode = reports or cfg.monitoring.reports
    report_days = days if mode == "all" else days[-1:] if mode == "last" else []
    if report_days:
        from models.monitoring.report import write_reports

        result.reports = write_reports(spark, cfg, report_days, rows, result)
    return result


def monitor(spark: SparkSession, cfg: Config, day: dt.date, run_id: str | None = None) -> MonitorResult:
    """The nightly step for ``day``."""
    return monitor_dates(spark, cfg, [day], run_id)


def main(argv: list[str] | None = None) -> int:
    from telco_risk.cli import main as cli_main

    return cli_main(["monitor", *(argv or [])])


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
