"""Train / validation / test split of a training set.

Time mode: successive snapshots, the newest ``test_snapshots`` for test, the ones before
for validation, the rest for training (out-of-time evaluation). Hash mode (too few
snapshots): a deterministic bucket of sha256(salt + subscriber_id), so a subscriber is in
one split only and the split never changes between runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from telco_risk.settings import ModelSplitConfig

TRAIN, VALIDATION, TEST = "train", "validation", "test"
SPLITS = (TRAIN, VALIDATION, TEST)
HASH_BUCKETS = 10_000


@dataclass(frozen=True)
class SplitPlan:
    mode: Literal["time", "hash"]
    by_snapshot: dict[dt.date, str]  # time mode only

    def describe(self) -> str:
        if self.mode == "hash":
            return "hash of subscriber_id"
        parts = [
            f"{s}: {', '.join(str(d) for d, v in sorted(self.by_snapshot.items()) if v == s)}" for s in SPLITS
        ]
        return "by time (" + "; ".join(parts) + ")"


def plan_split(snapshots: list[dt.date], split_cfg: ModelSplitConfig) -> SplitPlan:
    """Time mode with at least ``min_snapshots_for_time_split`` snapshots, else hash mode."""
    dates = sorted(set(snapshots))
    needed = max(
        split_cfg.min_snapshots_for_time_split, split_cfg.validation_snapshots + split_cfg.test_snapshots + 1
    )
    if len(dates) < needed:
        return SplitPlan("hash", {})
    n_test, n_val = split_cfg.test_snapshots, split_cfg.validation_snapshots
    plan = {d: TRAIN for d in dates[: -(n_test + n_val)]}
    plan.update({d: VALIDATION for d in dates[-(n_test + n_val) : -n_test]})
    plan.update({d: TEST for d in dates[-n_test:]})
    return SplitPlan("time", plan)


def hash_bucket(subscriber_id: str, salt: str) -> int:
    """Bucket 0..HASH_BUCKETS-1 of a subscriber id; the same as ``with_split`` computes."""
    digest = hashlib.sha256((salt + subscriber_id).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % HASH_BUCKETS


def _edges(split_cfg: ModelSplitConfig) -> tuple[int, int]:
    """Buckets below the first edge are test, below the second validation, the rest train."""
    test_edge = round(split_cfg.hash_test_share * HASH_BUCKETS)
    return test_edge, test_edge + round(split_cfg.hash_validation_share * HASH_BUCKETS)


def split_of_bucket(bucket: int, split_cfg: ModelSplitConfig) -> str:
    test_edge, val_edge = _edges(split_cfg)
    return TEST if bucket < test_edge else VALIDATION if bucket < val_edge else TRAIN


def with_split(df: DataFrame, plan: SplitPlan, split_cfg: ModelSplitConfig) -> DataFrame:
    """``df`` (``subscriber_id``, ``snapshot_date``, ...) + ``split`` (train|validation|test)."""
    if plan.mode == "time":
        expr = F.lit(None).cast("string")
        for name in SPLITS:
            days = [d for d, s in plan.by_snapshot.items() if s == name]
            expr = F.when(F.col("snapshot_date").isin(days), F.lit(name)).otherwise(expr)
        return df.withColumn("split", expr)
    digest = F.sha2(F.concat(F.lit(split_cfg.hash_salt), F.col("subscriber_id")), 256)
    bucket = F.pmod(F.conv(F.substring(digest, 1, 8), 16, 10).cast("long"), F.lit(HASH_BUCKETS))
    test_edge, val_edge = _edges(split_cfg)
    split = F.when(bucket < test_edge, TEST).when(bucket < val_edge, VALIDATION).otherwise(TRAIN)
    return df.withColumn("split", split)
