"""The Gram matrices ``M(w) M(w)^H`` of a 2-D convolution's symbols on the real FFT's
half-grid, from the kernel's autocorrelation (used by
:mod:`specproof.certificates.convolution_spectrum`).

With ``c_out <= c_in`` the Gram at frequency ``w`` is ``sum_d C_d e^{-i <w, d>}`` over the
``(2k - 1)^2`` lags ``d``, ``C_d = sum_{p - p' = d} K_p K_{p'}^T``: real ``c x c``
matrices made once, then combined per frequency without a product of the symbols.

Examples
--------
>>> import numpy as np
>>> K = np.random.default_rng(0).standard_normal((2, 3, 3, 3))
>>> M = np.moveaxis(np.fft.rfft2(K, s=(5, 5), axes=(2, 3)), (0, 1), (2, 3))
>>> G = _gram_symbols(K, (5, 5))
>>> bool(np.abs(G - M @ M.conj().swapaxes(-1, -2)).max() < 1e-13)
True
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# the largest array of all tap-pair products K_p K_q^T made at once (beyond it, one tap
# q at a time: twice the flops, a k^2-th of the memory)
_PAIR_PRODUCTS_BYTES = 2**30


def _gram_symbols(
    K: np.ndarray, grid: tuple[int, int], select: np.ndarray | None = None
) -> np.ndarray:
    """``M(w) M(w)^H`` on the rfft2 half-grid without a matrix product per frequency.

    ``(h, w // 2 + 1, c, c)``; with a boolean ``select`` of shape ``(h, w // 2 + 1)`` only
    those frequencies, as ``(select.sum(), c, c)`` in row-major order of the grid.
    """
    h, w = grid
    every = np.ones((h, w // 2 + 1), dtype=bool) if select is None else select
    c = min(K.shape[0], K.shape[1])
    by_column = np.empty((int(every.sum()), c, c), dtype=complex)
    for _ in _gram_columns(K, grid, every, 0, by_column):
        pass
    # column-major order of the selection to row-major
    out = np.empty_like(by_column)
    place = np.cumsum(every.ravel()).reshape(every.shape) - 1
    out[place.T[every.T]] = by_column
    return out.reshape(h, w // 2 + 1, c, c) if select is None else out


def _lag_terms(K: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The real lag matrices of the Gram, grouped by row offset: ``(Q0, Q, c)``.

    With ``c_out <= c_in`` (else the kernel is transposed, which conjugates the Gram and
    keeps its eigenvalues), ``M(w) M(w)^H = sum_d C_d e^{-i <w, d>}`` where
    ``C_d = sum_{p - p' = d} K_p K_{p'}^T`` over kernel offsets ``p, p'``, and
    ``C_{-d} = C_d^T``. With ``S_d = C_d + C_{-d}`` (symmetric) and ``A_d = C_d - C_{-d}``
    (antisymmetric), ``Q0`` holds the rows ``C_0, S_(0,dw), A_(0,dw)`` for ``dw = 1 ..
    kw - 1`` and ``Q[dh - 1]`` the rows ``S_(dh,dw), A_(dh,dw)`` for every ``dw``
    (``dh = 1 .. kh - 1``). A row is ``c^2`` (re, im) pairs with ``C_0`` and ``S`` in the
    real slots and ``A`` in the imaginary ones: a real product with cosines and sines
    gives Hermitian matrices in complex memory.
    """
    if K.shape[0] > K.shape[1]:
        K = K.transpose(1, 0, 2, 3)
    c, _, kh, kw = K.shape
    Kf = K.transpose(2, 3, 0, 1).reshape(kh * kw * c, -1)
    whole = 8 * (kh * kw * c) ** 2 <= _PAIR_PRODUCTS_BYTES
    if whole:
        # every pair product K_p K_p'^T at once: one syrk of the stacked taps (twice as
        # fast as the batched products of the pairs, which cannot use the symmetry)
        T = (Kf @ Kf.T).reshape(kh, kw, c, kh, kw, c)
    # C_d gets K_p K_q^T for p = q + d: one slice add per q covers every p (k^2 adds, not
    # a loop over the k^4 pairs: 10 s for one channel and 48 x 48 taps), in the same
    # order of p for each d as that loop
    C = np.zeros((2 * kh - 1, 2 * kw - 1, c, c))
    for qh in range(kh):
        for qw in range(kw):
            # all products with tap q, made for this q only where all of them at once
            # would not fit (c = 512, 7 x 7 taps: 5 GB)
            Tq = T[:, :, :, qh, qw] if whole else (Kf @ K[:, :, qh, qw].T).reshape(kh, kw, c, c)
            C[kh - 1 - qh : 2 * kh - 1 - qh, kw - 1 - qw : 2 * kw - 1 - qw] += Tq
    Q0 = np.zeros((2 * kw - 1, c, c, 2))
    Q0[0, ..., 0] = C[kh - 1, kw - 1]
    # C[kh - 1 + dh, kw - 1 + dw] is C_(dh,dw); C_(-dh,-dw) is the same array reversed
    Q0[1:kw, ..., 0] = C[kh - 1, kw:] + C[kh - 1, kw - 2 :: -1] if kw > 1 else 0.0
    Q0[kw:, ..., 1] = C[kh - 1, kw:] - C[kh - 1, kw - 2 :: -1] if kw > 1 else 0.0
    Q = np.zeros((kh - 1, 2, 2 * kw - 1, c, c, 2))
    if kh > 1:
        Q[:, 0, ..., 0] = C[kh:] + C[kh - 2 :: -1, ::-1]
        Q[:, 1, ..., 1] = C[kh:] - C[kh - 2 :: -1, ::-1]
    return Q0.reshape(2 * kw - 1, 2 * c * c), Q.reshape(kh - 1, 2 * (2 * kw - 1), 2 * c * c), c


def _gram_columns(K: np.ndarray, grid: tuple[int, int], select: np.ndarray,
                  block_bytes: int, into: np.ndarray | None = None,
                  ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(j, rows, grams)``: the Grams of the selected frequencies of half-grid
    column ``j``, at most ``block_bytes`` of them at a time, in one buffer that the next
    block overwrites (``grams`` is ``(len(rows), c, c)`` complex); with ``into``, a
    complex ``(select.sum(), c, c)`` array, a column at a time written in it one after
    the other instead (the column-major order of ``select``).

    Separable in the two offsets: ``G(w) = sum_dh e^{-i theta_i dh} H_dh``,
    ``H_dh = sum_dw C_(dh,dw) e^{-i phi_j dw}`` and ``H_{-dh} = H_dh^H``, so that
    ``G = H_0 + sum_{dh >= 1} cos(theta dh) X_dh - sin(theta dh) Y_dh`` with the Hermitian
    ``X_dh = H_dh + H_dh^H`` and ``Y_dh = -i (H_dh - H_dh^H)``. Per column, the
    ``2 kh - 1`` matrices ``H_0, X_dh, -Y_dh`` come from ``2 kw - 1`` lags each; then each
    Gram is a sum of ``2 kh - 1`` terms instead of ``(2 kh - 1)(2 kw - 1)``: a fifth of
    the products at k = 3.
    """
    Q0, Q, c = _lag_terms(K)
    kh = Q.shape[0] + 1
    kw = (Q0.shape[0] + 1) // 2
    h, w = grid
    nb = 2 * kh - 1
    terms = np.empty((nb, 2 * c * c))
    if into is None:
        block = max(1, block_bytes // (16 * c * c))
        buffer = np.empty((min(block, h), 2 * c * c))
    else:
        block, done = h, 0
    # the phases of every row and column, with an exact integer reduction before the
    # division: E (rows) is [1, cos a_1, sin a_1, cos a_2, ...] with a_dh the row phase,
    # F[j] (column j) the coefficients of Q0's rows and P[j] those of each Q[dh - 1]
    ncols = select.shape[1]
    alpha = -2.0 * np.pi * (np.mod(np.arange(h)[:, None] * np.arange(1, kh), h) / h)
    E = np.empty((h, nb))
    E[:, 0] = 1.0
    E[:, 1::2] = np.cos(alpha)
    E[:, 2::2] = np.sin(alpha)
    beta = -2.0 * np.pi * (np.mod(np.arange(ncols)[:, None] * np.arange(-(kw - 1), kw), w) / w)
    cb, sb = np.cos(beta), np.sin(beta)
    F = np.concatenate([np.ones((ncols, 1)), cb[:, kw:], sb[:, kw:]], axis=1)
    P = np.stack([np.concatenate([cb, sb], axis=1), np.concatenate([-sb, cb], axis=1)], axis=1)
    for j in range(ncols):
        rows = np.flatnonzero(select[:, j])
        if len(rows) == 0:
            continue
        np.matmul(F[j], Q0, out=terms[0])
        if kh > 1:
            np.matmul(P[j], Q, out=terms[1:].reshape(kh - 1, 2, -1))
        Ej = E[rows]
        if into is not None:
            buffer = into[done : done + len(rows)].view(float).reshape(len(rows), -1)
            done += len(rows)
        for i in range(0, len(rows), block):
            grams = np.matmul(Ej[i : i + block], terms, out=buffer[: len(Ej[i : i + block])])
            yield j, rows[i : i + block], grams.view(complex).reshape(-1, c, c)
