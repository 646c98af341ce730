"""Thresholds -> a status per monitored column, act alerts and the retrain cool-down. Pure.

Status of a column (``monitoring`` config, each with a ``warn`` and an ``act`` level):

- PSI at or above the level, and the chi-square test on the same bins below the level's
  p-value (a shift that is both material and not sampling noise);
- for features, the missing-value share or the zero share moved by at least the level;
- realised performance: AUC below the model's floor (warn also: ECE above ``ece_warn``).

``insufficient``: too few rows (or positive labels) to judge. Only some columns can act:
important features (the champion's top-k by gain and ``important_features``), the score
(``score_can_act``) and realised performance; the band shares and the other features are
reported up to ``warn``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from models.monitoring.drift import ColumnDrift
from models.monitoring.performance import Realised
from telco_risk.quality_settings import MonitoringConfig

Status = Literal["ok", "warn", "act", "insufficient"]
LEVELS: tuple[Literal["act", "warn"], ...] = ("act", "warn")
OK: Status = "ok"
WARN: Status = "warn"
ACT: Status = "act"
INSUFFICIENT: Status = "insufficient"


@dataclass(frozen=True)
class Verdict:
    status: Status
    reasons: tuple[str, ...] = ()


def judge_drift(feature: str, role: str, drift: ColumnDrift, cfg: MonitoringConfig) -> Verdict:
    """Status of one column (role feature | score | band) on one date."""
    if drift.rows < cfg.min_rows:
        return Verdict(INSUFFICIENT, (f"{feature}: {drift.rows} rows < min_rows {cfg.min_rows}",))
    for level in LEVELS:
        reasons = []
        psi_level, p_level = getattr(cfg.psi, level), getattr(cfg.p_value, level)
        if drift.psi >= psi_level and drift.p_value < p_level:
            test = f"chi-square p {drift.p_value:.1e} < {p_level:g}"
            reasons.append(f"psi {feature} {drift.psi:.3f} >= {psi_level:g} ({test})")
        if role == "feature":
            missing_level = getattr(cfg.missing_rate_change, level)
            if abs(drift.missing_rate_change) >= missing_level:
                reasons.append(
                    f"missing {feature} {drift.reference_missing_rate:.1%} -> {drift.missing_rate:.1%}"
                    f" (|change| >= {missing_level:g})"
                )
            zero_level = getattr(cfg.zero_rate_change, level)
            change = drift.zero_rate_change
            if change is not None and abs(change) >= zero_level:
                reasons.append(
                    f"zeros {feature} {drift.reference_zero_rate:.1%} -> {drift.zero_rate:.1%}"
                    f" (|change| >= {zero_level:g})"
                )
        if reasons:
            return Verdict(level, tuple(reasons))
    return Verdict(OK)


def judge_realised(model: str, label_date: dt.date, perf: Realised, cfg: MonitoringConfig) -> Verdict:
    """Status of the realised performance of ``model``'s scores of ``label_date``."""
    floor = cfg.realised.auc_floor.get(model)  # type: ignore[call-overload]
    if perf.auc is None or perf.positives < cfg.realised.min_positives:
        return Verdict(
            INSUFFICIENT,
            (f"realised {label_date}: {perf.positives} positives < {cfg.realised.min_positives}",),
        )
    if floor is not None and perf.auc < floor.act:
        return Verdict(ACT, (f"realised auc {perf.auc:.3f} < {floor.act:g} on the scores of {label_date}",))
    reasons = []
    if floor is not None and perf.auc < floor.warn:
        reasons.append(f"realised auc {perf.auc:.3f} < {floor.warn:g} on the scores of {label_date}")
    if perf.ece is not None and perf.ece > cfg.realised.ece_warn:
        reasons.append(
            f"realised ece {perf.ece:.3f} > {cfg.realised.ece_warn:g} on the scores of {label_date}"
        )
    return Verdict(WARN, tuple(reasons)) if reasons else Verdict(OK)


def can_act(role: str, feature: str, important: set[str], cfg: MonitoringConfig) -> bool:
    if role == "feature":
        return feature in important
    if role == "score":
        return cfg.score_can_act
    return role == "performance"


@dataclass(frozen=True)
class Alert:
    """An act alert of one model on one monitoring date (a row of ``ops.monitoring_alerts``)."""

    monitor_date: dt.date
    model: str
    model_version: str
    alert_id: str
    features: tuple[str, ...]
    reasons: tuple[str, ...]
    retrain_requested: bool
    suppressed_by: str | None  # the earlier alert whose retrain request the cool-down holds


def alert_id(model: str, day: dt.date) -> str:
    return f"monitor-{model}-{day:%Y%m%d}"


def in_cooldown(day: dt.date, last_request: dt.date | None, cooldown_days: int) -> bool:
    """A request on ``last_request`` (before ``day``) holds back requests for ``cooldown_days``."""
    return last_request is not None and last_request < day and (day - last_request).days < cooldown_days


def decide_alert(
    day: dt.date,
    model: str,
    model_version: str,
    acting: list[tuple[str, tuple[str, ...]]],
    last_request: tuple[dt.date, str] | None,
    cooldown_days: int,
) -> Alert | None:
    """The alert of ``model`` on ``day`` from its acting columns ((feature, reasons), most
    severe first); ``last_request``: the model's latest earlier request (date, alert id)."""
    if not acting:
        return None
    held = last_request is not None and in_cooldown(day, last_request[0], cooldown_days)
    return Alert(
        monitor_date=day,
        model=model,
        model_version=model_version,
        alert_id=alert_id(model, day),
        features=tuple(f for f, _ in acting),
        reasons=tuple(r for _, reasons in acting for r in reasons),
        retrain_requested=not held,
        suppressed_by=last_request[1] if held and last_request else None,
    )
