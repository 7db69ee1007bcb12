"""Messages for a refused ``(node, neuron)`` output pair, shared by the network's maps
(:meth:`specproof.dag_nets.DagNet.ntk` and friends) and the infinite-width limit."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from specproof._core import did_you_mean


def is_node(node: Any, nodes: Any) -> bool:
    """``node in nodes``, False for an unhashable ``node`` (a list given as a node)."""
    try:
        return node in nodes
    except TypeError:
        return False


def bad_pair_node(output: tuple, allowed: Sequence[Hashable], nodes: Any, why: str) -> str:
    """Why the node of a ``(node, neuron)`` pair is refused: unknown (with a did-you-mean
    among ``nodes``), or a node not in ``allowed`` (``why``).

    Examples
    --------
    >>> print(bad_pair_node(("h", 0), ["y"], ["x", "h1", "y"], "outputs only"))
    ... # doctest: +NORMALIZE_WHITESPACE
    output ('h', 0): 'h' is not a node of the network; its nodes are ['x', 'h1', 'y']
    (did you mean 'h1'?)
    """
    node = output[0]
    if is_node(node, nodes):
        return (f"output {output!r}: node {node!r} is not allowed here ({why}: "
                f"{list(allowed)[:8]})")
    names = [str(v) for v in nodes]
    hint = did_you_mean(str(node), names) if isinstance(node, str) else ""
    more = f" ({len(names)} in all)" if len(names) > 12 else ""
    return (f"output {output!r}: {node!r} is not a node of the network; its nodes are "
            f"{names[:12]}{more}{hint}")


__all__ = ["bad_pair_node", "is_node"]
