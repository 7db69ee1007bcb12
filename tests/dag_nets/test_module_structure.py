"""The dag_nets modules import one another without a circle, as drawn from their source
(imports inside functions and under TYPE_CHECKING count), and no module-level function
takes ``self``."""

import ast
from pathlib import Path

import networkx as nx

import specproof.dag_nets

PKG = Path(specproof.dag_nets.__file__).parent


def _modules():
    return {p.stem: ast.parse(p.read_text()) for p in PKG.glob("*.py")}


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "specproof.dag_nets":
                for a in node.names:  # "from specproof.dag_nets import ntk" or a name
                    yield a.name if (PKG / f"{a.name}.py").exists() else "__init__"
            elif node.module.startswith("specproof.dag_nets."):
                yield node.module.split(".")[2]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("specproof.dag_nets."):
                    yield a.name.split(".")[2]


def test_import_graph_has_no_circle():
    g = nx.DiGraph()
    for name, tree in _modules().items():
        g.add_node(name)
        for target in _imports(tree):
            if target != name:
                g.add_edge(name, target)
    cycles = list(nx.simple_cycles(g))
    assert not cycles, cycles
    # the assembly depends on the measurements, which depend on the core, never back
    assert nx.has_path(g, "network", "ntk") and nx.has_path(g, "network", "hessian")
    assert not nx.has_path(g, "core", "network") and not nx.has_path(g, "ntk", "network")


def test_no_module_level_function_takes_self():
    bad = [
        f"{name}.{f.name}"
        for name, tree in _modules().items()
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and f.args.args and f.args.args[0].arg == "self"
    ]
    assert not bad, bad
