"""Validation outcomes: one ``CheckResult`` per expectation, a ``GateResult`` per run, the
text summary, and their Delta tables (``ops.quality_results``, ``ops.quality_gate``)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telco_risk.tables import QUALITY_GATE, QUALITY_RESULTS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from telco_risk.config import Config

NIGHTLY = "nightly"  # scope of a full nightly gate run; publish looks only at these

RESULTS_SCHEMA = (
    "run_id string, validated_at timestamp, date date, scope string, table string, suite string,"
    " check string, kind string, expectation string, column string, severity string, success boolean,"
    " observed_value string, unexpected_count long, unexpected_percent double, unexpected_sample string,"
    " description string, error string"
)
GATE_SCHEMA = (
    "date date, run_id string, scope string, passed boolean, failures int, warnings int, checks int,"
    " tables string, data_docs string, validated_at timestamp, summary string"
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one expectation on one table."""

    table: str
    suite: str
    check: str
    kind: str
    expectation: str
    column: str | None
    severity: str  # fail | warn
    success: bool
    observed_value: Any = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sample: list[Any] = field(default_factory=list)
    description: str = ""
    error: str | None = None

    def line(self) -> str:
        """``FAIL bronze.cdr range:duration_s expect_column_values_to_be_between ...``."""
        parts = [f"{self.severity.upper():<4} {self.table} {self.check}", f"[{self.expectation}]"]
        if self.column:
            parts.append(f"column {self.column}")
        parts.append(f"observed {observed_text(self)}")
        if self.unexpected_sample:
            parts.append(f"sample {_json(self.unexpected_sample)}")
        if self.description:
            parts.append(f"expected: {self.description}")
        return " ".join(parts)


def observed_text(r: CheckResult) -> str:
    if r.error:
        return f"error: {r.error}"
    if r.unexpected_count is not None:
        pct = "" if r.unexpected_percent is None else f" ({r.unexpected_percent:.2f}%)"
        return f"{r.unexpected_count} unexpected row(s){pct}"
    return _json(r.observed_value)


def _json(value: Any) -> str:
    return json.dumps(value, default=str)


@dataclass
class GateResult:
    """All check results of one validation run (a nightly date or a training set)."""

    run_id: str
    date: dt.date
    scope: str
    tables: list[str]
    results: list[CheckResult]
    validated_at: dt.datetime
    data_docs: str | None = None

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "fail"]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == "warn"]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def summary(self) -> str:
        """What failed and warned, one line each, under a one-line verdict."""
        verdict = "PASSED" if self.passed else "FAILED"
        head = (
            f"quality gate {self.scope} {self.date}: {verdict} - {len(self.failures)} failure(s),"
            f" {len(self.warnings)} warning(s), {len(self.results)} checks on {len(self.tables)} table(s)"
            f" (run {self.run_id})"
        )
        lines = [head, *(r.line() for r in self.failures), *(r.line() for r in self.warnings)]
        if self.data_docs:
            lines.append(f"data docs: {self.data_docs}")
        return "\n".join(lines)


def result_rows(gate: GateResult) -> list[tuple[Any, ...]]:
    """Rows of ``ops.quality_results`` (RESULTS_SCHEMA order)."""
    return [
        (
            gate.run_id,
            gate.validated_at,
            gate.date,
            gate.scope,
            r.table,
            r.suite,
            r.check,
            r.kind,
            r.expectation,
            r.column,
            r.severity,
            r.success,
            None if r.observed_value is None else _json(r.observed_value),
            r.unexpected_count,
            r.unexpected_percent,
            _json(r.unexpected_sample) if r.unexpected_sample else None,
            r.description,
            r.error,
        )
        for r in gate.results
    ]


def record(spark: SparkSession, cfg: Config, gate: GateResult) -> None:
    """Append the run's check results and its verdict (two Delta appends)."""
    from telco_risk import delta_io

    if gate.results:
        results = spark.createDataFrame(result_rows(gate), RESULTS_SCHEMA)
        delta_io.append(results, cfg.table_path(QUALITY_RESULTS), partition_by=["date"])
    verdict = [
        (
            gate.date,
            gate.run_id,
            gate.scope,
            gate.passed,
            len(gate.failures),
            len(gate.warnings),
            len(gate.results),
            ",".join(gate.tables),
            gate.data_docs,
            gate.validated_at,
            gate.summary,
        )
    ]
    delta_io.append(spark.createDataFrame(verdict, GATE_SCHEMA), cfg.table_path(QUALITY_GATE))


def gate_passed(spark: SparkSession, cfg: Config, date: dt.date) -> bool | None:
    """Whether the latest nightly gate run for ``date`` passed; None when none ran."""
    from pyspark.sql import functions as F

    from telco_risk import delta_io

    path = cfg.table_path(QUALITY_GATE)
    if not delta_io.table_exists(path):
        return None
    row = (
        delta_io.read_table(spark, path)
        .where((F.col("date") == F.lit(date)) & (F.col("scope") == NIGHTLY))
        .orderBy(F.col("validated_at").desc())
        .select("passed")
        .first()
    )
    return None if row is None else bool(row.passed)
