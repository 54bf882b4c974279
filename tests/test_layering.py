"""The package layering: no import cycle and no upward import inside ``src/bbgky``.

Every ``import`` / ``from … import`` of a bbgky module counts, at module level *and* inside
functions (a lazy import is still a dependency). Levels, lowest first::

    models < particles < statistics < kinetic < hydro < scenarios < cli

A module may import from its own level or lower ones. The shared core — ``core``, ``config``, ``driver``,
``output``, ``errors``, ``precision``, ``parallel``, ``docs`` (and the package ``__init__``) — may be
imported from everywhere; the core itself imports no level except ``models``, the physics
definitions the schema validates against (the potential registry, the flow presets). ``models``
uses only ``errors`` / ``precision`` of the core; an import of ``config`` from ``models`` would be a
cycle, which the second test catches: cycles are checked between modules, whatever their level.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bbgky"

LEVELS = ["models", "particles", "statistics", "kinetic", "hydro", "scenarios", "cli"]
CORE = {"__init__", "core", "config", "driver", "output", "errors", "precision", "parallel", "docs", "caches",
        "references"}

#: Known cycles still on main, each with its owner; the owner's branch removes the entry.
ALLOWED_CYCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    """Absolute names a ``from … import`` refers to (the module, or its sub-modules)."""
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{a.name}" for a in node.names]


def import_graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                targets |= set(_resolve(name, path.name == "__init__.py", node))
        graph[name] = {t for t in targets if t in files and t != name and t != "bbgky"}
    return graph


def level(module: str) -> str:
    """``"core"`` or one of :data:`LEVELS` for a module ``bbgky.…``."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    if top in CORE:
        return "core"
    assert top in LEVELS, f"{module}: not in a level nor in the core; add it to LEVELS or CORE"
    return top


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, targets in sorted(graph.items()):
        lm = level(mod)
        for t in sorted(targets):
            lt = level(t)
            if lt == "core":
                continue
            if lm == "core" and lt != "models":
                bad.append(f"{mod} (core) imports the level module {t}")
            elif lm != "core" and LEVELS.index(lt) > LEVELS.index(lm):
                bad.append(f"{mod} ({lm}) imports upward {t} ({lt})")
    return bad


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    # a function-level relative import (the cli imports its commands' modules lazily)
    assert any(t.startswith("bbgky.scenarios") for t in graph["bbgky.cli"])
    # sub-package __init__ and plain module-level relative imports
    assert "bbgky.models.potentials" in graph["bbgky.config"]


def test_no_upward_import():
    assert upward_imports(import_graph()) == []


def test_no_import_cycle():
    found = [c for c in cycles(import_graph()) if not any(c <= allowed for allowed in ALLOWED_CYCLES)]
    assert found == [], f"import cycles: {found}"


def test_checker_catches_a_cycle_and_an_upward_import():
    graph = {"bbgky.models.a": {"bbgky.hydro.b"}, "bbgky.hydro.b": {"bbgky.models.a"},
             "bbgky.config": {"bbgky.kinetic.c"}, "bbgky.kinetic.c": set()}
    assert cycles(graph) == [{"bbgky.models.a", "bbgky.hydro.b"}]
    assert upward_imports(graph) == ["bbgky.config (core) imports the level module bbgky.kinetic.c",
                                     "bbgky.models.a (models) imports upward bbgky.hydro.b (hydro)"]
