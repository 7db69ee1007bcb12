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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sps

from specproof._core import as_matrix
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
    Exponent,
    PairMap,
    exponents,
    gram_basis,
    norm_power_coefficients,
    pair_structure,
    power_sum_coefficients,
)
from specproof.certificates.validation import as_even_q, as_solver

MAX_SOS_Q = 6
BACKENDS = ("direct", "cvxpy")
_CVXPY_NAMES = {"clarabel": "CLARABEL", "scs": "SCS", "mosek": "MOSEK"}
__all__ = [
    "SolverError",
    "SoSResult",
    "full_moment_matrix",
    "moment_matrix",
    "solve_sos",
    "solve_sos_fixed_bound",
    "sos_structure",
    "sound_upper_bound",
]


@dataclass(frozen=True)
class SoSResult:
    """A solved SoS relaxation (or a fixed-bound Gram search) for ``||X||_{2->q}^q``.

    Attributes
    ----------
    q : int
        Even degree.
    value : float
        The SoS bound on ``||X||_{2->q}^q`` (for a fixed-bound search: the bound ``C``).
    gram : ndarray (N, N)
        Gram matrix ``G`` with ``value ||v||^q - sum_i <x_i,v>^q ~= z^T G z``.
    basis : tuple of tuple
        Exponent tuples of ``z`` (monomials of degree q/2).
    pseudo_moments : ndarray (N, N) or None
        ``M_ab = E~[z_a z_b]`` from the dual, normalised to ``E~||v||^q = 1``.
    moments : ndarray or None
        ``E~[v^alpha]`` for the exponents ``exponents(d, q)``.
    status : str
        Solver status (``"optimal"`` unless accept_inaccurate was given).
    solver : str
        ``"clarabel"``, ``"scs"`` or ``"mosek"``.
    solve_time : float
        Wall-clock seconds of the solve (formulation included).
    lam : float or None
        For the fixed-bound search: the certified margin ``lambda_min(G)`` maximised.
    residual : float
        Largest absolute violation of the coefficient equalities by ``gram``.
    """

    q: int
    value: float
    gram: np.ndarray = field(repr=False)
    basis: tuple[tuple[int, ...], ...] = field(repr=False)
    pseudo_moments: np.ndarray | None = field(repr=False, default=None)
    moments: np.ndarray | None = field(repr=False, default=None)
    status: str = "optimal"
    solver: str = "clarabel"
    solve_time: float = 0.0
    lam: float | None = None
    residual: float = 0.0

    @property
    def d(self) -> int:
        return len(self.basis[0])

    def __repr__(self) -> str:
        extra = f", lam={self.lam:.3g}" if self.lam is not None else ""
        return (
            f"SoSResult(q={self.q}, d={self.d}, value={self.value:.10g}, N={len(self.basis)}, "
            f"status={self.status!r}, solver={self.solver!r}, "
            f"solve_time={self.solve_time:.3f}s, residual={self.residual:.2e}{extra})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "d": self.d,
            "value": self.value,
            "gram": self.gram.tolist(),
            "basis": [list(b) for b in self.basis],
            "pseudo_moments": None if self.pseudo_moments is None else self.pseudo_moments.tolist(),
            "status": self.status,
            "solver": self.solver,
            "solve_time": self.solve_time,
            "lam": self.lam,
            "residual": self.residual,
        }


def sos_structure(d: int, q: int) -> tuple[list[Exponent], PairMap]:
    """The Gram basis and the map ``alpha -> S_alpha`` (ordered index pairs).

    This is :func:`specproof.certificates.monomials.gram_basis`, re-exported for
    certificate code: ``sum_{(a,b) in S_alpha} G_ab`` is the coefficient of ``v^alpha``
    in ``z^T G z``.

    Examples
    --------
    >>> basis, S = sos_structure(2, 4)
    >>> len(basis), len(S), sum(len(p) for p in S.values())
    (3, 5, 9)
    """
    return gram_basis(d, q)


