"""The champion/challenger gate: named thresholds, a pure decision, and applying it.

A new version always gets alias ``challenger``. It becomes ``champion`` only if it passes
the absolute floors (ROC AUC, expected calibration error on its test split) and
- there is no champion yet (the first version that passes the floors), or
- it beats the champion's ROC AUC, scored on the challenger's own test split, by at
  least ``min_auc_gain``.
Every decision is tagged on the version and its run (``gate.*``) and printed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from models.registry import CHALLENGER, CHAMPION, alias_version
from telco_risk.settings import PromotionGateConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient

log = logging.getLogger("telco_risk.models.promotion_gate")

Outcome = Literal["promoted", "kept_challenger", "manual_promote"]


@dataclass(frozen=True)
class MetricThreshold:
    """``metric`` must be >= ``threshold`` (higher_is_better) or <= it."""

    name: str
    metric: str
    threshold: float
    higher_is_better: bool

    def check(self, value: float) -> tuple[bool, str]:
        ok = value >= self.threshold if self.higher_is_better else value <= self.threshold
        sign = ">=" if self.higher_is_better else "<="
        verdict = "passes" if ok else "fails"
        return ok, f"{self.metric} {value:.4f} {verdict} {self.name} ({sign} {self.threshold:g})"


def floors(gate: PromotionGateConfig) -> list[MetricThreshold]:
    return [
        MetricThreshold("min_roc_auc", "roc_auc", gate.min_roc_auc, higher_is_better=True),
        MetricThreshold(
            "max_calibration_error",
            "expected_calibration_error",
            gate.max_calibration_error,
            higher_is_better=False,
        ),
    ]


@dataclass(frozen=True)
class GateDecision:
    outcome: Outcome
    reasons: tuple[str, ...]
    champion_before: str | None = None

    @property
    def promote(self) -> bool:
        return self.outcome != "kept_challenger"

    def summary(self) -> str:
        return f"{self.outcome}: " + "; ".join(self.reasons)


def decide(
    challenger: dict[str, float],
    champion: dict[str, float] | None,
    gate: PromotionGateConfig,
    champion_version: str | None = None,
    champion_problem: str | None = None,
) -> GateDecision:
    """Promote or keep ``challenger`` (its test metrics).

    ``champion``: the current champion's metrics on the same test split, None when there
    is no champion; ``champion_problem``: why the champion could not be scored.
    """
    reasons: list[str] = []
    passed = True
    for threshold in floors(gate):
        ok, text = threshold.check(challenger[threshold.metric])
        passed &= ok
        reasons.append(text)
    if not passed:
        return GateDecision("kept_challenger", (*reasons, "below the floors: not promoted"), champion_version)
    if champion_version is None:
        return GateDecision("promoted", (*reasons, "no champion yet: first version passing the floors"), None)
    if champion is None:
        problem = champion_problem or "no metrics"
        return GateDecision(
            "kept_challenger",
            (*reasons, f"champion v{champion_version} could not be compared ({problem}): promote by hand"),
            champion_version,
        )
    gain = challenger["roc_auc"] - champion["roc_auc"]
    compare = (
        f"roc_auc {challenger['roc_auc']:.4f} vs champion v{champion_version} {champion['roc_auc']:.4f} "
        f"on the same test split: gain {gain:+.4f}"
    )
    if gain >= gate.min_auc_gain:
        return GateDecision(
            "promoted", (*reasons, f"{compare} >= min_auc_gain {gate.min_auc_gain:g}"), champion_version
        )
    return GateDecision(
        "kept_challenger", (*reasons, f"{compare} < min_auc_gain {gate.min_auc_gain:g}"), champion_version
    )


def _tag(client: MlflowClient, name: str, version: str, run_id: str | None, tags: dict[str, str]) -> None:
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
        if run_id:
            client.set_tag(run_id, key, value)


def apply_decision(
    client: MlflowClient, name: str, version: str, run_id: str | None, decision: GateDecision, apply: bool
) -> None:
    """Alias ``challenger`` on ``version``; ``champion`` too when promoted and ``apply``.
    Tags ``gate.outcome``, ``gate.reasons``, ``gate.applied``, ``gate.champion_before``."""
    client.set_registered_model_alias(name, CHALLENGER, version)
    applied = decision.promote and apply
    if applied:
        client.set_registered_model_alias(name, CHAMPION, version)
    _tag(
        client,
        name,
        version,
        run_id,
        {
            "gate.outcome": decision.outcome,
            "gate.reasons": "; ".join(decision.reasons),
            "gate.applied": str(applied).lower(),
            "gate.champion_before": decision.champion_before or "none",
        },
    )
    note = "" if apply or not decision.promote else " (not applied: --no-promote)"
    message = f"{name} v{version}: {decision.summary()}{note}"
    log.info(message)
    print(message)


def promote_by_hand(client: MlflowClient, name: str, version: str) -> GateDecision:
    """Make ``version`` the champion whatever the gate said (rollback or override)."""
    mv = client.get_model_version(name, version)  # raises when the version does not exist
    before = alias_version(client, name, CHAMPION)
    decision = GateDecision(
        "manual_promote", (f"set by hand (previous champion: v{before or 'none'})",), before
    )
    client.set_registered_model_alias(name, CHAMPION, version)
    _tag(
        client,
        name,
        version,
        mv.run_id,
        {
            "gate.outcome": decision.outcome,
            "gate.reasons": "; ".join(decision.reasons),
            "gate.applied": "true",
            "gate.champion_before": before or "none",
        },
    )
    message = f"{name} v{version}: {decision.summary()}"
    log.info(message)
    print(message)
    return decision
