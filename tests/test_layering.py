"""The layers import only downward and no modules import each other in a cycle.

``dev/devtools`` > ``dags`` > ``orchestration`` > ``jobs`` > ``models``, ``expectations`` >
``ingestion``, ``features`` > ``telco_risk`` (the plumbing). Packages of one layer do not
import each other. Every import counts, also those inside functions or under
``TYPE_CHECKING``; job entry points run as scripts too, so no job shares a package's name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: tuple[tuple[str, ...], ...] = (
    ("telco_risk",),
    ("ingestion", "features"),
    ("models", "expectations"),
    ("jobs",),
    ("orchestration",),
    ("dags",),
    ("devtools",),
)
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}
SOURCES = {"devtools": ROOT / "dev" / "devtools"}


def package_dir(package: str) -> Path:
    return SOURCES.get(package, ROOT / package)


def modules(packages: tuple[str, ...] = tuple(LEVEL)) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages``."""
    found = {}
    for package in packages:
        base = package_dir(package)
        for path in sorted(base.rglob("*.py")):
            parts = (package, *path.relative_to(base).with_suffix("").parts)
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(source: str, known: set[str]) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a known module in ``source``, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield node.lineno, name


def import_graph(found: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {imported module: line}."""
    known = set(found)
    graph: dict[str, dict[str, int]] = {}
    for name, path in found.items():
        edges: dict[str, int] = {}
        for line, target in imported(path.read_text(encoding="utf-8"), known):
            # a package's __init__ is not an edge of its own submodules
            if target != name and not name.startswith(target + "."):
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def upward_imports(graph: dict[str, dict[str, int]], found: dict[str, Path]) -> list[str]:
    bad = []
    for name, edges in graph.items():
        mine = name.split(".")[0]
        for target, line in edges.items():
            theirs = target.split(".")[0]
            if theirs != mine and LEVEL[theirs] >= LEVEL[mine]:
                where = found[name].relative_to(ROOT)
                bad.append(f"{where}:{line} imports {target} ({theirs} is not below {mine})")
    return bad


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


@pytest.fixture(scope="module")
def project() -> tuple[dict[str, Path], dict[str, dict[str, int]]]:
    found = modules()
    return found, import_graph(found)


def test_every_package_has_a_layer():
    tops = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} - {"tests"}
    assert tops <= set(LEVEL), f"packages without a layer: {sorted(tops - set(LEVEL))}"


def test_layers_import_only_downward(project):
    found, graph = project
    assert upward_imports(graph, found) == []


def test_no_import_cycles(project):
    _, graph = project
    assert cycles(graph) == []


def test_no_job_shares_a_package_name():
    jobs = {p.stem for p in (ROOT / "jobs").glob("*.py")}
    assert jobs & set(LEVEL) == set()


def test_the_checker_sees_an_upward_import_and_a_cycle():
    """Hand-made graphs: the plumbing importing a job, two models importing each other."""
    found = {"telco_risk.tables": ROOT / "telco_risk" / "tables.py", "jobs.score": ROOT / "jobs" / "score.py"}
    graph = {"telco_risk.tables": {"jobs.score": 3}, "jobs.score": {}}
    assert upward_imports(graph, found) == [
        "telco_risk/tables.py:3 imports jobs.score (jobs is not below telco_risk)"
    ]
    looped = {"models.a": {"models.b": 1}, "models.b": {"models.c": 1}, "models.c": {"models.a": 1}, "x": {}}
    assert cycles(looped) == [["models.a", "models.b", "models.c"]]
    lazy = "def f():\n    from jobs.score import score\n"
    assert list(imported(lazy, {"jobs.score", "jobs"})) == [(2, "jobs.score"), (2, "jobs.score")]
