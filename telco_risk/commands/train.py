"""``telco-risk train`` (train, evaluate, register, gate) and ``telco-risk promote``."""

from __future__ import annotations

import argparse

from telco_risk.cli import parse_date


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def cmd_train(args: argparse.Namespace) -> int:
    from jobs.train import summary, train
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    cfg = load_config(args.env, args.conf)
    spark = get_spark(cfg.spark, f"telco-risk-train-{args.model}")
    result = train(
        spark, cfg, args.model, args.as_of, snapshots=args.snapshots, trials=args.trials, promote=args.promote
    )
    print(summary(result))
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from jobs.promote import promote
    from telco_risk.config import load_config

    promote(load_config(args.env, args.conf), args.model, str(args.version))
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    train = sub.add_parser(
        "train", parents=[common], help="train, evaluate and register a model; run the gate"
    )
    train.add_argument("--model", choices=("churn", "fraud"), required=True)
    train.add_argument(
        "--as-of",
        dest="as_of",
        type=parse_date,
        required=True,
        help="labels known on this date; snapshots need their label window elapsed by then",
    )
    train.add_argument(
        "--snapshots", type=positive_int, help="feature snapshots to use (default models.snapshots)"
    )
    train.add_argument(
        "--trials",
        type=positive_int,
        help="hyper-parameter sets to try, each an MLflow child run (default models.xgboost.trials)",
    )
    train.add_argument(
        "--promote",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="move the champion alias when the gate passes (default models.auto_promote)",
    )
    train.set_defaults(func=cmd_train)

    promote = sub.add_parser(
        "promote", parents=[common], help="make a registered version the champion by hand"
    )
    promote.add_argument("--model", choices=("churn", "fraud"), required=True)
    promote.add_argument("--version", type=positive_int, required=True)
    promote.set_defaults(func=cmd_promote)
