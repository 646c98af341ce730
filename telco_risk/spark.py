"""The one SparkSession factory: Delta configured, offline jars, sized by config."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from telco_risk.config import PROJECT_ROOT, Config, ConfigError
from telco_risk.settings import SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def jar_paths(spark_cfg: SparkConfig) -> list[str]:
    """The jars fetched by ``make setup`` (Delta, JDBC drivers), sorted."""
    folder = Path(spark_cfg.jars_dir) if spark_cfg.jars_dir else PROJECT_ROOT / ".cache" / "jars"
    jars = sorted(str(p) for p in folder.glob("*.jar"))
    if not any("delta-spark" in Path(j).name for j in jars):
        raise ConfigError(
            f"spark.jars_dir: no Delta jar in {folder.name}/; run `make setup` to fetch the jars"
        )
    return jars


def class_archive(spark_cfg: SparkConfig) -> Path | None:
    """The class-data-sharing archive drivers start from (``spark.class_archive``), if built."""
    if not spark_cfg.class_archive:
        return None
    path = Path(spark_cfg.class_archive)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    return path if path.is_file() else None


def driver_java_options(spark_cfg: SparkConfig) -> str:
    """The driver's JVM flags: UTC, the configured ones, and the class archive if built."""
    flags = ["-Duser.timezone=UTC", *spark_cfg.driver_java_options.split()]
    archive = class_archive(spark_cfg)
    if archive is not None:
        flags.append(f"-XX:SharedArchiveFile={archive}")
    return " ".join(flags)


def session_conf(spark_cfg: SparkConfig) -> dict[str, str]:
    """Every Spark setting the factory applies, as strings."""
    jars = jar_paths(spark_cfg)
    conf = {
        "spark.jars": ",".join(jars),
        "spark.driver.extraClassPath": os.pathsep.join(jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.driver.memory": spark_cfg.driver_memory,
        "spark.sql.shuffle.partitions": str(spark_cfg.shuffle_partitions),
        "spark.ui.enabled": str(spark_cfg.ui_enabled).lower(),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # Inferring constraints through the feature plans' hundreds of columns can cost the
        # optimizer more than the job itself; the filters it would infer are written out.
        "spark.sql.constraintPropagation.enabled": "false",
        "spark.driver.extraJavaOptions": driver_java_options(spark_cfg),
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    }
    conf.update(spark_cfg.extra_conf)
    return conf


LAUNCH_SETTINGS = (
    "spark.driver.memory",
    "spark.driver.extraClassPath",
    "spark.driver.extraJavaOptions",
    "spark.jars",
)


# Settings a Spark Connect server fixes for all its sessions (they are set when it starts,
# telco_risk.spark_connect_server); a client sets the rest on its own session.
SERVER_SETTINGS = ("spark.sql.extensions", "spark.sql.catalog.spark_catalog")


def client_conf(conf: dict[str, str]) -> dict[str, str]:
    """The settings a Spark Connect client can set on its session: SQL and Delta ones."""
    return {
        key: value
        for key, value in conf.items()
        if key.startswith(("spark.sql.", "spark.databricks.")) and key not in SERVER_SETTINGS
    }


def is_connect(spark: SparkSession) -> bool:
    """True for a Spark Connect client session (no SparkContext, no driver JVM here)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def launched_by_spark_submit() -> bool:
    """True inside a driver that spark-submit started (it hands over a JVM gateway)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def submit_arguments(spark_cfg: SparkConfig) -> dict[str, str | dict[str, str]]:
    """What spark-submit needs to start a job like the factory does: jars, driver class
    path and memory, and the remaining settings as ``--conf``."""
    conf = session_conf(spark_cfg)
    return {
        "jars": conf.pop("spark.jars"),
        "driver_class_path": conf.pop("spark.driver.extraClassPath"),
        "driver_memory": conf.pop("spark.driver.memory"),
        "conf": conf,
    }


def submit_command(spark_cfg: SparkConfig, conf: dict[str, str], *tail: str) -> list[str]:
    """``spark-submit`` of this interpreter with the factory's master, jars, driver class
    path and memory, ``conf`` as ``--conf``, then ``tail`` (options, the application)."""
    args = submit_arguments(spark_cfg)
    command = [
        str(Path(sys.executable).parent / "spark-submit"),
        "--master",
        spark_cfg.master,
        "--jars",
        str(args["jars"]),
        "--driver-class-path",
        str(args["driver_class_path"]),
        "--driver-memory",
        str(args["driver_memory"]),
    ]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return [*command, *tail]


def own_driver(cfg: Config) -> Config:
    """``cfg`` for a job that needs a driver JVM of its own even beside a Spark Connect server
    (xgboost.spark's barrier stage runs on the SparkContext; publish runs JDBC in the driver)."""
    return cfg.model_copy(update={"spark": cfg.spark.model_copy(update={"remote": ""})})


def get_spark(cfg: Config, app_name: str) -> SparkSession:
    """Create (or return the running) SparkSession for this process.

    With ``spark.remote`` set the session is a Spark Connect client of that server.
    """
    from pyspark.sql import SparkSession

    spark_cfg = cfg.spark
    if spark_cfg.remote:
        return _connect_session(spark_cfg, app_name)
    # Python workers must run this interpreter, which has the project's packages.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    conf = session_conf(spark_cfg)
    if launched_by_spark_submit():
        # spark-submit (e.g. Airflow's spark_default connection) already chose the master,
        # the driver's memory and class path; settings fixed at JVM start are its to make.
        for key in LAUNCH_SETTINGS:
            conf.pop(key, None)
    else:
        builder = builder.master(spark_cfg.master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def _connect_session(spark_cfg: SparkConfig, app_name: str) -> SparkSession:
    """A session of the Spark Connect server ``spark.remote``, with this job's SQL settings."""
    from pyspark.sql import SparkSession

    # spark-submit hands its --master to the driver as MASTER, which pyspark refuses beside
    # a remote; this process runs no driver of its own.
    os.environ.pop("MASTER", None)
    builder = SparkSession.builder.remote(spark_cfg.remote)
    # The server's settings (jars, Delta's extension, memory) are its own; the job's name
    # tags its operations in the server's UI.
    for key, value in client_conf(session_conf(spark_cfg)).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.addTag(app_name)
    logging.getLogger("telco_risk.spark").info("Spark Connect session on %s", spark_cfg.remote)
    return spark
