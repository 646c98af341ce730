"""``telco-risk train`` (every training stage in one call), its five stages one by one
(``train-set``, ``train-validate``, ``train-fit``, ``train-evaluate``, ``train-gate``) and
``telco-risk promote``.

Each stage command takes ``--result-file F``: it writes the ids the next stage needs
(model, MLflow run id, training set id, registered version) as JSON to F. The retrain DAG
hands them on through XCom.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telco_risk.cli import parse_date

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from telco_risk.config import Config


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def write_result(path: str | None, result: dict[str, Any]) -> None:
    """The stage's ids as JSON (temp file + rename, so a reader never sees half of it)."""
    if not path:
        return
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(result), encoding="utf-8")
    tmp.replace(target)


def _session(
    args: argparse.Namespace, what: str, *preload: str, needs_driver: bool = False
) -> tuple[Config, SparkSession]:
    """The config and the session; ``preload`` (the stage's job module and libraries) is
    imported while the session starts. Fitting needs a driver of its own (xgboost.spark's
    barrier stage runs on the SparkContext, which a Spark Connect client has not)."""
    from telco_risk.config import load_config
    from telco_risk.spark import get_spark

    cfg = load_config(args.env, args.conf)
    return cfg, get_spark(cfg.spark, f"telco-risk-{what}", preload=preload, needs_driver=needs_driver)


def cmd_train(args: argparse.Namespace) -> int:
    cfg, spark = _session(
        args, f"train-{args.model}", "jobs.train", "mlflow", "great_expectations", needs_driver=True
    )
    from jobs.train import TrainingSetRejectedError, train

    try:
        result = train(
            spark,
            cfg,
            args.model,
            args.as_of,
            snapshots=args.snapshots,
            trials=args.trials,
            promote=args.promote,
            validate=args.validate,
        )
    except TrainingSetRejectedError as exc:
        print(exc)
        return 1
    print(result.summary)
    return 0


def cmd_train_set(args: argparse.Namespace) -> int:
    cfg, spark = _session(args, f"train-set-{args.model}", "jobs.train_set", "mlflow")
    from jobs.train_set import build_set

    tags = dict(item.partition("=")[::2] for item in args.tag)
    result = build_set(spark, cfg, args.model, args.as_of, args.snapshots, tags=tags)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def cmd_train_validate(args: argparse.Namespace) -> int:
    cfg, spark = _session(args, "train-validate", "jobs.train_validate", "mlflow", "great_expectations")
    from jobs.train_validate import validate_set

    gate = validate_set(spark, cfg, args.run_id)
    print(gate.summary)
    write_result(args.result_file, {"run_id": args.run_id, "passed": gate.passed, "gate_run_id": gate.run_id})
    return 0 if gate.passed else 1


def cmd_train_fit(args: argparse.Namespace) -> int:
    cfg, spark = _session(args, "train-fit", "jobs.train_fit", "mlflow", needs_driver=True)
    from jobs.train_fit import fit

    result = fit(spark, cfg, args.run_id, args.trials)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def cmd_train_evaluate(args: argparse.Namespace) -> int:
    cfg, spark = _session(args, "train-evaluate", "jobs.train_evaluate", "mlflow")
    from jobs.train_evaluate import evaluate

    result = evaluate(spark, cfg, args.run_id)
    print(result.summary())
    write_result(args.result_file, result.ids())
    return 0


def cmd_train_gate(args: argparse.Namespace) -> int:
    from jobs.train_gate import gate
    from telco_risk.config import load_config

    outcome = gate(load_config(args.env, args.conf), args.model, str(args.version), args.promote)
    print(outcome.summary())
    write_result(args.result_file, outcome.ids())
    return 0


def cmd_promote(args: argparse.Namespace) -> int:
    from jobs.promote import promote
    from telco_risk.config import load_config

    promote(load_config(args.env, args.conf), args.model, str(args.version))
    return 0


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=("churn", "fraud"), required=True)


def _add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=parse_date,
        required=True,
        help="labels known on this date; snapshots need their label window elapsed by then",
    )
    parser.add_argument(
        "--snapshots", type=positive_int, help="feature snapshots to use (default models.snapshots)"
    )


def _add_trials(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trials",
        type=positive_int,
        help="hyper-parameter sets to try, each an MLflow child run (default models.xgboost.trials)",
    )


def _add_promote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--promote",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="move the champion alias when the gate passes (default models.auto_promote)",
    )


def _add_run_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-id", dest="run_id", required=True, help="the MLflow run train-set opened")


def _stage(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, name: str, text: str) -> Any:
    parser = sub.add_parser(name, parents=[common], help=text)
    parser.add_argument(
        "--result-file", dest="result_file", help="write the ids for the next stage (JSON) to this file"
    )
    return parser


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    train = sub.add_parser(
        "train", parents=[common], help="train, evaluate and register a model; run the gate"
    )
    _add_model(train)
    _add_as_of(train)
    _add_trials(train)
    _add_promote(train)
    train.add_argument(
        "--validate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the training set's quality gate before fitting (default: yes)",
    )
    train.set_defaults(func=cmd_train)

    build = _stage(sub, common, "train-set", "training stage 1: build the training set, open its MLflow run")
    _add_model(build)
    _add_as_of(build)
    build.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="a tag for the MLflow run"
    )
    build.set_defaults(func=cmd_train_set)

    check = _stage(sub, common, "train-validate", "training stage 2: the training set's quality gate")
    _add_run_id(check)
    check.set_defaults(func=cmd_train_validate)

    fit = _stage(sub, common, "train-fit", "training stage 3: fit XGBoost and calibrate")
    _add_run_id(fit)
    _add_trials(fit)
    fit.set_defaults(func=cmd_train_fit)

    evaluate = _stage(
        sub, common, "train-evaluate", "training stage 4: test metrics, champion comparison, register"
    )
    _add_run_id(evaluate)
    evaluate.set_defaults(func=cmd_train_evaluate)

    decide = _stage(sub, common, "train-gate", "training stage 5: champion/challenger gate, model card")
    _add_model(decide)
    decide.add_argument("--version", type=positive_int, required=True, help="the registered version")
    _add_promote(decide)
    decide.set_defaults(func=cmd_train_gate)

    promote = sub.add_parser(
        "promote", parents=[common], help="make a registered version the champion by hand"
    )
    _add_model(promote)
    promote.add_argument("--version", type=positive_int, required=True)
    promote.set_defaults(func=cmd_promote)
