"""The monitor's request to retrain, handed to the nightly DAG as one small JSON file.

``telco-risk monitor --date D`` writes ``<lakehouse>/reports/monitoring/D/retrain_request.json``
when an act threshold was crossed outside the cool-down; the nightly DAG's last task reads
it and triggers ``telco_risk_retrain`` with ``RetrainRequest.dag_conf()``. Light on
purpose: the DAG imports this at parse time, so nothing here imports Spark.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telco_risk.config import MODELS

FILE_NAME = "retrain_request.json"


@dataclass(frozen=True)
class RetrainRequest:
    """Why and how to retrain: the retrain DAG's params plus the alert that asked."""

    day: dt.date  # the monitored score date
    models: tuple[str, ...]  # subset of MODELS
    as_of: dt.date
    reasons: tuple[str, ...]
    alert_id: str
    snapshots: int | None = None
    trials: int | None = None
    promote: bool = True

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in MODELS]
        if not self.models or unknown:
            raise ValueError(f"retrain request needs models among {MODELS}, got {self.models}")

    def dag_conf(self) -> dict[str, Any]:
        """The ``telco_risk_retrain`` params (``airflow dags trigger --conf``)."""
        return {
            "model": "both" if set(self.models) == set(MODELS) else self.models[0],
            "as_of": self.as_of.isoformat(),
            "snapshots": self.snapshots,
            "trials": self.trials,
            "promote": self.promote,
            "reason": "; ".join(self.reasons)[:1000],
            "alert_id": self.alert_id,
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "day": self.day.isoformat(),
                "models": list(self.models),
                "as_of": self.as_of.isoformat(),
                "reasons": list(self.reasons),
                "alert_id": self.alert_id,
                "snapshots": self.snapshots,
                "trials": self.trials,
                "promote": self.promote,
            },
            indent=2,
        )

    @staticmethod
    def from_json(text: str) -> RetrainRequest:
        data = json.loads(text)
        return RetrainRequest(
            day=dt.date.fromisoformat(data["day"]),
            models=tuple(data["models"]),
            as_of=dt.date.fromisoformat(data["as_of"]),
            reasons=tuple(data.get("reasons", ())),
            alert_id=str(data["alert_id"]),
            snapshots=data.get("snapshots"),
            trials=data.get("trials"),
            promote=bool(data.get("promote", True)),
        )


def request_path(lakehouse: str | Path, day: dt.date) -> Path:
    return Path(lakehouse) / "reports" / "monitoring" / day.isoformat() / FILE_NAME


def write_request(lakehouse: str | Path, request: RetrainRequest) -> Path:
    """Write (atomically: temp file + rename) the request of ``request.day``."""
    path = request_path(lakehouse, request.day)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(request.to_json(), encoding="utf-8")
    tmp.replace(path)
    return path


def clear_request(lakehouse: str | Path, day: dt.date) -> None:
    """Remove the request of ``day`` (a re-run of the monitor that no longer asks)."""
    request_path(lakehouse, day).unlink(missing_ok=True)


def read_request(lakehouse: str | Path, day: dt.date) -> RetrainRequest | None:
    """The request of ``day``, or None when the monitor did not ask for a retrain."""
    path = request_path(lakehouse, day)
    if not path.is_file():
        return None
    return RetrainRequest.from_json(path.read_text(encoding="utf-8"))
