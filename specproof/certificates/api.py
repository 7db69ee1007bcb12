"""``two_to_q``: certified brackets on the 2->q norm, choosing among the methods."""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import ArgumentError, as_choice, as_flag, as_matrix
from specproof.certificates.baseline import flattening_too_long, spectral_baseline
from specproof.certificates.bounds import NormBounds, zero_bounds
from specproof.certificates.check_numeric import gram_margin
from specproof.certificates.constants import ETA, UNIT
from specproof.certificates.epsnet import as_eps, epsnet_two_to_q
from specproof.certificates.power import DEFAULT_RESTARTS, power_method
from specproof.certificates.rigorous import (
    lq_ratio_bounds,
    pow2_scale,
    root_upper,
    row_norm_max_bounds,
    scale_up,
    spectral_upper,
    up,
)
from specproof.certificates.rounding import best_candidate, candidates_from_matrix
from specproof.certificates.sos import (
    MAX_SOS_Q,
    SoSResult,
    full_moment_matrix,
    solve_sos,
)
from specproof.certificates.validation import as_even_q, as_q, as_solver

METHODS: tuple[str, ...] = ("auto", "power", "baseline", "sos", "epsnet", "exact")
# Gram basis size up to which method="auto" also runs SoS, about a second at most
# (measured, benchmarks/bench_sos.py): d <= 8 at q = 4 with Clarabel (0.1-1.2 s at N = 36),
# d <= 15 with SCS or solver="auto" (0.23 s at N = 120)
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


def _sos_upper(Xs: np.ndarray, res: SoSResult) -> float:
    """A float ``>= ||Xs||_{2->q}`` (exact arithmetic) from an approximate SoS solution.

    With ``t`` the solver's value and ``G`` its Gram matrix (symmetrised; both floats,
    taken exactly), the numeric checker's argument (:func:`gram_margin`) gives
    ``t||v||^q - sum <x_i,v>^q = z^T (G + R) z`` with ``lambda_min(G + R) >=
    lambda_lower - required``; for a unit ``v``, ``||z||^2 <= ||v||^q = 1`` (full
    basis), so ``||Xs v||_q^q <= t + max(0, required - lambda_lower)``.
    """
    q = res.q
    G = (res.gram + res.gram.T) / 2
    t = float(res.value)
    m = gram_margin(Xs, t, G, res.basis, q)
    gap = m.required - m.lambda_lower
    if not math.isfinite(gap):
        return math.inf
    bound = up((t + max(0.0, gap)) * (1 + 4 * UNIT))
    # for the floats Xs; the exact rescaled data differ by at most ETA an entry (those
    # that fell below 2^-1022), i.e. by at most sqrt(nd) ETA in the 2->q norm
    n, d = Xs.shape
    return up(root_upper(Fraction(bound), q) + 2 * math.sqrt(n * d) * ETA)


def sos_two_to_q(
    X: Any,
    q: int = 4,
    solver: str = "auto",
    polish: bool = True,
    accept_inaccurate: bool = False,
    seed: Any = 0,
) -> NormBounds:
    """SoS upper bound and rounded lower bound: ``lower <= ||X||_{2->q} <= upper``.

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
        ``upper_method = "sos4"`` / ``"sos6"``, ``certificate`` the :class:`SoSResult`
        in the units of ``X`` (the solver saw ``X 2^-e``; ``certificate.scale_exponent``
        is ``e``, and value and Gram matrix are scaled back exactly by ``2^(q e)``).
        ``upper`` is rigorous in exact arithmetic: the
        solver's value plus the numeric checker's bound on the residual and on the
        eigenvalue error (never the solver's value itself, which may sit slightly below
        the norm), rooted upward and scaled back by ``2^e``.

    Examples
    --------
    >>> b = sos_two_to_q(np.eye(3), q=4)
    >>> round(b.lower, 8), round(float(b.upper), 6), b.upper_method
    (1.0, 1.0, 'sos4')
    """
    X = as_matrix(X)
    q = as_even_q(q, max_q=MAX_SOS_Q)
    polish = as_flag(polish, "polish", "True: run the power method from the rounded vector")
    accept_inaccurate = as_flag(accept_inaccurate, "accept_inaccurate",
                                "True: use a solve the solver calls inaccurate")
    if not np.any(X):
        return zero_bounds(X.shape[1], float(q))
    Xs, e = pow2_scale(X)
    res = solve_sos(Xs, q, solver=solver, accept_inaccurate=accept_inaccurate)
    _, w = sos_rounding(Xs, res)
    method = "sos-rounding"
    lower = float(lq_ratio_bounds(X, w, res.q)[0][0])
    if polish:
        p = power_method(X, res.q, restarts=0, row_starts=0, v0=w)
        if p.lower > lower:
            lower, w, method = p.lower, p.witness, "sos-rounding+power"
    upper = scale_up(_sos_upper(Xs, res), e)
    res = in_user_units(res, e)
    return NormBounds(
        q=float(res.q),
        lower=lower,
        witness=w,
        upper=upper,
        upper_method=f"sos{res.q}",
        lower_method=method,
        certificate=res,
    )


