"""Airflow on the embedded defaults: one environment for ``make airflow``, ``make demo``
and the DAG tests.

``python -m devtools.local_airflow [airflow arguments]`` runs ``airflow`` with:
``AIRFLOW_HOME`` under the given scratch folder (SQLite metadata), the repo's ``dags/``,
no example DAGs, the ``spark_default`` connection on the configured local master, and this
interpreter's ``bin/`` first on ``PATH`` (``spark-submit``, ``airflow``). Without
arguments it starts ``airflow standalone``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from telco_risk.config import PROJECT_ROOT, load_config

HOME_ENV = "TELCO_RISK_AIRFLOW_HOME"
DEFAULT_HOME = Path("scratch/demo/airflow")


def spark_connection(master: str) -> str:
    """``AIRFLOW_CONN_SPARK_DEFAULT`` for a Spark master URL (``local[2]``, ``spark://h:7077``)."""
    return json.dumps({"conn_type": "spark", "host": master})


def airflow_env(home: Path, master: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) plus the embedded Airflow settings."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env.update(
        {
            "AIRFLOW_HOME": str(home.resolve()),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_SPARK_DEFAULT": spark_connection(master),
            "PATH": os.pathsep.join([bin_dir, env.get("PATH", "")]),
        }
    )
    return env


def airflow_command(args: list[str]) -> list[str]:
    """The ``airflow`` CLI of this interpreter's environment."""
    return [str(Path(sys.executable).parent / "airflow"), *args]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv) or ["standalone"]
    home = Path(os.environ.get(HOME_ENV, str(DEFAULT_HOME)))
    home.mkdir(parents=True, exist_ok=True)
    env = airflow_env(home, load_config().spark.master)
    if args == ["standalone"]:
        passwords = home.resolve() / "simple_auth_manager_passwords.json.generated"
        print(f"airflow: home {home.resolve()}, DAGs from {PROJECT_ROOT / 'dags'}")
        print(f"airflow: UI at http://localhost:8080, user admin, password in {passwords}")
    command = airflow_command(args)
    os.execve(command[0], command, env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
