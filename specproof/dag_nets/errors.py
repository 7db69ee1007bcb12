"""The errors dag_nets raises: each names the offending part of the graph, input or weights.

Every class derives from :class:`specproof.SpecproofError` and the matching built-in, so
``except ValueError`` and ``except SpecproofError`` both catch them.

Examples
--------
>>> import networkx as nx
>>> from specproof.dag_nets import compile
>>> compile(nx.DiGraph([(0, 1), (1, 2), (2, 1)]))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specproof.dag_nets.errors.CycleError: graph has a cycle 1 -> 2 -> 1; ...
"""

from __future__ import annotations

from typing import Any

from specproof._core import ComputationError, SpecproofError

_MAX_LISTED = 8


def listed_names(nodes: Any) -> str:
    """``nodes`` as ``['a', 'b', ...]`` for a message, the first eight and the count."""
    shown = ", ".join(repr(n) for n in list(nodes)[:_MAX_LISTED])
    more = f", ... ({len(nodes)} in all)" if len(nodes) > _MAX_LISTED else ""
    return f"[{shown}{more}]"


class GraphError(SpecproofError, ValueError):
    """The graph cannot define a network (the message names the nodes at fault).

    ``nodes`` holds the offending nodes.
    """

    def __init__(self, message: str, nodes: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.nodes = tuple(nodes)


class CycleError(GraphError):
    """The graph has a directed cycle; ``nodes`` lists it in order (``cycle`` the edges)."""

    def __init__(self, message: str, cycle: list[tuple[Any, Any]]) -> None:
        super().__init__(message, tuple(u for u, _ in cycle))
        self.cycle = list(cycle)


class ActivationError(SpecproofError, ValueError):
    """An activation is unknown, or is not smooth enough for the quantity asked for."""


class NotSmoothError(ActivationError):
    """An activation is not twice differentiable (ReLU) where a smooth one is required."""


class WeightsError(SpecproofError, ValueError):
    """A weights dict or flat vector does not fit the network (names the block)."""


class InputShapeError(SpecproofError, ValueError):
    """A batch whose feature size does not match the network's input neurons."""


class DtypeError(SpecproofError, TypeError):
    """An array whose floating dtype differs from the network's (float32 vs float64):
    mixing them would silently compute in one of the two."""


class UnfittableError(ComputationError, ValueError):
    """A sweep's values cannot be fitted on log-log axes: one is zero or negative (a
    measurement that vanishes, such as a saturated network's Hessian). ``width`` and
    ``seed`` name the first such point."""

    def __init__(self, message: str, width: int, seed: int) -> None:
        super().__init__(message)
        self.width = width
        self.seed = seed


__all__ = [
    "ActivationError",
    "CycleError",
    "DtypeError",
    "GraphError",
    "InputShapeError",
    "NotSmoothError",
    "UnfittableError",
    "WeightsError",
]
