"""The session factory: Delta configured, this interpreter for workers, UI off in tests."""

from __future__ import annotations

import sys

from pyspark.sql import functions as F
from pyspark.sql.types import StringType

from telco_risk.config import load_config
from telco_risk.spark import session_conf


def test_session_is_configured_for_delta_offline_and_small(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.sql.extensions") == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    jars = conf.get("spark.jars").split(",")
    assert any("delta-spark_4.2" in j for j in jars) and any("postgresql" in j for j in jars)
    assert not any(j.startswith("http") for j in jars)  # nothing fetched at session start


def test_python_workers_run_this_interpreter(spark):
    exe = F.udf(lambda _: sys.executable, StringType())  # a UDF only to ask the worker
    assert spark.range(1).select(exe("id")).first()[0] == sys.executable


def test_cluster_overlay_changes_only_the_master_and_sizes():
    conf = session_conf(load_config("cluster", environ={}).spark)
    assert conf["spark.sql.shuffle.partitions"] == "200"
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
