"""Argument checks of :func:`specproof.dag_nets.kernels.dual` (the public dual kernel).

The closed forms clip and broadcast: without these checks a correlation of 2 gave a
number, a negative variance NaN, and a (1, 1) kernel with (2,) variances a (2, 1) result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError


def pair_up(a: np.ndarray, b: np.ndarray, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Per-input quantities ``a_i``, ``b_j`` shaped to broadcast against the kernel: as
    rows and columns (batched over leading axes), or gathered for the listed entries
    ``pairs = (i, j)`` of a kernel stored as those entries only."""
    if pairs is None:
        return a[..., :, None], b[..., None, :]
    return a[..., pairs[0]], b[..., pairs[1]]


#: Relative slack of the Cauchy-Schwarz check ``|c_ij| <= sqrt(a_i b_j)`` of :func:`dual`:
#: a kernel summed in floating point exceeds it by rounding; correlations inside the
#: slack are clipped to +-1, beyond it the covariance is impossible and refused.
CORRELATION_SLACK = 1e-6


def _as_real(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
        if arr.dtype.kind not in "iuf":  # a bool array is no covariance (True read 1.0)
            raise TypeError(f"dtype {arr.dtype}")
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"{name} must be a real numeric array, got "
                            f"{type(x).__name__} ({exc})") from exc
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ArgumentError(f"{name} has a non-finite entry {arr[idx]} at index {idx}")
    return arr


def check_dual(c: Any, a: Any, b: Any, pairs: Any) -> tuple:
    """``c, a, b, pairs`` of :func:`dual` as float64 arrays of matching shapes, variances
    ``>= 0`` and ``|c| <= sqrt(a b)`` (up to :data:`CORRELATION_SLACK`), or an
    ``ArgumentError`` naming the argument: the closed forms clip and broadcast, and
    returned a number for a correlation of 2, NaN for a negative variance and a (2, 1)
    result for a (1, 1) kernel."""
    c, a, b = _as_real(c, "c"), _as_real(a, "a"), _as_real(b, "b")
    if pairs is None:
        if c.ndim not in (2, 3):
            raise ArgumentError(f"c must be a kernel of shape (n1, n2) or (k, n1, n2), got "
                                f"shape {c.shape}")
        n1, n2 = c.shape[-2:]
    else:
        if not (isinstance(pairs, tuple) and len(pairs) == 2):
            raise ArgumentError(f"pairs must be a tuple (rows, columns), got {pairs!r}")
        rows, cols = (np.asarray(p) for p in pairs)
        if c.ndim not in (1, 2):
            raise ArgumentError(f"c must hold the listed entries, shape (m,) or (k, m), got "
                                f"shape {c.shape}")
        m = c.shape[-1]
        for arr, name in ((rows, "pairs[0]"), (cols, "pairs[1]")):
            if arr.shape != (m,) or (m and arr.dtype.kind not in "iu"):
                raise ArgumentError(f"{name} must be {m} integer indices (one per entry of "
                                    f"c), got shape {arr.shape}, dtype {arr.dtype}")
        n1, n2 = a.shape[-1] if a.ndim else 0, b.shape[-1] if b.ndim else 0
        for arr, name, n in ((rows, "pairs[0]", n1), (cols, "pairs[1]", n2)):
            if m and (arr.min() < 0 or arr.max() >= n):
                raise ArgumentError(f"{name} has an index outside [0, {n})")
        pairs = (rows, cols)
    stack = c.shape[:-2] if pairs is None else c.shape[:-1]
    for arr, name, n, what in ((a, "a", n1, "rows"), (b, "b", n2, "columns")):
        if arr.shape not in ((n,), (*stack, n)):
            raise ArgumentError(
                f"{name} must hold the variances of the kernel's {n} {what}, shape ({n},)"
                + (f" or {(*stack, n)}" if stack else "") + f", got shape {arr.shape}")
        if arr.size and arr.min() < 0.0:
            i = tuple(int(t) for t in np.argwhere(arr < 0.0)[0])
            raise ArgumentError(f"{name} is a variance and must be >= 0, got {arr[i]} at "
                                f"index {i}")
    sa, sb = pair_up(np.sqrt(a), np.sqrt(b), pairs)
    bound = sa * sb
    over = np.abs(c) > bound * (1.0 + CORRELATION_SLACK)
    if over.any():
        i = tuple(int(t) for t in np.argwhere(over)[0])
        bnd = np.broadcast_to(bound, c.shape)[i]
        raise ArgumentError(
            f"c is not a covariance of variances a, b: |c{list(i)}| = {abs(c[i]):.6g} "
            f"exceeds sqrt(a b) = {bnd:.6g} (correlation above 1; Cauchy-Schwarz)")
    return c, a, b, pairs


def correlations(c: np.ndarray, a: np.ndarray, b: np.ndarray, pairs=None):
    """Correlations (0 where a variance is 0) and the standard deviations, paired."""
    sa, sb = np.sqrt(a), np.sqrt(b)
    with np.errstate(divide="ignore"):
        ia = np.where(sa > 0, 1.0 / np.where(sa > 0, sa, 1.0), 0.0)
        ib = np.where(sb > 0, 1.0 / np.where(sb > 0, sb, 1.0), 0.0)
    ia, ib = pair_up(ia, ib, pairs)
    sa, sb = pair_up(sa, sb, pairs)
    rho = c * ia
    rho *= ib
    np.clip(rho, -1.0, 1.0, out=rho)
    # arccos moves by sqrt(2 d) at 1 - d: a correlation's own rounding (a few ulps) is
    # worth 1e-8 there. Within 8 ulps of +-1 it is taken as +-1, so that an input paired
    # with itself is exactly 1 whichever way its kernel was summed.
    near = np.abs(rho) > 1.0 - 8 * np.finfo(np.float64).eps
    rho[near] = np.sign(rho[near])
    return rho, sa, sb


