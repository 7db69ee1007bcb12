"""Architectures as networkx graphs: MLP, ResNet skips, DenseNet, bottleneck, random DAGs.

Block builders return a ``DiGraph`` whose nodes are blocks of neurons (attribute ``size``)
named ``"x"`` (input), ``"h1"``, ..., ``"hL"`` (hidden) and ``"y"`` (output); each edge is a
dense weight block. :func:`random_dag` returns a neuron-level graph (one weight per edge).
Activations are left to :func:`specproof.dag_nets.compile` unless ``activation`` is given
(then it is stored on the hidden nodes: a built-in by its name, any other
:class:`~specproof.dag_nets.activations.Activation` as the object itself, see
:func:`stored_activation`).

Examples
--------
>>> g = densenet(16, depth=3, d_in=4)
>>> sorted(g.predecessors("h3"))
['h1', 'h2', 'x']
>>> [g.nodes[n]["size"] for n in g]
[4, 16, 16, 16, 1]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import ArgumentError, as_generator, as_int
from specproof.dag_nets.activations import ACTIVATIONS, get_activation
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.graph_limits import check_graph_size
from specproof.dag_nets.graphml_checks import check_graphml, strip_boolean_values
from specproof.dag_nets.structure import analyse


def _hidden_sizes(width: int | Sequence[int], depth: int | None) -> list[int]:
    if isinstance(width, (int, np.integer)) and not isinstance(width, bool):
        w = as_int(width, "width", minimum=1)
        d = as_int(2 if depth is None else depth, "depth", minimum=1)
        check_graph_size(d + 2, d + 1, f"depth={d}")
        return [w] * d
    try:
        sizes = [as_int(m, "width", minimum=1) for m in width]
    except TypeError as exc:
        raise ArgumentError(f"width must be a positive int or a list of them: {exc}") from exc
    if not sizes:
        raise ArgumentError("width must list at least one hidden layer size")
    if depth is not None and as_int(depth, "depth", minimum=1) != len(sizes):
        raise ArgumentError(f"depth={depth} does not match the {len(sizes)} widths given")
    return sizes


def stored_activation(activation: Any) -> Any:
    """What a builder stores as the ``activation`` of its hidden nodes: the name of a
    built-in (the graph stays plain data, writable as GraphML), any other
    :class:`~specproof.dag_nets.activations.Activation` itself.

    The name alone ran the built-in for ``Activation("tanh", <another function>)``; the
    object is what ``compile`` computes with and what the cache keys (by its values).

    Examples
    --------
    >>> from specproof.dag_nets.activations import leaky_relu
    >>> stored_activation("Tanh"), stored_activation(leaky_relu(0.3))
    ('tanh', Activation('leaky_relu(0.3)'))
    """
    act = get_activation(activation)
    return act.name if ACTIVATIONS.get(act.name) is act else act


def _chain(
    hidden: list[int], d_in: int, d_out: int, activation: Any | None
) -> tuple[nx.DiGraph, list[str]]:
    d_in = as_int(d_in, "d_in", minimum=1)
    d_out = as_int(d_out, "d_out", minimum=1)
    stored = None if activation is None else stored_activation(activation)
    g = nx.DiGraph()
    g.add_node("x", size=d_in)
    names = [f"h{i + 1}" for i in range(len(hidden))]
    for name, m in zip(names, hidden):
        g.add_node(name, size=m)
        if stored is not None:
            g.nodes[name]["activation"] = stored
    g.add_node("y", size=d_out)
    return g, names


def mlp(
    width: int | Sequence[int],
    depth: int | None = None,
    d_in: int = 1,
    d_out: int = 1,
    activation: Any | None = None,
) -> nx.DiGraph:
    """A fully connected network ``x -> h1 -> ... -> hL -> y``.

    Parameters
    ----------
    width : int or sequence of int
        The hidden layer size, or the list of hidden sizes (then ``depth`` is inferred).
    depth : int, optional
        Number of hidden layers (default 2).
    d_in, d_out : int
        Input and output dimension.
    activation : str or Activation, optional
        Stored on the hidden nodes (see :func:`stored_activation`); otherwise chosen at
        compile time.

    Examples
    --------
    >>> list(mlp([3, 5], d_in=2).edges)
    [('x', 'h1'), ('h1', 'h2'), ('h2', 'y')]
    """
    g, names = _chain(_hidden_sizes(width, depth), d_in, d_out, activation)
    nx.add_path(g, ["x", *names, "y"])
    return g


def resnet(
    width: int,
    depth: int = 4,
    d_in: int = 1,
    d_out: int = 1,
    skip: int | None = None,
    activation: Any | None = None,
) -> nx.DiGraph:
    """An MLP plus skip connections ``h[l-skip] -> h[l]`` (each a weighted dense block).

    In the paper's model every edge carries weights and the pre-activation is scaled by
    the total fan-in, so a skip is a second dense block into the same node. ``skip``
    defaults to 2; one given explicitly must leave at least one skip edge
    (``skip < depth``). With the default and ``depth <= 2`` there is no room for a skip
    and the graph is the plain MLP.

    Raises
    ------
    ArgumentError
        If an explicit ``skip`` is at least the number of hidden layers (there would be
        no skip connection: the result would silently be an MLP).

    Examples
    --------
    >>> sorted(resnet(8, depth=4).predecessors("h4"))
    ['h2', 'h3']
    """
    explicit = skip is not None
    skip = as_int(2 if skip is None else skip, "skip", minimum=2)
    sizes = _hidden_sizes(width, depth)
    if explicit and skip >= len(sizes):
        raise ArgumentError(
            f"skip={skip} leaves no skip connection in {len(sizes)} hidden layers (an edge "
            f"h[l-skip] -> h[l] needs skip < depth = {len(sizes)}); use a smaller skip or a "
            "deeper network, or mlp() for no skips")
    g, names = _chain(sizes, d_in, d_out, activation)
    nx.add_path(g, ["x", *names, "y"])
    for i in range(skip, len(names)):
        g.add_edge(names[i - skip], names[i])
    return g


def densenet(
    width: int,
    depth: int = 4,
    d_in: int = 1,
    d_out: int = 1,
    activation: Any | None = None,
) -> nx.DiGraph:
    """Dense connections: every hidden layer receives the input and all earlier layers;
    the output receives every hidden layer.

    Examples
    --------
    >>> sorted(densenet(8, depth=2).predecessors("y"))
    ['h1', 'h2']
    """
    sizes = _hidden_sizes(width, depth)
    check_graph_size(len(sizes) + 2, (len(sizes) + 1) * (len(sizes) + 2) // 2,
                     f"densenet depth={len(sizes)}")
    g, names = _chain(sizes, d_in, d_out, activation)
    for i, v in enumerate(names):
        for u in ["x", *names[:i]]:
            g.add_edge(u, v)
        g.add_edge(v, "y")
    return g


def bottleneck(
    width: int,
    bottleneck: int,
    depth: int = 3,
    d_in: int = 1,
    d_out: int = 1,
    position: int | None = None,
    activation: Any | None = None,
) -> nx.DiGraph:
    """An MLP whose hidden layer ``position`` (1-based, default ``depth // 2``) has
    ``bottleneck`` neurons while the others have ``width``.

    The layer after the bottleneck has in-degree ``bottleneck``, so the paper's width is
    ``min(width, bottleneck)`` however large ``width`` grows.

    Examples
    --------
    >>> g = bottleneck(64, bottleneck=2, depth=3)
    >>> [g.nodes[n]["size"] for n in ("h1", "h2", "h3")]
    [2, 64, 64]
    """
    depth = as_int(depth, "depth", minimum=2)
    position = as_int(
        depth // 2 if position is None else position, "position", minimum=1, maximum=depth - 1
    )
    sizes = [as_int(width, "width", minimum=1)] * depth
    sizes[position - 1] = as_int(bottleneck, "bottleneck", minimum=1)
    return mlp(sizes, d_in=d_in, d_out=d_out, activation=activation)


def random_dag(
    n_nodes: int,
    min_in_degree: int,
    n_inputs: int,
    n_outputs: int = 1,
    max_in_degree: int | None = None,
    seed: Any = None,
) -> nx.DiGraph:
    """A random neuron-level DAG: nodes ``0 .. n_nodes-1``, one weight per edge.

    Nodes ``0 .. n_inputs-1`` are inputs and the last ``n_outputs`` nodes are outputs.
    Every other node draws an in-degree uniformly from ``[min_in_degree, max_in_degree]``
    and that many distinct predecessors uniformly among the earlier nodes; a node that
    feeds nothing is then joined to a random later hidden or output node (so in-degrees
    only grow and every non-output node reaches an output).

    Examples
    --------
    >>> g = random_dag(60, min_in_degree=4, n_inputs=5, seed=0)
    >>> min(d for n, d in g.in_degree() if n >= 5) >= 4
    True
    """
    n = as_int(n_nodes, "n_nodes", minimum=3)
    k_min = as_int(min_in_degree, "min_in_degree", minimum=1)
    n_in = as_int(n_inputs, "n_inputs", minimum=1)
    n_out = as_int(n_outputs, "n_outputs", minimum=1)
    k_max = k_min if max_in_degree is None else as_int(max_in_degree, "max_in_degree")
    if k_max < k_min:
        raise ArgumentError(f"max_in_degree={k_max} is below min_in_degree={k_min}")
    check_graph_size(n, n * k_max, f"n_nodes={n}, max_in_degree={k_max}")
    if k_min > n_in:
        raise ArgumentError(
            f"min_in_degree={k_min} exceeds n_inputs={n_in}: the first hidden node can only "
            "draw its predecessors among the inputs"
        )
    if n - n_in - n_out < 1:
        raise ArgumentError(f"n_nodes={n} leaves no hidden node after {n_in} inputs and "
                            f"{n_out} outputs")
    rng = as_generator(seed)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    srcs, dsts = [], []
    for v in range(n_in, n):
        hi = min(v, n - n_out)  # outputs feed nothing
        k = int(rng.integers(k_min, min(k_max, hi) + 1))
        pick = np.unique(rng.integers(0, hi, size=2 * k + 4))
        while pick.size < k:  # rare: too many collisions among few earlier nodes
            pick = np.unique(np.concatenate([pick, rng.integers(0, hi, size=k)]))
        pick = rng.permutation(pick)[:k]
        srcs.append(pick)
        dsts.append(np.full(k, v))
    src = np.concatenate(srcs)
    dst = np.concatenate(dsts)
    has_out = np.zeros(n, dtype=bool)
    has_out[src] = True
    extra_s, extra_d = [], []
    for u in np.flatnonzero(~has_out[: n - n_out]):
        extra_s.append(u)
        extra_d.append(int(rng.integers(max(u + 1, n_in), n)))
    g.add_edges_from(zip(np.concatenate([src, extra_s]).tolist(),
                         np.concatenate([dst, extra_d]).tolist()))
    # declared, so that outputs in different layers are not mistaken for dead ends
    for v in range(n - n_out, n):
        g.nodes[v]["role"] = "output"
    return g


def read_graphml(path: str | Path, data: bytes | None = None) -> nx.DiGraph:
    """Read a network from GraphML (node attributes ``size``, ``activation``, ``role``,
    ``fixed_size``) and validate it.

    ``data``, when given, is the file's content read earlier (then ``path`` only names
    it in messages): a sweep reads its file once, so that every point measures the graph
    that keyed it even if the file is edited meanwhile.

    What networkx would merge or ignore silently is refused, naming the file and what
    was found (:func:`specproof.dag_nets.graphml_checks.check_graphml`); a path that is a
    directory or a named pipe is named for what it is.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "net.graphml")
    >>> nx.write_graphml(mlp(4, depth=2, d_in=3), p)
    >>> sorted(read_graphml(p).nodes(data="size"))
    [('h1', 4), ('h2', 4), ('x', 3), ('y', 1)]
    """
    import xml.etree.ElementTree as ET

    p = Path(path)
    where = repr(str(p))
    if data is None:
        data = _file_bytes(p)
    try:
        # the parser networkx uses (expat: no external entities, bounded expansion)
        root = ET.fromstring(data)
        check_graphml(root, where)
        if strip_boolean_values(root) or not root.tag.startswith("{"):
            # the document as parsed, written out again: without xmlns networkx inserts
            # it by replacing the text "<graphml>", which failed on bytes, on a file in
            # UTF-16 or Latin-1 decoded as UTF-8, and on "<graphml >"
            data = ET.tostring(root, encoding="unicode")
        g = nx.parse_graphml(data)
    except GraphError:
        raise
    except Exception as exc:  # malformed XML and the like
        raise ArgumentError(f"could not read GraphML from {where}: {exc}") from exc
    if not g.is_directed():
        raise ArgumentError(f"GraphML file {where} holds an undirected graph")
    if g.is_multigraph():
        # networkx reads parallel edges as a MultiDiGraph; DiGraph(g) kept one of them
        # silently (the same graph built in memory is refused)
        seen: set[tuple] = set()
        for u, v in g.edges():
            if (u, v) in seen:
                raise GraphError(f"GraphML file {where} has the edge {u!r} -> {v!r} more "
                                 "than once: a DAG network has at most one weight block per "
                                 "pair of nodes")
            seen.add((u, v))
    g = nx.DiGraph(g)
    # a <key> default applies to every node that does not set it: networkx keeps the
    # defaults in graph attributes only, and a file with size 3 / tanh as defaults was
    # built with inputs of size 1 and erf hidden nodes (edges take no attributes at all)
    g.graph.pop("edge_default", None)
    default = g.graph.pop("node_default", None) or {}
    for attrs in g.nodes.values():
        for k, v in default.items():
            attrs.setdefault(k, v)
    analyse(g)
    return g


def _file_bytes(p: Path) -> bytes:
    """The bytes of the GraphML file ``p``; a path that exists but is no regular file is
    named for what it is (and a FIFO never opened: reading it would block)."""
    import stat

    try:
        mode = p.stat().st_mode
        if stat.S_ISREG(mode):
            return p.read_bytes()
        kinds = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a named pipe (FIFO)",
                 stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
                 stat.S_IFBLK: "a block device"}
        why = f"it is {kinds.get(stat.S_IFMT(mode), 'no regular file')}"
    except FileNotFoundError:
        why = "no such file"
    except OSError as exc:
        why = str(exc.strerror or exc)
    raise ArgumentError(f"path {str(p)!r} is not a readable GraphML file: {why}")


def to_neurons(graph: nx.DiGraph) -> nx.DiGraph:
    """Expand a block graph into its neuron-level graph: node ``v`` of size m becomes
    ``(v, 0) ... (v, m-1)``, each block edge becomes all neuron pairs.

    The weight ``W[u->v][i, j]`` of the block network is the weight of edge
    ``((u, i), (v, j))`` of the expansion; with the same weights both compute the same
    function (this is how the sparse and the block engines are tested against each other).

    Examples
    --------
    >>> to_neurons(mlp(2, depth=1, d_in=1)).number_of_edges()
    4
    """
    s = analyse(graph)
    check_graph_size(sum(s.sizes.values()),
                     sum(s.sizes[u] * s.sizes[v] for u, v in graph.edges),
                     "the neuron-level expansion of this block graph")
    out = nx.DiGraph()
    for v in graph.nodes:
        attrs = {k: a for k, a in graph.nodes[v].items() if k != "size"}
        out.add_nodes_from(((v, i) for i in range(s.sizes[v])), **attrs)
    for u, v in graph.edges:
        out.add_edges_from(((u, i), (v, j)) for i in range(s.sizes[u]) for j in range(s.sizes[v]))
    return out


def random_block_dag(
    width: int,
    n_hidden: int = 5,
    d_in: int = 1,
    d_out: int = 1,
    max_in_degree: int = 3,
    seed: Any = None,
    activation: Any | None = None,
) -> nx.DiGraph:
    """A random DAG of blocks: hidden nodes ``h1 ... hK`` of ``width`` neurons, each fed by
    1 to ``max_in_degree`` distinct earlier nodes (the input ``x`` included) drawn
    uniformly; ``h1`` reads ``x``, and the output ``y`` reads ``hK`` plus every hidden
    node that would otherwise feed nothing.

    The structure depends on ``seed`` only, not on ``width``, so a width sweep grows one
    architecture (what the infinite-width limit of
    :func:`specproof.dag_nets.infinite_width_ntk` describes).

    Examples
    --------
    >>> g = random_block_dag(16, n_hidden=4, d_in=3, seed=0)
    >>> sorted(g.predecessors("h1")), g.nodes["h2"]["size"]
    (['x'], 16)
    """
    k = as_int(n_hidden, "n_hidden", minimum=1)
    kmax = as_int(max_in_degree, "max_in_degree", minimum=1)
    check_graph_size(k + 2, k * (min(kmax, k) + 1) + 1, f"n_hidden={k}")
    rng = as_generator(seed)
    g, names = _chain([as_int(width, "width", minimum=1)] * k, d_in, d_out, activation)
    g.add_edge("x", names[0])
    for i in range(1, k):
        earlier = ["x", *names[:i]]
        n = int(rng.integers(1, min(kmax, len(earlier)) + 1))
        for j in rng.choice(len(earlier), size=n, replace=False):
            g.add_edge(earlier[int(j)], names[i])
    g.add_edge(names[-1], "y")
    for v in names[:-1]:
        if g.out_degree(v) == 0:
            g.add_edge(v, "y")
    return g
