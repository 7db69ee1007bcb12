"""The numerical search: Gram matrices of largest smallest eigenvalue, block by block.

For a target polynomial ``f`` (the statement's ``p``, times a multiplier), SoS terms
``g_j z_j^T G_j z_j`` (``G_j`` possibly split into symmetry blocks) and free terms
``h_k tau_k``, solve::

    max t   s.t.   sum_j g_j z_j^T G_j z_j + sum_k h_k tau_k = f   (coefficientwise),
                   G_j - t I PSD for every block,   t <= 1,

after scaling ``f`` by a power of two to coefficients of size about 1. The optimum ``t*`` is
the largest smallest eigenvalue any exact Gram matrix can have: ``t* > 0`` means the
Gram space is strictly feasible (rounding can succeed), ``t* < 0`` proves (up to the
solver's tolerance) that no decomposition exists in these bases. The solve goes straight
to Clarabel or SCS through :func:`specproof.certificates.conic.solve_conic`, one PSD cone
per block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import scipy.sparse as sps

from specproof.certificates.conic import SQRT2, solve_conic, svec_indices, unsvec
from specproof.certificates.errors import SolverError
from specproof.certificates.solver_choice import choose_solver

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]


@dataclass
class SoSTerm:
    """One SoS term: ``generator`` (indices of domain inequalities, ``()`` for 1), the
    product polynomial ``g`` and the monomial basis of each symmetry block.

    ``faces[b]`` (None: the whole cone) restricts block ``b`` to ``G = Q H Q^T`` with a
    rational ``N x N'`` matrix ``Q`` whose columns are orthogonal to the Gram kernel forced
    by the polynomial's zeros (facial reduction); the solver then searches ``H``.
    """

    generator: tuple[int, ...]
    g: Poly
    blocks: list[list[Exponent]]
    faces: list[list[list[Fraction]] | None] = field(default_factory=list)

    def face(self, b: int) -> list[list[Fraction]] | None:
        return self.faces[b] if b < len(self.faces) else None

    def width(self, b: int) -> int:
        """Size of the searched matrix ``H`` of block ``b``."""
        Q = self.face(b)
        return len(self.blocks[b]) if Q is None else len(Q[0])


@dataclass
class FreeTerm:
    """One equality term ``h * tau``: ``generator`` indexes the domain equalities; ``tau``
    ranges over polynomials with the monomials ``basis``."""

    generator: int
    h: Poly
    basis: list[Exponent]


@dataclass
class NumericSolution:
    """What the solver returned, all for the scaled target ``f 2^scale_exponent``
    (coefficients of size about 1, whatever the magnitude of ``f``): ``t`` (largest
    smallest eigenvalue), the Gram matrix of every block of every SoS term, the free
    terms' coefficients."""

    t: float
    grams: list[list[np.ndarray]]
    taus: list[np.ndarray]
    scale_exponent: int
    status: str
    solver: str
    solver_reason: str
    seconds: float
    sizes: list[int] = field(default_factory=list)
    equations: int = 0


def scale_exponent(f: Poly) -> int:
    """``e`` with ``2^e max|f_alpha|`` in ``[1/2, 1)`` (an exact power-of-two scaling).

    Examples
    --------
    >>> scale_exponent({(2,): Fraction(3)}), scale_exponent({(0,): Fraction(1, 1000)})
    (-2, 9)
    """
    big = max(abs(c) for c in f.values())
    e = big.denominator.bit_length() - big.numerator.bit_length()
    while big * Fraction(2) ** e >= 1:
        e -= 1
    while big * Fraction(2) ** e < Fraction(1, 2):
        e += 1
    return e


