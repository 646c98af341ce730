"""`make demo`: a generated operator run through the Airflow DAGs on embedded defaults.

1. generate a world (``WORLD``) into ``scratch/demo/landing`` (reused when unchanged);
2. ``telco_risk_backfill``: ingest and features for every day but the last (feature
   snapshots on the dates the retrain trains on, and on the last day);
3. ``telco_risk_retrain`` as of the day before the last: one run per model, side by side
   (``airflow dags test`` runs a run's tasks one at a time, and one branch alone leaves
   the CPU idle during its JVM and Python start-ups);
4. ``telco_risk_nightly`` for the last day: ingest, features, validate, score, publish, monitor;
5. the top of the churn list and the fraud review of that day.

Each DAG runs through ``airflow dags test`` (SQLite metadata in ``scratch/demo/airflow``,
so ``make airflow`` afterwards shows the runs). Its jobs are clients of one Spark Connect
server started for the demo (``spark.remote``; fit and publish start drivers of their own),
or of the one ``TELCO_RISK_SPARK_REMOTE`` names. Re-running reuses the world and the
ingested drops; the retrain registers new versions, and the gate decides.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from devtools.local_airflow import airflow_command, airflow_env
from jobs.cli import main as cli
from telco_risk import spark_connect_server as connect_server
from telco_risk.config import MODELS, Config, load_config

DEMO_ROOT = Path("scratch/demo")
REMOTE_ENV = "TELCO_RISK_SPARK_REMOTE"  # spark.remote: the jobs' Spark Connect server
WORLD: dict[str, int | str] = {"subscribers": 3000, "start": "2026-01-01", "days": 42, "seed": 7}
# The backfill builds the feature snapshots the retrain trains on, weekly back from the
# last backfilled day (day 41) less the 14 days its labels need: days 13, 20 and 27 (split
# by time), and the one of day 41, whose window state the nightly run rolls on.
SNAPSHOT_EVERY = 7
TRAIN_SNAPSHOTS = 3
LABEL_DAYS = 14
# Two settings differ from the defaults so that a 42-day world trains both models:
# churn within 14 days (30 by default: the snapshots would fall in the world's first days,
# with little history) and at least 10 positive labels (20: the world's 0.5% fraudsters give
# fewer over three snapshots).
CONF_OVERRIDES = [f"models.churn.horizon_days={LABEL_DAYS}", "models.min_positives=10"]


def _ensure_world(landing: Path) -> None:
    marker = landing / ".world.json"
    if marker.is_file() and json.loads(marker.read_text()) == WORLD:
        print(f"demo: reusing the generated world in {landing}")
        return
    args = [f"--{k}={v}" for k, v in WORLD.items()]
    if cli(["generate", f"--landing={landing}", *args]) != 0:
        raise SystemExit("demo: generation failed")
    marker.write_text(json.dumps(WORLD))


def training_snapshots(as_of: dt.date) -> list[str]:
    """The snapshot dates the demo's retrain as of ``as_of`` chooses, ascending."""
    newest = as_of - dt.timedelta(days=LABEL_DAYS)
    return [str(newest - dt.timedelta(days=SNAPSHOT_EVERY * k)) for k in reversed(range(TRAIN_SNAPSHOTS))]


def _dag_test_args(dag_id: str, conf: Mapping[str, object], logical: str | None = None) -> list[str]:
    return airflow_command(
        ["dags", "test", dag_id, *([logical] if logical else []), "--conf", json.dumps(conf)]
    )


def _dag_test(
    env: dict[str, str], dag_id: str, conf: Mapping[str, object], logical: str | None = None
) -> None:
    """``airflow dags test`` of ``dag_id``; stops the demo when the run fails."""
    started = time.monotonic()
    print(f"demo: airflow dags test {dag_id} {json.dumps(conf)}", flush=True)
    if subprocess.run(_dag_test_args(dag_id, conf, logical), env=env, check=False).returncode != 0:
        raise SystemExit(f"demo: {dag_id} failed (its task logs are above)")
    print(f"demo: {dag_id} done in {time.monotonic() - started:.0f} s", flush=True)


def _relay(stream: IO[bytes], prefix: str) -> None:
    for line in stream:
        sys.stdout.write(f"{prefix} {line.decode(errors='replace')}")
        sys.stdout.flush()


