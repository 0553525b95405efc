"""The import graph points down only: evals -> solvers, scorers -> core, with no cycles.

Read from source (every import statement, at module level or inside a function), so a
cycle hidden behind a late import counts too. The layers are what other evals rely on:
solvers and scorers can be used without each other, and neither drags in the suite's tasks.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import long_horizon_execution

NAMESPACE = "long_horizon_execution"
ROOT = Path(long_horizon_execution.__file__).parent
LAYERS = {"core": 0, "solvers": 1, "scorers": 1, "evals": 2}
"""A package may import packages of a lower layer only (and itself)."""


def module_files() -> dict[str, Path]:
    """Every module of the namespace, by dotted name (the links to evals/, solvers/ and
    scorers/ are followed, as Python follows them)."""
    found: dict[str, Path] = {}
    paths = (
        Path(folder, file)
        for folder, _, files in os.walk(ROOT, followlinks=True)
        for file in files
        if file.endswith(".py")
    )
    for path in sorted(paths):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join([NAMESPACE, *parts])] = path
    return found


MODULES = module_files()


def imported_modules(name: str, path: Path) -> Iterator[str]:
    """The namespace's modules ``name`` imports: ``from P import X`` counts as P.X when
    that is a module, else as P (whose ``__init__`` runs)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        yield from (target for target in targets if target in MODULES and target != name)


GRAPH = {name: set(imported_modules(name, path)) for name, path in MODULES.items()}


def layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_the_graph_was_read() -> None:
    loop = GRAPH[f"{NAMESPACE}.solvers.turn_loop"]
    assert f"{NAMESPACE}.core" in loop and f"{NAMESPACE}.solvers.history" in loop


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n)))
def test_imports_point_down(name: str) -> None:
    own = layer(name)
    assert own is not None
    upward = sorted(
        target
        for target in GRAPH[name]
        if (other := layer(target)) is not None and other != own and LAYERS[other] >= LAYERS[own]
    )
    assert upward == [], f"{name} imports a layer at or above its own"


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components with more than one module (a cycle), iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_file_cycles() -> None:
    assert strongly_connected(GRAPH) == []


def test_no_package_cycles() -> None:
    packages: dict[str, set[str]] = {}
    for name, targets in GRAPH.items():
        source = name.rpartition(".")[0] if MODULES[name].name != "__init__.py" else name
        packages.setdefault(source, set()).update(
            target if MODULES[target].name == "__init__.py" else target.rpartition(".")[0]
            for target in targets
        )
    for source in packages:
        packages[source].discard(source)
    for targets in list(packages.values()):
        for target in targets:
            packages.setdefault(target, set())
    assert strongly_connected(packages) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []
