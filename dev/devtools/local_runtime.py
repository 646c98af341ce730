"""The driver JVM's class-data-sharing archive (``make setup``).

A driver spends its first seconds loading and verifying some 20,000 classes of Spark,
Delta and the JDBC drivers. ``python -m devtools.local_runtime`` runs one short warm-up
job through ``spark-submit`` with ``-XX:ArchiveClassesAtExit``, so that the JVM writes the
classes it loaded to ``.cache/jvm/driver-<digest>.jsa`` and links ``driver.jsa`` to it;
the local and test overlays' ``spark.class_archive`` names that link. A spark-submit that
starts a session and reads two Delta tables starts faster with it (docs/benchmarks.md).
Without the archive, or with a JVM that refuses it, jobs start as before.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import cast

from telco_risk.config import PROJECT_ROOT, load_config
from telco_risk.settings import SparkConfig
from telco_risk.spark import jar_paths, submit_arguments, submit_command


def class_archive(spark_cfg: SparkConfig) -> Path:
    """Where the archive for these jars lives.

    A JVM only maps an archive dumped with the same class path, so the name carries a
    digest of the jars (name, size, time) and of pyspark's version: new jars, new archive.
    """
    digest = hashlib.sha256(version("pyspark").encode())
    for jar in jar_paths(spark_cfg):
        stat = Path(jar).stat()
        digest.update(f"{jar}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return PROJECT_ROOT / ".cache" / "jvm" / f"driver-{digest.hexdigest()[:16]}.jsa"


def link(target: Path) -> Path:
    """``driver.jsa`` beside ``target``, pointing at it (replaced atomically)."""
    stable = target.parent / "driver.jsa"
    tmp = target.parent / "driver.jsa.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target.name)
    tmp.replace(stable)
    return stable


def warm_up(folder: Path) -> None:
    """Touch what the jobs touch: Delta writes, merge and reads, joins, windows, Arrow,
    pandas UDFs and JDBC (SQLite), on a few rows under ``folder``."""
    import pandas as pd
    from delta.tables import DeltaTable
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    # The archive is of a driver JVM: never a Spark Connect client, whatever the environment.
    from telco_risk.spark import get_spark, own_driver

    spark = get_spark(own_driver(load_config()), "telco-risk-jvm-archive")
    table = str(folder / "delta")
    rows = spark.range(200).select(
        F.col("id").alias("subscriber_id"),
        (F.col("id") % 7).cast("int").alias("day"),
        (F.rand(7) * 100).alias("amount"),
        F.date_add(F.lit("2026-01-01").cast("date"), (F.col("id") % 7).cast("int")).alias("event_date"),
    )
    rows.write.format("delta").partitionBy("event_date").save(table)
    rows.where("day = 1").write.format("delta").mode("overwrite").option(
        "replaceWhere", "event_date = '2026-01-02'"
    ).save(table)
    updates = rows.where("day < 3").withColumn("amount", F.col("amount") + 1)
    (
        DeltaTable.forPath(spark, table)
        .alias("t")
        .merge(updates.alias("u"), "t.subscriber_id = u.subscriber_id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    data = spark.read.format("delta").load(table)
    window = Window.partitionBy("day").orderBy(F.col("amount").desc())
    ranked = data.withColumn("rank", F.row_number().over(window)).join(
        data.groupBy("day").agg(F.sum("amount").alias("total"), F.countDistinct("subscriber_id")), "day"
    )
    ranked.orderBy("subscriber_id").toPandas()

    def doubled(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield batch.assign(amount=batch["amount"] * 2)

    data.mapInPandas(doubled, data.schema).count()
    spark.createDataFrame(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})).collect()
    with sqlite3.connect(folder / "warm.db") as db:
        db.execute("CREATE TABLE warm (subscriber_id INTEGER, amount REAL)")
    url = f"jdbc:sqlite:{folder / 'warm.db'}"
    ranked.select("subscriber_id", "amount").write.format("jdbc").options(
        url=url, dbtable="warm", driver="org.sqlite.JDBC"
    ).mode("append").save()
    spark.read.format("jdbc").options(url=url, dbtable="warm", driver="org.sqlite.JDBC").load().count()
    DeltaTable.forPath(spark, table).history().collect()
    spark.stop()


def build(spark_cfg: SparkConfig) -> Path | None:
    """Build the archive for ``spark_cfg``'s jars unless it exists; its path, or None."""
    target = class_archive(spark_cfg)
    if target.is_file():
        print(f"jvm archive: up to date ({target.name})")
        return link(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*target.parent.glob("driver-*.jsa*"), target.parent / "driver.jsa"]:
        stale.unlink(missing_ok=True)
    partial = target.with_suffix(".jsa.partial")
    # No archive exists yet, so the driver's options map none. Classes CDS cannot keep
    # (signed jars, generated accessors) are only warned about.
    conf = cast("dict[str, str]", submit_arguments(spark_cfg)["conf"])
    java_options = conf["spark.driver.extraJavaOptions"].split()
    java_options += [f"-XX:ArchiveClassesAtExit={partial}", "-Xlog:cds=error"]
    warm_up_conf = {"spark.driver.extraJavaOptions": " ".join(java_options), "spark.log.level": "WARN"}
    command = submit_command(spark_cfg, warm_up_conf, __file__)
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="telco-risk-jvm-") as tmp:
        done = subprocess.run([*command, tmp], env=env, check=False)
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        print(f"jvm archive: not built (warm-up exit {done.returncode}); jobs start without it")
        return None
    partial.rename(target)
    link(target)
    size = target.stat().st_size / 2**20
    print(f"jvm archive: {target.name}, {size:.0f} MiB, built in {time.monotonic() - started:.0f} s")
    return target


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        warm_up(Path(args[0]))
    else:
        build(load_config().spark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
