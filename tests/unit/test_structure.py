"""The package's structure: no import circles in src/customer_health, no module over ~500
lines (issue 20). Pure Python (ast): nothing is imported or run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / "customer_health"
MAX_LINES = 500


def module_name(path: Path, package_dir: Path = PACKAGE_DIR) -> str:
    """customer_health.pipeline.run for .../customer_health/pipeline/run.py."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its text (module level,
    inside functions, under TYPE_CHECKING: a circle through any of them is a circle)."""
    modules = {module_name(p, package_dir): p for p in package_dir.rglob("*.py")}
    root = package_dir.name
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")
                    anchor = anchor if is_package else anchor[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # `import a.b.c` imports a.b.c; the parent packages it also runs are not
                # counted (every submodule would otherwise "import" its package)
                if (target == root or target.startswith(root + ".")) and target in modules:
                    if target != name:
                        edges.add(target)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    graph = import_graph()
    assert "customer_health.pipeline.run" in graph  # the graph covers the package
    assert cycles(graph) == []


def test_a_deliberate_circle_is_found(tmp_path: Path) -> None:
    """The check itself can fail: two modules importing each other (one inside a function,
    one under TYPE_CHECKING) are a circle."""
    package = tmp_path / "customer_health"
    (package / "engines").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engines" / "__init__.py").write_text("")
    (package / "engines" / "export.py").write_text(
        "def f():\n    from customer_health.engines import spark\n")
    (package / "engines" / "spark.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from customer_health.engines.export import f\n")
    (package / "engines" / "other.py").write_text("from . import export\n")
    assert cycles(import_graph(package)) == [
        ["customer_health.engines.export", "customer_health.engines.spark"]]


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_no_module_over_500_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE_DIR)}: {lines} lines"
