"""The arithmetic under spectral normalisation that over- and underflow would break:
norms, ``x / max(||x||, eps)``, exact power-of-two rescaling and division by ``sigma``,
and the errors for a ``sigma`` that cannot be divided by."""

from __future__ import annotations

import math

import numpy as np

from specproof._core import ArgumentError


def _plain_norm_holds(x: np.ndarray) -> tuple[float, bool]:
    """``(np.linalg.norm(x), whether it is right as it stands)``: not where the squares of
    finite entries overflowed the dtype (float32 entries from ~1.8e19) or underflowed
    (every square below the smallest number: ``||[3e-200, 4e-200]||`` came out 0)."""
    with np.errstate(over="ignore"):
        n = float(np.linalg.norm(x))
    tiny = math.sqrt(float(np.finfo(x.dtype).tiny)) * 1024.0 if x.dtype.kind == "f" else 0.0
    if not np.all(np.isfinite(x)):
        return n, True
    if math.isinf(n) or 0.0 < n < tiny:
        return n, False
    return n, not (n == 0.0 and tiny > 0.0 and bool(np.any(x)))


def _norm(x: np.ndarray) -> float:
    """``||x||_2`` as a Python float, also where the squares of finite entries overflow
    or underflow the array's dtype: then ``big * ||x / big||``."""
    n, holds = _plain_norm_holds(x)
    if holds:
        return n
    big = float(np.abs(x).max())
    return big * float(np.linalg.norm(x / big))


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    """torch's ``x / max(||x||, eps)``; where ``||x||`` overflows the dtype, the same
    quotient as ``(x / big) / max(||x / big||, eps / big)`` instead of ``x / inf = 0``."""
    n, holds = _plain_norm_holds(x)
    # a floor beyond the dtype (eps for a weight scaled up from the subnormals) rounds to
    # inf, and x / inf = 0 is the quotient rounded: x is not a unit vector then, which
    # the callers report as ||W v|| below eps
    with np.errstate(over="ignore"):
        if holds:
            return x / max(n, eps)
        # the squares under- or overflowed: ||x|| from x / max|x| (a norm near 1e-160
        # came out of subnormal squares with a few digits, and u was no unit vector)
        big = float(np.abs(x).max())
        y = x / big
        return y / max(float(np.linalg.norm(y)), eps / big)


def _in_range(M: np.ndarray) -> tuple[np.ndarray, int]:
    """``(M 2^-e, e)``: ``e = 0`` (M itself) unless ``M v`` could overflow M's dtype for a
    unit ``v`` (``sigma <= sqrt(m n) max|M_ij|`` near the dtype's largest number); then
    the exact power-of-two scaling that brings ``max|M_ij|`` into [1/2, 1). The power
    iteration's ``u`` and ``v`` do not depend on the scale, and ``sigma`` scales back
    exactly (``math.ldexp``)."""
    if M.size == 0:
        return M, 0
    big = float(np.abs(M).max())
    # tiny weights are scaled up too: their sigma, rounded into the subnormals and
    # divided by, kept a few digits (a norm-1 result was off by 1.7e-4 at scale 1e-321)
    tiny = 0.0 < big < math.sqrt(float(np.finfo(M.dtype).tiny))
    if not (tiny or big * math.sqrt(M.size) > float(np.finfo(M.dtype).max) / 4):
        return M, 0
    e = math.frexp(big)[1]
    return np.ldexp(M, -e), e


def _check_c(c: float, dtype: np.dtype) -> float:
    """The global scale ``c`` (a positive float) against the weight's dtype, in which
    ``c W / sigma`` is computed and returned: beyond its largest number ``c`` rounds to
    inf (``inf * 0 = NaN`` entries); below its smallest normal one it rounds to 0 or loses
    digits (``c = 1e-46`` made a float32 weight all zeros)."""
    info = np.finfo(dtype)
    if c > float(info.max):
        raise ArgumentError(
            f"c = {c:g} is beyond the largest {np.dtype(dtype)} number ({info.max:g}): "
            "the weight c W / sigma is computed and returned in the weight's dtype")
    if c < float(info.tiny):
        raise ArgumentError(
            f"c = {c:g} is below the smallest normal {np.dtype(dtype)} number "
            f"({info.tiny:g}): c W / sigma would underflow (to 0, or losing digits) in the "
            "weight's dtype, in which it is computed and returned")
    return c


