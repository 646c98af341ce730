"""The ``telco-risk`` command: ``telco-risk <step> [flags]`` runs the job module of that step.

``STEPS`` is the whole table. A development install (``make setup``) adds the commands of
the dev package (``generate``, the benchmarks) through the ``telco_risk.commands`` entry
points. Job modules are imported only when their step runs, so ``--help`` stays instant.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import cast

from telco_risk.cli_args import Step, run_step

# step -> (job module, one line of help)
STEPS: dict[str, tuple[str, str]] = {
    "ingest": ("jobs.ingest", "landing drops -> bronze + quarantine"),
    "features": (
        "jobs.build_features",
        "bronze -> silver.cdr_daily (+ late days) and silver.subscriber_features, date by date",
    ),
    "validate": ("jobs.validate", "data quality gate: GX suites on a date's tables, fail stops the run"),
    "train": ("jobs.train", "train, evaluate and register a model; run the gate"),
    "train-set": ("jobs.train_set", "training stage 1: build the training set, open its MLflow run"),
    "train-validate": ("jobs.train_validate", "training stage 2: the training set's quality gate"),
    "train-fit": ("jobs.train_fit", "training stage 3: fit XGBoost and calibrate"),
    "train-evaluate": (
        "jobs.train_evaluate",
        "training stage 4: test metrics, champion comparison, register",
    ),
    "train-gate": ("jobs.train_gate", "training stage 5: champion/challenger gate, model card"),
    "promote": ("jobs.promote", "make a registered version the champion by hand"),
    "score": ("jobs.score", "score subscribers active at D with the champions -> gold.risk_scores"),
    "publish": ("jobs.publish", "gold.risk_scores of D -> BSS staging table (atomic; gate checked)"),
    "run": ("jobs.nightly", "the nightly chain for D: ingest, features, validate, score, publish"),
    "monitor": (
        "jobs.monitor",
        "score health, drift vs the training reference, realised performance, alerts and report",
    ),
    "maintain-tables": (
        "jobs.maintain_tables",
        "Delta maintenance: OPTIMIZE the recent partitions, VACUUM keeping maintenance.retention_days",
    ),
    "churn-list": ("jobs.churn_list", "CRM churn list of D: top N by revenue at risk, with reasons"),
    "fraud-review": (
        "jobs.fraud_review",
        "fraud alerts of D for revenue assurance: score, reasons, likely type, exposure, new or not",
    ),
}

EXTRA_GROUP = "telco_risk.commands"


def extra_steps() -> dict[str, str]:
    """Commands other installed packages add (the dev package): name -> module."""
    return {ep.name: ep.value for ep in entry_points(group=EXTRA_GROUP)}


def usage() -> str:
    lines = ["usage: telco-risk [-v] <step> [flags]   (telco-risk <step> --help for its flags)", ""]
    lines += [f"  {name:<16} {text}" for name, (_, text) in STEPS.items()]
    extra = extra_steps()
    if extra:
        lines += ["", "development commands:"]
        for name, module in sorted(extra.items()):
            lines.append(f"  {name:<16} {first_doc_line(module)}")
    return "\n".join(lines)


def first_doc_line(module: str) -> str:
    """The first line of a module's docstring, read from its source (nothing imported)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return "(not installed)"
    doc = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))) or ""
    return doc.strip().split("\n")[0]


def module_of(name: str) -> str | None:
    if name in STEPS:
        return STEPS[name][0]
    return extra_steps().get(name)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = [a for a in args[:1] if a in ("-v", "--verbose")]
    args = args[len(verbose) :]
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    name, rest = args[0], args[1:]
    module = module_of(name)
    if module is None:
        print(f"telco-risk: unknown step {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    step = cast(Step, importlib.import_module(module))
    return run_step(step, [*verbose, *rest], prog=f"telco-risk {name}")


if __name__ == "__main__":
    raise SystemExit(main())
