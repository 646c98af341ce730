"""Rows of the monitoring tables and what a date concluded: pure, no Spark.

``drift_rows`` / ``realised_row``: ``gold.monitoring`` rows (``MONITORING_SCHEMA``) of one
model on one date from its reference, the day's counts and the thresholds; ``acting``:
the columns whose act status can raise an alert; ``alert_rows``: ``ops.monitoring_alerts``
rows (``ALERTS_SCHEMA``); ``request_of``: the retrain request of a date; ``summary``: the
``ModelDay`` the command prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.monitoring import alerts as A
from models.monitoring.binning import Counts
from models.monitoring.drift import compare, shares
from models.monitoring.performance import Realised
from models.monitoring.reference import ModelReference
from models.monitoring.retrain_request import RetrainRequest
from telco_risk.quality_settings import MonitoringConfig

PERFORMANCE = "performance"
REALISED_FEATURE = "realised"
Row = dict[str, Any]

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


def drift_rows(
    day: dt.date, ref: ModelReference, counts: dict[tuple[Any, str, str, str], Counts], cfg: MonitoringConfig
) -> list[Row]:
    """One row per reference column: ``counts`` are ``binning.collect_counts`` of the day
    (keyed by date, model, version, feature); a column without counts had no rows."""
    important = ref.important(cfg.important_top_k, cfg.important_features)
    rows = []
    for name, c in ref.columns.items():
        found = counts.get((day, ref.model, ref.version, name))
        current = found.rows if found is not None else np.zeros_like(c.counts)
        zeros = found.zeros if found is not None else 0
        numeric = c.bins.kind == "numeric"
        drift = compare(c.counts, current, c.zeros if numeric else None, zeros if numeric else None)
        verdict = A.judge_drift(name, c.role, drift, cfg)
        rows.append(
            {
                "monitor_date": day,
                "model": ref.model,
                "feature": name,
                "role": c.role,
                "model_version": ref.version,
                "training_set_id": ref.training_set_id,
                "status": verdict.status,
                "can_act": A.can_act(c.role, name, important, cfg),
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


def realised_row(
    day: dt.date, ref: ModelReference, label_date: dt.date, perf: Realised, cfg: MonitoringConfig
) -> Row:
    """The realised-performance row of ``ref``'s model on ``day`` (scores of ``label_date``)."""
    verdict = A.judge_realised(ref.model, label_date, perf, cfg)
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


def acting(rows: list[Row]) -> list[tuple[str, tuple[str, ...]]]:
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


def alert_rows(alerts: list[A.Alert], cooldown_days: int, run_id: str | None, now: dt.datetime) -> list[Row]:
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
            "cooldown_days": cooldown_days,
            "run_id": run_id,
            "created_at": now,
        }
        for a in alerts
    ]


def effective_status(row: Row) -> str:
    """A row's status, an act on a column that cannot act counting as warn."""
    return A.WARN if row["status"] == A.ACT and not row["can_act"] else str(row["status"])


def summary(day: dt.date, ref: ModelReference, rows: list[Row]) -> ModelDay:
    """The day's conclusion for one model from its rows."""
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


@dataclass
class MonitorResult:
    health: list[dict[str, Any]]
    days: list[ModelDay] = field(default_factory=list)
    alerts: list[A.Alert] = field(default_factory=list)
    requests: dict[dt.date, Path] = field(default_factory=dict)
    reports: dict[dt.date, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # model -> why it was not monitored
