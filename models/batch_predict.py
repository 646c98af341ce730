"""Score a Spark frame with a ``ScoringBundle`` per Arrow batch (``mapInPandas``).

Output: the ``keep`` columns plus ``score`` (double): calibrated probability, or the
booster's raw probability with ``calibrated=False``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import types as T

from models.bundle import ScoringBundle


def score_frame(df: DataFrame, bundle: ScoringBundle, keep: list[str], calibrated: bool = True) -> DataFrame:
    columns = list(dict.fromkeys([*keep, *bundle.feature_columns]))
    schema = T.StructType([*(df.schema[c] for c in keep), T.StructField("score", T.DoubleType())])

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for pdf in batches:
            scores = bundle.predict(pdf) if calibrated else bundle.raw_scores(pdf)
            out = pdf[keep].copy()
            out["score"] = np.asarray(scores, dtype=np.float64)
            yield out

    return df.select(*columns).mapInPandas(predict, schema)
