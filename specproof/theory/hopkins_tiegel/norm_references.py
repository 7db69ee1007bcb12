"""References for ``||X||_{2->4}^4`` computed without the library: the explicit
flattening's largest eigenvalue and a scipy multistart (remembered per instance), against
which the norm claims of :mod:`specproof.theory.hopkins_tiegel.norms` hold the spectral
baseline and the power method."""

from __future__ import annotations

import functools
import zlib

import numpy as np
from scipy.optimize import minimize
from threadpoolctl import ThreadpoolController


def explicit_lambda_max(X: np.ndarray) -> float:
    """``lambda_max(sum_i (x_i kron x_i)(x_i kron x_i)^T)`` from the explicit matrix.

    The ``d^2 x d^2`` matrix is formed here and handed to ``numpy.linalg.eigvalsh`` (no
    library code), up to ``d^2 = 400``; beyond, the ``n x n`` Gram matrix with entries
    ``<x_i, x_j>^2`` (the same nonzero eigenvalues) keeps the paper profile cheap.

    Parameters
    ----------
    X : numpy.ndarray (n, d)
        Rows ``x_i``.

    Returns
    -------
    float
        The largest eigenvalue, the spectral baseline's bound on ``||X||_{2->4}^4``.
    """
    n, d = X.shape
    if d * d <= 400:
        K = (X[:, :, None] * X[:, None, :]).reshape(n, d * d)  # rows x_i kron x_i
        return float(np.linalg.eigvalsh(K.T @ K)[-1])
    return float(np.linalg.eigvalsh((X @ X.T) ** 2)[-1])


def quartic_ratio(X: np.ndarray, v: np.ndarray) -> float:
    """``||Xv||_4^4 / ||v||_2^4``, the objective whose maximum is ``||X||_{2->4}^4``.

    Parameters
    ----------
    X : numpy.ndarray (n, d)
    v : numpy.ndarray (d,)
        Any nonzero vector (the ratio is scale invariant).

    Returns
    -------
    float
    """
    return float(np.sum((X @ v) ** 4) / np.dot(v, v) ** 2)


def multistart_quartic_max(X: np.ndarray, rng: np.random.Generator, starts: int = 4,
                           extra=()) -> float:
    """The best local maximum of ``||Xv||_4^4 / ||v||^4`` found by quasi-Newton multistart.

    Independent of :func:`specproof.certificates.power_method`: scipy's L-BFGS-B on the
    scale-invariant ratio (analytic gradient) from ``starts`` Gaussian starts, the three
    largest rows of ``X`` and the vectors in ``extra``. At a maximum the value is
    second-order in the position, so it is accurate far below the 1e-6 it is compared at.

    Parameters
    ----------
    X : numpy.ndarray (n, d)
    rng : numpy.random.Generator
        Draws the Gaussian starts.
    starts : int
        Number of Gaussian starts.
    extra : iterable of numpy.ndarray (d,)
        Further starts (e.g. the power method's witness).

    Returns
    -------
    float
        The largest ratio reached, a lower bound on ``||X||_{2->4}^4``.
    """
    def neg(v):
        Xv = X @ v
        N = float(np.dot(v, v))
        F = float(np.sum(Xv**4))
        grad = 4.0 * (X.T @ Xv**3 / N**2 - F * v / N**3)
        return -F / N**2, -grad

    rows = X[np.argsort(-np.linalg.norm(X, axis=1))[:3]]
    v0s = [*rng.standard_normal((starts, X.shape[1])), *rows, *extra]
    best = 0.0
    for v0 in v0s:
        v0 = np.asarray(v0, dtype=float)
        v0 = v0 / np.linalg.norm(v0)
        res = minimize(neg, v0, jac=True, method="L-BFGS-B",
                       options={"gtol": 1e-10, "ftol": 1e-15})
        best = max(best, quartic_ratio(X, res.x), quartic_ratio(X, v0))
    return best


_MULTISTART_CACHE: dict[bytes, float] = {}


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # made once: threadpool_limits() rescans the loaded libraries on every call
    return ThreadpoolController()


def _cached_multistart(X: np.ndarray, witness: np.ndarray) -> float:
    """:func:`multistart_quartic_max` of X (also from ``witness``), remembered for the
    sandwich claim's control; its random starts are seeded by the instance, not drawn from
    ``ctx.rng``, so the instances and the power method see the same stream as without it."""
    key = X.tobytes() + str(X.shape).encode() + np.asarray(witness).tobytes()
    if key not in _MULTISTART_CACHE:
        if len(_MULTISTART_CACHE) > 256:
            _MULTISTART_CACHE.clear()
        rng = np.random.default_rng(zlib.crc32(X.tobytes()))
        # one BLAS thread: L-BFGS-B's many tiny products were 30x slower with two threads
        # on a loaded 2-core machine (the values do not depend on it)
        with _blas_controller().limit(limits=1):
            _MULTISTART_CACHE[key] = multistart_quartic_max(X, rng, extra=[witness])
    return _MULTISTART_CACHE[key]

