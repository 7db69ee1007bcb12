"""The largest graphs the builders make, refused before a node is added."""

from __future__ import annotations

from specproof._core import ResourceLimitError

# the largest graphs the builders make: networkx holds a node or an edge in a few hundred
# bytes, so past these a graph needs gigabytes (depth=10**9 was killed for memory, 10**7
# a bare MemoryError deep in networkx)
MAX_GRAPH_NODES = 10**6
MAX_GRAPH_EDGES = 5 * 10**7


def check_graph_size(nodes: int, edges: int, what: str) -> None:
    """Refuse a graph of more than :data:`MAX_GRAPH_NODES` nodes or
    :data:`MAX_GRAPH_EDGES` edges before it is built, naming ``what`` asked for it."""
    if nodes > MAX_GRAPH_NODES or edges > MAX_GRAPH_EDGES:
        raise ResourceLimitError(
            f"{what} makes a graph of {nodes:.3g} nodes and {edges:.3g} edges, beyond the "
            f"{MAX_GRAPH_NODES:.0e} nodes and {MAX_GRAPH_EDGES:.0e} edges a networkx graph "
            f"holds in a few gigabytes (about {300 * (nodes + edges) / 2**30:.3g} GiB)")


__all__ = ["MAX_GRAPH_EDGES", "MAX_GRAPH_NODES", "check_graph_size"]
