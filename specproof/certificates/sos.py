"""Degree-q sum-of-squares relaxation of ``||X||_{2->q}^q`` for even q (4 and 6).

Primal (Gram form, symmetry reduced)::

    SoS_q(X) = min t   s.t.   t ||v||^q - sum_i <x_i, v>^q = z(v)^T G z(v),   G >= 0,

with ``z`` the ``N = C(d+q/2-1, q/2)`` monomials of degree q/2. Matching coefficients
gives one linear equality per monomial ``v^alpha`` of degree q (``C(d+q-1, q)`` of them)::

    sum_{(a,b) in S_alpha} G_ab = t * n_alpha - f_alpha,

where ``f_alpha`` and ``n_alpha`` are the coefficients of ``sum_i <x_i,v>^q`` and
``||v||^q`` (:mod:`specproof.certificates.monomials`). No ``d^4`` entries, no symmetry
equalities: the symmetry is built into the basis.

Dual (pseudo-moments): one number ``y_alpha = E~[v^alpha]`` per monomial of degree q. The
multipliers of the equalities above are exactly these: stationarity in ``t`` gives
``sum_alpha n_alpha y_alpha = E~||v||^q = 1`` and stationarity in ``G`` gives that the
pseudo-moment matrix ``M_ab = y_{alpha(a,b)}`` is PSD; the dual objective is
``E~ sum_i <x_i,v>^q``. We read ``y`` from cvxpy's dual values and check both facts.

The value ``t`` a floating-point solver returns is accurate to the solver tolerance, not
a proof; exact certificates are built from ``solve_sos_fixed_bound`` (an interior Gram
matrix for a slightly larger bound) by ``specproof.certificates`` certificate tools.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sps

from specproof._core import ArgumentError, ArgumentTypeError, as_flag, as_matrix
from specproof.certificates.conic import (
    SolverError,
    coefficient_matrix,
    require_mosek,
    solve_conic,
    solve_with_cvxpy,
    svec_indices,
    unsvec,
)
from specproof.certificates.moments import full_moment_matrix, moment_matrix
from specproof.certificates.monomials import (
    exponents,
    norm_power_coefficients,
    pair_structure,
    power_sum_coefficients,
)
from specproof.certificates.solver_choice import SolverChoice, choose_solver
from specproof.certificates.sos_result import (
    SoSResult,
    _residual,
    coefficient_sums,
    sos_structure,
    sound_upper_bound,
)
from specproof.certificates.validation import _shown, as_even_q, as_solver

MAX_SOS_Q = 6
BACKENDS = ("direct", "cvxpy")
_CVXPY_NAMES = {"clarabel": "CLARABEL", "scs": "SCS", "mosek": "MOSEK"}
__all__ = [
    "SolverError",
    "SoSResult",
    "coefficient_sums",
    "full_moment_matrix",
    "moment_matrix",
    "solve_sos",
    "solve_sos_fixed_bound",
    "sos_structure",
    "sound_upper_bound",
]


def _check_backend(backend: str, solver: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if solver == "mosek":
        require_mosek()
        return "cvxpy"  # MOSEK is reached through cvxpy's interface
    return backend


@dataclass(frozen=True)
class _Problem:
    """Everything both SoS problems share: data, monomial structure, solver choice."""

    q: int
    d: int
    N: int
    m: int
    pair_rows: np.ndarray
    f: np.ndarray
    nv: np.ndarray
    choice: SolverChoice
    backend: str

    @property
    def solver(self) -> str:
        return self.choice.solver


def _problem(X: Any, q: Any, solver: Any, backend: str) -> tuple[np.ndarray, _Problem]:
    X = as_matrix(X)
    q = as_even_q(q, max_q=MAX_SOS_Q)
    requested = as_solver(solver)
    d = X.shape[1]
    pair_rows, m = pair_structure(d, q)
    N = math.comb(d + q // 2 - 1, q // 2)
    choice = choose_solver(N, requested)
    backend = _check_backend(backend, choice.solver)
    prob = _Problem(q=q, d=d, N=N, m=m, pair_rows=pair_rows, f=power_sum_coefficients(X, q),
                    nv=norm_power_coefficients(d, q), choice=choice, backend=backend)
    return X, prob


def _solve(
    prob: _Problem, rhs: np.ndarray, kind: str, accept_inaccurate: bool
) -> tuple[float, np.ndarray, np.ndarray | None, str]:
    """One conic solve; ``x = [s, g]`` with s = t (``kind="value"``) or lambda (``"margin"``).

    ``"value"``:  min t  s.t.  B g - t n = rhs,  G PSD       (rhs = -f / scale)
    ``"margin"``: max lam s.t.  B g = rhs,  G - lam I PSD    (rhs = (C n - f) / scale)

    Returns ``(s, G, y, status)`` with ``y`` the equality multipliers (None for cvxpy's
    margin problem, which needs none).
    """
    # "no" is truthy: it would accept an inaccurate solve the caller meant to refuse
    accept_inaccurate = as_flag(accept_inaccurate, "accept_inaccurate",
                                "True: use a solve the solver calls inaccurate")
    N, m, solver = prob.N, prob.m, prob.solver
    if prob.backend == "direct":
        B = coefficient_matrix(prob.pair_rows, m, N, solver)
        T = B.shape[1]
        if kind == "value":
            first_eq = sps.csc_matrix(-prob.nv.reshape(-1, 1))
            first_psd = sps.csc_matrix((T, 1))
        else:
            i, j = svec_indices(N, solver)
            first_eq = sps.csc_matrix((m, 1))
            first_psd = sps.csc_matrix((i == j).astype(np.float64).reshape(-1, 1))
        A_eq = sps.hstack([first_eq, B], format="csc")
        A_psd = sps.hstack([first_psd, -sps.identity(T, format="csc")], format="csc")
        c = np.zeros(T + 1)
        c[0] = 1.0 if kind == "value" else -1.0
        sol = solve_conic(c, A_eq, rhs, A_psd, np.zeros(T), N, solver, accept_inaccurate)
        return float(sol.x[0]), unsvec(sol.x[1:], N, solver), sol.y, sol.status
    import cvxpy as cp  # only MOSEK and the cross-check go through cvxpy (slow import)

    A = sps.csr_matrix((np.ones(prob.pair_rows.size), (prob.pair_rows,
                                                       np.arange(prob.pair_rows.size))),
                       shape=(m, N * N))
    s = cp.Variable()
    if kind == "value":
        G = cp.Variable((N, N), PSD=True)
        eq = A @ cp.vec(G, order="C") == s * prob.nv + rhs
        cons, objective = [eq], cp.Minimize(s)
    else:
        G = cp.Variable((N, N), symmetric=True)
        eq = A @ cp.vec(G, order="C") == rhs
        cons, objective = [eq, G - s * np.eye(N) >> 0], cp.Maximize(s)
    status = solve_with_cvxpy(cp.Problem(objective, cons), _CVXPY_NAMES[prob.solver],
                              accept_inaccurate)
    y = np.asarray(eq.dual_value, dtype=np.float64).ravel() if kind == "value" else None
    return float(s.value), np.asarray(G.value, dtype=np.float64), y, status


def solve_sos(
    X: Any,
    q: int = 4,
    solver: str = "auto",
    accept_inaccurate: bool = False,
    backend: str = "direct",
) -> SoSResult:
    """Solve the degree-q SoS relaxation of ``||X||_{2->q}^q`` (q = 2, 4 or 6).

    Parameters
    ----------
    X : array_like (n, d)
        Rows ``x_i``.
    q : int
        Even degree, 2, 4 or 6 (q = 2 gives ``sigma_max(X)^2`` exactly).
    solver : {"auto", "clarabel", "scs", "mosek"}
        Conic solver. ``"auto"`` (default) takes Clarabel (interior point) where its
        measured-model time and memory are small and SCS (first order) beyond
        (:mod:`specproof.certificates.solver_choice`); the choice and the reason are in
        ``result.choice``. MOSEK without the package or without a licence raises
        :class:`SolverError` saying so; nothing is switched silently.
    accept_inaccurate : bool
        Accept the status ``"optimal_inaccurate"`` instead of raising.
    backend : {"direct", "cvxpy"}
        ``"direct"`` hands the svec problem straight to Clarabel / SCS (fast);
        ``"cvxpy"`` builds the same problem in cvxpy (slower; used to cross-check and
        for MOSEK).

    Returns
    -------
    SoSResult
        ``value`` is the SoS upper bound on ``||X||_{2->q}^q`` (to solver accuracy);
        ``pseudo_moments`` the dual moment matrix (PSD, ``E~||v||^q = 1``).

    Raises
    ------
    SolverError
        If the solver status is not optimal (the status is in ``.status``).

    Examples
    --------
    >>> r = solve_sos(np.eye(2), q=4)
    >>> round(r.value, 6), r.status, r.solver
    (1.0, 'optimal', 'clarabel')
    """
    X, prob = _problem(X, q, solver, backend)
    # scale so the solver sees O(1) data; the bound scales linearly with the data
    scale = float(np.max(np.abs(prob.f))) or 1.0
    t0 = time.perf_counter()
    t_val, Gs, y, status = _solve(prob, -prob.f / scale, "value", accept_inaccurate)
    elapsed = time.perf_counter() - t0
    Gv = (Gs + Gs.T) / 2 * scale
    value = t_val * scale
    total = float(prob.nv @ y)
    if total != 0:
        y = y / total  # fixes the sign convention: E~||v||^q = 1
    return SoSResult(
        q=prob.q,
        value=value,
        gram=Gv,
        basis=tuple(exponents(prob.d, prob.q // 2)),
        pseudo_moments=y[prob.pair_rows].reshape(prob.N, prob.N),
        moments=y,
        status=status,
        solver=prob.solver,
        solve_time=elapsed,
        residual=_residual(Gv, prob.pair_rows, prob.m, value * prob.nv - prob.f),
        choice=prob.choice.to_dict(),
    )


def _as_fixed_bound(bound: Any) -> float:
    """``bound`` as a finite float: a real number (int, float, Fraction, Decimal, numpy),
    not a bool or text (``float("abc")`` and ``float(10**400)`` raised bare ValueError and
    OverflowError, and ``True`` was read as 1)."""
    if isinstance(bound, (bool, np.bool_)) or not isinstance(
            bound, (int, float, Fraction, Decimal, np.integer, np.floating)):
        raise ArgumentTypeError(
            f"bound must be a real number (int, float, Fraction or Decimal), got "
            f"{type(bound).__name__} {_shown(bound)}")
    try:
        C = float(bound)
    except OverflowError:
        C = math.inf
    if not math.isfinite(C):
        raise ArgumentError(f"bound must be finite and within the float range (about "
                            f"1.8e308), got {_shown(bound)}")
    return C


def solve_sos_fixed_bound(
    X: Any,
    q: int,
    bound: float,
    solver: str = "auto",
    accept_inaccurate: bool = False,
    backend: str = "direct",
) -> SoSResult:
    """With ``C = bound`` fixed, find an interior Gram matrix (Peyrl-Parrilo step 3).

    Solves ``max lambda`` s.t. ``C||v||^q - sum_i <x_i,v>^q = z^T G z`` and
    ``G - lambda I >= 0``. (``lambda`` is bounded: averaging ``z^T G z`` over the sphere
    fixes a positive combination of the diagonal of ``G``.) A positive ``lam`` means ``G``
    is strictly inside the PSD cone, so rounding and projecting it keeps it PSD. If ``C``
    is below the SoS value no PSD Gram matrix exists and the optimum ``lam`` is negative;
    at ``C`` equal to the SoS value ``lam`` is ~0 (a singular Gram matrix, which cannot be
    rounded to an exact certificate). Callers must check ``lam > 0``.

    :func:`specproof.certificates.certify` no longer needs this second solve (it spends
    the slack ``C - t`` on a positive definite Gram matrix of ``||v||^q`` instead); it
    stays for users who want the maximal margin.

    Parameters
    ----------
    X : array_like (n, d)
    q : int
        Even degree (2, 4 or 6).
    bound : float
        The fixed bound ``C`` on ``||X||_{2->q}^q``: a finite real number (int, float,
        Fraction, Decimal or numpy scalar) within the float range; bools and text are
        refused.
    solver, accept_inaccurate, backend
        As in :func:`solve_sos`.

    Returns
    -------
    SoSResult
        ``value = bound``, ``gram`` the interior Gram matrix, ``lam`` the margin
        (``lambda_min`` of ``gram`` up to solver accuracy).

    Examples
    --------
    >>> r = solve_sos_fixed_bound(np.eye(2), 4, 1.1)
    >>> bool(r.lam > 0), bool(r.residual < 1e-8)
    (True, True)
    """
    C = _as_fixed_bound(bound)
    X, prob = _problem(X, q, solver, backend)
    scale = float(max(np.max(np.abs(prob.f)), abs(C))) or 1.0
    t0 = time.perf_counter()
    lam_val, Gs, _, status = _solve(prob, (C * prob.nv - prob.f) / scale, "margin",
                                    accept_inaccurate)
    elapsed = time.perf_counter() - t0
    Gv = (Gs + Gs.T) / 2 * scale
    return SoSResult(
        q=prob.q,
        value=C,
        gram=Gv,
        basis=tuple(exponents(prob.d, prob.q // 2)),
        status=status,
        solver=prob.solver,
        solve_time=elapsed,
        lam=lam_val * scale,
        residual=_residual(Gv, prob.pair_rows, prob.m, C * prob.nv - prob.f),
        choice=prob.choice.to_dict(),
    )