def in_user_units(res: SoSResult, e: int) -> SoSResult:
    """``res`` (solved for ``X 2^-e``) in the units of ``X``: value, Gram matrix, margin
    and residual times ``2^(q e)``, exact in floating point (a power of two), with ``e``
    recorded. Where that leaves the float range the numbers stay as solved, and
    ``in_user_units`` says so.

    Examples
    --------
    >>> from specproof.certificates.sos import solve_sos
    >>> r = in_user_units(solve_sos(np.eye(2) / 2, 4), 1)   # the solver saw I/2
    >>> round(r.value, 6), r.scale_exponent                  # ||I||_{2->4}^4 = 1
    (1.0, 1)
    """
    k = res.q * e
    if e == 0:
        return res
    with np.errstate(over="ignore", under="ignore"):
        gram = np.ldexp(res.gram, k)
        fits = bool(np.all(np.isfinite(gram)) and np.array_equal(np.ldexp(gram, -k), res.gram))
        values = [res.value, res.residual] + ([res.lam] if res.lam is not None else [])
        scaled = [float(np.ldexp(v, k)) for v in values]
        fits = fits and all(math.isfinite(v) and float(np.ldexp(v, -k)) == w
                            for v, w in zip(scaled, values))
    if not fits:
        return replace(res, scale_exponent=e, in_user_units=False)
    return replace(res, value=scaled[0], gram=gram, residual=scaled[1],
                   lam=scaled[2] if res.lam is not None else None, scale_exponent=e)


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

    Both bounds hold in exact arithmetic for every finite ``X``, tiny or huge: lower
    bounds are evaluated at the witness with a rigorous error term, upper bounds carry
    the rounding errors of their computation, and the data are rescaled by an exact
    power of two first (``docs/norms.md``).

    Parameters
    ----------
    X : array_like (n, d)
        Rows ``x_i``; finite, non-empty.
    q : float, ``np.inf`` or ``"inf"``
        ``q >= 2``.
    method : {"auto", "power", "baseline", "sos", "epsnet", "exact"}
        * ``"power"``: power-method lower bound; upper ``||X||_{2->2}``.
        * ``"baseline"``: spectral flattening (even q): its rounding and ``lambda_max^{1/q}``
          (the spectral 2->2 bound where the flattening is too large for a dense
          eigensolver: Lanczos gives no rigorous bound).
        * ``"sos"``: degree-q SoS (q = 4, 6) with rounding + power polish.
        * ``"epsnet"``: eps-net bracket (d <= 3).
        * ``"exact"``: q = 2 (SVD) or q = inf (largest row norm) only: a bracket a few
          ulps wide.
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
    eps : float in (0, 1)
        Net radius for ``"epsnet"`` (checked with every method; used by ``"epsnet"`` only).

    Returns
    -------
    NormBounds

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [1.0, -1.0]])    # Hadamard: sqrt(d) for every q
    >>> b = two_to_q(X, q=4)
    >>> b                       # printed bounds are rounded outward: lower down, upper up
    NormBounds(q=4, lower=1.414213562, upper=1.414213563, ratio=1, \
upper_method='spectral-2to2', lower_method='power')
    >>> Fraction(b.lower) ** 2 <= 2 <= Fraction(b.upper) ** 2   # exact: brackets sqrt(2)
    True
    >>> two_to_q(X, q="inf").upper_method
    'exact-max-row'
    """
    X = as_matrix(X)
    q = as_q(q)
    method = as_choice(method, METHODS, "method")
    solver = as_solver(solver)
    eps = as_eps(eps)  # checked whatever the method: a typo is not silently ignored
    d = X.shape[1]
    if method == "epsnet":
        return epsnet_two_to_q(X, q, eps)
    if not np.any(X):
        return zero_bounds(d, q)
    if method == "exact" or (method == "auto" and (q == 2 or math.isinf(q))):
        return _exact(X, q)
    if method == "sos":
        if not _is_even_int(q) or q > MAX_SOS_Q:
            raise ArgumentError(f"method='sos' needs q in (2, 4, 6), got q={q}")
        return sos_two_to_q(X, int(q), solver=solver, seed=seed)
    if method == "baseline":
        if not _is_even_int(q):
            raise ArgumentError(f"method='baseline' needs an even integer q, got q={q}")
        return _baseline_bounds(X, q, spectral_baseline(X, int(q)))
    p = power_method(X, q, restarts=restarts, seed=seed)
    s_up, how = spectral_upper(X)
    best = NormBounds(q, p.lower, p.witness, s_up, "spectral-2to2" if how == "gram-eig"
                      else f"spectral-2to2-{how}", "power", None)
    if method == "power":
        return best
    # auto: tighten the upper bound with whatever is cheap enough
    candidates = [best]
    # flattening_too_long first: d^(q/2) as an integer took hours at q = 1e9
    if _is_even_int(q) and not flattening_too_long(d, int(q) // 2) \
            and (q == 4 or min(X.shape[0], d ** (int(q) // 2)) <= 1600):
        candidates.append(_baseline_bounds(X, q, spectral_baseline(X, int(q))))
    if _is_even_int(q) and 4 <= q <= MAX_SOS_Q and math.comb(d + int(q) // 2 - 1, int(q) // 2) \
            <= AUTO_SOS_MAX_BASIS[solver]:
        candidates.append(sos_two_to_q(X, int(q), solver=solver))
    low = max(candidates, key=lambda b: b.lower)
    upb = min(candidates, key=lambda b: b.upper)
    return NormBounds(q, low.lower, low.witness, upb.upper, upb.upper_method, low.lower_method,
                      upb.certificate)


def _baseline_bounds(X: np.ndarray, q: float, r) -> NormBounds:
    if r.certified:
        return NormBounds(q, r.lower, r.witness, r.upper, "flattening", "baseline-rounding", r)
    s_up, how = spectral_upper(X)  # Lanczos estimated the flattening: no rigorous bound
    return NormBounds(q, r.lower, r.witness, s_up, "spectral-2to2", "baseline-rounding", r)


def _exact(X: np.ndarray, q: float) -> NormBounds:
    if q == 2:
        # scipy.sparse.linalg loads only when a 2->2 norm is asked for: `certify` never needs it
        from specproof.certificates.operator import spectral_norm

        s = spectral_norm(X)
        lo = float(lq_ratio_bounds(X, s.witness, 2.0)[0][0])
        hi, how = spectral_upper(X)
        return NormBounds(q, lo, s.witness, hi, "exact-svd", "exact-svd", s)
    if math.isinf(q):
        lo, hi, i = row_norm_max_bounds(X)
        xi = X[i] / np.max(np.abs(X[i]))  # scaled first: the norm of a huge row overflows
        w = xi / np.linalg.norm(xi)
        lo = max(lo, float(lq_ratio_bounds(X, w, q)[0][0]))
        return NormBounds(q, lo, w, hi, "exact-max-row", "exact-max-row", None)
    raise ArgumentError(f"method='exact' is available for q = 2 and q = inf only, got q={q}")
