"""From a numerical Gram solution to exact rational Gram matrices (or a reason why not).

Two steps, both exact in the end:

* **Facial reduction** (:func:`rational_kernel`, :func:`face_basis`). A real zero ``x0`` of
  the target forces ``G z(x0) = 0`` for every PSD Gram matrix ``G``, so when the polynomial
  has zeros (Motzkin at ``(+-1, +-1)``, Frobenius submultiplicativity on every aligned
  rank-one pair) *no* Gram matrix is positive definite and rounding one always leaves
  the cone. The interior-point solution lies in the relative interior of the feasible
  face, so its numerical kernel is the forced one; it is turned into a rational basis
  (reduced row echelon form, small-denominator entries) and the search is restricted to
  ``G = Q H Q^T`` with ``Q`` a rational basis of the orthogonal complement. A wrong guess
  cannot produce a false proof: the final identity and PSD tests are exact.
* **Rounding and projection** (:func:`exact_solution`): round ``H`` and the free
  polynomials to the grid ``2^-bits`` (:func:`specproof.certificates.peyrl_parrilo.round_gram`),
  then make every coefficient identity hold exactly and test every ``H`` PSD exactly
  (:func:`specproof.certificates.ldl.ldl_psd`). For plain SoS in monomial blocks the
  pairs ``z_a z_b`` partition the coefficients and the projection is Peyrl-Parrilo's
  (:func:`~specproof.certificates.peyrl_parrilo.project_gram`); with faces, constraint
  multipliers or equality terms they do not, and the correction is the least-norm
  solution of the exact linear system ``L(u) = f`` (python-flint ``fmpq_mat``). The
  certificate's Gram matrices are ``Q H Q^T`` in the monomial basis.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from specproof.certificates.errors import CertificationError
from specproof.certificates.ldl import ldl_psd
from specproof.certificates.peyrl_parrilo import project_gram, round_gram
from specproof.lemmas.sos_program import FreeTerm, NumericSolution, SoSTerm

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]
RationalMatrix = list[list[Fraction]]


class ExactRoundingError(ArithmeticError):
    """The numerical solution could not be made exact; the message says why."""


def rational_kernel(G: np.ndarray, rel_tol: float = 1e-6,
                    max_denominator: int = 10_000) -> list[list[Fraction]] | None:
    """A rational basis (reduced row echelon rows) of the numerical kernel of ``G``.

    Eigenvalues below ``rel_tol * max(1, lambda_max)`` count as zero. Returns ``[]`` when
    there is no kernel, None when the kernel has no small-denominator basis that ``G``
    annihilates (checked numerically; the exact tests decide later anyway).

    Examples
    --------
    >>> rational_kernel(np.array([[1.0, -1.0], [-1.0, 1.0]]))
    [[Fraction(1, 1), Fraction(1, 1)]]
    """
    w, V = np.linalg.eigh((G + G.T) / 2)
    top = max(1.0, float(w[-1]))
    K = V[:, w < rel_tol * top]
    if K.shape[1] == 0:
        return []
    R = K.T.copy()
    r, N = R.shape
    pivots = []
    row = 0
    for col in range(N):
        if row == r:
            break
        p = row + int(np.argmax(np.abs(R[row:, col])))
        if abs(R[p, col]) < 1e-8:
            continue
        R[[row, p]] = R[[p, row]]
        R[row] /= R[row, col]
        for i in range(r):
            if i != row:
                R[i] -= R[i, col] * R[row]
        pivots.append(col)
        row += 1
    out = []
    for i in range(row):
        vec = [Fraction(float(x)).limit_denominator(max_denominator) for x in R[i]]
        v = np.array([float(x) for x in vec])
        if np.linalg.norm(G @ v) > 1e-4 * top * max(1.0, np.linalg.norm(v)):
            return None
        out.append(vec)
    return out


def face_basis(kernel: list[list[Fraction]], N: int) -> RationalMatrix | None:
    """A rational ``N x N'`` matrix whose columns span the orthogonal complement of the
    kernel rows (None when the kernel is everything).

    Examples
    --------
    >>> face_basis([[Fraction(1), Fraction(1)]], 2)
    [[Fraction(-1, 1)], [Fraction(1, 1)]]
    """
    import flint

    if not kernel:
        return [[Fraction(int(i == j)) for j in range(N)] for i in range(N)]
    M = flint.fmpq_mat(len(kernel), N, [flint.fmpq(x.numerator, x.denominator)
                                        for row in kernel for x in row])
    R, rank = M.rref()
    pivots = []
    for i in range(rank):
        for j in range(N):
            if R[i, j] != 0:
                pivots.append(j)
                break
    free = [j for j in range(N) if j not in pivots]
    if not free:
        return None
    cols = []
    for f in free:
        v = [Fraction(0)] * N
        v[f] = Fraction(1)
        for i, p in enumerate(pivots):
            x = R[i, f]
            v[p] = -Fraction(int(x.p), int(x.q))
        cols.append(v)
    return [[cols[c][i] for c in range(len(cols))] for i in range(N)]


def poly_mul(a: Poly, b: Poly) -> Poly:
    """Product of two polynomials (exponent tuple -> Fraction), the producer's own.

    Examples
    --------
    >>> poly_mul({(1,): Fraction(1)}, {(1,): Fraction(2), (0,): Fraction(1)})
    {(2,): Fraction(2, 1), (1,): Fraction(1, 1)}
    """
    out: Poly = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = tuple(x + y for x, y in zip(ea, eb, strict=True))
            out[e] = out.get(e, Fraction(0)) + ca * cb
    return out


def _columns(terms: list[SoSTerm], free: list[FreeTerm]) -> list[Poly]:
    """The polynomial each unknown multiplies: ``g (1 or 2) w_k w_l`` per ``H_kl`` (k <= l)
    with ``w = Q^T z``, then ``h x^gamma`` per coefficient of each free polynomial."""
    cols: list[Poly] = []
    for term in terms:
        for b, basis in enumerate(term.blocks):
            Q = term.face(b)
            N = len(basis)
            if Q is None:
                w = [{z: Fraction(1)} for z in basis]
            else:
                w = [{basis[i]: Q[i][k] for i in range(N) if Q[i][k] != 0}
                     for k in range(len(Q[0]))]
            for k in range(len(w)):
                for l in range(k, len(w)):
                    prod = poly_mul(w[k], w[l])
                    factor = 1 if k == l else 2
                    cols.append(poly_mul(term.g, {e: c * factor for e, c in prod.items()}))
    for ft in free:
        for gamma in ft.basis:
            cols.append(poly_mul(ft.h, {gamma: Fraction(1)}))
    return cols


def _rounded_unknowns(sol: NumericSolution, terms: list[SoSTerm], bits: int) -> list[Fraction]:
    u: list[Fraction] = []
    for t, term in enumerate(terms):
        for b in range(len(term.blocks)):
            H = round_gram(sol.grams[t][b], bits)
            for k in range(len(H)):
                for l in range(k, len(H)):
                    u.append(H[k][l])
    den = 2**bits
    for tau in sol.taus:
        u.extend(Fraction(int(np.rint(x * den)), den) for x in tau)
    return u


def _least_norm_correction(cols: list[Poly], r: Poly) -> list[Fraction]:
    """Exact least-norm ``du`` with ``sum_j du_j cols_j = r`` (raises if inconsistent)."""
    import flint

    monos = sorted({e for c in cols for e in c} | set(r))
    where = {e: i for i, e in enumerate(monos)}
    missing = [e for e in r if r[e] != 0 and not any(e in c for c in cols)]
    if missing:
        raise ExactRoundingError(f"the bases cannot represent the monomial {missing[0]} of "
                                 "the target")
    m, u = len(monos), len(cols)
    L = [[Fraction(0)] * u for _ in range(m)]
    for j, c in enumerate(cols):
        for e, v in c.items():
            L[where[e]][j] += v
    nz = [[(j, x) for j, x in enumerate(row) if x] for row in L]
    LLt = [[Fraction(0)] * m for _ in range(m)]
    for a in range(m):
        ra = dict(nz[a])
        for b in range(a, m):
            s = sum((ra[j] * x for j, x in nz[b] if j in ra), Fraction(0))
            LLt[a][b] = LLt[b][a] = s
    aug = flint.fmpq_mat(m, m + 1, [flint.fmpq(x.numerator, x.denominator)
                                    for a in range(m)
                                    for x in (*LLt[a], r.get(monos[a], Fraction(0)))])
    R, rank = aug.rref()
    y = [Fraction(0)] * m
    for i in range(rank):
        lead = next(j for j in range(m + 1) if R[i, j] != 0)
        if lead == m:
            raise ExactRoundingError("the coefficient equations have no exact solution in "
                                     "these bases (the face guess or the bases are wrong)")
        x = R[i, m]
        y[lead] = Fraction(int(x.p), int(x.q))
    du = [Fraction(0)] * u
    for a in range(m):
        if y[a]:
            for j, x in nz[a]:
                du[j] += x * y[a]
    return du


def _partition_projection(f: Poly, term: SoSTerm, sol: NumericSolution,
                          bits: int) -> list[RationalMatrix]:
    """Plain SoS in monomial blocks: the pairs ``z_a z_b`` of all blocks partition the
    coefficients, so the orthogonal projection spreads each residual evenly over its
    pairs (Peyrl-Parrilo, :func:`~specproof.certificates.peyrl_parrilo.project_gram`)."""
    basis = [z for block in term.blocks for z in block]
    index, start = [], 0
    for block in term.blocks:
        index.append(list(range(start, start + len(block))))
        start += len(block)
    G = [[Fraction(0)] * len(basis) for _ in basis]
    for idx, H in zip(index, sol.grams[0], strict=True):
        R = round_gram(H, bits)
        for i, a in enumerate(idx):
            for j, b in enumerate(idx):
                G[a][b] = R[i][j]
    try:
        P = project_gram(G, f, basis, blocks=index)
    except CertificationError as exc:
        raise ExactRoundingError(str(exc)) from None
    out = []
    for b, idx in enumerate(index):
        H = [[P[i][j] for j in idx] for i in idx]
        verdict = ldl_psd(H)
        if not verdict.psd:
            raise ExactRoundingError(f"after rounding to {bits} bits and the exact projection, "
                                     f"block {b} is not PSD ({verdict.reason})")
        out.append(H)
    return out


def exact_solution(f: Poly, terms: list[SoSTerm], free: list[FreeTerm],
                   sol: NumericSolution, bits: int
                   ) -> tuple[list[list[RationalMatrix]], list[Poly]]:
    """Exact Gram matrices (monomial basis, per term and block) and free polynomials with
    ``sum g z^T G z + sum h tau = f`` exactly and every ``G`` PSD (exact LDL^T).

    Raises
    ------
    ExactRoundingError
        With the reason (a block not PSD after rounding, no exact solution, ...).
    """
    if len(terms) == 1 and not terms[0].generator and not free and all(
            terms[0].face(b) is None for b in range(len(terms[0].blocks))):
        return [_partition_projection(f, terms[0], sol, bits)], []
    cols = _columns(terms, free)
    u = _rounded_unknowns(sol, terms, bits)
    r = dict(f)
    for c, x in zip(cols, u, strict=True):
        if x:
            for e, v in c.items():
                r[e] = r.get(e, Fraction(0)) - x * v
    r = {e: v for e, v in r.items() if v != 0}
    if r:
        du = _least_norm_correction(cols, r)
        u = [a + b for a, b in zip(u, du, strict=True)]
    grams: list[list[RationalMatrix]] = []
    pos = 0
    for t, term in enumerate(terms):
        blocks = []
        for b, basis in enumerate(term.blocks):
            k = term.width(b)
            H = [[Fraction(0)] * k for _ in range(k)]
            for i in range(k):
                for j in range(i, k):
                    H[i][j] = H[j][i] = u[pos]
                    pos += 1
            verdict = ldl_psd(H)
            if not verdict.psd:
                raise ExactRoundingError(f"after rounding to {bits} bits and the exact "
                                         f"projection, block {b} of term {t} is not PSD "
                                         f"({verdict.reason})")
            Q = term.face(b)
            if Q is None:
                blocks.append(H)
            else:
                N = len(basis)
                QH = [[sum((Q[i][a] * H[a][c] for a in range(k) if Q[i][a]), Fraction(0))
                       for c in range(k)] for i in range(N)]
                blocks.append([[sum((QH[i][c] * Q[j][c] for c in range(k) if Q[j][c]),
                                    Fraction(0)) for j in range(N)] for i in range(N)])
        grams.append(blocks)
    taus = []
    for ft in free:
        taus.append({g: u[pos + i] for i, g in enumerate(ft.basis) if u[pos + i] != 0})
        pos += len(ft.basis)
    return grams, taus
