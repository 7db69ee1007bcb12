"""A user's own DAG for ``specproof ntk --arch docs/examples/my_dag.py:ladder``.

A builder is a module-level function ``width -> networkx.DiGraph`` whose nodes are blocks
of ``size`` neurons (see docs/dag_nets.md, "My own DAG").
"""

import networkx as nx


def ladder(width: int) -> nx.DiGraph:
    """Two parallel branches of ``width`` and ``width // 2`` neurons that meet twice, with
    a skip from the input to the last block: every hidden block grows with ``width``."""
    g = nx.DiGraph()
    g.add_node("x", size=4)
    for name, size in (("a", width), ("b", width // 2), ("c", width), ("d", width)):
        g.add_node(name, size=size)
    g.add_node("y", size=1)
    g.add_edges_from([("x", "a"), ("x", "b"), ("a", "c"), ("b", "c"), ("a", "d"),
                      ("c", "d"), ("x", "d"), ("d", "y"), ("b", "y")])
    return g
