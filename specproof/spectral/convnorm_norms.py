"""The block norms ``||B_o||`` and the layer norm ``||B||_2`` of a convolution operator:
a dense SVD up to ``DENSE_MAX`` input dimensions, Lanczos (or the power iteration) above."""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator

from specproof.spectral.operator_estimates import top_singular_value

DENSE_MAX = 2048  # input dimension up to which block norms come from a dense SVD


def _norms(op: LinearOperator, c_out: int, rows: int, seed: int) -> tuple[np.ndarray, float, str]:
    if op.shape[1] <= DENSE_MAX:
        D = op.dense()
        blocks = [np.linalg.norm(D[o * rows : (o + 1) * rows], 2) for o in range(c_out)]
        return np.array(blocks), float(np.linalg.norm(D, 2)), "dense-svd"
    rng = np.random.default_rng(seed)
    methods = set()

    def top(A: LinearOperator) -> float:
        value, how = top_singular_value(A, rng)
        methods.add(how)
        return value

    blocks = []
    for o in range(c_out):
        sl = slice(o * rows, (o + 1) * rows)
        blk = LinearOperator(
            shape=(rows, op.shape[1]), dtype=np.float64,
            matvec=lambda x, sl=sl: op.matvec(x)[sl],
            rmatvec=lambda y, sl=sl: op.rmatvec(_embed(y, sl, op.shape[0])),
        )
        blocks.append(top(blk))
    layer = top(op)
    # "power-estimate" where ARPACK broke down on a flat spectrum for any of the norms
    return np.array(blocks), layer, max(methods, key=lambda m: m == "power-estimate")


def _embed(y: np.ndarray, sl: slice, n: int) -> np.ndarray:
    z = np.zeros(n)
    z[sl] = np.ravel(y)
    return z
