"""Dense references for the ConvNorm claims, built from the definitions alone.

Explicit shift matrices for the cross-correlation and an explicit DFT matrix for the
filter ``V_o``: no library code, so that the library's operator and report
(:func:`specproof.spectral.convnorm_operator`) are compared with something independent.
"""

from __future__ import annotations

import numpy as np


def _filter(K: np.ndarray, N: int) -> tuple[np.ndarray, np.ndarray]:
    """``(V, F)``: ConvNorm's filter ``V_o(w) = (sum_i |K_hat_oi(w)|^2)^(-1/2)`` on the
    ``N x N`` grid, ``(c_out, N, N)``, and the 2-D DFT matrix ``F`` (``N^2 x N^2``)."""
    k = K.shape[-1]
    F1 = np.exp(-2j * np.pi * np.outer(np.arange(N), np.arange(N)) / N)
    # the kernel zero-padded at the end of the N x N grid: only its first k columns count
    K_hat = np.einsum("ia,ocab,jb->ocij", F1[:, :k], K, F1[:, :k])
    V = np.sum(np.abs(K_hat) ** 2, axis=1) ** -0.5
    return V, np.kron(F1, F1)


def _reference_circular(K: np.ndarray, n: int, convnorm: bool = True) -> np.ndarray:
    """The circular stride-1 layer on ``n x n`` as a dense matrix, from its definition alone.

    Cross-correlation with periodic padding ``(k - 1) // 2`` from explicit cyclic shift
    matrices, then (``convnorm``) the filter ``V_o`` from an explicit DFT matrix of the
    kernel zero-padded to the grid, applied as the real circulant ``F^H diag(V_o) F / n^2``.
    No library code: the library's operator is compared with it.

    Parameters
    ----------
    K : ndarray
        ``(c_out, c_in, k, k)``.
    n : int
        The grid ``n x n``.
    convnorm : bool
        Apply the ConvNorm filter.

    Returns
    -------
    ndarray
        ``(c_out n n, c_in n n)``, rows ordered (channel, row, column) as the library's.
    """
    c_out, c_in, k, _ = K.shape
    p = (k - 1) // 2
    # y[i] = sum_a K[a] x[(i + a - p) mod n]: shift a has a one at (i, (i + a - p) mod n)
    S = np.stack([np.roll(np.eye(n), a - p, axis=1) for a in range(k)])
    T = np.einsum("ocab,aip,bjq->oijcpq", K, S, S).reshape(c_out, n * n, c_in * n * n)
    if not convnorm:
        return T.reshape(c_out * n * n, c_in * n * n)
    V, F = _filter(K, n)
    # V_o(w) = V_o(-w) for a real kernel: the circulant is real and symmetric
    return np.concatenate([(F.conj().T @ (V[o].ravel()[:, None] * F)).real / (n * n) @ T[o]
                           for o in range(c_out)])


def _reference_code_path(K: np.ndarray, n: int, stride: int, padding: int,
                         convnorm: bool = True) -> np.ndarray:
    """The code-path layer as a dense matrix, built from its definition alone.

    Full cross-correlation (explicit shift matrices), the ConvNorm filter ``V_o`` from an
    explicit DFT matrix applied as the real circulant ``F^H diag(V_o) F / N^2`` on the
    ``N x N`` grid (``N = n + k - 1``), a symmetric crop of ``k - 1 - padding`` on each
    side and the stride. No library code: this is the reference the library's operator
    and report are compared with. ``convnorm=False`` is the same layer without the filter
    (the plain convolution with zero padding ``padding``).

    Parameters
    ----------
    K : ndarray
        ``(c_out, c_in, k, k)``.
    n : int
        The input grid ``n x n``.
    stride, padding : int
        The layer's stride and padding (at most ``k - 1``).
    convnorm : bool
        Apply the ConvNorm filter.

    Returns
    -------
    ndarray
        ``(c_out h_out w_out, c_in n n)``, rows ordered (channel, row, column) as the
        library's.
    """
    c_out, c_in, k, _ = K.shape
    N = n + k - 1
    # y[i] = sum_a K[a] x[i + a - (k - 1)]: shift a puts input p at output p - a + k - 1
    S = np.stack([np.eye(N, n, a - (k - 1)) for a in range(k)])
    T = np.einsum("ocab,aip,bjq->oijcpq", K, S, S).reshape(c_out, N * N, c_in * n * n)
    start = k - 1 - padding
    kept = np.arange(start, N - start)[::stride]
    rows = (kept[:, None] * N + kept[None, :]).ravel()
    if not convnorm:
        return np.concatenate([T[o][rows] for o in range(c_out)])
    V, F = _filter(K, N)
    blocks = []
    for o in range(c_out):
        # V_o(w) = V_o(-w) for a real kernel: the circulant is real and symmetric
        P = (F[:, rows].conj().T @ (V[o].ravel()[:, None] * F)).real / (N * N)
        blocks.append(P @ T[o])
    return np.concatenate(blocks)


__all__ = ["_reference_circular", "_reference_code_path"]
