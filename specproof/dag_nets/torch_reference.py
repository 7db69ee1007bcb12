"""A torch mirror of a compiled network, for cross-checks and benchmarks only.

It re-implements the forward pass in torch from the graph's blocks (``z_v = s_v sum_u
a_u W[u->v]``), independently of the numpy passes, so that ``torch.func`` can
differentiate it: ``jacrev`` for Jacobians and NTKs, ``jvp(grad)`` for Hessian-vector
products. torch is an optional dependency (the ``torch`` extra); nothing else in
specproof imports this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from specproof.dag_nets.network import DagNet

_TORCH_ACTS = {
    "identity": lambda t, z: z,
    "erf": lambda t, z: t.special.erf(z),
    "tanh": lambda t, z: t.tanh(z),
    "softplus": lambda t, z: t.nn.functional.softplus(z),
    "sigmoid": lambda t, z: t.sigmoid(z),
    "gelu": lambda t, z: t.nn.functional.gelu(z),
    "relu": lambda t, z: t.relu(z),
}


def torch_function(net: DagNet, output: int = 0):
    """``(f, params)``: a torch function ``f(params, x)`` of one input ``x`` (1-D) giving
    output ``output`` as a scalar, and the net's weights as a tuple of tensors, one per
    block (``W[u->v]`` of shape ``(m_u, m_v)``), float64. Networks without biases only."""
    import torch

    if getattr(net, "n_biases", 0):
        from specproof._core import ArgumentError

        raise ArgumentError("torch_reference mirrors networks without biases (compile with "
                            "bias=0)")

    blocks = list(net.blocks)
    node_order = sorted(net.start, key=net.start.__getitem__)
    preds: dict[Any, list[int]] = {v: [] for v in node_order}
    for i, b in enumerate(blocks):
        preds[b.v].append(i)
    scale = {v: float(net.scale[net.start[v]]) for v in node_order}
    def torch_act(a):
        if a.slope is not None:
            return lambda t, z: t.nn.functional.leaky_relu(z, a.slope)
        return _TORCH_ACTS[a.name]

    acts = {v: torch_act(net.activations[v]) for v in node_order}
    inputs = set(net.inputs)
    in_slices = {v: (net.start[v], net.start[v] + net.sizes[v]) for v in net.inputs}
    out_row = int(net.out_rows[output])
    out_node = next(v for v in node_order
                    if net.start[v] <= out_row < net.start[v] + net.sizes[v])
    out_j = out_row - net.start[out_node]

    def f(params, x):
        a = {}
        for v in node_order:
            if v in inputs:
                lo, hi = in_slices[v]
                a[v] = x[lo:hi]
                continue
            z = None
            for i in preds[v]:
                t = a[blocks[i].u] @ params[i]
                z = t if z is None else z + t
            a[v] = acts[v](torch, scale[v] * z)
        return a[out_node][out_j]

    w = net.params
    params = tuple(
        torch.tensor(np.array(w[b.off : b.off + b.size]).reshape(b.shape), dtype=torch.float64)
        for b in blocks
    )
    return f, params


def torch_ntk(net: DagNet, X: np.ndarray, chunk_size: int | None = None) -> np.ndarray:
    """The empirical NTK by ``torch.func``: ``vmap(jacrev(f))`` then ``J J^T`` per block."""
    import torch
    from torch.func import jacrev, vmap

    f, params = torch_function(net)
    Xt = torch.tensor(X, dtype=torch.float64)
    jac = vmap(jacrev(f), in_dims=(None, 0), chunk_size=chunk_size)(params, Xt)
    K = torch.zeros(X.shape[0], X.shape[0], dtype=torch.float64)
    for j in jac:
        J = j.reshape(X.shape[0], -1)
        K += J @ J.T
    return K.numpy()


def torch_hvp_operator(net: DagNet, x: np.ndarray):
    """A scipy ``LinearOperator`` of Hessian-vector products by ``torch.func.jvp(grad(f))``."""
    import torch
    from scipy.sparse.linalg import LinearOperator
    from torch.func import grad, jvp

    f, params = torch_function(net)
    xt = torch.tensor(x, dtype=torch.float64)
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]
    g = grad(lambda *ps: f(ps, xt), argnums=tuple(range(len(params))))

    def mv(v: np.ndarray) -> np.ndarray:
        vt = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64).reshape(-1))
        tangents = tuple(t.reshape(s) for t, s in zip(torch.split(vt, sizes), shapes))
        _, hv = jvp(g, params, tangents)
        return torch.cat([h.reshape(-1) for h in hv]).numpy()

    n = sum(sizes)
    return LinearOperator((n, n), matvec=mv, rmatvec=mv, dtype=np.float64)
