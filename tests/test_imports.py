"""The queries/ package has no import cycle, not even through imports inside functions: each
module can be read knowing only the modules below it (queries/events.py holds what both
queries/derived.py and queries/transitions.py need)."""

from __future__ import annotations

import ast
from pathlib import Path

QUERIES = Path(__file__).resolve().parent.parent / "queries"


def _imports() -> dict[str, set[str]]:
    modules = {p.stem for p in QUERIES.glob("*.py")}
    graph = {}
    for name in modules:
        deps = set()
        for node in ast.walk(ast.parse((QUERIES / f"{name}.py").read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 1:
                deps |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif node.module and node.module.startswith("queries."):
                deps.add(node.module.split(".")[1])
            elif node.module == "queries":
                deps |= {a.name for a in node.names}
        graph[name] = deps & modules - {name}
    return graph


def _cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for dep in graph[node]:
            if dep == start:
                return [*path, start]
            if dep not in seen:
                seen.add(dep)
                stack.append((dep, [*path, dep]))
    return None


def test_queries_has_no_import_cycle():
    graph = _imports()
    assert {"derived", "transitions", "runs", "events"} <= set(graph)
    assert "transitions" not in graph["derived"] and "runs" not in graph["derived"]
    cycles = [c for c in (_cycle_through(graph, m) for m in sorted(graph)) if c]
    assert cycles == [], " -> ".join(cycles[0])
