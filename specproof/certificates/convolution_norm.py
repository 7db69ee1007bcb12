"""Certified operator norms of multi-channel 2-D convolutions (zero padding, stride).

The zero-padded stride-1 output is a set of rows of the circular convolution on a grid
``N >= n + p`` (the input embedded with zeros: no wrap-around reaches a non-zero input),
and a stride keeps a subset of those rows, so ``||conv|| <= max_w ||M_N(w)||_2`` over the
symbols of :mod:`specproof.certificates.convolution_spectrum`. :func:`conv_operator_norm`
returns that upper bound with a floating-point error margin, and a Lanczos witness for
the lower bound, as a :class:`~specproof.certificates.bounds.NormBounds` (``q = 2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse.linalg import svds

from specproof._core import ArgumentError, ComputationError, as_generator
from specproof.certificates.bounds import NormBounds
from specproof.certificates.convolution import Conv2dOperator, _pair, conv2d_operator
from specproof.certificates.convolution_spectrum import UNIT_ROUNDOFF, _symbols
from specproof.certificates.rigorous import scale_up


@dataclass(frozen=True)
class ConvolutionNormCertificate:
    """What proves a convolution's upper bound: the circular grid and the float margin.

    Attributes
    ----------
    grid : (int, int)
        The circular grid whose symbol norms bound the operator.
    sigma_computed : float
        ``max_w ||M(w)||_2`` as computed in floating point.
    margin : float
        The added error margin (``upper = sigma_computed + margin``, rounded up).
    frequency : (int, int)
        Where the maximum is attained.
    exact : bool
        True when the operator *is* the circular stride-1 convolution on ``grid`` (so
        ``sigma_computed`` is its norm up to rounding), False for an embedding bound.
    reason : str
        Why the bracket is what it is when that is not the symbol norm (a zero operator).
    dead_taps : int
        Kernel positions ``(a, b)`` that read only zero padding (no output reaches an input
        pixel through them): they are not part of the operator, so the symbols, the
        scaling and the witness are those of the kernel without them.

    Examples
    --------
    >>> c = ConvolutionNormCertificate((4, 4), 1.0, 1e-15, (0, 0), True)
    >>> c.to_dict()["grid"]
    [4, 4]
    """

    grid: tuple[int, int]
    sigma_computed: float
    margin: float
    frequency: tuple[int, int]
    exact: bool
    reason: str = ""
    dead_taps: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "grid": list(self.grid),
            "sigma_computed": self.sigma_computed,
            "margin": self.margin,
            "frequency": list(self.frequency),
            "exact": self.exact,
            "reason": self.reason,
            "dead_taps": self.dead_taps,
        }


def _embedding_grid(g: Any) -> tuple[int, int]:
    """Smallest circular grid on which the zero-padded stride-1 output wraps onto zeros only."""
    out = []
    for n, k, p in zip(g.input_shape, g.kernel_size, g.padding):
        out.append(max(n + p, n + 2 * p - k + 1, k))
    return out[0], out[1]


def _certified_symbol_norm(
    K: np.ndarray, grid: tuple[int, int]
) -> tuple[float, float, float, tuple[int, int]]:
    """``max_w ||M(w)||_2`` on ``grid`` and a margin covering FFT and SVD rounding.

    The kernel is first scaled by an exact power of two so that neither overflow nor
    underflow can occur. Error model (float64, unit roundoff u):

    - FFT: ``||fl(F x) - F x||_2 <= eps_fft ||F x||_2`` with ``eps_fft = (log2 N + 1) 8 u``
      (Higham 2002, Thm 24.2, with a safety factor for mixed radices and twiddle errors);
      by Parseval ``||F x||_2 = sqrt(N) ||x||_2``, so every symbol matrix is off by at most
      ``eps_fft sqrt(N) ||K||_F`` in Frobenius norm, hence in spectral norm.
    - SVD: LAPACK's singular values are backward stable, ``|s_hat - s| <= 8 max(c) u s_max``
      (a generous constant).

    The sum of both terms, plus one ulp of the result, is the margin.
    """
    hi = float(np.abs(K).max())
    if hi == 0.0:
        return 0.0, 0.0, 0.0, (0, 0)
    e = math.frexp(hi)[1]
    Ks = np.ldexp(K, -e)  # exact: a power-of-two scaling, entries now in [0.5, 1)
    M = _symbols(Ks, grid, real=True)
    top = np.linalg.svd(M, compute_uv=False)[..., 0]
    i, j = np.unravel_index(int(np.argmax(top)), top.shape)
    s = float(top[i, j])
    N = grid[0] * grid[1]
    eps_fft = (math.log2(N) + 1.0) * 8.0 * UNIT_ROUNDOFF
    fft_err = eps_fft * math.sqrt(N) * float(np.linalg.norm(Ks)) * (1.0 + 1e-6)
    svd_err = 8.0 * max(K.shape[0], K.shape[1]) * UNIT_ROUNDOFF * s
    margin = fft_err + svd_err
    # scaled back rounding upward: math.ldexp rounds to nearest, and into the subnormal
    # range that lost up to half an ulp (a kernel of integers times 2^-1074 got an "upper
    # bound" of 160 units for a norm of 160.056)
    upper = scale_up(math.nextafter(s + margin, math.inf), e)
    if not math.isfinite(upper):
        raise ComputationError(
            "the convolution's norm overflows float64: scale the kernel down before asking"
        )
    return math.ldexp(s, e), math.ldexp(margin, e), upper, (int(i), int(j))


def conv_operator_norm(
    kernel: Any,
    input_shape: Any,
    stride: Any = 1,
    padding: Any = None,
    mode: str = "zeros",
    layout: str = "oihw",
    seed: Any = 0,
    grid: Any = None,
) -> NormBounds:
    """A certified bracket on the spectral norm of a 2-D convolution.

    Parameters
    ----------
    kernel, input_shape, stride, padding, mode, layout
        The convolution, as in
        :func:`~specproof.certificates.convolution.conv2d_operator`.
    seed : int, Generator or None
        Seeds the Lanczos start vector of the lower bound.
    grid : (int, int), optional
        The circular grid of the embedding bound (zero padding); default the smallest
        valid one, ``max(n + p, n + 2p - k + 1, k)`` per axis. A grid that is too small
        is an error.

    Returns
    -------
    NormBounds
        ``q = 2``; ``upper``: ``max_w ||M(w)||_2`` on the circular grid plus a float error
        margin (rigorous under the standard FFT and SVD error bounds, see the notes),
        ``upper_method`` ``"fft-exact"`` (circular, stride 1: the norm itself) or
        ``"circular-embedding"``; ``lower = ||A witness||`` (shrunk by a rounding margin)
        for a unit ``witness`` from Lanczos (``svds``) on the operator, ``lower_method``
        ``"lanczos"``; ``certificate``: a :class:`ConvolutionNormCertificate`. An
        operator that is exactly zero (a zero kernel, or a stride and padding under which
        no input reaches an output) gives the bracket ``[0, 0]``, methods
        ``"zero-operator"`` and the reason in ``certificate.reason``; that test is exact
        (which taps reach an input pixel, and whether one of them is nonzero).

    Notes
    -----
    The margin covers the FFT's rounding (Higham, *Accuracy and Stability of Numerical
    Algorithms*, Thm 24.2, inflated 8x) and the SVD's backward error; taps that read only
    zero padding are dropped (``certificate.dead_taps``: the operator is the same) and the
    remaining kernel is scaled by a power of two, so the bound holds at every magnitude,
    also beside dead taps far larger than the live ones. Circular mode with a stride is
    bounded by the stride-1 circular norm (a subset of rows).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> K = rng.standard_normal((4, 3, 3, 3))
    >>> b = conv_operator_norm(K, (8, 8), padding=1)
    >>> b.upper_method, bool(b.lower <= b.upper), bool(b.ratio < 1.2)
    ('circular-embedding', True, True)
    >>> c = conv_operator_norm(K, (8, 8), mode="circular")
    >>> c.upper_method, bool(c.gap < 1e-9 * c.upper)
    ('fft-exact', True)
    """
    op = conv2d_operator(kernel, input_shape, stride=stride, padding=padding, mode=mode,
                         layout=layout)
    g = op.geometry
    K = op.kernel
    exact = g.mode == "circular" and g.stride == (1, 1)
    if g.mode == "circular":
        if grid is not None:
            raise ArgumentError("grid applies to mode='zeros' only (circular uses input_shape)")
        circ = g.input_shape
    else:
        need = _embedding_grid(g)
        if grid is None:
            circ = need
        else:
            # 10.9 was cut to 10 and "10" accepted; the other shape arguments are checked so
            gh, gw = _pair(grid, "grid", minimum=1)
            if gh < need[0] or gw < need[1]:
                raise ArgumentError(
                    f"grid {(gh, gw)} is too small for an exact embedding: need at least {need}"
                )
            circ = (gh, gw)
    # taps that read only padding are no part of the operator: dropped before anything
    # is scaled, so a tiny live tap is measured against the live ones (beside a huge dead
    # tap it underflowed, and a nonzero operator was certified to have norm 0)
    live, dead = _live_kernel(K, g)
    zero = _zero_operator(K, live, g)
    if zero:
        witness = np.zeros(g.in_dim)
        witness[0] = 1.0
        return NormBounds(q=2.0, lower=0.0, witness=witness, upper=0.0,
                          upper_method="zero-operator", lower_method="zero-operator",
                          certificate=ConvolutionNormCertificate(circ, 0.0, 0.0, (0, 0),
                                                                 True, reason=zero,
                                                                 dead_taps=dead))
    s, margin, upper, freq = _certified_symbol_norm(live, circ)
    lower, witness = _lanczos_lower(live, g, seed)
    if lower > upper:
        # both sides carry rounding margins: a witness above the bound means one of them
        # is wrong, and neither may be reported
        raise ComputationError(
            f"inconsistent bracket: the witness gives {lower!r} > upper bound {upper!r}; "
            "please report this kernel"
        )
    return NormBounds(
        q=2.0,
        lower=lower,
        witness=witness,
        upper=upper,
        upper_method="fft-exact" if exact else "circular-embedding",
        lower_method="lanczos",
        certificate=ConvolutionNormCertificate(circ, s, margin, freq, exact, dead_taps=dead),
    )


def _live_axis(n: int, k: int, p: int, s: int, n_out: int) -> np.ndarray:
    """Which of the ``k`` taps of one axis read an input position (not padding) for some
    output: tap ``a`` is live iff ``0 <= s i + a - p < n`` for an ``i`` in ``[0, n_out)``.

    Examples
    --------
    >>> _live_axis(1, 3, 1, 1, 1)            # 1 input, padding 1: only the centre tap
    array([False,  True, False])
    """
    a = np.arange(k)
    lo = p - a  # s i must lie in [lo, lo + n - 1]
    i_min = np.maximum(0, -((-lo) // s))  # the first output whose read is not left of 0
    return (i_min <= n_out - 1) & (s * i_min <= lo + n - 1)


def _live_kernel(K: np.ndarray, g: Any) -> tuple[np.ndarray, int]:
    """The kernel with the taps that read only zero padding set to 0, and their count.

    Zero padding: a dead tap multiplies zeros for every output, so the operator is the
    same with or without it; a circular convolution reads the grid at every tap. Decided
    on the geometry alone (integers), without any arithmetic on the kernel.
    """
    if g.mode == "circular":
        return K, 0
    (h, w), (kh, kw) = g.input_shape, g.kernel_size
    rows = _live_axis(h, kh, g.padding[0], g.stride[0], g.output_shape[0])
    cols = _live_axis(w, kw, g.padding[1], g.stride[1], g.output_shape[1])
    mask = rows[:, None] & cols[None, :]
    dead = int(mask.size - np.count_nonzero(mask))
    if dead == 0:
        return K, 0
    return np.where(mask, K, 0.0), dead


def _zero_operator(K: np.ndarray, live: np.ndarray, g: Any) -> str:
    """Why the operator is exactly zero, or ``""`` when it is not.

    Every entry of ``A`` is one tap of the kernel (zero padding: output ``i`` and input
    ``i'`` meet at the single tap ``a = i' - s i + p``; circular: ``k <= n``, so at most one
    tap ``a = i' - s i + p mod n``), and every live tap is some entry. So ``A = 0`` iff
    every live tap is 0: an exact comparison, with no scaling that could flush a small
    tap to zero.
    """
    if not np.any(K):
        return "the operator is zero: the kernel is zero"
    if np.any(live):
        return ""
    return (f"the operator is zero: with stride {tuple(g.stride)} and padding "
            f"{tuple(g.padding)}, every output reads only padding (no input pixel reaches "
            "a nonzero kernel tap)")


def _lanczos_lower(K: np.ndarray, g: Any, seed: Any) -> tuple[float, np.ndarray]:
    """``||A w|| / ||w||`` for Lanczos' top right singular vector ``w``, shrunk by a bound
    on the rounding of the matvec and of the norms.

    Lanczos runs on the kernel scaled by an exact power of two (no overflow or
    underflow); the value is scaled back and rounded toward zero.
    """
    hi = float(np.abs(K).max())
    if hi == 0.0:
        w = np.zeros(g.in_dim)
        w[0] = 1.0
        return 0.0, w
    e = math.frexp(hi)[1]
    op = Conv2dOperator(np.ldexp(K, -e), g)
    m, n = op.shape
    rng = as_generator(seed)
    if min(m, n) <= 2:
        _, _, vt = np.linalg.svd(op.dense())
        w = vt[0]
    else:
        # ARPACK works on the smaller side; v0 must have that length
        _, _, vt = svds(op, k=1, v0=rng.standard_normal(min(m, n)), tol=0)
        w = vt[0]
    w = w / np.linalg.norm(w)
    y = op @ w
    # rounding: each output entry sums c_in k_h k_w products, so
    # |fl(Aw) - Aw| <= gamma |A| |w| entrywise (Higham, Sec. 3.5); a norm of L terms is
    # off by at most (L + 2) u relatively. All bounds taken twice for safety.
    terms = g.c_in * g.kernel_size[0] * g.kernel_size[1]
    gamma = 2.0 * (terms + 2) * UNIT_ROUNDOFF
    err = gamma * float(np.linalg.norm(Conv2dOperator(np.abs(op.kernel), g) @ np.abs(w)))
    y_norm = float(np.linalg.norm(y)) * (1.0 - 2.0 * (y.size + 2) * UNIT_ROUNDOFF)
    w_norm = float(np.linalg.norm(w)) * (1.0 + 2.0 * (w.size + 2) * UNIT_ROUNDOFF)
    val = max(0.0, y_norm - err) / w_norm
    return max(0.0, math.nextafter(math.ldexp(val, e), 0.0)), w


__all__ = ["ConvolutionNormCertificate", "conv_operator_norm"]
