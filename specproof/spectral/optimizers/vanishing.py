"""Whether one side's skew generator of ``(W, X)`` is rounding noise.

A loss of the spectrum alone (``||W^T W - I||_F^2``, whose gradient is ``W S`` with ``S``
symmetric and commuting with ``W^T W``) has both Pion generators ``X W^T - W X^T`` and
``W^T X - X^T W`` exactly 0; ``X = lambda W`` (:mod:`radial`) is one case of it. Formed in
floating point they are noise of about ``u ||X||_F ||W||_F``, which the second moment's
elementwise division and the step normalisation ``alpha`` turn into a full step (RMS
``lr c``) in a direction of that noise: numpy and torch differed by up to 0.71 after
five steps (6 x 4, every transform and momentum mode), float32 and float64 by 0.44.

A side whose formed generator has ``||S||_F <= 16 u ||X||_F ||W||_F`` counts as 0. The
noise, formation and the gradient's own rounding together, measured as ``||S||_F / (u
||X||_F ||W||_F)``:
- Gaussian, orthonormal and row-scaled weights, 8 x 4 to 512 x 128 and 256 x 256, float64
  and float32, ``G`` = ``W S``, ``4 W (W^T W - I)`` or ``0.1 W``: at most 1.1.
- Weights with positive entries or of low rank, ``G = 4 W (W^T W - I)``: up to 4.5
  (0.7 at 8 x 4, 4.5 at 256 x 256, 3.5 at 1024 x 1024 and 3.2 at 2048 x 512): the
  products' partial sums do not cancel.
A random pair has ``||S||_F`` about ``sqrt(2 / k) ||X||_F ||W||_F``, far above the
threshold. A genuine generator below it is lost, though its formation's noise may be
as small as 0.10 u ||X||_F ||W||_F (an orthonormal weight with a radial gradient):
a generator up to 160 times its noise. Until the review of 2026-12-07 the threshold was ``8
sqrt(k) u ||X||_F ||W||_F``: for a float32 orthonormal 1024 x 1024 weight it zeroed a
generator 1000 times its noise, and Pion stalled.

Not covered: the rounding a gradient brings with it from a computation that cancels. Near
the minimum of ``||W^T W - I||^2`` a wide weight's ``W (W^T W - I)`` is a difference of
nearly equal terms, so its generator is noise relative to ``||W||^3`` and not to ``||G||``
(32 x 64 with ``|s - 1| ~ 1e-3``: 10 u, not zeroed, and the step moves). A gradient rounded
to bfloat16 has a generator of that rounding, and it is not zeroed either. At a
generator within a few percent of the threshold, numpy and torch can decide differently,
and their steps then differ by O(lr).

The test forms the generator a block of rows at a time and stops once the rows seen
exceed the threshold (the running norm only grows, so stopping early decides as the full
sum would): a generic gradient costs one block of 8 rows, two passes over ``X`` and ``W``;
a vanishing one costs one formation of the generator, a block at a time.
"""

from __future__ import annotations

import math
from typing import Any

from specproof.spectral.optimizers.skew_moments import side_factors
from specproof.spectral.optimizers.skew_numerics import _fro, unit_roundoff

# the threshold on ||S||_F, in units of u ||X||_F ||W||_F
NOISE_UNITS = 16.0
# rows of the generator in the first block (then doubled up to _MAX_BLOCK)
_FIRST_BLOCK = 8
_MAX_BLOCK = 512


def generator_vanishes(W: Any, X: Any, side: str, norm_w: float | None = None,
                       norm_x: float | None = None) -> bool:
    """Whether ``X W^T - W X^T`` (``side="out"``) or ``W^T X - X^T W`` (``"in"``) is
    at the rounding level of its own formation (numpy arrays or torch tensors).

    ``False`` where the generator is 0 by its size (a 1 x 1 side), where ``X`` or ``W``
    is 0 (formed, it is exactly 0 then), and where a norm is not finite (the step's own
    checks name that). ``norm_w``, ``norm_x``: ``||W||_F`` and ``||X||_F`` where the
    caller has them.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.random.default_rng(0).standard_normal((6, 4))
    >>> G = 4 * W @ (W.T @ W - np.eye(4))   # the gradient of ||W^T W - I||_F^2
    >>> generator_vanishes(W, G, "out"), generator_vanishes(W, G, "in")
    (True, True)
    >>> generator_vanishes(W, G + 1e-9 * np.ones((6, 4)), "out")
    False
    """
    a, b = side_factors(W, X, side)
    d, k = a.shape
    if d < 2 or k == 0:
        return False
    nw = _fro(W) if norm_w is None else norm_w
    nx = _fro(X) if norm_x is None else norm_x
    if not (0.0 < nw < math.inf and 0.0 < nx < math.inf):
        return False
    limit = NOISE_UNITS * unit_roundoff(W)
    seen = 0.0  # the norm of the generator's rows so far
    start, block = 0, _FIRST_BLOCK
    while start < d:
        rows = slice(start, min(d, start + block))
        strip = a[rows] @ b.T - b[rows] @ a.T
        seen = math.hypot(seen, _fro(strip))
        # divided, not multiplied: ||X|| ||W|| may overflow where the ratio does not
        if not seen / nw / nx <= limit:  # also a NaN strip: not noise
            return False
        start, block = rows.stop, min(2 * block, _MAX_BLOCK)
    return True


__all__ = ["NOISE_UNITS", "generator_vanishes"]
