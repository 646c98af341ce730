"""MLflow plumbing: hermetic client, experiments, logging a scoring bundle, loading one.

Registered models ``telco_churn`` / ``telco_fraud`` (``models.<model>.registered_name``);
aliases ``champion`` (what the nightly scorer uses) and ``challenger`` (the newest
candidate). A version's run holds ``scoring/bundle.json`` (features, encoders, reason
codes, bands) and ``scoring/calibrator.json`` beside the logged booster.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from models.bundle import ScoringBundle
from models.calibration import Calibrator
from telco_risk.config import MODELS, Config
from telco_risk.settings import ChurnModelConfig, FraudModelConfig, MlflowConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient

CHAMPION, CHALLENGER = "champion", "challenger"
BUNDLE_PATH = "scoring/bundle.json"
CALIBRATOR_PATH = "scoring/calibrator.json"
MODEL_NAME = "model"
# Run tag: URI of the logged (not necessarily registered) booster.
CANDIDATE_TAG = "candidate.model_uri"


class NoChampionError(LookupError):
    """The registered model has no version under the asked alias."""


def model_settings(cfg: Config, model: str) -> ChurnModelConfig | FraudModelConfig:
    if model == "churn":
        return cfg.models.churn
    if model == "fraud":
        return cfg.models.fraud
    raise ValueError(f"unknown model {model!r}: expected one of {', '.join(MODELS)}")


def mlflow_client(mlflow_cfg: MlflowConfig) -> MlflowClient:
    """A client on the configured tracking + registry store; the fluent API points there too."""
    import mlflow

    mlflow.set_tracking_uri(mlflow_cfg.tracking_uri)
    mlflow.set_registry_uri(mlflow_cfg.tracking_uri)
    return mlflow.MlflowClient(tracking_uri=mlflow_cfg.tracking_uri, registry_uri=mlflow_cfg.tracking_uri)


def ensure_experiment(client: MlflowClient, name: str, artifact_root: str) -> str:
    """Id of experiment ``name``, created with artifacts under ``<artifact_root>/<name>``."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = (
        (Path(artifact_root) / name).as_uri() if "://" not in artifact_root else f"{artifact_root}/{name}"
    )
    return str(client.create_experiment(name, artifact_location=location))


def log_delta_input(name: str, path: str, version: int | str, digest: str, context: str) -> None:
    """Record a Delta table version as an input of the active run (no data is read)."""
    import mlflow
    from mlflow.data.delta_dataset_source import DeltaDatasetSource
    from mlflow.data.meta_dataset import MetaDataset

    source = DeltaDatasetSource(path=path, delta_table_version=int(version))
    dataset = MetaDataset(source, name=name, digest=digest[:36])  # type: ignore[abstract]
    mlflow.log_input(dataset, context=context)


def log_candidate(bundle: ScoringBundle, example: pd.DataFrame) -> str:
    """In the active run: the scoring artifacts and the booster, not registered yet.
    ``example``: a few raw feature rows. Returns the logged model's URI."""
    import mlflow
    import mlflow.xgboost
    import xgboost as xgb
    from mlflow.models import infer_signature

    mlflow.log_dict(bundle.describe(), BUNDLE_PATH)
    mlflow.log_dict(bundle.calibrator.to_dict(), CALIBRATOR_PATH)
    encoded = pd.DataFrame(bundle.matrix(example), columns=bundle.feature_columns)
    signature = infer_signature(encoded, bundle.raw_scores(example))
    info = mlflow.xgboost.log_model(
        bundle.booster,
        name=MODEL_NAME,
        signature=signature,
        input_example=encoded,
        # Explicit requirements: inferring them re-imports the model in a subprocess (slow).
        pip_requirements=[f"xgboost=={xgb.__version__}"],
        metadata={"input": "encoded features: see scoring/bundle.json; use models.registry.load_*"},
    )
    mlflow.set_tag(CANDIDATE_TAG, info.model_uri)
    return str(info.model_uri)


def register_candidate(model_uri: str, registered_name: str) -> str:
    """Register a logged model (``log_candidate``) under ``registered_name``; its version."""
    import mlflow

    version = mlflow.register_model(model_uri, registered_name).version
    if version is None:
        raise RuntimeError(f"MLflow did not register {registered_name}")
    return str(version)


def log_bundle(bundle: ScoringBundle, example: pd.DataFrame) -> str:
    """In the active run: ``log_candidate`` then register it under the bundle's name.
    Returns the new version number."""
    return register_candidate(log_candidate(bundle, example), bundle.registered_name)


def download_json(client: MlflowClient, run_id: str, path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(run_id, path, tmp)
        return dict(json.loads(Path(local).read_text(encoding="utf-8")))


def _bundle_of_run(
    client: MlflowClient, run_id: str, model_uri: str, name: str, version: str | None
) -> ScoringBundle:
    import mlflow.xgboost

    described = download_json(client, run_id, BUNDLE_PATH)
    calibrator = Calibrator.from_dict(download_json(client, run_id, CALIBRATOR_PATH))
    return ScoringBundle(
        model=described["model"],
        registered_name=name,
        booster=mlflow.xgboost.load_model(model_uri),
        feature_columns=list(described["feature_columns"]),
        categorical_encoders={k: dict(v) for k, v in described["categorical_encoders"].items()},
        calibrator=calibrator,
        reason_codes=dict(described["reason_codes"]),
        bands=dict(described["bands"]),
        version=version,
        run_id=run_id,
        metadata=dict(described.get("metadata", {})),
    )


def load_version(model: str, version: str | int, cfg: Config) -> ScoringBundle:
    """The scoring bundle of registered version ``version`` of ``model`` (churn|fraud)."""
    name = model_settings(cfg, model).registered_name
    client = mlflow_client(cfg.mlflow)
    mv = client.get_model_version(name, str(version))
    if mv.run_id is None:
        raise RuntimeError(f"{name} version {version} has no run: cannot find its scoring artifacts")
    return _bundle_of_run(client, mv.run_id, f"models:/{name}/{mv.version}", name, str(mv.version))


def load_candidate(run_id: str, cfg: Config) -> ScoringBundle:
    """The bundle a training run logged (``log_candidate``), registered or not."""
    client = mlflow_client(cfg.mlflow)
    run = client.get_run(run_id)
    uri = run.data.tags.get(CANDIDATE_TAG)
    if not uri:
        raise ValueError(f"MLflow run {run_id} has no trained model yet: run `telco-risk train-fit` first")
    model = run.data.tags["model"]
    return _bundle_of_run(client, run_id, uri, model_settings(cfg, model).registered_name, None)


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version under ``alias``, or None (also when the model is not registered yet)."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def load_alias(model: str, alias: str, cfg: Config) -> ScoringBundle:
    name = model_settings(cfg, model).registered_name
    version = alias_version(mlflow_client(cfg.mlflow), name, alias)
    if version is None:
        raise NoChampionError(f"{name} has no version with alias '{alias}': train and promote one first")
    return load_version(model, version, cfg)


def load_champion(model: str, cfg: Config) -> ScoringBundle:
    """The bundle the nightly scorer uses: ``<registered name>@champion``."""
    return load_alias(model, CHAMPION, cfg)
