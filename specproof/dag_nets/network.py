"""The public network: :class:`DagNet` and :func:`compile`.

:class:`DagNet` is :class:`~specproof.dag_nets.core.NetworkCore` (layout, parameters,
forward and backward passes, first-order maps) plus the measurements, each a function of
a network in its own module: :mod:`~specproof.dag_nets.ntk` (the empirical NTK) and
:mod:`~specproof.dag_nets.hessian` (Hessian-vector products and the Hessian norm). This
module only assembles them, so the imports run one way: network -> ntk, hessian -> core.

Examples
--------
>>> import numpy as np
>>> from specproof.dag_nets import compile, mlp
>>> net = compile(mlp(32, depth=2, d_in=3), activation="erf", seed=0)
>>> net.n_params, net.forward(np.ones((2, 3))).shape
(1152, (2, 1))
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from specproof.dag_nets import hessian as _hessian
from specproof.dag_nets import ntk as _ntk
from specproof.dag_nets.core import ENGINES, PARAMETERIZATIONS, NetworkCore
from specproof.dag_nets.hessian import HessianNorm, HessianOperator
from specproof.dag_nets.params import DEFAULT_MAX_MEMORY

__all__ = ["ENGINES", "PARAMETERIZATIONS", "DagNet", "compile"]


class DagNet(NetworkCore):
    """A compiled DAG network (build it with :func:`compile`).

    Attributes
    ----------
    graph : networkx.DiGraph
        The architecture (not copied; do not mutate it after compiling).
    parameterization : {"ntk", "standard"}
    engine : {"sparse", "blocks"}
    inputs, outputs : tuple
        Input and output nodes; input features follow ``inputs`` (each node's ``size``
        consecutive features), network outputs follow ``outputs``.
    n_inputs, n_outputs, n_params, n_neurons : int
    """

    def ntk(
        self,
        X: Any,
        X2: Any = None,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        chunk_size: int | None = None,
        max_memory: float | None = DEFAULT_MAX_MEMORY,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        return _ntk.ntk(self, X, X2, output, params, preactivation, chunk_size, max_memory,
                        progress)

    def hessian_operator(
        self,
        x: Any,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        allow_nonsmooth: bool = False,
    ) -> HessianOperator:
        return _hessian.hessian_operator(self, x, output, params, preactivation,
                                         allow_nonsmooth)

    def hvp(
        self,
        x: Any,
        v: Any,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        allow_nonsmooth: bool = False,
    ) -> np.ndarray:
        return _hessian.hvp(self, x, v, output, params, preactivation, allow_nonsmooth)

    def hessian_norm(
        self,
        x: Any,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        tol: float | None = None,
        seed: Any = 0,
        ncv: int | None = None,
        maxiter: int | None = None,
        allow_nonsmooth: bool = False,
        method: str = "auto",
    ) -> HessianNorm:
        return _hessian.hessian_norm(self, x, output, params, preactivation, tol, seed, ncv,
                                     maxiter, allow_nonsmooth, method)

    # one text per operation: the method's help is its module function's
    ntk.__doc__ = _ntk.ntk.__doc__
    hessian_operator.__doc__ = _hessian.hessian_operator.__doc__
    hvp.__doc__ = _hessian.hvp.__doc__
    hessian_norm.__doc__ = _hessian.hessian_norm.__doc__


def compile(  # noqa: A001 - the natural name; dag_nets users call sp.dag_nets.compile
    graph: nx.DiGraph,
    activation: Any = "erf",
    parameterization: str = "ntk",
    seed: Any = None,
    inputs: Sequence[Hashable] | None = None,
    outputs: Sequence[Hashable] | None = None,
    engine: str = "auto",
    require_smooth: bool = False,
    dtype: Any = np.float64,
    bias: float = 0.0,
) -> DagNet:
    """Compile a networkx DAG into a :class:`DagNet` with freshly drawn weights.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes are neurons, or blocks of ``size`` neurons; an optional node attribute
        ``activation`` overrides ``activation`` (inputs and outputs default to identity).
    activation : str or Activation
        Activation of hidden nodes without their own (default ``"erf"``).
    parameterization : {"ntk", "standard"}
        ``"ntk"``: ``z_v = fan_in^{-1/2} sum w a``, weights N(0, 1) (the paper's).
        ``"standard"``: ``z_v = sum w a``, weights N(0, 1/fan_in).
    seed : int or numpy.random.Generator, optional
        Seeds the initial weights.
    inputs, outputs : sequence of nodes, optional
        Explicit roles (default: in-degree 0 and out-degree 0 nodes, in graph order).
    engine : {"auto", "sparse", "blocks"}
        ``"auto"``: sparse products for neuron-level graphs (all sizes 1), dense blocks
        otherwise.
    require_smooth : bool
        Raise :class:`NotSmoothError` now if an activation is not twice differentiable
        (ReLU), instead of when a Hessian is first asked for.
    dtype : numpy.float64 or numpy.float32
        What every pass, kernel and Hessian-vector product computes in (the weights are
        drawn in float64 and rounded, so one seed gives the same network in both). Inputs
        and weights given later must have this dtype when they are floating arrays
        (:class:`DtypeError` names both otherwise). ``hessian_norm`` runs Lanczos in
        float64 on the float32 products.
    bias : float
        ``beta >= 0``: every non-input neuron gets a bias, ``z_v = s_v sum w a + beta
        b_v`` with ``b_v ~ N(0, 1)`` (NTK parameterisation; standard: ``z_v += b_v``,
        ``b_v ~ N(0, beta^2)``), named ``"b[v]"`` after the weights in the flat vector.
        Default 0: no biases, the paper's model.

    Examples
    --------
    >>> from specproof.dag_nets import compile, random_dag
    >>> net = compile(random_dag(50, min_in_degree=3, n_inputs=4, seed=1), seed=0)
    >>> net.engine, net.n_inputs
    ('sparse', 4)
    """
    return DagNet(
        graph, activation, parameterization, seed, inputs, outputs, engine, require_smooth,
        dtype, bias,
    )
