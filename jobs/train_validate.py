"""Training stage 2: the quality gate of a training set (``expectations.training_set_gate``).

Usage: ``telco-risk train-validate --run-id R`` (or ``python jobs/train_validate.py ...``),
R being the MLflow run ``train-set`` opened. Keys, labels, split values, row count and the
features' types, ranges and null shares of the set; the verdict goes to
``ops.quality_gate`` (scope ``training:<model>``), to the run's ``training_gate.*`` tags
and the data docs under ``<lakehouse>/reports/data_docs/training/<model>``. A failed gate
marks the run FAILED; nothing is trained on the set (exit status 1).
"""

from __future__ import annotations

import argparse
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from expectations.quality_results import GateResult
from expectations.training_set_gate import validate_training_set
from models.registry import mlflow_client
from models.training_run import read_context
from telco_risk import delta_io
from telco_risk.cli_args import add_training_run, config_of, run_step, write_result
from telco_risk.config import Config
from telco_risk.spark import get_spark


def validate_set(spark: SparkSession, cfg: Config, run_id: str) -> GateResult:
    """Validate the training set of MLflow run ``run_id``; record the verdict in the run."""
    client = mlflow_client(cfg.mlflow)
    ctx = read_context(client, run_id)
    df = delta_io.read_table(spark, ctx.training_set_path, ctx.training_set_version).where(
        F.col("training_set_id") == ctx.training_set_id
    )
    gate = validate_training_set(spark, cfg, df, ctx.model)
    tags = {
        "training_gate.outcome": "passed" if gate.passed else "failed",
        "training_gate.run_id": gate.run_id,
        "training_gate.failures": str(len(gate.failures)),
        "training_gate.warnings": str(len(gate.warnings)),
    }
    if gate.data_docs:
        tags["training_gate.data_docs"] = gate.data_docs
    for key, value in tags.items():
        client.set_tag(run_id, key, value)
    if not gate.passed:
        client.set_tag(run_id, "training_gate.summary", gate.summary[:5000])
        client.set_terminated(run_id, "FAILED")
    return gate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_training_run(parser)


def handle(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    spark = get_spark(cfg, "telco-risk-train-validate")
    gate = validate_set(spark, cfg, args.run_id)
    print(gate.summary)
    write_result(args.result_file, {"run_id": args.run_id, "passed": gate.passed, "gate_run_id": gate.run_id})
    return 0 if gate.passed else 1


def main(argv: list[str] | None = None) -> int:
    return run_step(sys.modules[__name__], argv, "telco-risk train-validate")


if __name__ == "__main__":
    raise SystemExit(main())
