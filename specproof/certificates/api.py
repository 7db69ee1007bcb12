"""``two_to_q``: certified brackets on the 2->q norm, choosing among the methods."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.certificates.baseline import spectral_baseline
from specproof.certificates.bounds import NormBounds
from specproof.certificates.epsnet import epsnet_two_to_q
from specproof.certificates.operator import spectral_norm
from specproof.certificates.power import DEFAULT_RESTARTS, power_method
from specproof.certificates.rounding import best_candidate, candidates_from_matrix
from specproof.certificates.sos import (
    MAX_SOS_Q,
    SoSResult,
    full_moment_matrix,
    solve_sos,
    sound_upper_bound,
)
from specproof.certificates.validation import check_matrix, check_q, check_solver

METHODS: tuple[str, ...] = ("auto", "power", "baseline", "sos", "epsnet", "exact")
# Gram basis size up to which method="auto" also runs SoS (a fraction of a second each):
# d <= 8 at q = 4 with Clarabel (dense interior-point scaling), d <= 15 with SCS
AUTO_SOS_MAX_BASIS = {"auto": 120, "clarabel": 36, "mosek": 55, "scs": 120}


def _is_even_int(q: float) -> bool:
    return math.isfinite(q) and q == int(q) and int(q) % 2 == 0


def sos_rounding(X: np.ndarray, result: SoSResult) -> tuple[float, np.ndarray]:
    """Round the SoS pseudo-moments to a unit vector: a lower bound on ``||X||_{2->q}``.

    Candidates: the eigenvectors of the symmetrised top eigenvector of the full
    ``d^k x d^k`` pseudo-moment matrix (reshaped as in the spectral baseline) and the
    eigenvectors of the second-moment matrix ``E~[v v^T ||v||^{q-2}]``.

    Examples
    --------
    >>> from specproof.certificates.sos import solve_sos
    >>> X = np.diag([2.0, 1.0])
    >>> val, u = sos_rounding(X, solve_sos(X, 4))
    >>> round(val, 8)
    2.0
    """
    d = X.shape[1]
    q = result.q
    k = q // 2
    F = full_moment_matrix(result.moments, d, q)
    _, vecs = np.linalg.eigh((F + F.T) / 2)
    U1 = candidates_from_matrix(vecs[:, -1].reshape(d, -1))
    # second moments: contract the d^k x d^k matrix down to d x d
    S = F.reshape((d,) * (2 * k))
    while S.ndim > 2:
        S = np.trace(S, axis1=1, axis2=S.ndim - 1) if S.ndim > 2 else S
    _, U2 = np.linalg.eigh((S + S.T) / 2)
    return best_candidate(X, float(q), np.column_stack([U1, U2]))


def sos_two_to_q(
    X: Any,
    q: int = 4,
    solver: str = "auto",
    polish: bool = True,
    accept_inaccurate: bool = False,
    seed: Any = 0,
) -> NormBounds:
    """SoS upper bound and rounded lower bound: ``lower <= ||X||_{2->q} <= SoS_q^{1/q}``.

    Parameters
    ----------
    X : array_like (n, d)
    q : int
        4 or 6 (2 also works and is exact).
    solver : {"auto", "clarabel", "scs", "mosek"}
    polish : bool
        Run the power method from the rounded vector (it can only go up).
    accept_inaccurate : bool
        Passed to :func:`~specproof.certificates.sos.solve_sos`.
    seed : int
        Unused by the SoS solve; kept for a uniform signature.

    Returns
    -------
    NormBounds
        ``upper_method = "sos4"`` / ``"sos6"``, ``certificate`` the :class:`SoSResult`.
        ``upper`` is :func:`~specproof.certificates.sos.sound_upper_bound` of the
        solution (a rigorous bound, at most ~1e-9 above the solver's value), never the
        solver's value itself, which may sit slightly below the norm.

    Examples
    --------
    >>> b = sos_two_to_q(np.eye(3), q=4)
    >>> round(b.lower, 8), round(float(b.upper), 6), b.upper_method
    (1.0, 1.0, 'sos4')
    """
    X = check_matrix(X)
    res = solve_sos(X, q, solver=solver, accept_inaccurate=accept_inaccurate)
    lower, w = sos_rounding(X, res)
    method = "sos-rounding"
    if polish:
        p = power_method(X, res.q, restarts=0, row_starts=0, v0=w)
        if p.value > lower:
            lower, w, method = p.value, p.witness, "sos-rounding+power"
    # the solver's value is accurate to ~1e-9 but not a bound; make it one
    upper = sound_upper_bound(X, res) ** (1.0 / res.q) * (1 + 4 * np.finfo(float).eps)
    return NormBounds(
        q=float(res.q),
        lower=lower,
        witness=w,
        upper=upper,
        upper_method=f"sos{res.q}",
        lower_method=method,
        certificate=res,
    )


def two_to_q(
    X: Any,
    q: Any = 4,
    method: str = "auto",
    restarts: int = DEFAULT_RESTARTS,
    seed: Any = 0,
    solver: str = "auto",
    eps: float = 0.01,
) -> NormBounds:
    """A certified bracket ``lower <= ||X||_{2->q} <= upper`` with a witness.

    Parameters
    ----------
    X : array_like (n, d)
        Rows ``x_i``; finite, non-empty.
    q : float, ``np.inf`` or ``"inf"``
        ``q >= 2``.
    method : {"auto", "power", "baseline", "sos", "epsnet", "exact"}
        * ``"power"``: power-method lower bound; upper ``||X||_{2->2}``.
        * ``"baseline"``: spectral flattening (even q): its rounding and ``lambda_max^{1/q}``.
        * ``"sos"``: degree-q SoS (q = 4, 6) with rounding + power polish.
        * ``"epsnet"``: eps-net bracket (d <= 3).
        * ``"exact"``: q = 2 (SVD) or q = inf (largest row norm) only.
        * ``"auto"``: exact for q in {2, inf}; otherwise the power method, upper bound the
          best of ``||X||_{2->2}``, the flattening (even q) and SoS (q in {4, 6} when the
          Gram basis is small: at most 36 monomials with Clarabel, i.e. d <= 8 at q = 4;
          120 with SCS, d <= 15).
    restarts : int
        Random restarts of the power method (besides the singular-vector and row starts).
    seed : int, Generator or None
        Seeds the random restarts.
    solver : {"auto", "clarabel", "scs", "mosek"}
        Conic solver for SoS; ``"auto"`` (default) picks Clarabel where it is cheap and SCS
        beyond (:mod:`specproof.certificates.solver_choice`, the choice is in
        ``certificate.choice``).
    eps : float
        Net radius for ``"epsnet"``.

    Returns
    -------
    NormBounds

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, -1.0]])    # Hadamard: sqrt(d) for every q
    >>> b = two_to_q(X, q=4)
    >>> round(b.lower, 10), round(b.upper, 6), b.upper_method
    (1.4142135624, 1.414214, 'spectral-2to2')
    >>> two_to_q(X, q="inf").upper_method
    'exact-max-row'
    """
    X = check_matrix(X)
    q = check_q(q)
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    solver = check_solver(solver)
    d = X.shape[1]
    if method == "epsnet":
        return epsnet_two_to_q(X, q, eps)
    if method == "exact" or (method == "auto" and (q == 2 or math.isinf(q))):
        return _exact(X, q)
    if method == "sos":
        if not _is_even_int(q) or q > MAX_SOS_Q:
            raise ValueError(f"method='sos' needs q in (2, 4, 6), got q={q}")
        return sos_two_to_q(X, int(q), solver=solver, seed=seed)
    if method == "baseline":
        if not _is_even_int(q):
            raise ValueError(f"method='baseline' needs an even integer q, got q={q}")
        r = spectral_baseline(X, int(q))
        return NormBounds(q, r.lower, r.witness, r.upper, "flattening", "baseline-rounding", r)
    p = power_method(X, q, restarts=restarts, seed=seed)
    s = spectral_norm(X)
    best = NormBounds(q, p.value, p.witness, s.value, "spectral-2to2", "power", s)
    if method == "power":
        return best
    # auto: tighten the upper bound with whatever is cheap enough
    candidates = [best]
    if _is_even_int(q) and (q == 4 or min(X.shape[0], d ** (int(q) // 2)) <= 1600):
        r = spectral_baseline(X, int(q))
        candidates.append(NormBounds(q, r.lower, r.witness, r.upper, "flattening",
                                     "baseline-rounding", r))
    if _is_even_int(q) and 4 <= q <= MAX_SOS_Q and math.comb(d + int(q) // 2 - 1, int(q) // 2) \
            <= AUTO_SOS_MAX_BASIS[solver]:
        candidates.append(sos_two_to_q(X, int(q), solver=solver))
    low = max(candidates, key=lambda b: b.lower)
    up = min(candidates, key=lambda b: b.upper)
    return NormBounds(q, low.lower, low.witness, up.upper, up.upper_method, low.lower_method,
                      up.certificate)


def _exact(X: np.ndarray, q: float) -> NormBounds:
    if q == 2:
        s = spectral_norm(X)
        return NormBounds(q, s.value, s.witness, s.value, "exact-svd", "exact-svd", s)
    if math.isinf(q):
        p = power_method(X, q)
        return NormBounds(q, p.value, p.witness, p.value, "exact-max-row", "exact-max-row", p)
    raise ValueError(f"method='exact' is available for q = 2 and q = inf only, got q={q}")
