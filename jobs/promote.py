"""Set the champion of a model by hand (rollback or override of the gate).

Usage: ``telco-risk promote --model churn|fraud --version N``. The decision is tagged on
the version and its run (``gate.outcome=manual_promote``) and printed.
"""

from __future__ import annotations

import argparse
import sys

from models.promotion_gate import GateDecision, promote_by_hand
from models.registry import mlflow_client, model_settings
from telco_risk.cli_args import add_model, config_of, positive_int, run_step
from telco_risk.config import Config


class UnknownVersionError(ValueError):
    """The registered model has no such version."""


def promote(cfg: Config, model: str, version: str) -> GateDecision:
    from mlflow.exceptions import MlflowException

    name = model_settings(cfg, model).registered_name
    client = mlflow_client(cfg.mlflow)
    try:
        client.get_model_version(name, version)
    except MlflowException:
        raise UnknownVersionError(f"{name} has no version {version}") from None
    return promote_by_hand(client, name, version)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model(parser)
    parser.add_argument("--version", type=positive_int, required=True)


def handle(args: argparse.Namespace) -> int:
    promote(config_of(args), args.model, str(args.version))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk promote")


if __name__ == "__main__":
    raise SystemExit(main())
