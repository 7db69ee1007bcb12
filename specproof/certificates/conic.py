"""Direct conic back-ends for the Gram-form SoS problems (Clarabel, SCS; MOSEK via cvxpy).

The Gram matrix is a vector ``g`` of its upper/lower triangle with off-diagonal entries
scaled by sqrt(2) (the ``svec`` both solvers use), so the PSD cone needs no extra
variables. Both problems have the form::

    min  c^T x   s.t.  A x + s = b,   s in {0}^m x PSD_N,

with ``x = [t, g]``. Going straight to the solver skips cvxpy's canonicalisation, which
at d = 10 (N = 55) already dominated the solve and ran out of memory at N = 210.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sps

from specproof._core.errors import ResourceLimitError
from specproof.certificates.errors import SolverError
from specproof.certificates.solver_choice import available_memory, estimate

SQRT2 = math.sqrt(2.0)
# SCS converged in 75-100 iterations on every SoS instance measured (N = 21 ... 820); a
# problem still running after this many is ill-posed, and waiting longer only hides it
SCS_MAX_ITERS = 10_000

class SolverMemoryError(SolverError, ResourceLimitError):
    """A solve was refused before it started: its measured-model memory need does not fit."""



@contextlib.contextmanager
def _quiet_stdout():
    """File descriptor 1 pointed at /dev/null for the duration (C code's printf)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)

def clarabel_memory_estimate(N: int) -> int:
    """Bytes Clarabel needs for an SoS problem with an N x N Gram matrix (an estimate).

    ``64 T^2`` bytes, ``T = N(N+1)/2``: measured ~53 T^2 at N = 78 and 120, from the dense
    T x T Nesterov-Todd block of the PSD cone in its KKT system and the factor's workspace.

    Examples
    --------
    >>> round(clarabel_memory_estimate(210) / 2**30, 1)
    29.3
    """
    return estimate(N).clarabel_bytes


def check_clarabel_memory(N: int) -> None:
    """Raise :class:`SolverMemoryError` before a Clarabel solve that cannot fit in memory."""
    est, have = estimate(N), available_memory()
    need = est.clarabel_bytes
    if have is not None and need > have:
        T = N * (N + 1) // 2
        raise SolverMemoryError(
            f"Clarabel would need about {need / 2**30:.1f} GiB for a {N}x{N} Gram matrix (its "
            f"interior-point KKT system holds a dense {T}x{T} scaling block of the PSD cone); "
            f"{have / 2**30:.1f} GiB are available. Use solver='auto' or 'scs' (first order: "
            f"about {est.scs_seconds:.2g} s and {est.scs_bytes / 2**30:.2g} GiB at this size, "
            "measured model, see docs/norms.md) or solver='mosek'.",
            status="not-started",
            solver="clarabel",
        )


@dataclass(frozen=True)
class ConicSolution:
    """Raw result of one conic solve: primal ``x``, equality multipliers ``y``, status."""

    x: np.ndarray
    y: np.ndarray
    status: str
    seconds: float


def svec_indices(N: int, solver: str) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index of each svec entry, in the order the solver expects.

    Clarabel stacks the upper triangle column by column, SCS the lower triangle column by
    column; for a symmetric matrix both list each unordered pair once.

    Examples
    --------
    >>> [a.tolist() for a in svec_indices(2, "clarabel")]
    [[0, 0, 1], [0, 1, 1]]
    >>> [a.tolist() for a in svec_indices(2, "scs")]
    [[0, 1, 1], [0, 0, 1]]
    """
    if solver == "scs":
        cols, rows = np.triu_indices(N)  # (j <= i) pairs, grouped by column j
        order = np.lexsort((rows, cols))
        return rows[order], cols[order]
    rows, cols = np.tril_indices(N)  # gives (i >= j); swap for upper triangle i <= j
    order = np.lexsort((cols, rows))
    return cols[order], rows[order]


def coefficient_matrix(pair_rows: np.ndarray, m: int, N: int, solver: str) -> sps.csc_matrix:
    """Sparse ``B`` (m x N(N+1)/2) with ``(B g)_alpha = sum_{(a,b) in S_alpha} G_ab``.

    ``pair_rows[a*N + b]`` is the monomial index of ``z_a z_b``.

    Examples
    --------
    >>> coefficient_matrix(np.array([0, 1, 1, 2]), 3, 2, "clarabel").toarray().round(3)
    array([[1.   , 0.   , 0.   ],
           [0.   , 1.414, 0.   ],
           [0.   , 0.   , 1.   ]])
    """
    i, j = svec_indices(N, solver)
    vals = np.where(i == j, 1.0, SQRT2)
    rows = pair_rows[i * N + j]
    return sps.csc_matrix((vals, (rows, np.arange(i.size))), shape=(m, i.size))


def unsvec(g: np.ndarray, N: int, solver: str) -> np.ndarray:
    """The symmetric matrix whose svec is ``g``.

    Examples
    --------
    >>> unsvec(np.array([1.0, SQRT2 * 2, 3.0]), 2, "clarabel")
    array([[1., 2.],
           [2., 3.]])
    """
    i, j = svec_indices(N, solver)
    G = np.zeros((N, N))
    vals = np.where(i == j, g, g / SQRT2)
    G[i, j] = vals
    G[j, i] = vals
    return G


def solve_conic(
    c: np.ndarray,
    A_eq: sps.spmatrix,
    b_eq: np.ndarray,
    A_psd: sps.spmatrix,
    b_psd: np.ndarray,
    N: int,
    solver: str,
    accept_inaccurate: bool,
    psd_sizes: list[int] | None = None,
    nonneg: int = 0,
) -> ConicSolution:
    """Solve ``min c^T x`` s.t. ``A_eq x = b_eq``, ``b_psd - A_psd x in PSD_N`` (svec).

    Several PSD cones (block-diagonal Gram matrices) are given by ``psd_sizes``; then the
    rows of ``A_psd`` hold ``nonneg`` rows of a nonnegative cone first, then each block's
    svec in turn (the ``N`` argument is then the largest block, for the memory check).

    Returns the primal ``x`` and the multipliers ``y`` of the equalities in the sign
    convention ``A_eq^T y + A_psd^T Z + c = 0`` (Clarabel's and SCS's).
    """
    A = sps.vstack([A_eq, A_psd], format="csc")
    b = np.concatenate([b_eq, b_psd])
    m = A_eq.shape[0]
    nvar = A.shape[1]
    sizes = [N] if psd_sizes is None else [int(k) for k in psd_sizes]
    t0 = time.perf_counter()
    if solver == "clarabel":
        import clarabel

        check_clarabel_memory(N)
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = 1e-9
        settings.tol_gap_rel = 1e-9
        settings.tol_feas = 1e-9
        try:
            # faer's supernodal LDL is ~10x faster than qdldl on the dense PSD scaling block
            settings.direct_solve_method = "faer"
        except Exception:  # older builds without faer keep the default
            pass
        P = sps.csc_matrix((nvar, nvar))
        cones = [clarabel.ZeroConeT(m)]
        if nonneg:
            cones.append(clarabel.NonnegativeConeT(nonneg))
        cones += [clarabel.PSDTriangleConeT(k) for k in sizes]
        try:
            sol = clarabel.DefaultSolver(P, c, A, b, cones, settings).solve()
        except BaseException as exc:
            # a Rust panic inside Clarabel ("Eigval error: Eigen(1)" from its PSD cone's
            # eigendecomposition, seen once in CI on a 4 x 4 lemma program) arrives as
            # pyo3's PanicException, a BaseException: it went through every handler and
            # ended the lemma search and its test
            if type(exc).__name__ != "PanicException":
                raise
            raise SolverError(f"clarabel failed inside its solver ({exc})",
                              status="solver_panic", solver="clarabel") from None
        raw = str(sol.status)
        status = {
            "Solved": "optimal",
            "AlmostSolved": "optimal_inaccurate",
        }.get(raw, raw.lower())
        x, z = np.asarray(sol.x), np.asarray(sol.z)
    elif solver == "scs":
        import scs

        data = {"A": A, "b": b, "c": c}
        cone = {"z": m, "l": nonneg, "s": sizes}
        with _quiet_stdout():  # SCS's C code prints "Failure:interrupted" even when quiet
            try:
                s = scs.SCS(data, cone, verbose=False, eps_abs=1e-9, eps_rel=1e-9,
                            max_iters=SCS_MAX_ITERS)
            except ValueError as exc:
                # badly scaled data (an entry 1e308 beside 1): "ScsWork allocation error!"
                # ended a lemma search in a raw ValueError instead of "not solved"
                raise SolverError(f"scs could not set the problem up ({exc})",
                                  status="setup_failed", solver="scs") from exc
            sol = s.solve()
        raw = sol["info"]["status"]
        if raw == "interrupted":  # SCS catches SIGINT itself; Ctrl-C must still stop us
            raise KeyboardInterrupt
        status = {"solved": "optimal", "solved_inaccurate": "optimal_inaccurate"}.get(raw, raw)
        x, z = np.asarray(sol["x"]), np.asarray(sol["y"])
    else:  # pragma: no cover - guarded by the caller
        raise ValueError(f"no direct back-end for solver {solver!r}")
    seconds = time.perf_counter() - t0
    if status != "optimal" and not (accept_inaccurate and status == "optimal_inaccurate"):
        raise SolverError(
            f"{solver} returned status {raw!r} (only 'optimal' is accepted unless "
            "accept_inaccurate=True, which also accepts 'optimal_inaccurate')",
            status=status,
            solver=solver,
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(z))):
        raise SolverError(f"{solver} returned non-finite values", status=status, solver=solver)
    return ConicSolution(x=x, y=z[:m], status=status, seconds=seconds)


def mosek_available() -> tuple[bool, str]:
    """Whether MOSEK can be used, and why not.

    Examples
    --------
    >>> ok, why = mosek_available()
    >>> isinstance(ok, bool) and isinstance(why, str)
    True
    """
    try:
        import mosek
    except ImportError:
        return False, (
            "the mosek package is not installed (pip install mosek; it also needs a licence "
            "file, see https://www.mosek.com/products/academic-licenses/)"
        )
    try:
        env = mosek.Env()
        env.checkoutlicense(mosek.feature.pts)
    except Exception as exc:  # mosek raises its own Error type for licence problems
        return False, f"MOSEK is installed but has no usable licence: {exc}"
    return True, ""


def require_mosek() -> None:
    """Raise :class:`SolverError` with the reason if MOSEK cannot be used."""
    ok, why = mosek_available()
    if not ok:
        raise SolverError(
            f"solver='mosek' was requested but {why}; specproof never switches solvers "
            "silently: pass solver='auto' (default), 'clarabel' or 'scs' instead",
            status="unavailable",
            solver="mosek",
        )


def solve_with_cvxpy(build: Any, solver_name: str, accept_inaccurate: bool) -> str:
    """Solve a cvxpy problem (used for MOSEK); returns the status or raises SolverError."""
    import cvxpy as cp

    problem = build
    try:
        problem.solve(solver=solver_name)
    except cp.error.SolverError as exc:
        raise SolverError(f"{solver_name} failed: {exc}", status="solver_error") from exc
    status = str(problem.status)
    if status != cp.OPTIMAL and not (accept_inaccurate and status == cp.OPTIMAL_INACCURATE):
        raise SolverError(f"{solver_name} returned status {status!r}", status=status)
    return status
