"""The markdown model card logged with every trained version (``model_card.md``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.split import SPLITS
from models.training_set import SplitCounts

KNOWN_LIMITS = (
    "The calibrator is fitted on the validation split that also drives early stopping and the trial "
    "choice, so validation metrics are optimistic; test metrics are not.",
    "The population is whatever silver.subscriber_features holds at each snapshot, minus subscribers "
    "that churned on or before it (churn).",
    "Labels come from the outcome feeds as known at the as-of date; outcomes reported later are not seen.",
    "Protected attributes (birth date and anything derived from it) are excluded unless enabled in config.",
    "A hashed split (few snapshots) measures generalisation to new subscribers, not to a later period.",
)


@dataclass(frozen=True)
class ModelCard:
    model: str
    registered_name: str
    version: str
    run_id: str
    as_of: str
    label_definition: str
    snapshots: list[str]
    split: str
    counts: dict[str, SplitCounts]
    data_versions: dict[str, str]
    params: dict[str, Any]
    metrics: dict[str, float]
    champion_metrics: dict[str, float] | None
    decision: str
    features: list[tuple[str, bool, str]]  # name, categorical, reason code
    limits: tuple[str, ...] = field(default=KNOWN_LIMITS)


def render(card: ModelCard) -> str:
    lines = [
        f"# {card.registered_name} v{card.version}",
        "",
        f"- model: {card.model}; MLflow run `{card.run_id}`; trained as of {card.as_of}",
        f"- label: {card.label_definition}",
        f"- snapshots: {', '.join(card.snapshots)}",
        f"- split: {card.split}",
        f"- promotion gate: {card.decision}",
        "",
        "## Data",
        "",
        "| split | rows | positives | rate |",
        "|---|---:|---:|---:|",
    ]
    for name in SPLITS:
        c = card.counts[name]
        lines.append(f"| {name} | {c.rows} | {c.positives} | {c.positives / c.rows if c.rows else 0:.4f} |")
    lines += ["", "| table | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(card.data_versions.items())]
    lines += ["", "## Test metrics", "", "| metric | value | champion on the same split |", "|---|---:|---:|"]
    for key, value in card.metrics.items():
        champ = card.champion_metrics.get(key) if card.champion_metrics else None
        lines.append(f"| {key} | {value:.4f} | {'' if champ is None else f'{champ:.4f}'} |")
    lines += ["", "## Hyper-parameters", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(card.params.items())]
    lines += [
        "",
        f"## Features ({len(card.features)})",
        "",
        "| feature | categorical | reason code |",
        "|---|---|---|",
    ]
    lines += [f"| {n} | {'yes' if c else ''} | {r} |" for n, c, r in card.features]
    lines += ["", "## Known limits", ""]
    lines += [f"- {limit}" for limit in card.limits]
    return "\n".join(lines) + "\n"