def _coefficient_operator(d: int, q: int) -> tuple[sps.csr_matrix, int, int]:
    """Sparse ``A`` (m x N^2) with ``(A vec G)_alpha = sum_{S_alpha} G_ab``."""
    rows, m = pair_structure(d, q)
    N2 = rows.size
    A = sps.csr_matrix((np.ones(N2), (rows, np.arange(N2))), shape=(m, N2))
    return A, m, int(round(math.sqrt(N2)))


def _residual(A: sps.csr_matrix, G: np.ndarray, rhs: np.ndarray) -> float:
    return float(np.max(np.abs(A @ G.ravel() - rhs))) if rhs.size else 0.0


def sound_upper_bound(X: Any, result: SoSResult) -> float:
    """A rigorous upper bound on ``||X||_{2->q}^q`` from an approximate SoS solution.

    The solver's ``value`` t and Gram matrix G satisfy the identity only up to a
    residual polynomial r and G may be slightly indefinite. For a unit v,
    ``sum_i <x_i,v>^q = t - z^T G z - r(v) <= t + max(0, -lambda_min(G)) + sum |r_alpha|``
    because ``||z||^2 <= ||v||^q = 1`` (every square ``v^(2 beta)`` appears in the
    expansion of ``(sum v_i^2)^(q/2)`` with coefficient >= 1) and ``|v^alpha| <= 1``. A
    margin of ``4 N eps ||G||`` covers the rounding of the eigenvalue computation, and
    ``1e-12 t`` that of the residual.

    Examples
    --------
    >>> X = np.eye(2)
    >>> ub = sound_upper_bound(X, solve_sos(X, 4))
    >>> 1.0 <= ub < 1.0 + 1e-6
    True
    """
    X = as_matrix(X)
    d, q = X.shape[1], result.q
    A, _, N = _coefficient_operator(d, q)
    G = (result.gram + result.gram.T) / 2
    rhs = result.value * norm_power_coefficients(d, q) - power_sum_coefficients(X, q)
    r_sum = float(np.sum(np.abs(A @ G.ravel() - rhs)))
    eigs = np.linalg.eigvalsh(G)
    slack = max(0.0, -float(eigs[0])) + 4 * N * np.finfo(float).eps * float(np.abs(eigs).max())
    return float(result.value + slack + r_sum + 1e-12 * abs(result.value))


def _check_backend(backend: str, solver: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}, got {backend!r}")
    if solver == "mosek":
        require_mosek()
        return "cvxpy"  # MOSEK is reached through cvxpy's interface
    return backend


def _setup(X: Any, q: Any, solver: Any) -> tuple[np.ndarray, int, str]:
    X = as_matrix(X)
    q = as_even_q(q, max_q=MAX_SOS_Q)
    solver = as_solver(solver)
    return X, q, solver


