"""Data quality: Great Expectations suites as versioned code, and the gate that runs them.

- ``checks``: the suite model (``Suite`` of named ``Check``s, ``ColumnSpec``) and builders;
- ``bronze_suites`` (from ``ingestion.feed_contract`` + hand-set bounds), ``silver_suites``
  (derived tables from column specs / the feature catalogue, row suite + column profile
  suite), ``training_suites``, ``ingest_suites`` (quarantine rates), ``volume``,
  ``reference``: pure suite builders and bounds;
- ``frames``: the gate's scoped reads; ``gx_runner``: GX checkpoints on Spark DataFrames
  and the data docs; ``results``: check results, summaries, ``ops.quality_results`` and
  ``ops.quality_gate``;
- ``gate.run_gate`` / ``gate.gate_passed`` (nightly), ``training_gate.validate_training_set``.
"""
