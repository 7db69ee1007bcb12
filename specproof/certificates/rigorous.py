"""Floating-point evaluations with rigorous error bounds, valid at every magnitude.

Everything here returns numbers that bound a real quantity *in exact arithmetic*: a
lower bound is at most the true value, an upper bound at least, for every finite input,
tiny (subnormal) and huge alike. Three devices make that hold:

* **Exact power-of-two rescaling.** A matrix is multiplied by ``2^-e`` (``np.ldexp``)
  so that its largest entry lies in ``[1/2, 1)``; that is exact except for entries that
  fall into the subnormal range, each then off by at most ``ETA = 2^-1074``. Norms are
  homogeneous, so the result is scaled back by ``2^e`` and rounded outward.
* **The standard model with underflow.** A float operation gives
  ``fl(a op b) = (a op b)(1 + delta) + eta`` with ``|delta| <= u`` and ``|eta| <= ETA``
  (``eta = 0`` for additions). Every bound below carries a relative term ``gamma_k =
  k u / (1 - k u)`` and an absolute term in units of ``ETA`` (``u = UNIT = 2^-52``,
  twice the unit roundoff: the spare factor covers faithful rather than correct
  rounding).
* **Outward rounding at the end.** The final bound is moved one float outward, and a
  bound that passes through a q-th root is checked in exact rational arithmetic
  (:func:`root_upper`, :func:`root_lower`).

Two assumptions are used and named: LAPACK's symmetric eigensolver is backward stable
with ``||E||_2 <= 2 m u ||A||_F`` for an ``m x m`` matrix, and ``x ** y`` for a
non-integer ``y`` is accurate to :data:`POW_ULPS` ulps.

Examples
--------
>>> lo, hi = lq_ratio_bounds(np.eye(2), np.array([[1.0], [0.0]]), 4.0)
>>> bool(lo[0] <= 1.0 <= hi[0]), float(hi[0] - lo[0]) < 1e-13
(True, True)
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from specproof._core import ComputationError
from specproof.certificates.constants import ETA, POW_ULPS, ROOT_MARGIN_ULPS, UNIT

DENSE_EIG_MAX = 1500
"""Largest Gram size for which :func:`spectral_upper` runs a dense eigensolver."""


def gamma(k: float) -> float:
    """``k u / (1 - k u)`` with ``u = 2^-52``: the relative error of ``k`` operations.

    Examples
    --------
    >>> gamma(1) > 2.0**-52
    True
    """
    ku = k * UNIT
    if ku >= 0.5:
        raise ComputationError(f"gamma({k}) is not small: the error analysis does not apply")
    return ku / (1.0 - ku)


def pow2_exponent(maxabs: float) -> int:
    """``e`` with ``maxabs * 2^-e`` in ``[1/2, 1)`` (0 for ``maxabs == 0``).

    Examples
    --------
    >>> pow2_exponent(3.0), pow2_exponent(1e-310)
    (2, -1029)
    """
    return 0 if maxabs == 0 else int(math.frexp(float(maxabs))[1])


def pow2_scale(A: np.ndarray) -> tuple[np.ndarray, int]:
    """``(A * 2^-e, e)`` with the largest entry of the result in ``[1/2, 1)``.

    Exact, except that entries landing below ``2^-1022`` may be rounded, by at most
    ``ETA`` each (the bounds that use this function account for it).

    Examples
    --------
    >>> As, e = pow2_scale(np.array([[1e300, -3e299]]))
    >>> e, float(np.max(np.abs(As))) < 1
    (997, True)
    """
    A = np.asarray(A, dtype=np.float64)
    e = pow2_exponent(float(np.max(np.abs(A)))) if A.size else 0
    return np.ldexp(A, -e), e


def down(x: float) -> float:
    """The next float toward minus infinity."""
    return math.nextafter(float(x), -math.inf)


def up(x: float) -> float:
    """The next float toward plus infinity."""
    return math.nextafter(float(x), math.inf)


def _ldexp(x: float, e: int) -> float:
    try:
        return math.ldexp(float(x), int(e))
    except OverflowError:
        return math.inf


def scale_up(x: float, e: int) -> float:
    """A float ``>= x * 2^e`` (``x >= 0``; ``inf`` where it overflows).

    Examples
    --------
    >>> scale_up(1.0, -1075) > 0          # 2^-1075 rounds to 0 to nearest; not here
    True
    """
    if x <= 0 or math.isinf(x):
        return float(x) if x > 0 else 0.0
    y = _ldexp(x, e)
    if math.isinf(y):
        return y
    return y if Fraction(y) >= Fraction(x) * Fraction(2) ** e else up(y)


def scale_down(x: float, e: int) -> float:
    """A float ``<= x * 2^e`` (``x >= 0``), never negative (the largest float on overflow).

    Examples
    --------
    >>> scale_down(1.0, -1075)
    0.0
    """
    if x <= 0:
        return 0.0
    y = _ldexp(x, e)
    if math.isinf(y):
        return float(np.finfo(float).max)
    return y if Fraction(y) <= Fraction(x) * Fraction(2) ** e else max(0.0, down(y))


def _scaled_fraction(C: Fraction, q: int) -> tuple[Fraction, int]:
    """``(C / 2^(q k), k)`` with the first factor in ``[2^-q, 2^q)``."""
    e = C.numerator.bit_length() - C.denominator.bit_length()
    k = e // q
    return C / Fraction(2) ** (q * k), k


def root_upper(C: Fraction | float | int, q: int) -> float:
    """The smallest float ``r`` found with ``r^q >= C`` in exact arithmetic (``inf`` if none).

    Examples
    --------
    >>> r = root_upper(Fraction(8), 2)
    >>> Fraction(r) ** 2 >= 8 and Fraction(down(r)) ** 2 < 8
    True
    >>> root_upper(Fraction(1, 10**1300), 4) > 0
    True
    """
    C = Fraction(C)
    if C <= 0:
        return 0.0
    Cs, k = _scaled_fraction(C, q)
    r = float(Cs) ** (1.0 / q) * (1.0 + ROOT_MARGIN_ULPS * UNIT)
    while Fraction(r) ** q < Cs:
        r = up(r)
    while r > 0 and Fraction(down(r)) ** q >= Cs:
        r = down(r)
    y = _ldexp(r, k)
    if math.isinf(y):
        return y
    while Fraction(y) ** q < C:  # only where ldexp rounded a subnormal result down
        y = up(y)
    return y


def root_lower(C: Fraction | float | int, q: int) -> float:
    """The largest float ``r >= 0`` found with ``r^q <= C`` in exact arithmetic.

    Examples
    --------
    >>> r = root_lower(Fraction(8), 2)
    >>> Fraction(r) ** 2 <= 8 < Fraction(up(r)) ** 2
    True
    """
    C = Fraction(C)
    if C <= 0:
        return 0.0
    Cs, k = _scaled_fraction(C, q)
    r = float(Cs) ** (1.0 / q) * (1.0 - ROOT_MARGIN_ULPS * UNIT)
    while Fraction(r) ** q > Cs:
        r = down(r)
    while Fraction(up(r)) ** q <= Cs:
        r = up(r)
    y = _ldexp(r, k)
    if math.isinf(y):
        return float(np.finfo(float).max)
    while y > 0 and Fraction(y) ** q > C:
        y = down(y)
    return y


def _lq_with_error(Y: np.ndarray, q: float) -> tuple[np.ndarray, float]:
    """Column-wise ``||y||_q`` (computed) and a relative error bound for it."""
    n = Y.shape[0]
    m = np.max(np.abs(Y), axis=0)
    if math.isinf(q):
        return m, 0.0
    safe = np.where(m > 0, m, 1.0)
    Z = np.abs(Y / safe)
    if q == int(q) and q <= 16:  # q - 1 multiplications: inside the 2 ceil(q) budget below
        P = Z
        for _ in range(int(q) - 1):
            P = P * Z
    else:
        P = Z**q
    S = np.sum(P, axis=0)  # >= 1 wherever m > 0 (the largest entry gives 1)
    val = m * S ** (1.0 / q)
    # z (1 div), z^q (pow, its argument carries q relative errors), the n-term sum, the
    # root (pow), the product with m; plus n ETA in S for terms that underflowed
    # (every term's underflow adds at most (ceil(q) + 2) ETA to S >= 1)
    eps = gamma(n + 2 * math.ceil(q) + 2 * POW_ULPS + 8) + n * (math.ceil(q) + 2) * ETA
    return np.where(m > 0, val, 0.0), eps


def lq_ratio_bounds(X: np.ndarray, W: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Enclosures ``lo <= ||X w||_q / ||w||_2 <= hi`` for every column ``w`` of ``W``.

    Valid in exact arithmetic for the float matrices given, at every magnitude (see the
    module docstring); ``lo`` is never negative. A zero column gets ``lo = hi = 0``.

    Parameters
    ----------
    X : ndarray (n, d)
    W : ndarray (d, k)
    q : float
        ``q >= 1`` or ``inf``.

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, -1.0]])
    >>> lo, hi = lq_ratio_bounds(X, np.array([[1.0], [0.0]]), 4.0)
    >>> Fraction(float(lo[0])) ** 4 <= 2 <= Fraction(float(hi[0])) ** 4
    True
    """
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    if W.ndim == 1:
        W = W[:, None]
    n, d = X.shape
    k = W.shape[1]
    lo_out, hi_out = np.zeros(k), np.zeros(k)
    if not np.any(X):
        return lo_out, hi_out
    Xs, eX = pow2_scale(X)
    wmax = np.max(np.abs(W), axis=0)
    ew = np.array([pow2_exponent(float(t)) for t in wmax])
    Ws = np.ldexp(W, -ew[None, :])
    Y = Xs @ Ws
    A = np.abs(Xs) @ np.abs(Ws)
    # |Y - exact| <= gamma_{d+2} A + 8 d ETA  (products, sums, the scaling of X and W)
    nu, eps_nu = _lq_with_error(Y, q)
    a_norm, eps_a = _lq_with_error(A, q)
    root_n = 1.0 if math.isinf(q) else n ** (1.0 / q) * 1.01
    err = gamma(d + 2) * a_norm * (1 + eps_a) * 1.01 + 8 * d * ETA * root_n
    s = np.sqrt(np.sum(Ws * Ws, axis=0))
    eps_s = gamma(d + 4)
    s_lo = s * (1 - eps_s) - d * ETA
    s_hi = s * (1 + eps_s) + d * ETA
    zero = wmax == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = (nu * (1 - eps_nu) - err) / s_hi * (1 - 4 * UNIT)
        hi = (nu * (1 + eps_nu) + err) / s_lo * (1 + 4 * UNIT)
    for j in range(k):
        if zero[j]:
            continue
        lo_out[j] = scale_down(max(float(lo[j]), 0.0), eX)
        hi_out[j] = scale_up(float(hi[j]), eX) if s_lo[j] > 0 else math.inf
    return lo_out, hi_out


