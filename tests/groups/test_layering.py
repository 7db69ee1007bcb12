"""The groups package imports downward only: no import circle between its modules, no
import hidden inside a function, nothing from above groups (only ``specproof._core``)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import specproof.groups

ROOT = Path(specproof.groups.__file__).parent


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out[".".join(["specproof.groups", *parts])] = ast.parse(path.read_text())
    return out


def _imported(node: ast.AST) -> list[str]:
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return []


def test_no_function_level_imports_of_specproof():
    for name, tree in _modules().items():
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    for mod in _imported(node):
                        assert not mod.startswith("specproof"), f"{name}.{fn.name} imports {mod}"


def test_imports_stay_inside_groups_and_core():
    for name, tree in _modules().items():
        for node in tree.body:
            for mod in _imported(node):
                if mod.startswith("specproof"):
                    assert mod == "specproof._core" or mod.startswith("specproof.groups."), (
                        f"{name} imports {mod}")


def test_module_import_graph_has_no_cycle():
    mods = _modules()
    graph = {}
    for name, tree in mods.items():
        deps = set()
        for node in tree.body:
            for mod in _imported(node):
                if mod.startswith("specproof.groups"):
                    assert mod != "specproof.groups" or name == "specproof.groups", (
                        f"{name} imports the package itself")
                    deps.add(mod)
        graph[name] = deps - {name}
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError
    assert order.index("specproof.groups.cayley") < order.index("specproof.groups.finite")
    assert order.index("specproof.groups.representations") < order.index(
        "specproof.groups.finite")
