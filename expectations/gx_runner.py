"""Run ``Suite``s through Great Expectations checkpoints on Spark DataFrames.

One ephemeral GX context per run (in-memory stores, no analytics, no progress bars)
with a data docs site under ``<lakehouse>/reports/data_docs``: a Spark data source, and
per suite a dataframe asset, a whole-dataframe batch definition, a validation definition
and a checkpoint run with ``batch_parameters={"dataframe": df}``. The data docs are built
once, after the last checkpoint, and show this run; the index page opens with a static
table of it (``expectations/docs_index.py``), readable without GX's CDN scripts.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.checks import Check, Suite
from expectations.docs_index import SuiteRow, latest_run_section, validation_pages, with_latest_run
from expectations.quality_results import CheckResult

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

DOCS_SITE = "lakehouse"

SeverityOf = Callable[[str, Check], str]


def _context(docs_dir: str | None) -> Any:
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


class GxRunner:
    """Validates suites on DataFrames; ``build_docs`` writes the data docs site."""

    def __init__(self, run_id: str, docs_dir: str | None, sample_size: int):
        self.run_id = run_id
        self.docs_dir = docs_dir
        self.sample_size = sample_size
        self.context = _context(docs_dir)
        # the gate persists each frame itself, once
        self.source = self.context.data_sources.add_spark("lakehouse_frames", persist=False)
        self.run_time = dt.datetime.now(dt.UTC)
        self.validated: list[tuple[Suite, list[CheckResult]]] = []

    def validate(self, suite: Suite, df: DataFrame, severity_of: SeverityOf) -> list[CheckResult]:
        """Run ``suite`` on ``df`` through a checkpoint; one result per check."""
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        # All expectations at construction: adding them one by one re-serialises the suite.
        expectations = [_expectation(suite, c, severity_of(suite.table, c)) for c in suite.checks]
        gx_suite = self.context.suites.add(
            gx.ExpectationSuite(name=suite.name, expectations=expectations, meta={"table": suite.table})
        )
        batch = self.source.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("whole")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        result_format: dict[str, Any] = {
            "result_format": "BASIC",
            "partial_unexpected_count": self.sample_size,
        }
        if suite.index_column:
            # SUMMARY lists the offending rows with their index column (profile: the column name)
            result_format.update(result_format="SUMMARY", unexpected_index_column_names=[suite.index_column])
        checkpoint = self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"gate:{suite.name}",
                validation_definitions=[definition],
                actions=[],
                result_format=result_format,
            )
        )
        outcome = checkpoint.run(
            batch_parameters={"dataframe": df},
            run_id=RunIdentifier(run_name=self.run_id, run_time=self.run_time),
        )
        results = [r for run in outcome.run_results.values() for r in run.results]
        if len(results) != len(suite.checks):
            raise RuntimeError(f"suite {suite.name}: {len(suite.checks)} checks but {len(results)} results")
        checked = [_result(suite, r) for r in results]
        self.validated.append((suite, checked))
        return checked

    def build_docs(self) -> str | None:
        """Write the data docs site, its index topped by a static table of this run; the
        path of its index.html."""
        if not self.docs_dir:
            return None
        self.context.build_data_docs(site_names=[DOCS_SITE])
        docs = Path(self.docs_dir)
        pages = validation_pages(docs, self.run_id)
        rows = [
            SuiteRow(
                suite=suite.name,
                table=suite.table,
                checks=len(checked),
                failures=sum(1 for r in checked if not r.success and r.severity == "fail"),
                warnings=sum(1 for r in checked if not r.success and r.severity == "warn"),
                page=pages.get(suite.name),
            )
            for suite, checked in self.validated
        ]
        index = docs / "index.html"
        section = latest_run_section(self.run_id, f"{self.run_time:%Y-%m-%d %H:%M:%S} UTC", rows)
        index.write_text(with_latest_run(index.read_text(encoding="utf-8"), section), encoding="utf-8")
        return str(index)


def _expectation(suite: Suite, check: Check, severity: str) -> Any:
    from great_expectations.expectations.metadata_types import FailureSeverity
    from great_expectations.expectations.registry import get_expectation_impl

    cls = get_expectation_impl(check.expectation)
    meta = {"check": check.check_id, "kind": check.kind, "table": suite.table, "severity": severity}
    gx_severity = FailureSeverity.CRITICAL if severity == "fail" else FailureSeverity.WARNING
    return cls(**check.kwargs, meta=meta, severity=gx_severity, description=check.description or None)


def _result(suite: Suite, r: Any) -> CheckResult:
    meta = r.expectation_config.meta or {}
    check = suite.check(meta["check"])
    res = r.result or {}
    info = r.exception_info or {}
    error = info.get("exception_message") if info.get("raised_exception") else None
    observed = res.get("observed_value")
    if check.expectation == "expect_column_distinct_values_to_contain_set":
        observed = {"missing_count": res.get("missing_count")}  # its observed_value is always None
    sample = (
        res.get("partial_unexpected_index_list")
        or res.get("partial_unexpected_list")
        or res.get("partial_missing_list")
        or []
    )
    return CheckResult(
        table=suite.table,
        suite=suite.name,
        check=check.check_id,
        kind=check.kind,
        expectation=check.expectation,
        column=check.column,
        severity=meta["severity"],
        success=bool(r.success) and error is None,
        observed_value=_plain(observed),
        unexpected_count=res.get("unexpected_count"),
        unexpected_percent=_number(res.get("unexpected_percent")),
        unexpected_sample=[_plain(v) for v in sample],
        description=check.description,
        error=error,
    )


def _number(value: Any) -> float | None:
    if value is None:
        return None
    f = float(value)
    return None if math.isnan(f) else f


def _plain(value: Any) -> Any:
    """JSON-friendly values: decimals and dates as text, containers recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