def _dag_tests_side_by_side(
    env: dict[str, str], dag_id: str, confs: Mapping[str, Mapping[str, object]]
) -> None:
    """One ``airflow dags test`` run of ``dag_id`` per conf, all at once, each output line
    prefixed with its name; stops the demo when any run fails."""
    started = time.monotonic()
    runs: dict[str, tuple[subprocess.Popen[bytes], threading.Thread]] = {}
    for name, conf in confs.items():
        print(f"demo: [{name}] airflow dags test {dag_id} {json.dumps(conf)}", flush=True)
        proc = subprocess.Popen(
            _dag_test_args(dag_id, conf), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert proc.stdout is not None
        relay = threading.Thread(target=_relay, args=(proc.stdout, f"[{name}]"), daemon=True)
        relay.start()
        runs[name] = (proc, relay)
    failed = []
    for name, (proc, relay) in runs.items():
        if proc.wait() != 0:
            failed.append(name)
        relay.join()
    if failed:
        raise SystemExit(f"demo: {dag_id} failed for {', '.join(failed)} (task logs above, prefixed)")
    print(f"demo: {dag_id} ({', '.join(confs)}) done in {time.monotonic() - started:.0f} s", flush=True)


def _prepare_mlflow(cfg: Config) -> None:
    """Create the MLflow store and both experiments now, so that the two retrain runs do
    not both create a fresh SQLite store at once."""
    from models.registry import ensure_experiment, mlflow_client, model_settings

    client = mlflow_client(cfg.mlflow)
    for model in MODELS:
        ensure_experiment(client, model_settings(cfg, model).experiment, cfg.mlflow.artifact_root)


def main() -> int:
    started = time.monotonic()
    cfg = load_config()
    if cfg.spark.remote:
        print(f"demo: jobs run on the Spark Connect server {cfg.spark.remote}")
        return _run(cfg, started)
    # One warm driver for the demo's jobs instead of a JVM each (see telco_risk.spark_connect_server).
    port = connect_server.free_port()
    log = DEMO_ROOT / "spark-connect.log"
    server = connect_server.launch(cfg.spark, port, log)
    try:
        os.environ[REMOTE_ENV] = connect_server.url(port)
        print(f"demo: a Spark Connect server for the jobs on {os.environ[REMOTE_ENV]} (log {log})")
        return _run(cfg, started, lambda: _wait(server, port, log, started))
    finally:
        _close_client()
        connect_server.stop(server)
        os.environ.pop(REMOTE_ENV, None)


def _close_client() -> None:
    """The lists ran in this process as a client of the server: close the session before
    the server goes, or its channel keeps retrying and holds up the exit for minutes."""
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


def _wait(server: subprocess.Popen[bytes], port: int, log: Path, started: float) -> None:
    connect_server.wait_ready(server, port, log)
    print(f"demo: the Spark Connect server is up ({time.monotonic() - started:.0f} s into the demo)")


def _run(cfg: Config, started: float, server_ready: Callable[[], None] = lambda: None) -> int:
    landing = Path(cfg.paths.landing)
    _ensure_world(landing)
    first = dt.date.fromisoformat(str(WORLD["start"]))
    last = first + dt.timedelta(days=int(WORLD["days"]) - 1)
    history = last - dt.timedelta(days=1)

    env = airflow_env(DEMO_ROOT / "airflow", cfg.spark.master)
    subprocess.run(airflow_command(["db", "migrate"]), env=env, check=True, capture_output=True)
    server_ready()
    overrides = {"conf_overrides": CONF_OVERRIDES}
    backfill = {"from": str(first), "to": str(history), "snapshot_dates": training_snapshots(history)}
    # MLflow's store is made while the backfill runs (the demo process is idle meanwhile).
    with ThreadPoolExecutor(max_workers=1) as pool:
        mlflow_ready = pool.submit(_prepare_mlflow, cfg)
        _dag_test(env, "telco_risk_backfill", backfill)
        mlflow_ready.result()
    retrain = {"as_of": str(history), "snapshots": TRAIN_SNAPSHOTS, **overrides}
    _dag_tests_side_by_side(env, "telco_risk_retrain", {m: {"model": m, **retrain} for m in MODELS})
    # A nightly run at 02:00 on day D + 1 scores day D.
    _dag_test(env, "telco_risk_nightly", overrides, f"{last + dt.timedelta(days=1)}T02:00:00+00:00")

    cli(["churn-list", f"--date={last}", "--top=10"])
    cli(["fraud-review", f"--date={last}"])
    home = DEMO_ROOT / "airflow"
    print(f"demo: finished in {time.monotonic() - started:.0f} s; scored {last}")
    print(f"demo: MLflow UI: .venv/bin/mlflow ui --backend-store-uri {cfg.mlflow.tracking_uri}")
    print(f"demo: data docs: {Path(cfg.paths.lakehouse) / 'reports' / 'data_docs'}/index.html")
    print(f"demo: BSS table subscriber_risk_scores in {cfg.bss.url.removeprefix('jdbc:sqlite:')}")
    print(f"demo: Airflow UI with these runs: make airflow (home {home})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
