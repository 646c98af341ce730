"""The MLflow run as the hand-over between the training stages.

The training-set stage opens the run and records everything the later stages need
(model, as-of date, the training set's id, path and Delta version, snapshots, split,
counts, data versions, the feature set), so each stage gets only the run id: in Airflow
XCom carries ids, never data. No Spark session here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from models.registry import download_json
from models.split import SPLITS
from models.training_set import FeatureSet, SplitCounts

if TYPE_CHECKING:
    from mlflow import MlflowClient

FEATURE_SET_PATH = "training/feature_set.json"
COMPARED_TAG = "champion.compared_version"
PROBLEM_TAG = "champion.problem"
NO_CHAMPION = "none"


@dataclass(frozen=True)
class RunContext:
    """What the training-set stage recorded in the run (see ``log_context``)."""

    run_id: str
    experiment_id: str
    model: str
    as_of: dt.date
    training_set_id: str
    training_set_path: str
    training_set_version: int
    snapshots: list[str]
    split: str
    label_definition: str
    counts: dict[str, SplitCounts]
    data_versions: dict[str, str]


def feature_set_dict(feature_set: FeatureSet) -> dict[str, Any]:
    return {
        "columns": feature_set.columns,
        "categorical": feature_set.categorical,
        "reason_codes": feature_set.reason_codes,
    }


def load_feature_set(client: MlflowClient, run_id: str) -> FeatureSet:
    """The feature set the run's training set was built with."""
    data = download_json(client, run_id, FEATURE_SET_PATH)
    return FeatureSet(list(data["columns"]), list(data["categorical"]), dict(data["reason_codes"]))


def data_versions_of(tags: dict[str, str]) -> dict[str, str]:
    """``data.<table>.version`` tags -> {table: version}."""
    return {k[5:-8]: v for k, v in tags.items() if k.startswith("data.") and k.endswith(".version")}


def counts_of(metrics: dict[str, float]) -> dict[str, SplitCounts]:
    """``rows_<split>`` / ``positives_<split>`` metrics -> SplitCounts per split."""
    return {s: SplitCounts(int(metrics[f"rows_{s}"]), int(metrics[f"positives_{s}"])) for s in SPLITS}


def read_context(client: MlflowClient, run_id: str) -> RunContext:
    """The training context of ``run_id``; raises ValueError for a run no stage 1 opened."""
    run = client.get_run(run_id)
    tags, params = run.data.tags, run.data.params
    if "training_set_id" not in tags:
        raise ValueError(f"MLflow run {run_id} has no training set: run `telco-risk train-set` first")
    model = tags["model"]
    versions = data_versions_of(tags)
    return RunContext(
        run_id=run_id,
        experiment_id=str(run.info.experiment_id),
        model=model,
        as_of=dt.date.fromisoformat(tags["as_of"]),
        training_set_id=tags["training_set_id"],
        training_set_path=tags["training_set_path"],
        training_set_version=int(versions[f"training.{model}_sets"]),
        snapshots=params["snapshots"].split(","),
        split=tags.get("split", params.get("split_mode", "")),
        label_definition=tags["label_definition"],
        counts=counts_of(run.data.metrics),
        data_versions=versions,
    )


def prefixed_metrics(metrics: dict[str, float], prefix: str) -> dict[str, float]:
    """``{prefix}<name>`` metrics -> {name: value}."""
    return {k[len(prefix) :]: v for k, v in sorted(metrics.items()) if k.startswith(prefix)}
