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
import xgboost as xgb

from models.bundle import ScoringBundle
from models.calibration import Calibrator
from telco_risk.config import ChurnModelConfig, Config, FraudModelConfig, MlflowConfig

if TYPE_CHECKING:
    from mlflow import MlflowClient

CHAMPION, CHALLENGER = "champion", "challenger"
MODELS = ("churn", "fraud")
BUNDLE_PATH = "scoring/bundle.json"
CALIBRATOR_PATH = "scoring/calibrator.json"
MODEL_NAME = "model"


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


def log_bundle(bundle: ScoringBundle, example: pd.DataFrame) -> str:
    """In the active run: the scoring artifacts and the booster, registered under the
    bundle's name. ``example``: a few raw feature rows. Returns the new version number."""
    import mlflow
    import mlflow.xgboost
    from mlflow.models import infer_signature

    mlflow.log_dict(bundle.describe(), BUNDLE_PATH)
    mlflow.log_dict(bundle.calibrator.to_dict(), CALIBRATOR_PATH)
    encoded = pd.DataFrame(bundle.matrix(example), columns=bundle.feature_columns)
    signature = infer_signature(encoded, bundle.raw_scores(example))
    info = mlflow.xgboost.log_model(
        bundle.booster,
        name=MODEL_NAME,
        registered_model_name=bundle.registered_name,
        signature=signature,
        input_example=encoded,
        # Explicit requirements: inferring them re-imports the model in a subprocess (slow).
        pip_requirements=[f"xgboost=={xgb.__version__}"],
        metadata={"input": "encoded features: see scoring/bundle.json; use models.registry.load_*"},
    )
    version = info.registered_model_version
    if version is None:
        raise RuntimeError(f"MLflow did not register {bundle.registered_name}")
    return str(version)


def _download_json(client: MlflowClient, run_id: str, path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(run_id, path, tmp)
        return dict(json.loads(Path(local).read_text(encoding="utf-8")))


def load_version(model: str, version: str | int, cfg: Config) -> ScoringBundle:
    """The scoring bundle of registered version ``version`` of ``model`` (churn|fraud)."""
    import mlflow.xgboost

    name = model_settings(cfg, model).registered_name
    client = mlflow_client(cfg.mlflow)
    mv = client.get_model_version(name, str(version))
    if mv.run_id is None:
        raise RuntimeError(f"{name} version {version} has no run: cannot find its scoring artifacts")
    described = _download_json(client, mv.run_id, BUNDLE_PATH)
    calibrator = Calibrator.from_dict(_download_json(client, mv.run_id, CALIBRATOR_PATH))
    booster = mlflow.xgboost.load_model(f"models:/{name}/{mv.version}")
    return ScoringBundle(
        model=described["model"],
        registered_name=name,
        booster=booster,
        feature_columns=list(described["feature_columns"]),
        categorical_encoders={k: dict(v) for k, v in described["categorical_encoders"].items()},
        calibrator=calibrator,
        reason_codes=dict(described["reason_codes"]),
        bands=dict(described["bands"]),
        version=str(mv.version),
        run_id=mv.run_id,
        metadata=dict(described.get("metadata", {})),
    )


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