def solve_gram_program(f: Poly, terms: list[SoSTerm], free: list[FreeTerm],
                       solver: str = "auto") -> NumericSolution:
    """Solve the program of the module docstring.

    Raises
    ------
    SolverError
        The solver failed or reported the equations infeasible (status in the error).
    """
    if not f:
        raise ValueError("the target polynomial is zero")
    n = len(next(iter(f)))
    e = scale_exponent(f)
    sizes = [t.width(b) for t in terms for b in range(len(t.blocks))]
    if not sizes:
        raise SolverError("no Gram block is left (every block was forced to zero)",
                          status="not-started", solver=solver)
    total_T = sum(k * (k + 1) // 2 for k in sizes)
    choice = choose_solver(max(1, int(math.sqrt(2 * total_T))), solver)
    name = choice.solver
    ordering = "scs" if name == "scs" else "clarabel"
    alphas: list[np.ndarray] = [np.asarray(list(f), dtype=np.int64).reshape(-1, n)]
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    var = 1  # x[0] = t
    slices: list[list[slice]] = []
    for term in terms:
        g_exp = np.asarray(list(term.g), dtype=np.int64).reshape(-1, n)
        try:
            g_val = np.array([float(c) for c in term.g.values()])
        except OverflowError:  # a box [-1e400, 1e400]: the solver works in floats
            raise SolverError("a constraint coefficient is beyond the float range (about "
                              "1.8e308); rescale the variables", status="not-started",
                              solver=solver) from None
        term_slices = []
        for b, basis in enumerate(term.blocks):
            Z = np.asarray(basis, dtype=np.int64).reshape(-1, n)
            pair, pcols, pvals, size = _block_map(Z, term.face(b), ordering)
            for ge, gv in zip(g_exp, g_val, strict=True):
                alphas.append(pair + ge)
                cols.append(pcols + var)
                vals.append(pvals * gv)
            term_slices.append(slice(var, var + size))
            var += size
        slices.append(term_slices)
    free_slices = []
    for ft in free:
        Z = np.asarray(ft.basis, dtype=np.int64).reshape(-1, n)
        idx = np.arange(var, var + len(ft.basis))
        for he, hc in ft.h.items():
            alphas.append(Z + np.asarray(he, dtype=np.int64))
            cols.append(idx)
            vals.append(np.full(len(ft.basis), float(hc)))
        free_slices.append(slice(var, var + len(ft.basis)))
        var += len(ft.basis)
    stacked = np.vstack(alphas)
    uniq, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    m = uniq.shape[0]
    nf = len(f)
    b_eq = np.zeros(m)
    b_eq[inverse[:nf]] = [float(c * Fraction(2) ** e) for c in f.values()]
    rows = inverse[nf:]
    A_eq = sps.csc_matrix((np.concatenate(vals) if vals else np.zeros(0),
                           (rows, np.concatenate(cols) if cols else np.zeros(0, int))),
                          shape=(m, var))
    # PSD rows: s = svec(G_block) - t svec(I); first the row of t <= 1
    prow, pcol, pval = [0], [0], [1.0]
    r = 1
    for term_slices, term in zip(slices, terms, strict=True):
        for b, sl in enumerate(term_slices):
            i, j = svec_indices(term.width(b), ordering)
            k = sl.stop - sl.start
            prow += list(range(r, r + k))
            pcol += list(range(sl.start, sl.stop))
            pval += [-1.0] * k
            diag = np.flatnonzero(i == j)
            prow += list(r + diag)
            pcol += [0] * diag.size
            pval += [1.0] * diag.size
            r += k
    A_psd = sps.csc_matrix((pval, (prow, pcol)), shape=(r, var))
    b_psd = np.zeros(r)
    b_psd[0] = 1.0
    c = np.zeros(var)
    c[0] = -1.0
    sol = solve_conic(c, A_eq, b_eq, A_psd, b_psd, max(sizes) if sizes else 1, name,
                      accept_inaccurate=True, psd_sizes=sizes, nonneg=1)
    grams = [[unsvec(sol.x[sl], term.width(b), ordering)
              for b, sl in enumerate(term_slices)]
             for term_slices, term in zip(slices, terms, strict=True)]
    taus = [sol.x[sl] for sl in free_slices]
    return NumericSolution(t=float(sol.x[0]), grams=grams, taus=taus, scale_exponent=e,
                           status=sol.status, solver=name, solver_reason=choice.reason,
                           seconds=sol.seconds, sizes=sizes, equations=m)


def _block_map(Z: np.ndarray, Q, ordering: str):
    """Pair exponents and the sparse map from ``svec(H)`` to pair coefficients.

    Without a face the svec entries are the pairs themselves (weight 1 on the diagonal,
    sqrt(2) off it). With ``G = Q H Q^T`` every unordered pair ``i <= j`` collects
    ``(1 or 2) G_ij`` and ``G_ij`` is linear in ``svec(H)``.
    """
    N = Z.shape[0]
    if Q is None:
        i, j = svec_indices(N, ordering)
        return Z[i] + Z[j], np.arange(i.size), np.where(i == j, 1.0, SQRT2), i.size
    Qf = np.array([[float(x) for x in row] for row in Q])
    Np = Qf.shape[1]
    k, l = svec_indices(Np, ordering)
    iu, ju = np.triu_indices(N)
    mult = np.where(iu == ju, 1.0, 2.0)[:, None]
    # G_ij as a function of svec(H): diagonal H_kk -> Q_ik Q_jk; off-diagonal svec entry
    # h = sqrt(2) H_kl -> (Q_ik Q_jl + Q_il Q_jk) / sqrt(2)
    W = np.where(k == l, Qf[iu][:, k] * Qf[ju][:, l],
                 (Qf[iu][:, k] * Qf[ju][:, l] + Qf[iu][:, l] * Qf[ju][:, k]) / SQRT2) * mult
    r, c = np.nonzero(np.abs(W) > 0)
    return (Z[iu] + Z[ju])[r], c, W[r, c], k.size


__all__ = ["FreeTerm", "NumericSolution", "SoSTerm", "SolverError", "scale_exponent",
           "solve_gram_program"]
