"""Training stage 5: the champion/challenger gate of a registered version (no Spark).

Usage: ``telco-risk train-gate --model churn|fraud --version N [--promote | --no-promote]``
(or ``python jobs/train_gate.py ...``). Reads the version's test metrics and the champion's
metrics on the same split from its MLflow run (``train-evaluate``), decides
(``models/promotion_gate.py``), moves the aliases, writes the model card and tags the run with
a one-line ``summary``. If the champion changed since the evaluation, the comparison is
stale and the version is kept as challenger (promote it by hand or re-run the training).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from models.model_card import ModelCard, render
from models.promotion_gate import GateDecision, apply_decision, decide
from models.registry import BUNDLE_PATH, CHAMPION, alias_version, download_json, mlflow_client
from models.registry import model_settings as settings_of
from models.training_run import (
    COMPARED_TAG,
    NO_CHAMPION,
    PROBLEM_TAG,
    RunContext,
    prefixed_metrics,
    read_context,
)
from telco_risk.cli_args import (
    add_model,
    add_promote,
    add_result_file,
    config_of,
    positive_int,
    run_step,
    write_result,
)
from telco_risk.config import Config


@dataclass(frozen=True)
class GateOutcome:
    model: str
    registered_name: str
    version: str
    run_id: str
    training_set_id: str
    training_set_version: int
    decision: GateDecision
    applied: bool
    metrics: dict[str, float]
    champion_metrics: dict[str, float] | None

    def ids(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "run_id": self.run_id,
            "outcome": self.decision.outcome,
            "applied": self.applied,
        }

    @property
    def verdict(self) -> str:
        note = "" if self.applied or not self.decision.promote else " (not applied: --no-promote)"
        return f"{self.decision.outcome}{note}"

    def summary(self) -> str:
        m = self.metrics
        return (
            f"{self.registered_name} v{self.version} (run {self.run_id}, training set {self.training_set_id} "
            f"@ Delta v{self.training_set_version}): test roc_auc {m['roc_auc']:.4f}, "
            f"pr_auc {m['pr_auc']:.4f}, ECE {m['expected_calibration_error']:.4f}, "
            f"{int(m['rows'])} rows / {int(m['positives'])} positives; gate: {self.verdict}"
        )


def _card(
    ctx: RunContext,
    name: str,
    version: str,
    params: dict[str, str],
    outcome: GateOutcome,
    bundle: dict[str, Any],
) -> ModelCard:
    keep = ("best_iteration", "scale_pos_weight")
    card_params: dict[str, Any] = {k[4:]: v for k, v in params.items() if k.startswith("xgb.")}
    card_params |= {k: params[k] for k in keep if k in params}
    card_params["calibration"] = params.get("config.models.calibration.method", "")
    encoders, reasons = bundle["categorical_encoders"], bundle["reason_codes"]
    return ModelCard(
        model=ctx.model,
        registered_name=name,
        version=version,
        run_id=ctx.run_id,
        as_of=str(ctx.as_of),
        label_definition=ctx.label_definition,
        snapshots=ctx.snapshots,
        split=ctx.split,
        counts=ctx.counts,
        data_versions=ctx.data_versions,
        params=card_params,
        metrics=outcome.metrics,
        champion_metrics=outcome.champion_metrics,
        decision=outcome.decision.summary() + outcome.verdict.removeprefix(outcome.decision.outcome),
        features=[(c, c in encoders, reasons.get(c, c.upper())) for c in bundle["feature_columns"]],
    )


def gate(cfg: Config, model: str, version: str, promote: bool | None = None) -> GateOutcome:
    """Decide on ``version`` of ``model`` (churn|fraud); apply it unless ``promote`` is False."""
    settings = settings_of(cfg, model)
    name = settings.registered_name
    promote = cfg.models.auto_promote if promote is None else promote
    client = mlflow_client(cfg.mlflow)
    run_id = client.get_model_version(name, version).run_id
    if run_id is None:
        raise ValueError(f"{name} v{version} has no MLflow run: cannot read its evaluation")
    ctx = read_context(client, run_id)
    run = client.get_run(run_id)
    metrics = prefixed_metrics(run.data.metrics, "test_")
    if "roc_auc" not in metrics:
        raise ValueError(
            f"{name} v{version}: run {run_id} has no test metrics; run `telco-risk train-evaluate`"
        )
    champion_metrics = prefixed_metrics(run.data.metrics, "champion_test_") or None
    problem = run.data.tags.get(PROBLEM_TAG)
    compared = run.data.tags.get(COMPARED_TAG, NO_CHAMPION)
    current = alias_version(client, name, CHAMPION)
    if current == version:  # a re-run after this gate promoted it: decide as the first time
        current = None if compared == NO_CHAMPION else compared
    if (current or NO_CHAMPION) != compared:
        champion_metrics = None
        problem = f"the champion changed from {compared} to v{current} after the evaluation"

    decision = decide(metrics, champion_metrics, settings.gate, current, problem)
    apply_decision(client, name, version, run_id, decision, apply=promote)
    outcome = GateOutcome(
        model=model,
        registered_name=name,
        version=version,
        run_id=run_id,
        training_set_id=ctx.training_set_id,
        training_set_version=ctx.training_set_version,
        decision=decision,
        applied=decision.promote and promote,
        metrics=metrics,
        champion_metrics=champion_metrics,
    )
    bundle = download_json(client, run_id, BUNDLE_PATH)
    client.log_text(
        run_id, render(_card(ctx, name, version, run.data.params, outcome, bundle)), "model_card.md"
    )
    client.set_tag(run_id, "summary", outcome.summary()[:5000])
    return outcome


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model(parser)
    parser.add_argument("--version", type=positive_int, required=True, help="the registered version")
    add_promote(parser)
    add_result_file(parser)


def handle(args: argparse.Namespace) -> int:
    outcome = gate(config_of(args), args.model, str(args.version), args.promote)
    print(outcome.summary())
    write_result(args.result_file, outcome.ids())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train-gate")


if __name__ == "__main__":
    raise SystemExit(main())
