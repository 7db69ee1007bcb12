"""Rounding an SoS Gram matrix to an exact one (Peyrl-Parrilo steps 4-5), and relaxing.

The producer's own derivation of the polynomial lives here too: :func:`expand_target`
multiplies ``<x_i, v>`` out ``q`` times, a different computation from the checker's
multinomial formula (:mod:`specproof.certificates.polynomial`), so one bug cannot make
producer and checker agree on a wrong polynomial.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.certificates.certificate import Certificate, float_copies, rational_str

Exponent = tuple[int, ...]
Poly = dict[Exponent, int]


from specproof.certificates.errors import CertificationError  # noqa: E402

# ---------------------------------------------------------------- the polynomial


def _poly_mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = tuple(x + y for x, y in zip(ea, eb, strict=True))
            out[e] = out.get(e, 0) + ca * cb
    return out


def _poly_pow(a: Poly, k: int, d: int) -> Poly:
    out: Poly = {(0,) * d: 1}
    for _ in range(k):
        out = _poly_mul(out, a)
    return out


def expand_target(X: Sequence[Sequence[Fraction]], C: Fraction, q: int) -> dict[Exponent, Fraction]:
    """Coefficients of ``C||v||^q - sum_i <x_i,v>^q`` by multiplying polynomials out.

    Examples
    --------
    >>> f = expand_target([[Fraction(1), Fraction(1)]], Fraction(2), 2)
    >>> f[(1, 1)], f[(2, 0)]
    (Fraction(-2, 1), Fraction(1, 1))
    """
    d = len(X[0])
    L = 1
    for row in X:
        for x in row:
            L = math.lcm(L, x.denominator)
    units = [tuple(int(j == k) for j in range(d)) for k in range(d)]
    total: Poly = {}
    for row in X:
        linear = {units[j]: int(x * L) for j, x in enumerate(row) if x != 0}
        for e, c in _poly_pow(linear, q, d).items():
            total[e] = total.get(e, 0) + c
    norm = _poly_pow({tuple(2 * u for u in units[j]): 1 for j in range(d)}, q // 2, d)
    out: dict[Exponent, Fraction] = {}
    for e in set(total) | set(norm):
        out[e] = C * norm.get(e, 0) - Fraction(total.get(e, 0), L**q)
    return out


def _classes(basis: Sequence[Exponent],
             blocks: Sequence[Sequence[int]] | None = None
             ) -> dict[Exponent, list[tuple[int, int]]]:
    groups = [range(len(basis))] if blocks is None else blocks
    classes: dict[Exponent, list[tuple[int, int]]] = {}
    for group in groups:
        for a in group:
            for b in group:
                e = tuple(x + y for x, y in zip(basis[a], basis[b], strict=True))
                classes.setdefault(e, []).append((a, b))
    return classes


def round_gram(G: np.ndarray, bits: int) -> list[list[Fraction]]:
    """``G`` (symmetrised) rounded entrywise to the grid ``2^-bits``, as exact Fractions.

    Examples
    --------
    >>> round_gram(np.array([[0.3, 0.1], [0.1, 1.0]]), 4)[0]
    [Fraction(5, 16), Fraction(1, 8)]
    """
    S = (np.asarray(G, dtype=float) + np.asarray(G, dtype=float).T) / 2
    scaled = np.rint(S * 2.0**bits)  # exact: scaling by a power of two, then integer rounding
    den = 2**bits
    return [[Fraction(int(x), den) for x in row] for row in scaled]


def project_gram(
    G: Sequence[Sequence[Fraction]],
    target: dict[Exponent, Fraction],
    basis: Sequence[Exponent],
    blocks: Sequence[Sequence[int]] | None = None,
) -> list[list[Fraction]]:
    """Orthogonal projection of ``G`` onto ``{G : z^T G z = p}``, exactly.

    With ``blocks`` (lists of basis indices) only entries inside a block are used: the
    projection onto block-diagonal Gram matrices (entries between blocks stay as given,
    zero for a block-diagonal ``G``).

    For each monomial ``alpha`` the residual ``f_alpha - sum_{S_alpha} G_ab`` is spread
    evenly over ``S_alpha``; the ``S_alpha`` partition the positions, so the corrections
    do not interact and the result satisfies every identity exactly. Symmetric input
    stays symmetric (``S_alpha`` is closed under transposition).

    Examples
    --------
    >>> basis = [(1, 0), (0, 1)]
    >>> f = {(2, 0): Fraction(1), (1, 1): Fraction(1), (0, 2): Fraction(1)}
    >>> project_gram([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]], f, basis)[0]
    [Fraction(1, 1), Fraction(1, 2)]
    """
    out = [list(row) for row in G]
    classes = _classes(basis, blocks)
    for alpha, coef in target.items():
        if coef != 0 and alpha not in classes:
            raise CertificationError(f"the basis cannot represent the monomial v^{alpha}")
    for alpha, pos in classes.items():
        r = target.get(alpha, Fraction(0)) - sum((out[a][b] for a, b in pos), Fraction(0))
        if r:
            share = r / len(pos)
            for a, b in pos:
                out[a][b] += share
    return out


def relax(cert: Certificate, delta: float | Fraction) -> Certificate:
    """Loosen an exact certificate from ``C`` to ``C(1 + delta)``, keeping it exact.

    The added ``delta C ||v||^q`` has the diagonal Gram matrix ``diag(k!/beta!)`` over the
    full degree-``k`` basis (multinomial theorem, ``k = q/2``), which is positive
    definite; so the relaxed ``G`` has ``lambda_min >= delta C`` and survives rounding
    (a tight certificate, with singular ``G``, does not: see :func:`certify`).

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> relax(boolean_cube_certificate(2), Fraction(1, 100)).C
    Fraction(202, 25)
    """
    if not isinstance(cert, Certificate):
        raise ArgumentTypeError(f"cert must be a Certificate, got {type(cert).__name__}")
    if cert.gram_rational is None:
        raise ArgumentError("cert must be an exact certificate (gram_rational is None)")
    # a bool or text is refused, as for data_bits and bits: True doubled C and "0.1" was
    # parsed (a true but unintended bound, silently)
    if isinstance(delta, (bool, np.bool_)) or not isinstance(
            delta, (int, float, Fraction, np.integer, np.floating)):
        raise ArgumentTypeError(f"delta must be a number >= 0 (an int, a float or a "
                                f"Fraction), got {type(delta).__name__} {delta!r:.60}")
    if isinstance(delta, (float, np.floating)) and not math.isfinite(delta):
        raise ArgumentError(f"delta must be a finite number >= 0, got {delta}")
    # a float by its shortest decimal (0.1 is 1/10); numpy integers as Python ints
    # (Fraction read neither numpy type)
    delta = (Fraction(repr(float(delta))) if isinstance(delta, (float, np.floating))
             else Fraction(int(delta)) if isinstance(delta, np.integer) else Fraction(delta))
    if delta < 0:
        raise ArgumentError(f"delta must be >= 0, got {delta}")
    k = cert.q // 2
    if len(cert.basis) != math.comb(len(cert.basis[0]) + k - 1, k):
        raise ValueError("relax needs the full basis of all degree-q/2 monomials")
    extra = delta * cert.C
    G = [list(row) for row in cert.gram_rational]
    for a, beta in enumerate(cert.basis):
        G[a][a] += extra * math.factorial(k) / math.prod(math.factorial(b) for b in beta)
    newC = cert.C * (1 + delta)
    prov = dict(cert.provenance, relaxed_by=rational_str(delta))
    return Certificate(q=cert.q, X=cert.X, X_rational=cert.X_rational, C=newC,
                       basis=cert.basis, gram=float_copies(G),
                       gram_rational=tuple(tuple(r) for r in G), provenance=prov)
