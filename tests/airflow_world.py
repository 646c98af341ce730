"""Airflow DAG runs on a generated world, for the end-to-end tests: the world's paths, a
migrated ``AIRFLOW_HOME`` whose jobs read and write only there, ``airflow dags test`` as
a subprocess, and readers of Airflow's metadata, the BSS table and the landing zone."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devtools.local_airflow import airflow_command, airflow_env

DAG_TIMEOUT_S = 900


@dataclass(frozen=True)
class World:
    root: Path
    env: dict[str, str]
    overrides: list[str]

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def lakehouse(self) -> Path:
        return self.root / "lakehouse"

    @property
    def bss(self) -> Path:
        return self.root / "bss.db"

    @property
    def mlflow_uri(self) -> str:
        return f"sqlite:///{self.root / 'mlflow.db'}"

    @property
    def airflow_db(self) -> Path:
        return self.root / "airflow" / "airflow.db"


def make_world(root: Path, overrides: list[str], subscribers: int, start: dt.date, days: int) -> World:
    """A generated landing zone under ``root`` and a migrated Airflow home whose jobs use
    ``root``'s lakehouse, BSS database and MLflow store (test config, ``overrides``)."""
    from devtools.synth import generate

    generate(landing=root / "landing", subscribers=subscribers, start=start, days=days, seed=11)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env = airflow_env(root / "airflow", "local[2]", base)
    env.update(
        {
            "TELCO_RISK_ENV": "test",
            "TELCO_RISK_LANDING": str(root / "landing"),
            "TELCO_RISK_LAKEHOUSE": str(root / "lakehouse"),
            "TELCO_RISK_BSS_URL": f"jdbc:sqlite:{root / 'bss.db'}",
            "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        }
    )
    world = World(root, env, [f"mlflow.artifact_root={root / 'mlartifacts'}", *overrides])
    subprocess.run(airflow_command(["db", "migrate"]), env=env, check=True, capture_output=True, timeout=300)
    return world


def dags_test(
    world: World, dag_id: str, conf: dict, logical: str | None = None, *extra: str
) -> subprocess.CompletedProcess:
    """``airflow dags test`` of ``dag_id`` (its output kept in ``<root>/<dag_id>-<n>.log``)."""
    args = ["dags", "test", dag_id, *([logical] if logical else []), "--conf", json.dumps(conf), *extra]
    done = subprocess.run(
        airflow_command(args), env=world.env, capture_output=True, text=True, timeout=DAG_TIMEOUT_S
    )
    n = len(list(world.root.glob(f"{dag_id}-*.log")))
    (world.root / f"{dag_id}-{n}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return done


def output(done: subprocess.CompletedProcess) -> str:
    return done.stdout + done.stderr


def latest_run_id(world: World, dag_id: str) -> str:
    with sqlite3.connect(world.airflow_db) as db:
        (run_id,) = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
        ).fetchone()
    return str(run_id)


def task_states(world: World, dag_id: str, run_id: str) -> dict[str, str]:
    with sqlite3.connect(world.airflow_db) as db:
        rows = db.execute(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)
        ).fetchall()
    return dict(rows)


def bss_rows(world: World, day: dt.date) -> list[dict]:
    with sqlite3.connect(world.bss) as db:
        db.row_factory = sqlite3.Row
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'subscriber_risk_scores'").fetchone()
        if not exists:
            return []
        rows = db.execute("SELECT * FROM subscriber_risk_scores WHERE score_date = ?", (day.isoformat(),))
        return [dict(r) for r in rows]


def active_subscribers(world: World, day: dt.date) -> set[str]:
    """Active subscriptions in the landing snapshot of ``day``, read straight from the CSV
    (phantom ``SX…`` rows are the generator's contract-breaking copies)."""
    path = world.landing / "subscribers" / f"dt={day}" / "part-00000.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return {
            r["subscriber_id"]
            for r in csv.DictReader(f)
            if r["status"] == "active" and not r["subscriber_id"].startswith("SX")
        }


def run_nightly(world: World, day: dt.date, *extra: str) -> tuple[subprocess.CompletedProcess, str]:
    """The nightly run that scores ``day`` (logical date: 02:00 the day after); its run id."""
    logical = f"{day + dt.timedelta(days=1)}T02:00:00+00:00"
    done = dags_test(world, "telco_risk_nightly", {"conf_overrides": world.overrides}, logical, *extra)
    return done, latest_run_id(world, "telco_risk_nightly")


def retrain_conf_of(world: World, run_id: str) -> dict | None:
    with sqlite3.connect(world.airflow_db) as db:
        row = db.execute(
            "SELECT conf FROM dag_run WHERE dag_id = 'telco_risk_retrain' AND run_id = ?", (run_id,)
        ).fetchone()
    return None if row is None else json.loads(row[0])
