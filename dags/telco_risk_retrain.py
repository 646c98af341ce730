"""
### telco-risk retraining (on trigger)

No schedule: a data scientist triggers it (UI "Trigger" form, or
`airflow dags trigger telco_risk_retrain --conf '{"model": "churn", "as_of": "2026-02-14"}'`),
and so does the nightly run when the monitor asks for it (`reason`, `alert_id` then say why).

Params: `model` churn | fraud | both (both: two branches), `as_of` (labels known on that
date; snapshots need their label window elapsed by then), `snapshots` (feature snapshots,
default `models.snapshots`), `trials` (hyper-parameter sets, default
`models.xgboost.trials`), `promote` (move the champion alias when the gate passes),
`conf_overrides` (`key.path=value` settings for every job of the run).

Per model, each step a `spark-submit` through the `spark_default` connection except the
gate, which needs no Spark:

1. `training_set` builds `training.<model>_sets` and opens the MLflow run;
2. `validate` runs the training set's quality gate (a failure stops the branch, no retry);
3. `fit` trains XGBoost on Spark and calibrates it;
4. `evaluate` scores the test split (and the champion on it) and registers the version;
5. `promotion_gate` decides champion or challenger and writes the model card.

Only ids travel between the steps (MLflow run id, training set id, registered version).
`report` prints every model's version, test metrics and decision; the same line is the
`summary` tag of the MLflow run (experiments `telco_churn` / `telco_fraud`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from airflow.sdk import Param, TaskGroup, TriggerRule, dag, task

from orchestration.airflow_tasks import (
    CONF_OVERRIDES,
    SparkJob,
    conf_overrides_param,
    default_args,
    settings,
    spark_submit_kwargs,
    xcom,
)
from telco_risk.config import MODELS

cfg = settings()


@task.branch(task_id="choose_models")
def choose_models(model: str, reason: str, alert_id: str) -> list[str]:
    """The first task of each chosen model's branch; logs why the run was asked for."""
    import logging

    chosen = list(MODELS) if model == "both" else [model]
    logging.getLogger("telco_risk.airflow").info(
        "retraining %s (reason: %s; alert: %s)", ", ".join(chosen), reason or "-", alert_id or "-"
    )
    return [f"{m}.training_set" for m in chosen]


@task(task_id="promotion_gate")
def promotion_gate(evaluated: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Champion/challenger gate of the version ``evaluate`` registered (MLflow only, no Spark)."""
    from jobs.train_gate import gate
    from telco_risk.config import load_config

    params = params or {}
    cfg = load_config(overrides=params.get(CONF_OVERRIDES) or [])
    outcome = gate(cfg, evaluated["model"], str(evaluated["version"]), params.get("promote"))
    print(outcome.summary())
    return outcome.ids() | {"summary": outcome.summary()}


@task(task_id="report", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
def report(ti: Any = None) -> list[str]:
    """One line per trained model: version, test metrics and the gate's decision."""
    lines = []
    for model in MODELS:
        outcome = ti.xcom_pull(task_ids=f"{model}.promotion_gate") if ti else None
        if outcome:
            lines.append(str(outcome["summary"]))
    for line in lines:
        print(line)
    return lines


def _model_branch(model: str, submit: dict[str, Any]) -> tuple[TaskGroup, Any]:
    """training_set -> validate -> fit -> evaluate -> promotion_gate of ``model``."""
    run_id = xcom(f"{model}.training_set", "run_id")
    with TaskGroup(model) as group:
        build = SparkJob(
            task_id="training_set",
            step="train_set",
            returns_ids=True,
            application_args=[
                "--model",
                model,
                "--as-of",
                "{{ params.as_of }}",
                "{% if params.snapshots %}--snapshots={{ params.snapshots }}{% endif %}",
                "--tag=airflow.run_id={{ run_id }}",
                "{% if params.reason %}--tag=retrain.reason={{ params.reason }}{% endif %}",
                "{% if params.alert_id %}--tag=retrain.alert_id={{ params.alert_id }}{% endif %}",
            ],
            **submit,
        )
        check = SparkJob(
            task_id="validate",
            step="train_validate",
            application_args=["--run-id", run_id],
            # A failed training-set gate is a verdict on the data, not a glitch: no retry.
            retries=0,
            **submit,
        )
        fitted = SparkJob(
            task_id="fit",
            step="train_fit",
            returns_ids=True,
            application_args=[
                "--run-id",
                run_id,
                "{% if params.trials %}--trials={{ params.trials }}{% endif %}",
            ],
            **submit,
        )
        evaluated = SparkJob(
            task_id="evaluate",
            step="train_evaluate",
            returns_ids=True,
            application_args=["--run-id", run_id],
            **submit,
        )
        # An XComArg, resolved to evaluate's ids at run time.
        decided = promotion_gate(cast("dict[str, Any]", evaluated.output))
        build >> check >> fitted >> evaluated
    return group, decided


@dag(
    dag_id="telco_risk_retrain",
    schedule=None,
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["telco-risk", "training"],
    params={
        "model": Param("both", type="string", enum=["churn", "fraud", "both"], description="which model(s)"),
        "as_of": Param(type="string", format="date", description="labels known on this date (YYYY-MM-DD)"),
        "snapshots": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="feature snapshots (default models.snapshots)",
        ),
        "trials": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            description="hyper-parameter sets to try (default models.xgboost.trials)",
        ),
        "promote": Param(
            cfg.models.auto_promote,
            type="boolean",
            description="move the champion alias when the gate passes",
        ),
        "reason": Param(None, type=["null", "string"], description="why retrain (the monitor's alert)"),
        "alert_id": Param(None, type=["null", "string"], description="the monitor's alert id"),
        CONF_OVERRIDES: conf_overrides_param(),
    },
    default_args=default_args(cfg),
)
def telco_risk_retrain() -> None:
    chosen = choose_models("{{ params.model }}", "{{ params.reason or '' }}", "{{ params.alert_id or '' }}")
    submit = spark_submit_kwargs(cfg)
    gates = []
    for model in MODELS:
        group, decided = _model_branch(model, submit)
        chosen >> group
        gates.append(decided)
    gates >> report()


telco_risk_retrain()
