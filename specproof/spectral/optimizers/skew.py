"""Skew-symmetric generators and the orthogonal (or nearly orthogonal) factors Pion applies.

For ``W`` (d_out x d_in) with gradient ``G`` the two generators are

    G_in  = W^T G - G^T W   (d_in x d_in),    G_out = G W^T - W G^T   (d_out x d_out),

each computed as ``X - X^T`` from one product, so they are skew-symmetric *exactly* in
floating point. For a skew ``A`` and step ``s`` the factors are

    e1:     I + sA                               (first-order, drifts O(s^2))
    e2:     I + sA + (sA)^2 / 2                  (Pion's default; E^T E = I + (sA)^4 / 4)
    expm:   exp(sA)                              (orthogonal; scipy.linalg.expm here, the
                                                  optimizers use skew_kernels' own series)
    cayley: (I - sA/2)^{-1} (I + sA/2)           (orthogonal for every skew A; one solve)

``I - sA/2`` has every singular value >= 1 when A is skew (its eigenvalues are
1 - i lambda / 2 with lambda real); its condition number is sqrt(1 + ||sA||^2 / 4), small at
Pion's step sizes (the optimizer refuses rotations beyond 1e4 radians in float64, 16.8 in
float32: :class:`~specproof.spectral.optimizers.base.RotationTooLargeError`).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from specproof._core import ArgumentError, as_choice, as_float
from specproof.spectral.dtypes import as_native_array
from specproof.spectral.optimizers.skew_series import expm_skew

TRANSFORMS: tuple[str, ...] = ("e2", "e1", "expm", "cayley")


def skew_generators(W: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(G_out, G_in)`` for weight ``W`` and gradient ``G``, exactly skew-symmetric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, G = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    >>> G_out, G_in = skew_generators(W, G)
    >>> G_out.shape, G_in.shape, bool(np.all(G_in == -G_in.T))
    ((3, 3), (2, 2), True)

    ``W`` and ``G`` must be matrices of one shape and one float dtype (float32 stays
    float32; see :mod:`specproof.spectral.dtypes`).
    """
    W = as_native_array(W, "W", ndim=2)
    G = as_native_array(G, "G", ndim=2, like=W.dtype, like_name="W",
                        rule="the generators are computed in W's dtype")
    if G.shape != W.shape:
        raise ArgumentError(f"G must have W's shape {W.shape}, got {G.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        pair = skew_generator(W, G, "out"), skew_generator(W, G, "in")
    for name, X in zip(("G_out = G W^T - W G^T", "G_in = W^T G - G^T W"), pair):
        # one sum, finite only if every entry is; an overflowing sum of finite entries
        # falls through to the entrywise check
        if not np.isfinite(np.sum(X)) and not np.isfinite(X).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
            raise ArgumentError(
                f"{name} overflows {X.dtype} (entry {X[bad]} at index {bad}; max |W| = "
                f"{float(np.abs(W).max()):.3g}, max |G| = {float(np.abs(G).max()):.3g}): "
                "scale W or G down")
    return pair


def skew_generator(W: np.ndarray, G: np.ndarray, side: str) -> np.ndarray:
    """One of the two: ``G W^T - W G^T`` (side "out") or ``W^T G - G^T W`` (side "in").

    Examples
    --------
    >>> W, G = np.eye(2), np.array([[0.0, 1.0], [0.0, 0.0]])
    >>> skew_generator(W, G, "in")
    array([[ 0.,  1.],
           [-1.,  0.]])
    """
    X = G @ W.T if side == "out" else W.T @ G
    return X - X.T


def _finite(F: np.ndarray, transform: str, s: float, A: np.ndarray) -> np.ndarray:
    # a factor of infinities or NaN (s A finite, its square or exponential not) is refused
    if not np.isfinite(F).all():
        raise ArgumentError(
            f"the {transform} factor of s * A overflows {A.dtype} (s = {s:g}, max |A| = "
            f"{float(np.abs(A).max()):.3g}): lower s")
    return F


def orthogonal_factor(A: np.ndarray, s: float = 1.0, transform: str = "e2") -> np.ndarray:
    """The factor ``T(sA)`` of one Pion step, as an explicit matrix.

    Parameters
    ----------
    A : numpy.ndarray
        Square (skew-symmetric for the orthogonality statements) finite matrix; a float32
        ``A`` gives a float32 factor, everything else float64.
    s : float
        Step (eta * alpha in Pion).
    transform : {"e2", "e1", "expm", "cayley"}
        Which factor.

    Examples
    --------
    >>> A = np.array([[0.0, 1.0], [-1.0, 0.0]])
    >>> Q = orthogonal_factor(A, 0.3, "cayley")
    >>> bool(np.allclose(Q.T @ Q, np.eye(2), atol=1e-15))
    True
    >>> E = orthogonal_factor(A, 0.3, "e2")
    >>> bool(np.allclose(E.T @ E - np.eye(2), np.linalg.matrix_power(0.3 * A, 4) / 4))
    True
    """
    transform = as_choice(transform, TRANSFORMS, "transform")
    s = as_float(s, "s")
    A = as_native_array(A, "A", ndim=2)
    n = A.shape[0]
    if A.shape != (n, n):
        raise ArgumentError(f"A must be a square matrix, got shape {A.shape}")
    I = np.eye(n, dtype=A.dtype)
    with np.errstate(over="ignore"):
        B = A.dtype.type(s) * A
    if not np.isfinite(B).all():
        raise ArgumentError(f"s * A overflows {A.dtype} (s = {s:g}, max |A| = "
                            f"{float(np.abs(A).max()):.3g})")
    if transform == "e1":
        return I + B
    if transform == "e2":
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(I + B + 0.5 * (B @ B), transform, s, A)
    if transform == "expm":
        # a skew A through Pion's own exponential (what a step applies; exactly
        # orthogonal to float64 rounding, where scipy's Pade lost 9.7e-14 at ||sA|| = 4),
        # refused past MAX_ROTATION radians; anything else through scipy's
        if np.array_equal(A, -A.T):
            return _finite(expm_skew(B), transform, s, A)
        with np.errstate(over="ignore", invalid="ignore"):
            return _finite(sla.expm(B), transform, s, A)
    try:
        return np.linalg.solve(I - 0.5 * B, I + 0.5 * B)
    except np.linalg.LinAlgError:
        # never for a skew A (I - sA/2 has every singular value >= 1)
        skew = "" if np.array_equal(A, -A.T) else " (A is not skew-symmetric)"
        raise ArgumentError(
            f"the Cayley factor needs I - (s/2) A to be invertible, and it is singular for "
            f"s = {s:g}{skew}") from None