def solve_sos(
    X: Any,
    q: int = 4,
    solver: str = "clarabel",
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
    solver : {"clarabel", "scs", "mosek"}
        Conic solver. MOSEK without the package or without a licence raises
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
    >>> round(r.value, 6), r.status
    (1.0, 'optimal')
    """
    X, q, solver = _setup(X, q, solver)
    backend = _check_backend(backend, solver)
    n, d = X.shape
    pair_rows, m = pair_structure(d, q)
    N = int(round(math.sqrt(pair_rows.size)))
    f = power_sum_coefficients(X, q)
    nv = norm_power_coefficients(d, q)
    # scale so the solver sees O(1) data; the bound scales linearly with the data
    scale = float(np.max(np.abs(f))) or 1.0
    fs = f / scale
    t0 = time.perf_counter()
    if backend == "direct":
        B = coefficient_matrix(pair_rows, m, N, solver)
        T = B.shape[1]
        # x = [t, g]:  B g - t n = -f ;  g in PSD
        A_eq = sps.hstack([sps.csc_matrix(-nv.reshape(-1, 1)), B], format="csc")
        A_psd = sps.hstack([sps.csc_matrix((T, 1)), -sps.identity(T, format="csc")], format="csc")
        c = np.zeros(T + 1)
        c[0] = 1.0
        sol = solve_conic(c, A_eq, -fs, A_psd, np.zeros(T), N, solver, accept_inaccurate)
        t_val, Gs, y, status = sol.x[0], unsvec(sol.x[1:], N, solver), sol.y, sol.status
    else:
        A, _, _ = _coefficient_operator(d, q)
        import cvxpy as cp  # only MOSEK and the cross-check go through cvxpy (slow import)

        G = cp.Variable((N, N), PSD=True)
        t = cp.Variable()
        eq = A @ cp.vec(G, order="C") == t * nv - fs
        status = solve_with_cvxpy(
            cp.Problem(cp.Minimize(t), [eq]), _CVXPY_NAMES[solver], accept_inaccurate
        )
        t_val, Gs = float(t.value), np.asarray(G.value, dtype=np.float64)
        y = np.asarray(eq.dual_value, dtype=np.float64).ravel()
    elapsed = time.perf_counter() - t0
    Gv = (Gs + Gs.T) / 2 * scale
    value = float(t_val) * scale
    total = float(nv @ y)
    if total != 0:
        y = y / total  # fixes the sign convention: E~||v||^q = 1
    M = y[pair_rows].reshape(N, N)
    A, _, _ = _coefficient_operator(d, q)
    return SoSResult(
        q=q,
        value=value,
        gram=Gv,
        basis=tuple(exponents(d, q // 2)),
        pseudo_moments=M,
        moments=y,
        status=status,
        solver=solver,
        solve_time=elapsed,
        residual=_residual(A, Gv, value * nv - f),
    )


def solve_sos_fixed_bound(
    X: Any,
    q: int,
    bound: float,
    solver: str = "clarabel",
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

    Parameters
    ----------
    X : array_like (n, d)
    q : int
        Even degree (2, 4 or 6).
    bound : float
        The fixed bound ``C`` on ``||X||_{2->q}^q``.
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
    X, q, solver = _setup(X, q, solver)
    backend = _check_backend(backend, solver)
    C = float(bound)
    if not math.isfinite(C):
        raise ValueError(f"bound must be finite, got {bound!r}")
    n, d = X.shape
    pair_rows, m = pair_structure(d, q)
    N = int(round(math.sqrt(pair_rows.size)))
    f = power_sum_coefficients(X, q)
    nv = norm_power_coefficients(d, q)
    scale = float(max(np.max(np.abs(f)), abs(C))) or 1.0
    rhs = (C * nv - f) / scale
    t0 = time.perf_counter()
    if backend == "direct":
        B = coefficient_matrix(pair_rows, m, N, solver)
        T = B.shape[1]
        i, j = svec_indices(N, solver)
        eye = (i == j).astype(np.float64)
        # x = [lam, g]:  B g = rhs ;  g - lam svec(I) in PSD ;  minimise -lam
        A_eq = sps.hstack([sps.csc_matrix((m, 1)), B], format="csc")
        A_psd = sps.hstack(
            [sps.csc_matrix(eye.reshape(-1, 1)), -sps.identity(T, format="csc")], format="csc"
        )
        c = np.zeros(T + 1)
        c[0] = -1.0
        sol = solve_conic(c, A_eq, rhs, A_psd, np.zeros(T), N, solver, accept_inaccurate)
        lam_val, Gs, status = sol.x[0], unsvec(sol.x[1:], N, solver), sol.status
    else:
        A, _, _ = _coefficient_operator(d, q)
        import cvxpy as cp

        G = cp.Variable((N, N), symmetric=True)
        lam = cp.Variable()
        cons = [A @ cp.vec(G, order="C") == rhs, G - lam * np.eye(N) >> 0]
        status = solve_with_cvxpy(
            cp.Problem(cp.Maximize(lam), cons), _CVXPY_NAMES[solver], accept_inaccurate
        )
        lam_val, Gs = float(lam.value), np.asarray(G.value, dtype=np.float64)
    elapsed = time.perf_counter() - t0
    Gv = (Gs + Gs.T) / 2 * scale
    A, _, _ = _coefficient_operator(d, q)
    return SoSResult(
        q=q,
        value=C,
        gram=Gv,
        basis=tuple(exponents(d, q // 2)),
        status=status,
        solver=solver,
        solve_time=elapsed,
        lam=float(lam_val) * scale,
        residual=_residual(A, Gv, C * nv - f),
    )
