"""Categorical features as integer codes, with the mapping stored for scoring.

A mapping ``{column: {category text: code}}`` is fitted on the train split: the most
frequent ``max_categories`` values, codes 0.. by descending frequency (ties by value).
Unknown values and nulls become missing (NaN); XGBoost treats the codes as categories
(feature type ``c``). Numeric and boolean features become doubles. Spark (training) and
pandas (scoring) encode identically.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

CategoryMaps = dict[str, dict[str, int]]


def fit_category_maps(train: DataFrame, categorical: list[str], max_categories: int) -> CategoryMaps:
    """``{column: {value text: code}}`` from the rows of ``train``, in one Spark job for all
    columns (a job per column scanned the training set once per categorical)."""
    if not categorical:
        return {}
    pair = [F.struct(F.lit(c).alias("column"), F.col(c).cast("string").alias("value")) for c in categorical]
    pairs = F.explode(F.array(*pair))
    counts = (
        train.select(pairs.alias("p"))
        .select("p.column", "p.value")
        .where(F.col("value").isNotNull())
        .groupBy("column", "value")
        .count()
    )
    by_frequency = Window.partitionBy("column").orderBy(F.desc("count"), F.asc("value"))
    rows = (
        counts.withColumn("code", F.row_number().over(by_frequency) - 1)
        .where(F.col("code") < max_categories)
        .select("column", "value", "code")
        .collect()
    )
    maps: CategoryMaps = {column: {} for column in categorical}
    for r in sorted(rows, key=lambda r: (r["column"], r["code"])):
        maps[r["column"]][r["value"]] = int(r["code"])
    return maps


def feature_types(columns: list[str], maps: CategoryMaps) -> list[str]:
    """XGBoost feature types: ``c`` for encoded categoricals, ``q`` otherwise."""
    return ["c" if c in maps else "q" for c in columns]


def encode_spark(df: DataFrame, columns: list[str], maps: CategoryMaps) -> DataFrame:
    """``df`` with every feature column as double; categoricals replaced by their code.

    One ``withColumns``: a ``withColumn`` per column analyses the growing plan each time."""
    values: dict[str, Column] = {}
    for column in columns:
        if column in maps:
            mapping = maps[column]
            if mapping:
                lookup = F.create_map(*[F.lit(x) for kv in mapping.items() for x in kv])
                values[column] = lookup[F.col(column).cast("string")].cast("double")
            else:
                values[column] = F.lit(None).cast("double")
        else:
            values[column] = F.col(column).cast("double")
    return df.withColumns(values)


def _category_text(series: pd.Series) -> pd.Series:
    """Values as Spark's ``cast(... as string)`` writes them (booleans lower-case, nulls null)."""
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "boolean":
        return series.map({True: "true", False: "false"})
    if kind in ("string", "empty"):
        return series
    return series.astype(str).where(series.notna(), None)


def encode_pandas(pdf: pd.DataFrame, columns: list[str], maps: CategoryMaps) -> np.ndarray:
    """Float32 matrix (rows x ``columns``) encoded as ``encode_spark`` does."""
    matrix = np.empty((len(pdf), len(columns)), dtype=np.float32)
    for j, column in enumerate(columns):
        series = pdf[column]
        if column in maps:
            codes = _category_text(series).map(maps[column])
            matrix[:, j] = pd.to_numeric(codes, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            matrix[:, j] = pd.to_numeric(series.astype("float64"), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
    return matrix
