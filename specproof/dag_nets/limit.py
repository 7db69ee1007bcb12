"""The infinite-width NNGP and NTK of any block DAG, node by node.

Take the network :func:`specproof.dag_nets.compile` builds from ``graph`` (NTK
parameterisation, N(0, 1) weights, ``z_v = F_v^{-1/2} sum_{u in in(v)} W_uv^T a_u +
beta b_v`` with ``F_v`` the fan-in in neurons and optional biases ``b_v ~ N(0, 1)``) and
let every block size ``m_v`` of a hidden node grow together. Every neuron of ``v`` then
has a Gaussian pre-activation with covariance ``Sigma_v`` and the same tangent kernel
``Theta_v``; with ``C_u = E[a_u a_u']`` per neuron (``x_u . x_u' / m_u`` at an input)
and, in topological order,

    Sigma_v = sum_{u in in(v)} (m_u / F_v) C_u + beta^2
    Theta_v = sum_{u in in(v)} (m_u / F_v) (C_u + Cdot_u Theta_u) + beta^2
    C_v = E[sigma_v(z) sigma_v(z')],  Cdot_v = E[sigma_v'(z) sigma_v'(z')],
        (z, z') ~ N(0, [[Sigma_v(x, x), Sigma_v(x, x')], [., Sigma_v(x', x')]])

(``Cdot Theta = 0`` at inputs, which hold no parameters before them). The output's NNGP
is ``Sigma_o`` and its NTK ``Theta_o`` for an identity output node. The first term of
``Theta_v`` is the weights into ``v`` themselves, the second everything before them; a
chain gives back the MLP recursion of Jacot et al. (2018) (REFERENCES §2), and the
densenet and residual cases are those of Littwin, Galanti & Wolf, *Residual tangent
kernels* (2020). The Gaussian expectations are in :mod:`specproof.dag_nets.kernels`.

Kernels are stacked by node in topological generations, so a generation's ``Sigma`` and
``Theta`` are one sparse product with the weights ``m_u / F_v`` (neuron-level graphs
with 10^4 nodes cost one product per generation, not a loop over edges).

Examples
--------
>>> import numpy as np
>>> from specproof.dag_nets import densenet
>>> X = np.random.default_rng(0).standard_normal((4, 3))
>>> infinite_width_ntk(densenet(8, depth=3, d_in=3), X).shape
(4, 4)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    Result,
    as_choice,
    as_float,
    as_matrix,
)
from specproof.dag_nets.activations import node_activations
from specproof.dag_nets.errors import InputShapeError
from specproof.dag_nets.kernels import DEFAULT_TOL, MAX_NODES, dual
from specproof.dag_nets.structure import analyse


@dataclass(frozen=True)
class InfiniteWidthKernels(Result):
    """Both infinite-width kernels of one output, with how they were computed.

    ``nngp`` is ``E[f(x) f(x')]`` at initialisation, ``ntk`` the limit of the empirical
    NTK (``None`` for a non-linear output, whose NTK has no deterministic limit).
    ``methods`` maps each activation used to ``"closed form"`` or ``"quadrature (n
    nodes)"``; ``quadrature_error`` is the largest error estimate of one Gaussian
    expectation (0.0 when every activation has a closed form); ``dtype`` is float64.
    """

    nngp: np.ndarray | None = None
    ntk: np.ndarray | None = None
    output: Hashable = None
    methods: dict | None = None
    quadrature_error: float = 0.0
    bias: float = 0.0
    dtype: str = "float64"


def _batch(X: Any, name: str, n_in: int, inputs: Sequence[Hashable], sizes) -> np.ndarray:
    arr = as_matrix(X, name)
    if arr.shape[1] != n_in:
        desc = ", ".join(f"{u!r}: {sizes[u]}" for u in list(inputs)[:6])
        raise InputShapeError(
            f"{name} has {arr.shape[1]} features per row but the graph has {n_in} input "
            f"neurons ({desc})"
        )
    return arr


def _pick_output(output: Any, outputs: tuple, sizes: dict) -> Hashable:
    if output is None:
        if len(outputs) != 1:
            raise ArgumentError(
                f"the graph has {len(outputs)} output nodes {list(outputs)[:6]}; pass "
                "output= (an output node, or a 0-based output neuron index as in DagNet.ntk)"
            )
        return outputs[0]
    if isinstance(output, (int, np.integer)) and not isinstance(output, bool):
        total = sum(sizes[o] for o in outputs)
        if not 0 <= output < total:
            raise ArgumentError(f"output must be in [0, {total}), got {output}")
        k = int(output)
        for o in outputs:
            if k < sizes[o]:
                return o
            k -= sizes[o]
    if isinstance(output, tuple) and len(output) == 2 and output[0] in outputs:
        return output[0]
    try:
        if output in outputs:
            return output
    except TypeError:
        pass
    raise ArgumentError(
        f"output must be an output node {list(outputs)[:6]}, an output neuron index or "
        f"a (node, neuron) pair, got {output!r}"
    )


def infinite_width_kernels(
    graph: nx.DiGraph,
    X: Any,
    X2: Any = None,
    activation: Any = "erf",
    bias: float = 0.0,
    output: Any = None,
    inputs: Sequence[Hashable] | None = None,
    outputs: Sequence[Hashable] | None = None,
    method: str = "auto",
    tol: float = DEFAULT_TOL,
    max_nodes: int = MAX_NODES,
) -> InfiniteWidthKernels:
    """The infinite-width NNGP kernel and NTK of ``compile(graph, activation)``.

    Parameters
    ----------
    graph : networkx.DiGraph
        Any graph :func:`specproof.dag_nets.compile` takes; node sizes are only used as
        the *proportions* ``m_u / F_v`` in which the blocks grow (a neuron-level graph is
        read the same way, each neuron a block of relative size 1).
    X, X2 : array_like, shape (n, n_inputs), (n2, n_inputs)
        Inputs, features in the order of the graph's inputs (as ``DagNet``); ``X2``
        defaults to ``X``.
    activation : str or Activation
        Hidden nodes without their own ``activation`` attribute (as ``compile``).
    bias : float
        Standard deviation ``beta`` of the biases ``beta b_v``, ``b_v ~ N(0, 1)``, of
        every non-input node (default 0: no biases, the paper's model).
    output : node, int or (node, neuron), optional
        Which output; required when the graph has several output nodes. All neurons of
        one node share the kernel.
    method : {"auto", "closed", "quadrature"}
        Gaussian expectations in closed form (erf, relu, leaky_relu, identity) or by
        Gauss-Hermite quadrature (every other activation; see
        :mod:`specproof.dag_nets.kernels`).
    tol, max_nodes : float, int
        Quadrature: agreement of successive rules asked for, and the largest rule.

    Returns
    -------
    InfiniteWidthKernels

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import resnet
    >>> X = np.random.default_rng(0).standard_normal((3, 2))
    >>> r = infinite_width_kernels(resnet(8, depth=3, d_in=2), X, activation="tanh")
    >>> r.ntk.shape, r.methods["tanh"].startswith("quadrature"), r.quadrature_error < 1e-10
    ((3, 3), True, True)
    """
    if not isinstance(graph, nx.DiGraph):
        raise ArgumentTypeError(
            f"graph must be a networkx.DiGraph, got {type(graph).__name__} (the MLP-only "
            "oracle taking X first is specproof.dag_nets.oracles.mlp_infinite_width_ntk)"
        )
    st = analyse(graph, inputs, outputs)
    acts = node_activations(graph, st.inputs, st.outputs, activation)
    beta = as_float(bias, "bias", minimum=0.0)
    method = as_choice(method, ("auto", "closed", "quadrature"), "method")
    out = _pick_output(output, st.outputs, st.sizes)
    n_in = sum(st.sizes[u] for u in st.inputs)
    A = _batch(X, "X", n_in, st.inputs, st.sizes)
    sym = X2 is None
    B = A if sym else _batch(X2, "X2", n_in, st.inputs, st.sizes)
    n1, n2 = A.shape[0], B.shape[0]

    # Nodes in topological generations; only what reaches `out` matters
    keep = nx.ancestors(graph, out) | {out}
    order = [v for gen in st.generations for v in gen if v in keep]
    idx = {v: i for i, v in enumerate(order)}
    N = len(order)
    C = np.zeros((N, n1 * n2))  # E[a a'] per neuron
    P = np.zeros((N, n1 * n2))  # C + Cdot Theta (what a node passes on to the NTK)
    da = np.zeros((N, n1))  # E[a(x)^2] per neuron
    db = da if sym else np.zeros((N, n2))
    col = 0
    for u in st.inputs:
        m = st.sizes[u]
        if u in idx:
            xa, xb = A[:, col : col + m], B[:, col : col + m]
            i = idx[u]
            C[i] = (xa @ xb.T / m).reshape(-1)
            P[i] = C[i]
            da[i] = np.einsum("ij,ij->i", xa, xa) / m
            if not sym:
                db[i] = np.einsum("ij,ij->i", xb, xb) / m
        col += m
    rows, cols, vals = [], [], []
    sig_out = theta_out = None
    ins = set(st.inputs)
    for v in order:
        if v in ins:
            continue
        F = st.fan_in[v]
        for u in graph.predecessors(v):
            rows.append(idx[v])
            cols.append(idx[u])
            vals.append(st.sizes[u] / F)
    W = sp.csr_matrix((vals, (rows, cols)), shape=(N, N))
    methods: dict[str, str] = {}
    qerr = 0.0
    for gen in st.generations[1:]:
        ids = np.array([idx[v] for v in gen if v in idx], dtype=np.intp)
        if ids.size == 0:
            continue
        Wg = W[ids]
        S = Wg @ C + beta * beta
        T = Wg @ P + beta * beta
        sa = Wg @ da + beta * beta
        sb = sa if sym else Wg @ db + beta * beta
        by_act: dict[str, list[int]] = {}
        for k, i in enumerate(ids.tolist()):
            by_act.setdefault(acts[order[i]].name, []).append(k)
        for name, ks in by_act.items():  # one vectorised call per activation
            act = acts[order[ids[ks[0]]]]
            r = dual(act, S[ks].reshape(-1, n1, n2), sa[ks], sb[ks], method=method, tol=tol,
                     max_nodes=max_nodes)
            sel = ids[ks]
            C[sel] = r.e.reshape(len(ks), -1)
            P[sel] = C[sel] + r.ed.reshape(len(ks), -1) * T[ks]
            da[sel] = r.da
            if not sym:
                db[sel] = r.db
            qerr = max(qerr, r.error)
            methods[name] = f"quadrature ({r.nodes} nodes)" if r.nodes else "closed form"
            for k in ks:
                if order[ids[k]] == out:
                    sig_out, theta_out = S[k].reshape(n1, n2), T[k].reshape(n1, n2)
    oact = acts[out]
    if oact.identity:
        nngp, ntk = sig_out, theta_out
    else:  # f = sigma(z_o): a finite Gaussian sample enters the NTK, no fixed limit
        nngp, ntk = C[idx[out]].reshape(n1, n2), None
    return InfiniteWidthKernels(
        ok=True, nngp=np.array(nngp), ntk=None if ntk is None else np.array(ntk),
        output=out, methods=methods, quadrature_error=qerr, bias=beta,
    )


def nngp_kernel(
    graph: nx.DiGraph,
    X: Any,
    X2: Any = None,
    activation: Any = "erf",
    bias: float = 0.0,
    **options: Any,
) -> np.ndarray:
    """The infinite-width NNGP kernel ``E[f(x) f(x')]`` of ``compile(graph, activation)``.

    Same arguments as :func:`infinite_width_kernels` (``options``: ``output``,
    ``inputs``, ``outputs``, ``method``, ``tol``, ``max_nodes``).

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import mlp
    >>> nngp_kernel(mlp(4, depth=1, d_in=2), np.eye(2), activation="relu")
    array([[0.25      , 0.07957747],
           [0.07957747, 0.25      ]])
    """
    return infinite_width_kernels(graph, X, X2, activation, bias, **options).nngp


def infinite_width_ntk(
    graph: nx.DiGraph,
    X: Any,
    X2: Any = None,
    activation: Any = "erf",
    bias: float = 0.0,
    **options: Any,
) -> np.ndarray:
    """The infinite-width NTK of ``compile(graph, activation)``: the limit of
    ``net.ntk(X, X2)`` as every hidden block grows (see :func:`infinite_width_kernels`).

    Raises
    ------
    ArgumentError
        If the output node has a non-linear activation: ``f = sigma(z_o)`` keeps a
        Gaussian sample of ``z_o`` in its NTK, which has no deterministic limit.

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import mlp
    >>> float(infinite_width_ntk(mlp(4, depth=1, d_in=2), np.eye(2), activation="relu")[0, 0])
    0.5
    """
    r = infinite_width_kernels(graph, X, X2, activation, bias, **options)
    if r.ntk is None:
        raise ArgumentError(
            f"output node {r.output!r} has a non-linear activation: its NTK "
            "sigma'(z_o(x)) sigma'(z_o(x')) Theta_o depends on the Gaussian sample z_o and has "
            "no deterministic infinite-width limit (use an identity output, or nngp_kernel)"
        )
    return r.ntk
