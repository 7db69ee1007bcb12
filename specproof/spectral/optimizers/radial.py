"""Whether a gradient (or moment) is a multiple of the weight, to rounding.

For ``X = lambda W`` Pion's generators ``X W^T - W X^T`` and ``W^T X - X^T W`` are 0
exactly, but in floating point they are rounding noise (about ``u ||X|| ||W||``): noise
that the step's normalisation ``alpha`` then scales to a full-size rotation, a different
one in numpy and in torch (``G = 0.7 W``: a move of 0.037 where the weight should not
move). A source that is ``lambda W`` to within a few roundings is replaced by zeros, so the
generator is the exact 0 it is in exact arithmetic. A component off ``W`` of relative size
below ``8 u`` is lost that way; its generator would be below the rounding of the
products that form it anyway.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.spectral.optimizers.skew_numerics import unit_roundoff

# relative size of X's component off W below which X counts as a multiple of W
_RADIAL_ROUNDINGS = 8.0
# cos^2(X, W) below this cannot be radial: the exact test is skipped (three dot products
# decide most steps)
_COS2_SCREEN = 1.0 - 1e-8


def _dot(a: Any, b: Any) -> float:
    if isinstance(a, np.ndarray):
        return float(np.vdot(a, b))
    return float((a.reshape(-1) @ b.reshape(-1)).item())


def _range(x: Any) -> tuple[float, float]:
    if isinstance(x, np.ndarray):
        fi = np.finfo(x.dtype)
    else:
        import torch

        fi = torch.finfo(x.dtype)
    return float(fi.tiny) * 2.0**60, float(fi.max) * 2.0**-60


def _scaled(x: Any) -> Any:
    size = x.size if isinstance(x, np.ndarray) else x.numel()
    m = float(abs(x).max()) if size else 0.0
    if not 0.0 < m < math.inf:
        return x
    e = math.frexp(m)[1]
    half = -e // 2  # two factors: 2**-e alone overflows for subnormal maxima
    return (x * 2.0**half) * 2.0 ** (-e - half)


def is_radial(W: Any, X: Any) -> bool:
    """Whether ``X`` equals ``lambda W`` up to a relative ``8 u`` (numpy or torch).

    ``False`` for ``X = 0`` or ``W = 0`` (their generators are already exactly 0) and for
    non-finite or out-of-range dot products (the step's own checks name those).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.random.default_rng(0).standard_normal((6, 4))
    >>> is_radial(W, 0.7 * W), is_radial(W, 0.7 * W + 1e-9 * np.eye(6, 4))
    (True, False)
    """
    ww, xx = _dot(W, W), _dot(X, X)
    tiny, big = _range(X)
    if not (tiny < ww < big and tiny < xx < big):
        # dot products near under- or overflow (X = 1e-200 W): both scaled by powers of
        # two, exactly, to entries of about 1
        W, X = _scaled(W), _scaled(X)
        ww, xx = _dot(W, W), _dot(X, X)
    if not (0.0 < ww < math.inf and 0.0 < xx < math.inf):
        return False
    xw = _dot(X, W)
    if not math.isfinite(xw) or (xw / math.sqrt(xx)) ** 2 < _COS2_SCREEN * ww:
        return False
    u = unit_roundoff(X)
    lam = xw / ww
    # one refinement: lambda from the dot products errs by about sqrt(size) u, which
    # alone would leave a residual above the threshold
    R = X - lam * W
    lam += _dot(R, W) / ww
    R = X - lam * W
    return _dot(R, R) <= (_RADIAL_ROUNDINGS * u) ** 2 * xx


__all__ = ["is_radial"]