def _eps_at_scale(eps: float, e: int) -> float:
    """The floor ``eps`` for the weight scaled by ``2^-e``: ``eps 2^-e``, inf where that
    leaves float64 (``math.ldexp`` raised OverflowError for a weight of scale 1e-322;
    inf makes the floor win, which the caller reports as ``||W v||`` below ``eps``), and
    at least the smallest float64 (0 would make ``x / max(||x||, 0)`` a 0/0)."""
    return _ldexp(eps, -e) or math.ulp(0.0)


def _eps_hint(fro: float, factor: float = 1e-6) -> str:
    """What to do when ``||W v||`` fell below the floor ``eps`` for a weight of Frobenius
    norm ``fro``: an ``eps`` well below it (``fro * factor``), where float64 has one
    (the advice at scale 1e-322 was "pass eps below 0")."""
    if fro * factor >= float(np.finfo(np.float64).tiny):
        return f"pass eps below {fro * factor:.1g}, or use spectral_normalize"
    return (f"no normal float64 eps lies {1 / factor:.0e} times below it: use "
            "spectral_normalize (which has no floor), or scale the weight up")


def _ldexp(x: float, e: int) -> float:
    # math.ldexp raises OverflowError where the result leaves float64: inf, which
    # _nonzero_sigma turns into the error that names the weight
    try:
        return math.ldexp(x, e)
    except OverflowError:
        return math.inf


def _divide(W: np.ndarray, sigma: float, e: int = 0) -> np.ndarray:
    """``W / (sigma 2^e)`` in W's dtype, also for a divisor beyond that dtype's range
    (numpy would round it to inf first and return zeros): then in float64, rounded once;
    and for one near the dtype's subnormals (rounded there it kept a few digits): then
    both are scaled by the same exact power of two first."""
    if e:
        W = np.ldexp(W, -e).astype(W.dtype, copy=False)
    info = np.finfo(W.dtype)
    if sigma > float(info.max):
        return (W.astype(np.float64) / sigma).astype(W.dtype)
    if 0.0 < sigma < math.sqrt(float(info.tiny)):
        e = math.frexp(sigma)[1]
        return np.ldexp(W, -e).astype(W.dtype, copy=False) / math.ldexp(sigma, -e)
    return W / sigma


def _below_eps(what: str, value: float, eps: float, sigma: float | None = None) -> Exception:
    wrong = "" if sigma is None else f" (it would report sigma = {sigma:.3g})"
    return ArgumentError(
        f"{what} is {value:.3g}, below eps = {eps:g}: torch's normalisation "
        f"x / max(||x||, eps) then stops making unit vectors and the result is wrong"
        f"{wrong}; {_eps_hint(value, 1e-3)}"
    )


def _nonzero_sigma(sigma: float, what: str) -> float:
    if sigma < 0.0:
        # u^T W v < 0 (a given u against W v): W is not zero, the vectors are no pair
        raise ArgumentError(
            f"the spectral norm estimate u^T W v is {sigma:g} ({what}), negative: u and v "
            "are not a left/right singular pair of the weight (u given against W v, with "
            "no iterations to align them); run power iterations first or pass u = W v / "
            "||W v||")
    if not sigma > 0.0:
        raise ArgumentError(
            f"weight has spectral norm {sigma:g} ({what}): spectral normalisation W / sigma "
            "is undefined for a zero weight"
        )
    if not math.isfinite(sigma):
        raise ArgumentError(
            f"weight has spectral norm {sigma:g} ({what}): the entries are finite but "
            "sigma is beyond float64's range (about 1.8e308); scale the weight down"
        )
    return sigma
