"""The Spark Connect server the jobs can share (telco_risk.spark_connect_server) and the client
side of the session factory. The server itself runs in tests/test_airflow_end_to_end.py,
where every DAG task but fit and publish is its client."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from telco_risk import spark_connect_server as connect_server
from telco_risk.config import ConfigError, load_config
from telco_risk.spark import client_conf


def test_the_server_starts_with_the_factorys_settings_on_loopback():
    spark_cfg = load_config("local", environ={}).spark
    command = connect_server.server_command(spark_cfg, 15123)
    assert command[0].endswith("spark-submit") and command[-1] == "spark-internal"
    pairs = dict(itertools.pairwise(command))
    assert pairs["--class"] == "org.apache.spark.sql.connect.service.SparkConnectServer"
    assert pairs["--master"] == "local[2]"
    assert pairs["--driver-memory"] == "4g"
    assert "delta-spark_4.2" in pairs["--jars"]
    confs = [command[i + 1] for i, arg in enumerate(command) if arg == "--conf"]
    assert "spark.connect.grpc.binding.address=127.0.0.1" in confs
    assert "spark.connect.grpc.binding.port=15123" in confs
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in confs
    assert "spark.sql.session.timeZone=UTC" in confs


def test_a_client_sets_only_its_sessions_sql_settings():
    conf = {
        "spark.jars": "/x/delta.jar",
        "spark.driver.memory": "4g",
        "spark.ui.enabled": "false",
        "spark.default.parallelism": "2",
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.databricks.delta.snapshotPartitions": "2",
    }
    assert client_conf(conf) == {
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.databricks.delta.snapshotPartitions": "2",
    }


def test_the_remote_comes_from_the_environment_and_must_be_a_connect_url():
    assert load_config("local", environ={}).spark.remote == ""
    environ = {"TELCO_RISK_SPARK_REMOTE": "sc://spark-connect:15002"}
    assert load_config("local", environ=environ).spark.remote == "sc://spark-connect:15002"
    with pytest.raises(ConfigError, match="spark.remote.*sc://host:port.*'spark://master:7077'"):
        load_config("local", ["spark.remote=spark://master:7077"], environ={})


def test_a_server_that_dies_at_start_is_reported_with_its_log(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("starting\nException in thread main: port 1 is not free\n")
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    with pytest.raises(RuntimeError, match=r"exited \(3\):\nstarting\nException in thread main"):
        connect_server.wait_ready(proc, connect_server.free_port(), log)


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {port} is already in use"):
            connect_server.launch(load_config("local", environ={}).spark, port, tmp_path / "log")
    assert not (tmp_path / "log").exists()
