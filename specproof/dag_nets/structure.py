"""Validation of a networkx graph as a network, its layers and its width.

A graph defines a network when it is a directed acyclic ``networkx.DiGraph`` in which
every node is an input (in-degree 0), an output (out-degree 0) or a hidden node on a
path from an input to an output. Nodes may carry ``size`` (number of neurons, default 1)
and ``activation``; explicit roles can be given by the ``role`` node attribute
(``"input"``, ``"hidden"``, ``"output"``) or by the ``inputs=`` / ``outputs=`` arguments.

Examples
--------
>>> import networkx as nx
>>> g = nx.DiGraph([("x", "h1"), ("h1", "h2"), ("h2", "y")])
>>> nx.set_node_attributes(g, {"x": 3, "h1": 8, "h2": 16, "y": 1}, "size")
>>> width(g)
8
>>> layers(g)
[['x'], ['h1'], ['h2'], ['y']]
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import ArgumentTypeError
from specproof.dag_nets.errors import CycleError, GraphError
from specproof.dag_nets.errors import listed_names as _names

# re-exported: the GraphML checks lived here before they had a module of their own
from specproof.dag_nets.graphml_checks import GRAPHML_NODE_ATTRIBUTES, check_graphml  # noqa: F401


def node_size(graph: nx.DiGraph, node: Hashable) -> int:
    """The number of neurons of ``node`` (attribute ``size``, default 1), validated.

    Examples
    --------
    >>> g = nx.DiGraph(); g.add_node("h", size=0)
    >>> node_size(g, "h")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.dag_nets.errors.GraphError: node 'h' has size 0; a size ... positive integer
    """
    m = graph.nodes[node].get("size", 1)
    ok = isinstance(m, (int, np.integer)) and not isinstance(m, (bool, np.bool_))
    if not ok and isinstance(m, (float, np.floating)) and float(m).is_integer():
        m, ok = int(m), True  # GraphML may declare integers as doubles
    if not ok or m <= 0:
        raise GraphError(
            f"node {node!r} has size {m!r}; a size (number of neurons) must be a positive "
            "integer",
            (node,),
        )
    return int(m)


@dataclass(frozen=True)
class Structure:
    """A validated graph: its inputs, outputs, generations, sizes and fan-ins (in neurons)."""

    inputs: tuple[Hashable, ...]
    outputs: tuple[Hashable, ...]
    generations: tuple[tuple[Hashable, ...], ...]
    sizes: dict[Hashable, int]
    fan_in: dict[Hashable, int]


def _reached(graph: nx.DiGraph, sources: Sequence[Hashable]) -> set:
    """Nodes reachable from ``sources`` (themselves included), one sweep in O(edges)."""
    seen = set(sources)
    stack = list(sources)
    succ = graph._succ  # plain adjacency dicts: a BFS per input was the compile bottleneck
    while stack:
        for t in succ[stack.pop()]:
            if t not in seen:
                seen.add(t)
                stack.append(t)
    return seen


def _roles(graph: nx.DiGraph, role: str, given: Sequence[Hashable] | None) -> list | None:
    if given is not None:
        given = list(given)
        missing = [n for n in given if n not in graph]
        if missing:
            raise GraphError(f"{role}s {_names(missing)} are not nodes of the graph", missing)
        if len(set(given)) != len(given):
            raise GraphError(f"{role}s list a node twice: {given!r}", tuple(given))
        return given
    marked = [n for n, r in graph.nodes(data="role") if r == role]
    return marked or None


def analyse(
    graph: Any,
    inputs: Sequence[Hashable] | None = None,
    outputs: Sequence[Hashable] | None = None,
) -> Structure:
    """Validate ``graph`` as a network and return its :class:`Structure`.

    Raises
    ------
    ArgumentTypeError
        If ``graph`` is not a ``networkx.DiGraph`` (multigraphs and undirected graphs refused).
    CycleError
        If the graph has a directed cycle (the message lists it).
    GraphError
        For an empty graph, a size <= 0, an isolated node, a hidden node without inputs,
        nodes no input reaches, a hidden node that reaches no output, an output no input
        reaches, or disconnected parts (each message names the nodes). When the outputs
        are not declared (``outputs=`` or ``role``), the sinks are the outputs and must all
        be in the last layer: an earlier sink is a dead-end hidden node.

    Examples
    --------
    >>> s = analyse(nx.DiGraph([(0, 2), (1, 2), (2, 3)]))
    >>> s.inputs, s.outputs, s.generations
    ((0, 1), (3,), ((0, 1), (2,), (3,)))
    """
    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise ArgumentTypeError(
            f"graph must be a networkx.DiGraph (directed, no parallel edges), "
            f"got {type(graph).__name__}"
        )
    if graph.number_of_nodes() == 0:
        raise GraphError("graph has no nodes")
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph, orientation="original")
        edges = [(e[0], e[1]) for e in cycle]
        path = " -> ".join(repr(u) if not isinstance(u, str) else u for u, _ in edges)
        last = edges[0][0]
        path += f" -> {last if isinstance(last, str) else repr(last)}"
        raise CycleError(
            f"graph has a cycle {path}; a network needs a directed acyclic graph", edges
        )
    sizes = {n: node_size(graph, n) for n in graph.nodes}
    isolated = [n for n in graph.nodes if graph.degree(n) == 0]
    if isolated:
        raise GraphError(
            f"isolated nodes {_names(isolated)} have no edges (each would be both an input "
            "and an output)",
            isolated,
        )
    roles = dict(graph.nodes(data="role"))
    odd = [n for n, r in roles.items() if r not in (None, "input", "hidden", "output")]
    if odd:
        raise GraphError(
            f"nodes {_names(odd)} have a role other than 'input', 'hidden' or 'output' "
            f"({roles[odd[0]]!r})",
            odd,
        )
    hidden = {n for n, r in roles.items() if r == "hidden"}
    ins = _roles(graph, "input", inputs)
    outs = _roles(graph, "output", outputs)
    sources = [n for n in graph.nodes if graph.in_degree(n) == 0]
    sinks = [n for n in graph.nodes if graph.out_degree(n) == 0]
    marked = [n for n in sources if n in hidden]
    if marked:
        raise GraphError(f"hidden nodes {_names(marked)} have no inputs (in-degree 0)", marked)
    marked = [n for n in sinks if n in hidden]
    if marked:
        raise GraphError(f"hidden nodes {_names(marked)} reach no output (out-degree 0)",
                         marked)
    if ins is None:
        ins = sources
    else:
        fed = [n for n in ins if graph.in_degree(n) > 0]
        if fed:
            raise GraphError(f"inputs {_names(fed)} have incoming edges", fed)
        orphans = [n for n in sources if n not in set(ins)]
        if orphans:
            reach = _reached(graph, ins)
            lost = [n for n in graph.nodes if n not in reach and n not in set(orphans)]
            extra = f"; nodes reachable only through them: {_names(lost)}" if lost else ""
            raise GraphError(
                f"hidden nodes {_names(orphans)} have no inputs (in-degree 0) and are not "
                f"inputs{extra}",
                orphans + lost,
            )
    ins_set = set(ins)
    reached = _reached(graph, ins)
    unreached = [n for n in graph.nodes if n not in reached]
    if unreached:
        raise GraphError(f"nodes {_names(unreached)} are unreachable from any input", unreached)
    inferred_outputs = outs is None
    if outs is None:
        outs = sinks
    else:
        leaky = [n for n in outs if graph.out_degree(n) > 0]
        if leaky:
            raise GraphError(f"outputs {_names(leaky)} have outgoing edges", leaky)
        dead = [n for n in sinks if n not in set(outs)]
        if dead:
            raise GraphError(
                f"hidden nodes {_names(dead)} reach no output (out-degree 0) and are not "
                "outputs",
                dead,
            )
    both = [n for n in outs if n in ins_set]
    if both:
        raise GraphError(f"outputs {_names(both)} are also inputs: no input reaches them", both)
    comps = list(nx.weakly_connected_components(graph))
    if len(comps) > 1:
        comps.sort(key=len, reverse=True)
        parts = "; ".join(_names(sorted(c, key=str)) for c in comps[:4])
        raise GraphError(
            f"graph has {len(comps)} disconnected parts: {parts}",
            tuple(n for c in comps[1:] for n in c),
        )
    gens = tuple(tuple(g) for g in nx.topological_generations(graph))
    order = {n: i for i, n in enumerate(graph.nodes)}
    gens = tuple(tuple(sorted(g, key=order.__getitem__)) for g in gens)
    if inferred_outputs:
        # a sink before the last layer is most likely a hidden node whose edge onward was
        # forgotten; taken as an output it would silently add a column to every result
        last = set(gens[-1])
        dead = [n for n in outs if n not in last]
        if dead:
            raise GraphError(
                f"hidden nodes {_names(dead)} reach no output (out-degree 0, before the last "
                f"layer {_names(sorted(last, key=order.__getitem__))}); connect them to a "
                "later node, or declare every output with outputs=[...] or the node "
                "attribute role='output' if they are outputs",
                dead,
            )
    fan_in = {v: sum(sizes[u] for u in graph.predecessors(v)) for v in graph.nodes}
    return Structure(tuple(ins), tuple(outs), gens, sizes, fan_in)


def layers(graph: nx.DiGraph) -> list[list[Hashable]]:
    """The layers of ``graph``: ``networkx.topological_generations`` (inputs are layer 0).

    The layer of a node is the length of the longest path from an input to it.

    Examples
    --------
    >>> layers(nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")]))
    [['a'], ['b'], ['c']]
    """
    return [list(g) for g in analyse(graph).generations]


def width(
    graph: nx.DiGraph,
    inputs: Sequence[Hashable] | None = None,
    outputs: Sequence[Hashable] | None = None,
) -> int:
    """The paper's width: the minimum in-degree, in neurons, over layers 2 ... L-1.

    Layer 0 (inputs), layer 1 and the last layer L are excluded, and so are output nodes
    in any layer; a node's in-degree counts the neurons of its predecessors (the sum of
    their ``size``). Zhu, Liu & Belkin (2022) prove the Hessian norm is O~(1/sqrt(width)).

    Raises
    ------
    GraphError
        If the graph has no hidden node in layers 2 ... L-1 (fewer than 2 hidden layers),
        where the width is undefined.

    Examples
    --------
    >>> from specproof.dag_nets import mlp, bottleneck
    >>> width(mlp(64, depth=3, d_in=5)), width(bottleneck(64, bottleneck=4, depth=3))
    (64, 4)
    """
    s = analyse(graph, inputs, outputs)
    outs = set(s.outputs)
    last = len(s.generations) - 1
    cand = [s.fan_in[v] for g in s.generations[2:last] for v in g if v not in outs]
    if not cand:
        raise GraphError(
            f"width is the minimum in-degree over layers 2..L-1, and this graph has no hidden "
            f"node there (L = {last}); it needs at least 2 hidden layers"
        )
    return int(min(cand))
