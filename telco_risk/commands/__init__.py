"""Sub-commands of ``telco-risk`` beyond generate and ingest, one module per step.

Each module defines ``register(sub, common)``: it adds its parser to ``sub`` with
``parents=[common]`` and sets ``func`` to a handler taking the parsed args and
returning an exit code. Handlers import Spark and heavy libraries inside the function.
"""
