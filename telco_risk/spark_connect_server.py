"""A long-lived Spark Connect server: one warm driver JVM for many short jobs.

Each job that starts its own driver pays a JVM start and a cold JIT, which on a small
machine can cost more than a short job's work. With ``spark.remote`` pointing here the jobs are
Spark Connect clients of this one driver, which keeps its classes loaded and its code
compiled. The server starts with the factory's settings (jars, Delta, memory, the class
archive), so a job sees the same Spark either way.

``python -m telco_risk.spark_connect_server [--port N]`` runs one in the foreground on loopback
(``make spark-connect``); ``make demo`` starts one for its own run and stops it after.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from telco_risk.config import load_config
from telco_risk.settings import SparkConfig
from telco_risk.spark import submit_arguments, submit_command

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
DEFAULT_PORT = 15002
LOOPBACK = "127.0.0.1"


def server_command(spark_cfg: SparkConfig, port: int, host: str = LOOPBACK) -> list[str]:
    """``spark-submit`` of the Connect server with the session factory's settings."""
    conf = {
        **cast("dict[str, str]", submit_arguments(spark_cfg)["conf"]),
        "spark.connect.grpc.binding.address": host,
        "spark.connect.grpc.binding.port": str(port),
        "spark.log.level": "WARN",
    }
    name = f"{spark_cfg.app_name}-connect"
    return submit_command(spark_cfg, conf, "--class", SERVER_CLASS, "--name", name, "spark-internal")


def free_port() -> int:
    """A TCP port nothing listens on now (for a server of one's own)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def url(port: int) -> str:
    return f"sc://{LOOPBACK}:{port}"


def listening(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def server_env() -> dict[str, str]:
    """The server's Python workers (the jobs' pandas UDFs) run this interpreter."""
    return {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}


def _tail(log: Path, lines: int = 20) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    return "\n".join(text.splitlines()[-lines:])


def launch(spark_cfg: SparkConfig, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a server on loopback ``port``, logging to ``log``; it listens some 20 s later."""
    if listening(port):
        raise RuntimeError(f"spark connect: port {port} is already in use")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            server_command(spark_cfg, port), stdout=out, stderr=subprocess.STDOUT, env=server_env()
        )


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, timeout_s: float = 180) -> None:
    """Return once the server listens; raise with its log's tail if it exits or hangs."""
    deadline = time.monotonic() + timeout_s
    while not listening(port):
        if proc.poll() is not None:
            raise RuntimeError(f"spark connect: the server exited ({proc.returncode}):\n{_tail(log)}")
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError(f"spark connect: not up on port {port} after {timeout_s:.0f} s:\n{_tail(log)}")
        time.sleep(0.5)


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """Stop the server (SIGTERM runs Spark's shutdown hooks), killing it if it hangs."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def running(spark_cfg: SparkConfig, log: Path, port: int | None = None) -> Iterator[str]:
    """A server for the duration of the block; yields its ``sc://`` URL."""
    port = port or free_port()
    proc = launch(spark_cfg, port, log)
    try:
        wait_ready(proc, port, log)
        yield url(port)
    finally:
        stop(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telco_risk.spark_connect_server", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    command = server_command(load_config().spark, args.port)
    print(f"spark connect: serving on sc://{LOOPBACK}:{args.port}; set TELCO_RISK_SPARK_REMOTE to use it")
    os.execve(command[0], command, server_env())
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
