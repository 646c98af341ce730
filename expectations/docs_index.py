"""A static summary of the latest gate run, written into the data docs' index page.

GX draws its index table with JavaScript libraries it loads from public CDNs; on a
machine without internet access (most operators' batch hosts) the index shows no runs.
``with_latest_run(index_html, section)`` puts a plain HTML table of the latest run
(status, suite, checks failed and warned, link to GX's validation page) at the top of the
page, so the docs show it with or without those scripts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = "<!-- telco-risk latest run -->", "<!-- /telco-risk latest run -->"


@dataclass(frozen=True)
class SuiteRow:
    suite: str
    table: str
    checks: int
    failures: int  # failed checks of severity fail
    warnings: int  # failed checks of severity warn
    page: str | None  # GX validation page, relative to the docs folder

    @property
    def status(self) -> str:
        return "FAILED" if self.failures else ("WARNED" if self.warnings else "passed")


def validation_pages(docs_dir: Path, run_id: str) -> dict[str, str]:
    """Suite name -> its validation page of run ``run_id`` (path relative to ``docs_dir``);
    GX writes ``validations/<suite name, dots as folders>/<run>/<time>/<batch>.html``."""
    root = docs_dir / "validations"
    pages: dict[str, str] = {}
    for page in sorted(root.glob(f"**/{run_id}/*/*.html")):
        suite_parts = page.relative_to(root).parts[:-3]
        pages[".".join(suite_parts)] = page.relative_to(docs_dir).as_posix()
    return pages


def latest_run_section(run_id: str, run_time: str, rows: list[SuiteRow]) -> str:
    """The HTML block: a heading naming the run and one table row per suite."""
    failed = sum(1 for r in rows if r.failures)
    body = []
    for r in rows:
        name = html.escape(r.suite)
        link = f'<a href="{html.escape(r.page)}">{name}</a>' if r.page else name
        colour = {"FAILED": "#b00020", "WARNED": "#9a6700"}.get(r.status, "#1a7f37")
        body.append(
            f'<tr><td style="color:{colour};font-weight:bold">{r.status}</td><td>{link}</td>'
            f"<td>{html.escape(r.table)}</td><td>{r.checks}</td><td>{r.failures}</td><td>{r.warnings}</td></tr>"
        )
    verdict = f"{failed} suite(s) failed" if failed else "every suite passed"
    return (
        f'{BEGIN}<section id="telco-risk-latest-run" style="margin:1em;font-family:sans-serif">'
        f"<h2>Latest run: {html.escape(run_id)}</h2>"
        f"<p>validated at {html.escape(run_time)}: {len(rows)} suite(s), {verdict}</p>"
        '<table border="1" cellpadding="4" style="border-collapse:collapse">'
        "<tr><th>status</th><th>suite</th><th>table</th><th>checks</th><th>failed</th><th>warned</th></tr>"
        f"{''.join(body)}</table></section>{END}"
    )


def with_latest_run(index_html: str, section: str) -> str:
    """``index_html`` with ``section`` right after ``<body>`` (replacing an earlier one)."""
    if BEGIN in index_html and END in index_html:
        start, stop = index_html.index(BEGIN), index_html.index(END) + len(END)
        index_html = index_html[:start] + index_html[stop:]
    at = index_html.find("<body")
    if at == -1:
        return section + index_html
    close = index_html.index(">", at) + 1
    return index_html[:close] + section + index_html[close:]
