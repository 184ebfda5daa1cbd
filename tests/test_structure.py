"""Imports run one way: no module of sitegen imports, however indirectly, one that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT


def _imports(path: Path) -> set[str]:
    """Every sitegen module `path` imports, at the top or inside a function (a late import is still a seam)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sitegen"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("sitegen"))
    return found


def test_no_import_cycles() -> None:
    modules = {f"sitegen.{p.stem}": p for p in (ROOT / "sitegen").glob("*.py") if p.stem not in ("__init__", "__main__")}
    graph = {name: sorted(_imports(path) & modules.keys() - {name}) for name, path in modules.items()}
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append(trail[trail.index(name):] + [name])
            return
        if name in done:
            return
        for target in graph[name]:
            visit(target, [*trail, name])
        done.add(name)

    for start in sorted(graph):
        visit(start, [])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles[:5])
