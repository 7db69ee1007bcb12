"""Singular values of multi-channel 2-D convolutions (the certified operator norm of
zero-padded and strided ones is :mod:`specproof.certificates.convolution_norm`).

Circular, stride 1 (Sedghi, Gupta, Long, ICLR 2019): the convolution is block-diagonalised
by the 2-D DFT, so its singular values are those of the ``c_out x c_in`` symbol matrices
``M(w) = sum_{a,b} K[:, :, a, b] exp(+-2 pi i <w, (a, b)> / n)``, one per frequency ``w``
of the ``h x w`` grid: ``h w min(c_out, c_in)`` values, exactly.

Examples
--------
>>> import numpy as np
>>> K = np.random.default_rng(0).standard_normal((2, 3, 3, 3))
>>> from specproof.certificates.convolution import conv2d_operator
>>> s = circular_singular_values(K, 5)
>>> dense = np.linalg.svd(conv2d_operator(K, 5, mode="circular").dense(), compute_uv=False)
>>> bool(np.abs(s - dense).max() < 1e-10)
True
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from typing import Any

import numpy as np
from scipy.linalg import eigvalsh_tridiagonal, lapack
from threadpoolctl import ThreadpoolController, threadpool_limits

from specproof._core import ArgumentTypeError, ComputationError, as_choice, as_int
from specproof.certificates.convolution import as_kernel, conv_geometry

UNIT_ROUNDOFF = 2.0**-53
# target accuracy of the Gram path relative to sigma_max (see _gram_values)
GRAM_RELATIVE_ACCURACY = 1e-11
METHODS = ("gram", "svd")


def _symbols(K: np.ndarray, grid: tuple[int, int], real: bool) -> np.ndarray:
    """``fft2`` (or ``rfft2``) of the zero-padded kernel: ``(h, w or w//2+1, c_out, c_in)``."""
    f = np.fft.rfft2 if real else np.fft.fft2
    return np.moveaxis(f(K, s=grid, axes=(2, 3)), (0, 1), (2, 3))


def _gram_symbols(
    K: np.ndarray, grid: tuple[int, int], select: np.ndarray | None = None
) -> np.ndarray:
    """``M(w) M(w)^H`` on the rfft2 half-grid without a matrix product per frequency.

    ``(h, w // 2 + 1, c, c)``; with a boolean ``select`` of shape ``(h, w // 2 + 1)`` only
    those frequencies, as ``(select.sum(), c, c)`` (no copy of the rest is made).
    """
    E, B, c = _gram_factors(K, grid, select)
    G = (E @ B).view(complex)
    return G.reshape(-1, c, c) if select is not None else G.reshape(grid[0], -1, c, c)


def _gram_factors(
    K: np.ndarray, grid: tuple[int, int], select: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(E, B, c)`` with ``(E @ B).view(complex)`` the Grams of :func:`_gram_symbols`,
    one row of ``E`` per frequency (so that a block of rows gives a block of Grams).

    With ``c_out <= c_in`` (else the kernel is transposed, which conjugates the Gram and
    keeps its eigenvalues), ``M(w) M(w)^H = sum_d C_d e^{-i <w, d>}`` where
    ``C_d = sum_{p - p' = d} K_p K_{p'}^T`` over kernel offsets ``p, p'``: only
    ``(2k-1)^2`` real ``c x c`` matrices, combined for all frequencies by two real matrix
    products (real and imaginary parts of the phases).
    """
    if K.shape[0] > K.shape[1]:
        K = K.transpose(1, 0, 2, 3)
    c, _, kh, kw = K.shape
    h, w = grid
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
    C = C.reshape((2 * kh - 1) * (2 * kw - 1), c * c)
    dh = np.arange(-(kh - 1), kh)
    dw = np.arange(-(kw - 1), kw)
    fi = np.arange(h)[:, None, None, None]
    fj = np.arange(w // 2 + 1)[None, :, None, None]
    angle = -2.0 * np.pi * (
        np.mod(fi * dh[None, None, :, None], h) / h + np.mod(fj * dw[None, None, None, :], w) / w
    )
    angle = angle.reshape(h * (w // 2 + 1), -1)
    if select is not None:
        angle = angle[select.ravel()]
    D = angle.shape[1]
    # offsets d and -d pair up (index j and D - 1 - j; the centre is d = 0, phase 0):
    # C_d e^{i t} + C_-d e^{-i t} = (C_d + C_-d) cos t + i (C_d - C_-d) sin t, so D real
    # coefficient matrices instead of 2D. One real product whose output interleaves real
    # and imaginary parts, i.e. is the complex array's memory: [cos | sin] @ [[S, 0],
    # [0, A]] (per entry: re, im)
    mid = D // 2
    hi = np.arange(mid + 1, D)
    lo = D - 1 - hi
    B = np.zeros((D, c * c, 2))
    B[0, :, 0] = C[mid]
    B[1 : mid + 1, :, 0] = C[hi] + C[lo]
    B[mid + 1 :, :, 1] = C[hi] - C[lo]
    E = np.concatenate([np.cos(angle[:, mid:]), np.sin(angle[:, hi])], axis=1)
    return E, B.reshape(D, -1), c


# the largest array of all tap-pair products K_p K_q^T made at once (beyond it, one tap
# q at a time: twice the flops, a k^2-th of the memory)
_PAIR_PRODUCTS_BYTES = 2**30

# from this matrix size on, one zhetrd + dsterf call per frequency beats numpy's batched
# eigvalsh (the same LAPACK algorithm, zheevd without vectors, less its per-matrix
# overhead); below it the Python loop would cost more than it saves
_LOOP_MIN_SIZE = 32
# zhetrd's panel width (its blocking factor), set through the workspace it is given
_HETRD_PANEL = 8
# Grams made per block on the single-thread path (half of a 32 MB L3 cache)
_GRAM_BLOCK_BYTES = 16 * 2**20


def _hermitian_eigenvalues(G: np.ndarray) -> np.ndarray:
    """Ascending eigenvalues of a batch ``(B, c, c)`` of Hermitian matrices (overwritten).

    What ``np.linalg.eigvalsh`` computes (Householder tridiagonalisation, then the
    root-free QR of ``dsterf``), called directly for ``c >= _LOOP_MIN_SIZE``.
    """
    c = G.shape[-1]
    if c < _LOOP_MIN_SIZE:
        return np.linalg.eigvalsh(G)
    out = np.empty(G.shape[:-1])
    # panels of 8 columns: LAPACK's own choice, 32, is 6-17 % slower at c = 64-256 on one
    # thread (0.355 s against 0.426 s for 514 matrices at c = 128, measured)
    lwork = _HETRD_PANEL * c
    for i, g in enumerate(G):
        # g^T = conj(g) has the same eigenvalues and is already in Fortran order, so
        # LAPACK works in place instead of on a copy (G is scratch: the caller's own)
        _, d, e, _, info = lapack.zhetrd(g.T, lwork=lwork, overwrite_a=1)
        if info != 0:  # an illegal argument: a bug here, not a property of the input
            raise ComputationError(f"zhetrd failed (info {info}) on a {c} x {c} Gram matrix")
        lam, info = lapack.dsterf(d, e)
        if info != 0:  # the QR iteration did not converge (not seen): bisection instead
            lam = eigvalsh_tridiagonal(d, e, eigvals_only=True)
        out[i] = lam
    return out


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # made once: threadpool_limits() rescans the loaded libraries on every call (~1.4 ms)
    return ThreadpoolController()


def gram_error_units(c: int, kh: int, kw: int) -> float:
    """The error allowed for a Gram's eigenvalues, in units of ``u lambda_max``:
    ``sqrt((8 sqrt(c))^2 + (2 sqrt(D))^2)`` for ``D = (2 kh - 1)(2 kw - 1)`` lags.

    Two independent roundings: the tridiagonalisation's (measured up to 6.1 sqrt(c) on
    c = 32-256) and the Gram's own, a sum over the ``D`` lag matrices whose partial sums
    stay near ``C_0 ~ lambda_max`` (measured 6-31 for one channel and 16-48 taps, where
    ``8 sqrt(c)`` alone allowed 8 and a 48 x 48 kernel lost 1.6e-11 sigma_max).

    Examples
    --------
    >>> round(gram_error_units(128, 3, 3), 2), round(gram_error_units(1, 48, 48), 1)
    (91.06, 190.2)
    """
    return math.hypot(8.0 * math.sqrt(c), 2.0 * math.sqrt((2 * kh - 1) * (2 * kw - 1)))


def _gram_values(K: np.ndarray, grid: tuple[int, int], workers: int = 1) -> np.ndarray:
    """Singular values (descending) on the rfft2 half-grid via eigenvalues of the Gram.

    The eigenvalues of ``G = M M^H`` carry an absolute error of at most
    ``e u lambda_max`` with ``e`` from :func:`gram_error_units`, so ``sqrt(lambda_i)`` is
    off by about ``e u sigma_max^2 / (2 sigma_i)``. Frequencies where that could exceed
    ``GRAM_RELATIVE_ACCURACY * sigma_max`` (``sigma_min / sigma_max < e u / (2
    GRAM_RELATIVE_ACCURACY)``) are recomputed by an SVD of the symbol matrix.

    In the half-grid's columns 0 and ``w / 2`` (``w`` even), row ``h - i`` is the complex
    conjugate of row ``i`` (a real kernel: ``M(-w) = conj M(w)``): only rows ``0 .. h // 2``
    of those columns are solved, the rest copied.
    """
    c = min(K.shape[0], K.shape[1])
    h, w = grid
    half_w = w // 2 + 1
    self_conj = [0] + ([w // 2] if w % 2 == 0 and w // 2 != 0 else [])
    solve = np.ones((h, half_w), dtype=bool)
    for j in self_conj:
        solve[h // 2 + 1 :, j] = False
    if workers > 1 and int(solve.sum()) >= 2 * workers:
        flat = _gram_symbols(K, grid, solve)
        # numpy's eigvalsh releases the GIL (scipy's f2py zhetrd does not, so the faster
        # single-thread loop would run the threads one after the other): frequencies are
        # independent, so threads share them
        # one BLAS thread each: the workers are the parallelism (BLAS threads inside
        # each worker's small problems only oversubscribe the cores)
        with threadpool_limits(1), ThreadPoolExecutor(workers) as ex:
            parts = list(ex.map(np.linalg.eigvalsh, np.array_split(flat, workers)))
        solved = np.concatenate(parts)
    else:
        # blocks of Grams made just before they are solved stay in cache instead of a
        # round trip through memory for all of them; one buffer serves every block (a
        # fresh array per block costs its page faults: 41 ms against 34 ms for the
        # products alone at c = 128, measured)
        E, B, _ = _gram_factors(K, grid, solve)
        block = max(1, _GRAM_BLOCK_BYTES // (16 * c * c))
        buffer = np.empty((min(block, E.shape[0]), B.shape[1]))
        solved = np.empty((E.shape[0], c))
        # BLAS threads on these small problems spin between calls: at c = 128 two of
        # them made the loop 1.9x slower than one (measured); larger c keeps them
        limit = _blas_controller().limit(limits=1) if c <= 256 else nullcontext()
        with limit:
            for i in range(0, E.shape[0], block):
                grams = np.matmul(E[i : i + block], B, out=buffer[: len(E[i : i + block])])
                solved[i : i + block] = _hermitian_eigenvalues(
                    grams.view(complex).reshape(-1, c, c)
                )
    lam = np.empty((h, half_w, c))
    lam[solve] = solved[:, ::-1]
    for j in self_conj:
        rows = np.arange(h // 2 + 1, h)
        lam[rows, j] = lam[h - rows, j]
    units = gram_error_units(c, K.shape[2], K.shape[3])
    ratio = (units * UNIT_ROUNDOFF / (2.0 * GRAM_RELATIVE_ACCURACY)) ** 2
    # against the largest eigenvalue of all frequencies, not the frequency's own: the Grams
    # are sums of lag matrices whose rounding is relative to the whole kernel, so a
    # frequency whose values are all tiny (a high-pass kernel at frequency 0) came out as
    # the square root of that rounding, 2e-8 sigma_max for a true 1e-16
    bad = ~(lam[..., -1] >= ratio * float(lam[..., 0].max()))
    s = np.sqrt(np.maximum(lam, 0.0))
    if bad.any():
        s[bad] = np.linalg.svd(_symbols_at(K, grid, np.argwhere(bad)), compute_uv=False)
    return s


def _symbols_at(K: np.ndarray, grid: tuple[int, int], freqs: np.ndarray) -> np.ndarray:
    """The symbols ``M(w)`` (as ``fft2`` defines them) at the frequencies ``freqs`` only:
    ``(len(freqs), c_out, c_in)``, a direct sum of the ``k_h k_w`` taps (the fallback
    needs a few frequencies, not the whole FFT)."""
    c_out, c_in, kh, kw = K.shape
    h, w = grid
    a, b = np.arange(kh), np.arange(kw)
    # exact integer reduction of the phase before the division, as in _gram_symbols
    angle = -2.0 * np.pi * (
        np.mod(freqs[:, 0, None, None] * a[None, :, None], h) / h
        + np.mod(freqs[:, 1, None, None] * b[None, None, :], w) / w
    )
    phase = np.exp(1j * angle).reshape(len(freqs), kh * kw)
    return (phase @ K.reshape(c_out * c_in, kh * kw).T).reshape(len(freqs), c_out, c_in)


def _scaled_back(values: np.ndarray, e: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        values = np.ldexp(values, e)
    if not np.all(np.isfinite(values)):
        # a value scaled back beyond float64 (a kernel of 1e308 taps): inf, never returned
        raise ComputationError(
            "the convolution's singular values overflow float64 (the largest is "
            f"{float(np.nanmax(values)):g}): scale the kernel down before asking")
    return values


def circular_singular_values(
    kernel: Any,
    input_shape: Any,
    layout: str = "oihw",
    method: str = "gram",
    by_frequency: bool = False,
    workers: int = 1,
) -> np.ndarray:
    """All singular values of the circular stride-1 convolution, from the FFT.

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        ``(c_out, c_in, k_h, k_w)`` (``layout="oihw"``) or ``(k_h, k_w, c_in, c_out)``.
    input_shape : int or (int, int)
        The periodic grid ``(h, w)``; the kernel must fit in it.
    layout : {"oihw", "hwio"}
        Kernel layout, see :func:`~specproof.certificates.convolution.as_kernel`.
    method : {"gram", "svd"}
        ``"gram"``: the real FFT (half the frequencies, by Hermitian symmetry) and the
        eigenvalues of the smaller Gram matrix, with an SVD for ill-conditioned
        frequencies; ``"svd"``: the reference of Sedghi et al. (``fft2`` and a batched SVD).
    by_frequency : bool
        Return an ``(h, w, min(c_out, c_in))`` array of each frequency's values
        (descending) instead of the flat sorted list.
    workers : int
        Threads that share the frequencies' eigenvalue problems (``"gram"`` only; numpy's
        LAPACK calls release the GIL), each with one BLAS thread. 1 runs in the calling
        thread (a faster per-frequency LAPACK loop that holds the GIL).

    Returns
    -------
    ndarray
        ``h * w * min(c_out, c_in)`` singular values in descending order (or by frequency).

    Examples
    --------
    >>> K = np.array([[[[1.0, -1.0]]]])
    >>> np.round(circular_singular_values(K, (1, 4)), 12)   # |1 - e^{2 pi i j / 4}|
    array([2.        , 1.41421356, 1.41421356, 0.        ])
    """
    K = as_kernel(kernel, layout=layout)
    method = as_choice(method, METHODS, "method")
    workers = as_int(workers, "workers", minimum=1)
    if not isinstance(by_frequency, (bool, np.bool_)):
        # "no" is truthy: it returned the per-frequency array
        raise ArgumentTypeError(f"by_frequency must be a bool, got {by_frequency!r}")
    g = conv_geometry(K.shape, input_shape, mode="circular")
    h, w = g.input_shape
    # an exact power-of-two scaling to max|K| in [1/2, 1): the Gram squares the values,
    # so sigma below ~1e-154 would underflow (a kernel of scale 1e-170 gave all zeros)
    # and above ~1e154 overflow; the values scale back exactly. The FFT of the svd
    # method needs it too: 1e308 taps summed to inf - inf = NaN
    big = float(np.abs(K).max()) if K.size else 0.0
    e = math.frexp(big)[1] if big > 0.0 else 0
    if method == "svd":
        per = _scaled_back(np.linalg.svd(_symbols(np.ldexp(K, -e), (h, w), real=False),
                                         compute_uv=False), e)
        return per if by_frequency else np.sort(per.ravel())[::-1]
    half = _scaled_back(_gram_values(np.ldexp(K, -e), (h, w), workers), e)
    if by_frequency:
        jj = np.arange(w)
        cols = np.where(jj <= w // 2, jj, (w - jj) % w)
        rows = np.where(jj[None, :] <= w // 2, np.arange(h)[:, None], (-np.arange(h)[:, None]) % h)
        return half[rows, cols[None, :]]
    # columns 1 .. ceil(w/2) - 1 stand for themselves and their mirror -w
    mult = np.ones(w // 2 + 1, dtype=int)
    mult[1 : (w + 1) // 2] = 2
    vals = np.repeat(half.reshape(-1, half.shape[-1]), np.tile(mult, h), axis=0)
    return np.sort(vals.ravel())[::-1]


__all__ = ["GRAM_RELATIVE_ACCURACY", "METHODS", "UNIT_ROUNDOFF", "circular_singular_values"]
