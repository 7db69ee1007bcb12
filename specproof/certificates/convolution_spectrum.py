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
from specproof.certificates.convolution_grams import _gram_columns, _gram_symbols  # noqa: F401

UNIT_ROUNDOFF = 2.0**-53
# target accuracy of the Gram path relative to sigma_max (see _gram_values)
GRAM_RELATIVE_ACCURACY = 1e-11
METHODS = ("gram", "svd")


def _symbols(K: np.ndarray, grid: tuple[int, int], real: bool) -> np.ndarray:
    """``fft2`` (or ``rfft2``) of the zero-padded kernel: ``(h, w or w//2+1, c_out, c_in)``."""
    f = np.fft.rfft2 if real else np.fft.fft2
    return np.moveaxis(f(K, s=grid, axes=(2, 3)), (0, 1), (2, 3))


# from this matrix size on, one zhetrd + dsterf call per frequency beats numpy's batched
# eigvalsh (the same LAPACK algorithm, zheevd without vectors, less its per-matrix
# overhead); below it the Python loop would cost more than it saves
_LOOP_MIN_SIZE = 32
# zhetrd's panel width (its blocking factor), set through the workspace it is given
_HETRD_PANEL = 8
# Grams made per block on the single-thread path: 1 MB (4 Grams at c = 128, solved while
# in the L2 cache) was 5-15 ms faster per call than 512 kB, 2 MB or 16 MB (measured
# interleaved, one thread, c = 128, n = 32)
_GRAM_BLOCK_BYTES = 2**20


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
    ``e u lambda_max`` with ``e`` from :func:`gram_error_units` (its tridiagonalisation
    term scaled by the frequency's own ``lambda_max(w) / lambda_max``), so
    ``sqrt(lambda_i)`` is off by about ``e u sigma_max^2 / (2 sigma_i)``. Frequencies
    where that could exceed ``GRAM_RELATIVE_ACCURACY * sigma_max`` (``sigma_min /
    sigma_max < e u / (2 GRAM_RELATIVE_ACCURACY)``) are recomputed by an SVD of the
    symbol matrix.

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
        # in the column-major order of the frequencies
        flat = np.empty((int(solve.sum()), c, c), dtype=complex)
        for _ in _gram_columns(K, grid, solve, 0, flat):
            pass
        # numpy's eigvalsh releases the GIL (scipy's f2py zhetrd does not, so the faster
        # single-thread loop would run the threads one after the other): frequencies are
        # independent, so threads share them
        # one BLAS thread each: the workers are the parallelism (BLAS threads inside
        # each worker's small problems only oversubscribe the cores)
        with threadpool_limits(1), ThreadPoolExecutor(workers) as ex:
            parts = list(ex.map(np.linalg.eigvalsh, np.array_split(flat, workers)))
        solved = np.concatenate(parts)
    else:
        lam = np.empty((h, half_w, c))
        # BLAS threads on these small problems spin between calls: at c = 128 two of
        # them made the loop 1.9x slower than one (measured); larger c keeps them
        limit = _blas_controller().limit(limits=1) if c <= 256 else nullcontext()
        with limit:
            # blocks of Grams made just before they are solved stay in cache; one buffer
            # serves every block
            for j, rows, grams in _gram_columns(K, grid, solve, _GRAM_BLOCK_BYTES):
                lam[rows, j] = _hermitian_eigenvalues(grams)[:, ::-1]
        solved = None
    if solved is not None:
        lam = np.empty((h, half_w, c))
        lam.transpose(1, 0, 2)[solve.T] = solved[:, ::-1]
    for j in self_conj:
        rows = np.arange(h // 2 + 1, h)
        lam[rows, j] = lam[h - rows, j]
    units = gram_error_units(c, K.shape[2], K.shape[3])
    top_all = float(lam[..., 0].max())
    ratio = (units * UNIT_ROUNDOFF / (2.0 * GRAM_RELATIVE_ACCURACY)) ** 2
    # against the largest eigenvalue of all frequencies, not the frequency's own: the Grams
    # are sums of lag matrices whose rounding is relative to the whole kernel, so a
    # frequency whose values are all tiny (a high-pass kernel at frequency 0) came out as
    # the square root of that rounding, 2e-8 sigma_max for a true 1e-16
    bad = ~(lam[..., -1] >= ratio * top_all) & solve
    s = np.sqrt(np.maximum(lam, 0.0))
    if bad.any():
        s[bad] = np.linalg.svd(_symbols_at(K, grid, np.argwhere(bad)), compute_uv=False)
    for j in self_conj:
        rows = np.arange(h // 2 + 1, h)
        s[rows, j] = s[h - rows, j]
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
    # sorted apart and merged: the run detection of the stable sort (timsort) merges two
    # sorted runs in linear time, and the doubled columns are sorted at half their count
    twice = np.zeros(w // 2 + 1, dtype=bool)
    twice[1 : (w + 1) // 2] = True
    once = np.sort(half[:, ~twice].ravel())
    doubled = np.repeat(np.sort(half[:, twice].ravel()), 2)
    vals = np.concatenate([once, doubled])
    vals.sort(kind="stable")
    return vals[::-1]


__all__ = ["GRAM_RELATIVE_ACCURACY", "METHODS", "UNIT_ROUNDOFF", "circular_singular_values"]
