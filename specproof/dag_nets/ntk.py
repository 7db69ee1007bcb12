"""The empirical NTK without the Jacobian: a sum over weight blocks of Gram products.

For a scalar output ``f`` and the scaled backward signals ``y_v = s_v delta_v``,

    K(x, x') = sum_{blocks u->v} (a_u(x) . a_u(x')) * (y_v(x) . y_v(x'))

(one term per edge for neuron-level graphs, where the two dot products are products of
scalars). Inputs are processed in chunks; each chunk's activations and backward signals
(``2 * n_neurons`` floats per input) are kept when they fit in ``max_memory`` bytes and
recomputed per block of the kernel otherwise, so memory stays bounded by the kernel
itself plus ``max_memory``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from specproof._core import ResourceLimitError, as_int
from specproof.dag_nets.maps import require_finite
from specproof.dag_nets.params import DEFAULT_MAX_MEMORY, as_max_memory

if TYPE_CHECKING:
    from specproof.dag_nets.core import NetworkCore




def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def ntk(
    net: NetworkCore,
    X: Any,
    X2: Any = None,
    output: Any = None,
    params: Any = None,
    preactivation: bool = False,
    chunk_size: int | None = None,
    max_memory: float | None = DEFAULT_MAX_MEMORY,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The empirical NTK ``K[i, j] = <df(x_i)/dw, df(x'_j)/dw>`` of one scalar output.

    Parameters
    ----------
    X : array_like, shape (n, n_inputs)
    X2 : array_like, shape (n2, n_inputs), optional
        Second batch; default ``X`` (then ``K`` is symmetric and only half is computed).
    output : int or (node, neuron), optional
        Which output (or neuron) ``f`` is; required when there is more than one output.
    chunk_size : int, optional
        Inputs per chunk (default: 256).
    max_memory : float or None
        Bytes allowed for the cached per-input signals (beyond the kernel itself); None
        for no limit.
    progress : callable, optional
        Called as ``progress(done, total)`` after each block of the kernel (long kernels:
        10^4 inputs of a 3 x 1024 MLP is about 400 blocks).

    Returns
    -------
    numpy.ndarray, shape (n, n2)

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import compile, mlp
    >>> net = compile(mlp(16, depth=2, d_in=3), seed=0)
    >>> X = np.random.default_rng(1).standard_normal((5, 3))
    >>> K = net.ntk(X)
    >>> J = net.jacobian(X)
    >>> bool(np.allclose(K, J @ J.T, rtol=1e-12, atol=0))
    True
    """
    limit = as_max_memory(max_memory)
    w = net._params(params)
    X = net._batch(X)
    sym = X2 is None
    Xb = X if sym else net._batch(X2, "X2")
    row, pre = net._target(output, preactivation)
    n1, n2 = X.shape[0], Xb.shape[0]
    item = net.dtype.itemsize
    need = item * n1 * n2
    phys = _physical_memory()
    if phys is not None and need > phys // 2:
        raise ResourceLimitError(
            f"the kernel alone needs {need / 2**30:.1f} GiB, more than half of this machine's "
            f"{phys / 2**30:.1f} GiB; compute it in blocks with ntk(X[i:j], X2)"
        )
    c = 256 if chunk_size is None else as_int(chunk_size, "chunk_size", minimum=1)

    def feats(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A, Z = net._forward(w, Xc)
        _, Yh = net._backward(w, Z, np.array([row]), np.ones((1, Xc.shape[0])), pre, A)
        return A, Yh

    r1 = [(lo, min(n1, lo + c)) for lo in range(0, n1, c)]
    r2 = r1 if sym else [(lo, min(n2, lo + c)) for lo in range(0, n2, c)]
    per_input = 2 * item * net.n_neurons
    keep = per_input * (n1 + (0 if sym else n2)) <= limit
    cache1: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    cache2: dict[int, tuple[np.ndarray, np.ndarray]] = cache1 if sym else {}

    def get(cache: dict, ranges: list, data: np.ndarray, i: int):
        if i in cache:
            return cache[i]
        f = feats(data[ranges[i][0] : ranges[i][1]])
        if keep:
            cache[i] = f
        return f

    K = np.empty((n1, n2), dtype=net.dtype)
    eng = net._engine
    total = len(r1) * (len(r1) + 1) // 2 if sym else len(r1) * len(r2)
    done = 0
    for i, (a, b) in enumerate(r1):
        Fi = get(cache1, r1, X, i)
        if not keep:
            cache1[i] = Fi  # the outer chunk is reused across the inner loop
        for j, (c0, c1) in enumerate(r2):
            if sym and j < i:
                continue
            Fj = Fi if (sym and j == i) else get(cache2, r2, Xb, j)
            blk = eng.ntk(Fi[0], Fi[1], Fj[0], Fj[1])
            if net.n_biases:  # sum_v (bias_scale delta_v(x)) (bias_scale delta_v(x'))
                Bi = net._bias_part(Fi[1])
                blk += Bi.T @ (Bi if (sym and j == i) else net._bias_part(Fj[1]))
            K[a:b, c0:c1] = blk
            if sym and j != i:
                K[c0:c1, a:b] = blk.T
            done += 1
            if progress is not None:
                progress(done, total)
        if not keep:
            cache1.pop(i, None)
    return require_finite(K, "the kernel")
