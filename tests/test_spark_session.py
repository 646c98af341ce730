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


def _jars(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"jar " + name.encode())
    return folder


def test_the_class_archive_belongs_to_its_jars(tmp_path):
    from devtools.local_runtime import class_archive

    jars = _jars(tmp_path / "jars", "delta-spark_4.2_2.13-4.4.0.jar", "sqlite-jdbc-3.54.1.0.jar")
    spark_cfg = load_config("local", overrides=[f"spark.jars_dir={jars}"], environ={}).spark
    first = class_archive(spark_cfg)
    assert first.parent.name == "jvm" and first.name.startswith("driver-") and first.suffix == ".jsa"
    assert class_archive(spark_cfg) == first  # the same jars, the same archive
    (jars / "sqlite-jdbc-3.54.1.0.jar").write_bytes(b"another build of the driver")
    assert class_archive(spark_cfg) != first  # a changed jar needs a new archive


def test_drivers_map_the_archive_only_when_it_is_built_and_wanted(tmp_path):
    import telco_risk.spark as factory

    jars = _jars(tmp_path / "jars", "delta-spark_4.2_2.13-4.4.0.jar")
    archive = tmp_path / "jvm" / "driver-test.jsa"
    wanted = [f"spark.jars_dir={jars}", f"spark.class_archive={archive}"]
    local = load_config("local", overrides=wanted, environ={}).spark
    assert factory.driver_java_options(local) == "-Duser.timezone=UTC"  # not built yet
    archive.parent.mkdir()
    archive.write_bytes(b"")
    assert factory.driver_java_options(local) == f"-Duser.timezone=UTC -XX:SharedArchiveFile={archive}"
    cluster = load_config("cluster", overrides=[f"spark.jars_dir={jars}"], environ={}).spark
    assert factory.driver_java_options(cluster) == "-Duser.timezone=UTC"  # cluster: off
    quick = load_config("test", overrides=wanted, environ={}).spark
    assert factory.driver_java_options(quick) == (
        "-Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
        f" -XX:SharedArchiveFile={archive}"
    )


def test_the_test_session_started_from_the_archive_make_setup_built(spark):
    """`make setup` builds the archive; the suite's own driver JVM was started with it."""
    from telco_risk.spark import class_archive

    archive = class_archive(load_config("test").spark)
    assert archive is not None and archive.is_file() and archive.stat().st_size > 50 * 2**20
    jvm = spark.sparkContext._jvm
    arguments = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert f"-XX:SharedArchiveFile={archive}" in arguments
    assert "-XX:TieredStopAtLevel=1" in arguments
    code_cache = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    ).getVMOption("ReservedCodeCacheSize")
    assert code_cache.getValue() == str(240 * 2**20)  # not C1's 48 MiB default
