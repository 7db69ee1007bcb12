"""Pion's dense out-side exponential without the product ``A W`` (numpy).

The step size needs ``||D||`` with ``D = A_out W + W A_in``. The exponential's even/odd
series (:func:`~specproof.spectral.optimizers.skew_series._even_odd_action`) forms
``C = A_out^2`` anyway, and its first product ``C W`` gives ``||A_out W||^2 = -<W, C W>``;
the cross term ``<A_out W, W A_in> = <A_out, W A_in W^T>`` pairs two skew matrices, so
only the upper block triangle of ``(W A_in) W^T`` is formed: half a product instead of
the whole ``A_out W`` (measured at 4096 x 1024, one thread: 0.51 s against 0.90 s).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.spectral.optimizers import skew_series
from specproof.spectral.optimizers.skew_even_odd import (
    action_costs,
    even_odd_applies,
    square_skew,
    square_times,
)
from specproof.spectral.optimizers.skew_numerics import norm2_estimate, unit_roundoff
from specproof.spectral.optimizers.workspace import Workspace, scratch

# a row strip of this many rows of (W A_in) W^T at a time
_STRIP = 512
# columns of W used to guess the step size (only to choose the route: 8 of 1024 columns
# cost one pass over A, 9 ms at d = 4096 against 42 ms for 32)
_SAMPLED_COLUMNS = 8
# the norm estimate that picks the route and the series' degree reads a float32 copy of
# A where its entries are this far inside float32's range: half the bytes per pass (95 ->
# ~55 ms at d = 4096, one thread); it is an estimate (doubled as a bound) either way
_FLOAT32_ESTIMATE_RANGE = (1e-30, 1e30)
# ||D||^2 from its three parts loses relative accuracy as they cancel; past this
# cancellation D is formed instead
_CANCELLATION = 1e-2
# the cross term's strips in d x d x c products
_CROSS_COST = 0.6


def skew_pair_inner(A: Any, Z: Any, W: Any, strip: int = _STRIP,
                    ws: Workspace | None = None) -> float:
    """``<A, Z W^T>`` for a skew ``A`` when ``Z W^T`` is skew too (``Z = W S``, ``S`` skew).

    Both matrices negate under transposition, so their elementwise products are equal
    across the diagonal: the sum is twice that over the strictly upper block triangle
    plus the diagonal blocks, and only those blocks of ``Z W^T`` are formed (into one
    array of ``ws`` when given).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> A, S = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
    >>> A, S = A - A.T, S - S.T
    >>> W = rng.standard_normal((6, 3))
    >>> ref = float(np.sum(A * (W @ S @ W.T)))
    >>> bool(abs(skew_pair_inner(A, W @ S, W, strip=4) - ref) < 1e-12 * abs(ref))
    True
    """
    total = 0.0
    for i in range(0, A.shape[0], strip):
        rows = slice(i, i + strip)
        if ws is None:
            Y = Z[rows] @ W[i:].T
        else:
            Y = np.matmul(Z[rows], W[i:].T,
                          out=ws.flat("strip", (Z[rows].shape[0], W.shape[0] - i), Z.dtype))
        band = A[rows, i:]
        diagonal = band[:, : Y.shape[0]]
        total += 2.0 * float(np.einsum("ij,ij->", band, Y))
        total -= float(np.einsum("ij,ij->", diagonal, Y[:, : Y.shape[0]]))
    return total


def _norm_estimate(A: Any, ws: Workspace | None = None) -> float:
    """:func:`norm2_estimate` of a float64 ``A``, from a float32 copy where that is safe
    (the workspace's array ``"estimate32"`` when ``ws`` is given: a fresh 64 MB copy at
    d = 4096 page-faults through its memory on every step)."""
    if A.dtype == np.float64 and A.size >= 1 << 20:
        # a sample of 4096 entries decides; an entry it missed that overflows float32 makes
        # the estimate inf, and then float64 is read after all
        big = float(np.max(np.abs(A.reshape(-1)[:: max(1, A.size >> 12)])))
        lo, hi = _FLOAT32_ESTIMATE_RANGE
        if lo <= big <= hi:
            A32 = scratch(ws, "estimate32", A.shape, np.float32)
            with np.errstate(over="ignore"):  # an overflowing entry: handled below
                np.copyto(A32, A, casting="same_kind")
            estimate = norm2_estimate(A32)
            if math.isfinite(estimate) and estimate > 0.0:
                return estimate
    return norm2_estimate(A)


def _sampled_norm(A: Any, W: Any, WA: Any | None) -> float:
    """An estimate of ``||A W + W A_in||_F`` from evenly spaced columns (route choice only)."""
    c = W.shape[1]
    cols = np.unique(np.linspace(0, c - 1, min(c, _SAMPLED_COLUMNS)).astype(int))
    D = A @ W[:, cols]
    if WA is not None:
        D += WA[:, cols]
    return float(np.linalg.norm(D)) * math.sqrt(c / len(cols))


class SquaredOutSide:
    """``exp(s A_out) W`` by the even/odd series, with ``||D||`` read off its first product.

    ``norm_D`` is ``||A_out W + W A_in||_F`` (``WA = W A_in``, or None when the in side
    does not act), or None when its parts cancel too much to give it accurately; then the
    caller forms ``D`` itself. With a workspace ``ws`` the temporaries are its arrays.
    """

    def __init__(self, A: Any, W: Any, WA: Any | None, norm: float,
                 ws: Workspace | None = None) -> None:
        self.A, self.W, self.norm, self.ws = A, W, norm, ws
        if WA is not None:
            # numpy's products before scipy's syrk and series: numpy and scipy each load
            # an OpenBLAS, and every switch between them costs 20-35 ms at two threads
            # (one library's threads spin for a while after its last call; measured)
            wa2 = float(np.vdot(WA, WA))
            cross = skew_pair_inner(A, WA, W, ws=ws)
        self.C1 = square_skew(A, norm, ws)
        self.CW = square_times(self.C1, W, out=None if ws is None else ws.array(
            "square_times_w", W.shape, W.dtype))
        # einsum, not vdot: numpy's BLAS between scipy's products (see _plain_fro); over
        # both arrays flattened in C order, as vdot reads them: a Fortran-ordered weight
        # sums in the same order as its C-ordered copy
        aw2 = -float(np.einsum("i,i->", W.reshape(-1), self.CW.reshape(-1))) * norm * norm
        # a NaN or inf (an overflow in C W) leaves D to the caller, whose checks name it;
        # max(0.0, nan) was 0: alpha 0, a silent no-move
        aw2 = max(0.0, aw2) if math.isfinite(aw2) else math.nan
        if WA is None:
            self.norm_D: float | None = math.sqrt(aw2) if math.isfinite(aw2) else None
            return
        d2 = aw2 + wa2 + 2.0 * cross
        # a sum of squares that overflowed (entries past 1e154) also leaves D to the caller,
        # whose norm is scaled
        accurate = math.isfinite(d2) and d2 > _CANCELLATION * (aw2 + wa2)
        self.norm_D = math.sqrt(d2) if accurate else None

    def apply(self, s: float) -> Any:
        """``exp(s A_out) W`` (once: the series overwrites ``CW``)."""
        # looked up in its module at call time, as expm_apply does: one series to observe
        return skew_series._even_odd_action(self.A, self.W, s, self.norm, square=self.C1,
                                            CX=self.CW, ws=self.ws)


def squared_out_side(
    A: Any, W: Any, WA: Any | None, lr: float, rms: float, eps: float,
    ws: Workspace | None = None,
) -> SquaredOutSide | None:
    """A :class:`SquaredOutSide` when it costs less than forming ``A W``, else None.

    The cost depends on the series' degree, so on the step ``s = lr rms sqrt(mn) /
    (||D|| + eps)``; ``||D||`` is estimated from a few columns (both routes give the same
    result to rounding, the estimate only picks the faster).
    """
    if not isinstance(A, np.ndarray) or W.shape[1] >= A.shape[0]:
        return None  # torch, or the factor route (X wider than A)
    norm = _norm_estimate(A, ws)
    if not even_odd_applies(A, W, norm):
        return None
    sampled = _sampled_norm(A, W, WA) + eps
    s = lr * rms * math.sqrt(W.size) / sampled if sampled > 0.0 else math.inf
    if not math.isfinite(s * norm):
        return None  # the sampled columns say nothing (all 0, or overflowing)
    taylor, even_odd = action_costs(A.shape[0], W.shape[1], s * norm, unit_roundoff(W))
    with_AW = 1.0 + min(taylor - 1.0, even_odd)
    without_AW = even_odd + (_CROSS_COST if WA is not None else 0.0)
    return SquaredOutSide(A, W, WA, norm, ws) if without_AW < with_AW else None


__all__ = ["SquaredOutSide", "skew_pair_inner", "squared_out_side"]
