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
    ComputationError,
    Result,
    as_choice,
    as_float,
    as_int,
    as_matrix,
)
from specproof.dag_nets.activations import node_activations
from specproof.dag_nets.errors import InputShapeError
from specproof.dag_nets.identical_inputs import PairsBySource, input_variances
from specproof.dag_nets.kernels import DEFAULT_TOL, MAX_NODES, _dual, closed_form
from specproof.dag_nets.output_pairs import bad_pair_node, is_node
from specproof.dag_nets.structure import analyse


@dataclass(frozen=True)
class InfiniteWidthKernels(Result):
    """Both infinite-width kernels of one output, with how they were computed.

    ``nngp`` is ``E[f(x) f(x')]`` at initialisation, ``ntk`` the limit of the empirical
    NTK (``None`` for a non-linear output, whose NTK has no deterministic limit;
    :func:`nngp_kernel` and :func:`infinite_width_ntk` fill in only their own).
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
    if isinstance(output, tuple) and len(output) == 2 and is_node(output[0], outputs):
        node, j = output
        m = sizes[node]
        # as DagNet.ntk: the neuron must exist, although all of one node's neurons share
        # the limit (an index that DagNet refuses was accepted here, -1 and "a" included)
        if isinstance(j, bool) or not isinstance(j, (int, np.integer)) or not 0 <= j < m:
            raise ArgumentError(f"output {output!r}: neuron index must be in [0, {m})")
        return node
    try:
        if output in outputs:
            return output
    except TypeError:
        pass
    if isinstance(output, tuple) and len(output) == 2:
        # a pair of the right form: say what is wrong with its node
        raise ArgumentError(bad_pair_node(output, outputs, sizes, "the infinite-width "
                                           "limit is computed for output nodes only"))
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
    return _limit(graph, X, X2, activation, bias, output, inputs, outputs, method, tol,
                  max_nodes, ("nngp", "ntk"))


def _limit(*args: Any, **kwargs: Any) -> InfiniteWidthKernels:
    # an overflow inside the recursion is caught at its end, with the inputs named
    # (ComputationError), not left as a stray RuntimeWarning
    with np.errstate(over="ignore", invalid="ignore"):
        return _limit_unchecked(*args, **kwargs)


def _limit_unchecked(graph, X, X2, activation, bias, output, inputs, outputs, method, tol,
                     max_nodes, want: tuple[str, ...]) -> InfiniteWidthKernels:
    """:func:`infinite_width_kernels`, unpacking only the kernels in ``want``."""
    if not isinstance(graph, nx.DiGraph):
        raise ArgumentTypeError(
            f"graph must be a networkx.DiGraph, got {type(graph).__name__} (the MLP-only "
            "oracle taking X first is specproof.dag_nets.oracles.mlp_infinite_width_ntk)"
        )
    st = analyse(graph, inputs, outputs)
    acts = node_activations(graph, st.inputs, st.outputs, activation)
    beta = as_float(bias, "bias", minimum=0.0)
    method = as_choice(method, ("auto", "closed", "quadrature"), "method")
    # checked whatever the activations: closed forms never read them, and a NaN tol or a
    # string max_nodes passed silently with erf but raised with tanh
    tol = as_float(tol, "tol", minimum=0.0)
    max_nodes = as_int(max_nodes, "max_nodes", minimum=2)
    out = _pick_output(output, st.outputs, st.sizes)
    n_in = sum(st.sizes[u] for u in st.inputs)
    A = _batch(X, "X", n_in, st.inputs, st.sizes)
    sym = X2 is None
    B = A if sym else _batch(X2, "X2", n_in, st.inputs, st.sizes)
    # the identity flag alone is not trusted (as for hidden nodes below): an output
    # marked identity=True that computes 2 z was given the identity output's NTK
    linear_out = acts[out].identity and closed_form(acts[out]) is not None
    if want == ("ntk",) and not linear_out:
        raise ArgumentError(_not_identity_output(out, acts[out]))
    n1, n2 = A.shape[0], B.shape[0]
    # A symmetric kernel (X2 omitted) is stored as its upper triangle, each entry's pair of
    # variances gathered from the per-input diagonals: half the transcendental work.
    if sym:
        iu, ju = np.triu_indices(n1)
        ent = iu.size
    else:
        iu = ju = None
        ent = n1 * n2
    # Nodes in topological generations, grouped by activation inside one (each group is
    # then a contiguous slice); only what reaches `out` matters.
    keep = nx.ancestors(graph, out) | {out}
    first = {v: i for i, v in enumerate(graph.nodes)}
    gens = [sorted((v for v in gen if v in keep), key=lambda v: (acts[v].name, first[v]))
            for gen in st.generations]
    order = [v for gen in gens for v in gen]
    idx = {v: i for i, v in enumerate(order)}
    N = len(order)
    columns, col = {}, 0
    for u in st.inputs:
        columns[u] = slice(col, col + st.sizes[u])
        col += st.sizes[u]
    # pairs of examples equal on the inputs a node reads: kept exactly equal there
    same = PairsBySource(A, B, sym, iu, ju, columns,
                         {v: list(graph.predecessors(v)) for v in order}, order)
    C = np.zeros((N, ent))  # E[a a'] per neuron
    P = np.zeros((N, ent))  # C + Cdot Theta: what a node passes on to the NTK
    da = np.zeros((N, n1))  # E[a(x)^2] per neuron (rows; columns in db)
    db = da if sym else np.zeros((N, n2))
    col = 0
    for u in st.inputs:
        m = st.sizes[u]
        if u in idx:
            xa, xb = A[:, col : col + m], B[:, col : col + m]
            i = idx[u]
            G = xa @ xb.T / m
            C[i] = G[iu, ju] if sym else G.reshape(-1)
            da[i], db[i] = input_variances(same.of(u), A, B, sym, slice(col, col + m), m)
            same.pin(C[i : i + 1], da[i : i + 1], [u])
            P[i] = C[i]
        col += m
    rows, cols, vals = [], [], []
    for v in order[len(gens[0]):]:
        F = st.fan_in[v]
        for u in graph.predecessors(v):
            rows.append(idx[v])
            cols.append(idx[u])
            vals.append(st.sizes[u] / F)
    W = sp.csr_matrix((vals, (rows, cols)), shape=(N, N))
    methods: dict[str, str] = {}
    qerr = 0.0
    b2 = beta * beta
    lo = len(gens[0])
    for gen in gens[1:]:
        hi = lo + len(gen)
        Wg = W[lo:hi, :lo]  # the generation reads earlier nodes only
        S = Wg @ C[:lo]
        T = Wg @ P[:lo]
        if b2:
            S += b2
            T += b2
        a_rows = Wg @ da[:lo] + b2
        b_cols = a_rows if sym else Wg @ db[:lo] + b2
        same.pin(S, a_rows, gen)  # equal already, as sums of equal terms: made sure
        k = 0
        while k < len(gen):  # one vectorised call per run of one activation
            act = acts[gen[k]]
            k2 = k
            while k2 < len(gen) and acts[gen[k2]] is act:
                k2 += 1
            g0, g1 = lo + k, lo + k2
            Sg, Tg = S[k:k2], T[k:k2]
            if act.identity and closed_form(act) is not None:  # C = Sigma, Cdot = 1
                C[g0:g1] = Sg
                da[g0:g1] = a_rows[k:k2]
                if not sym:
                    db[g0:g1] = b_cols[k:k2]
                same.pin(C[g0:g1], da[g0:g1], gen[k:k2])
                np.add(C[g0:g1], Tg, out=P[g0:g1])
                methods.setdefault(act.name, "closed form")
            else:
                if sym:
                    r = _dual(act, Sg, a_rows[k:k2], a_rows[k:k2], method=method, tol=tol,
                             max_nodes=max_nodes, pairs=(iu, ju), rounded=True)
                    C[g0:g1] = r.e
                    P[g0:g1] = r.ed
                    da[g0:g1] = r.da
                else:
                    r = _dual(act, Sg.reshape(-1, n1, n2), a_rows[k:k2], b_cols[k:k2],
                             method=method, tol=tol, max_nodes=max_nodes, rounded=True)
                    C[g0:g1] = r.e.reshape(k2 - k, -1)
                    P[g0:g1] = r.ed.reshape(k2 - k, -1)
                    da[g0:g1] = r.da
                    db[g0:g1] = r.db
                same.pin(C[g0:g1], da[g0:g1], gen[k:k2])
                P[g0:g1] *= Tg
                P[g0:g1] += C[g0:g1]
                qerr = max(qerr, r.error)
                methods[act.name] = (f"quadrature ({r.nodes} nodes)" if r.nodes
                                     else "closed form")
            if out in gen[k:k2]:
                j = gen.index(out) - k
                sig_out, theta_out = Sg[j], Tg[j]
            k = k2
        lo = hi

    def full(v: np.ndarray) -> np.ndarray:
        if not sym:
            return v.reshape(n1, n2).copy()
        K = np.empty((n1, n1))
        K[iu, ju] = v
        K[ju, iu] = v
        return K

    nngp = ntk = None
    if linear_out:
        if "nngp" in want:
            nngp = full(sig_out)
        if "ntk" in want:
            ntk = full(theta_out)
    elif "nngp" in want:  # f = sigma(z_o): a Gaussian sample enters the NTK, no limit
        nngp = full(C[idx[out]])
    for name, K in (("NNGP", nngp), ("NTK", ntk)):
        if K is not None and not np.all(np.isfinite(K)):
            # inf - inf or inf * 0 in the recursion (inputs of norm ~1e154 and more make
            # x . x' / d overflow): a NaN was returned before
            raise ComputationError(
                f"the infinite-width {name} is not finite: the recursion overflowed float64 "
                f"(largest input entry {float(np.max(np.abs(A))):.3g}, bias {beta:.3g}); "
                "scale the inputs" + (" or the bias" if beta > 0 else "") + " down")
    return InfiniteWidthKernels(
        ok=True, nngp=nngp, ntk=ntk,
        output=out, methods=methods, quadrature_error=qerr, bias=beta,
    )


_OPTIONS = {"output": None, "inputs": None, "outputs": None, "method": "auto",
            "tol": DEFAULT_TOL, "max_nodes": MAX_NODES}


def _options(options: dict) -> list:
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ArgumentTypeError(f"unexpected keyword argument {unknown[0]!r}; options: "
                                f"{sorted(_OPTIONS)}")
    return [options.get(k, d) for k, d in _OPTIONS.items()]


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
    return _limit(graph, X, X2, activation, bias, *_options(options), ("nngp",)).nngp


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
        If the output node's activation is not the identity (the built-in
        ``"identity"``, or an :class:`~specproof.dag_nets.Activation` marked
        ``identity=True`` whose ``f`` and ``d1`` are ``z`` and 1): a non-linear
        ``f = sigma(z_o)`` keeps a Gaussian sample of ``z_o`` in its NTK, which has no
        deterministic limit. The check reads that flag, so a linear user activation
        not marked ``identity=True`` is refused too, with a message saying so.

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import mlp
    >>> float(infinite_width_ntk(mlp(4, depth=1, d_in=2), np.eye(2), activation="relu")[0, 0])
    0.5
    """
    # never None: _limit refuses an output that is not the identity when only the NTK
    # is asked for, naming its activation
    return _limit(graph, X, X2, activation, bias, *_options(options), ("ntk",)).ntk


def _not_identity_output(out: Hashable, act: Any) -> str:
    """Why :func:`infinite_width_ntk` refuses output ``out`` (activation ``act``).

    The limit is computed for an identity output: what the check reads is the
    ``identity`` flag of :class:`~specproof.dag_nets.Activation`, with ``f`` and ``d1``
    confirmed to be ``z`` and 1 (:func:`~specproof.dag_nets.kernels.closed_form`), not
    whether the activation is linear.
    """
    if act.identity:
        what = (f"activation {act.name!r}, marked identity=True, but its f or d1 is not "
                "z -> z, z -> 1 (compared at a few points)")
    else:
        what = f"activation {act.name!r}, which is not marked as the identity"
    return (f"output node {out!r} has {what}: infinite_width_ntk takes an identity output "
            "only (with a non-linear activation sigma, the NTK sigma'(z_o(x)) "
            "sigma'(z_o(x')) Theta_o depends on the Gaussian sample z_o and has no "
            "deterministic infinite-width limit). For the identity, give the output the activation "
            "'identity' or an Activation(name, f, d1, d2, identity=True) with f(z) = z and "
            "d1(z) = 1 (c * z has c**2 times its NTK); for any output, nngp_kernel gives "
            "the NNGP")