def frobenius_sq_upper(Xs: np.ndarray) -> float:
    """A float ``>= ||Xs||_F^2`` (for a matrix with entries at most 1 in size).

    Examples
    --------
    >>> frobenius_sq_upper(np.array([[0.5, 0.5]])) >= 0.5
    True
    """
    m = Xs.size
    return up(float(np.sum(Xs * Xs)) * (1 + gamma(m + 2)) + m * ETA)


def spectral_upper(X: np.ndarray) -> tuple[float, str]:
    """A float ``>= ||X||_{2->2}`` in exact arithmetic, and how it was obtained.

    ``"gram-eig"``: the top eigenvalue of the smaller Gram matrix of ``X * 2^-e`` plus
    the errors of forming it (``gamma_n ||X||_F^2``) and of the eigensolver
    (``2 m u ||A||_F``), rooted and scaled back outward. Past :data:`DENSE_EIG_MAX`
    rows of the Gram matrix, ``"holder"``: ``min(||X||_F, sqrt(||X||_1 ||X||_inf))``.

    Examples
    --------
    >>> ub, how = spectral_upper(np.diag([3.0, 1.0]))
    >>> 3.0 <= ub < 3.0 * (1 + 1e-13), how
    (True, 'gram-eig')
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if not np.any(X):
        return 0.0, "zero"
    Xs, e = pow2_scale(X)
    F2 = frobenius_sq_upper(Xs)
    m, inner = min(n, d), max(n, d)
    if m <= DENSE_EIG_MAX:
        A = Xs.T @ Xs if d <= n else Xs @ Xs.T
        lam = float(np.linalg.eigvalsh(A)[-1])
        AF = float(np.sqrt(np.sum(A * A))) * (1 + gamma(m * m + 2)) + m * ETA
        bound = (lam + 2 * m * UNIT * AF + gamma(inner + 2) * F2 + (m * inner + m * m) * ETA)
        bound = up(bound * (1 + 4 * UNIT))
        s = up(math.sqrt(max(bound, 0.0)) * (1 + 2 * UNIT)) + math.sqrt(n * d) * ETA * 2
        how = "gram-eig"
    else:
        col = float(np.max(np.sum(np.abs(Xs), axis=0))) * (1 + gamma(n + 1)) + n * ETA
        row = float(np.max(np.sum(np.abs(Xs), axis=1))) * (1 + gamma(d + 1)) + d * ETA
        s = up(min(math.sqrt(F2), math.sqrt(col * row)) * (1 + 4 * UNIT))
        s = up(s + 2 * math.sqrt(n * d) * ETA)  # entries rounded by the rescaling
        how = "holder"
    return scale_up(s, e), how


def row_norm_max_bounds(X: np.ndarray) -> tuple[float, float, int]:
    """``lo <= max_i ||x_i||_2 <= hi`` and the row attaining the computed maximum.

    Examples
    --------
    >>> lo, hi, i = row_norm_max_bounds(np.array([[3.0, 4.0], [1.0, 0.0]]))
    >>> lo <= 5.0 <= hi, i
    (True, 0)
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if not np.any(X):
        return 0.0, 0.0, 0
    Xs, e = pow2_scale(X)
    r = np.sqrt(np.sum(Xs * Xs, axis=1))
    i = int(np.argmax(r))
    eps = gamma(d + 4)
    lo = float(r[i]) * (1 - eps) - d * ETA
    hi = float(r[i]) * (1 + eps) + 2 * d * ETA
    return scale_down(max(lo, 0.0), e), scale_up(hi, e), i


__all__ = [
    "DENSE_EIG_MAX",
    "down",
    "frobenius_sq_upper",
    "gamma",
    "lq_ratio_bounds",
    "pow2_exponent",
    "pow2_scale",
    "root_lower",
    "root_upper",
    "row_norm_max_bounds",
    "scale_down",
    "scale_up",
    "spectral_upper",
    "up",
]
