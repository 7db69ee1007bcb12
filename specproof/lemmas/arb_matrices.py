"""Certified enclosures of matrix functionals with python-flint: eigenvalues, singular
values, the matrix logarithm and the 2->q norm, for :mod:`specproof.lemmas.confirm`.

Every function takes flint ``arb_mat`` / ``acb_mat`` matrices (or exact rationals) and
returns arb balls that contain the true value.
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction
from typing import Any

import sympy


def _arb_max(vals: list[Any]) -> Any:
    import flint

    out = vals[0]
    for v in vals[1:]:
        if v > out:
            out = v
        elif not (v < out or v <= out):
            out = out.union(v)  # overlapping: the hull encloses the max
    return flint.arb(out)


def _sym_eigs(G: Any) -> list[Any]:
    """Enclosures of the eigenvalues of a symmetric arb matrix (rigorous; multiple allowed).

    Where flint cannot isolate them at this precision the answer is NaN, which decides
    nothing, so the caller retries at a higher precision.
    """
    import flint

    try:
        eig = flint.acb_mat(G).eig(multiple=True)
    except ValueError:
        return [flint.arb.nan()]
    return [e.real for e in eig]


def _exact_singular_values(rows: list[list[sympy.Expr]]) -> list[Any] | None:
    """Singular values of a rational matrix: roots of the exact characteristic polynomial of
    M^T M, isolated rigorously by flint (multiplicities included); None if not rational."""
    if not all(v.is_Rational for row in rows for v in row):
        return None
    key = tuple(tuple((int(v.p), int(v.q)) for v in row) for row in rows)
    # the square roots at the working precision of this call
    return [r.nonnegative_part().sqrt() for r in _gram_eigenvalues(key)]


_ROOT_CACHE: OrderedDict[Any, tuple[Any, ...]] = OrderedDict()
_ROOT_CACHE_SIZE = 32


def _gram_eigenvalues(key: tuple[tuple[tuple[int, int], ...], ...]) -> tuple[Any, ...]:
    """The eigenvalues of ``M^T M`` (or ``M M^T``) as real balls, at least as accurate as
    the working precision; roots computed before are reused when they are.

    flint refines the roots to about the working precision, but where isolating them
    needs more it goes far beyond (radius 1e-78613 for ``[[1, 1e-300], [0, 1]]``, 1.9 s a
    call whatever the precision): a decision that retries at higher precisions then
    computed them once per try.
    """
    import flint

    prec = flint.ctx.prec
    roots = _ROOT_CACHE.get(key)
    if roots is not None and all(r.rel_accuracy_bits() >= prec for r in roots):
        _ROOT_CACHE.move_to_end(key)
        _CACHE_STATS["hits"] += 1
        return roots
    _CACHE_STATS["misses"] += 1
    M = flint.fmpq_mat([[flint.fmpq(p, q) for p, q in row] for row in key])
    G = M.transpose() * M if M.nrows() >= M.ncols() else M * M.transpose()
    found = G.charpoly().numer().complex_roots()
    roots = tuple(r.real for r, mult in found for _ in range(mult))
    _ROOT_CACHE[key] = roots
    while len(_ROOT_CACHE) > _ROOT_CACHE_SIZE:
        _ROOT_CACHE.popitem(last=False)
    return roots


# reuse counts, read by the tests
_CACHE_STATS = {"hits": 0, "misses": 0}


def _singular_values(M: Any) -> list[Any]:
    G = M.transpose() * M if M.nrows() >= M.ncols() else M * M.transpose()
    return [e.nonnegative_part().sqrt() for e in _sym_eigs(G)]


def _logm(M: Any) -> Any:
    """logm of a symmetric positive definite arb matrix: R diag(log lambda) R^-1, with flint's
    rigorous eigenvalues and eigenvectors where they are simple, else the atanh series;
    NaN (decides nothing) where neither encloses it."""
    import flint

    n = M.nrows()
    try:
        E, R = flint.acb_mat(M).eig(right=True)
        if not all(e.real > 0 for e in E):
            raise ValueError("logm needs a positive definite matrix")
        D = flint.acb_mat(n, n)
        for i in range(n):
            D[i, i] = E[i].log()
        L = R * D * R.inv()
    except (ValueError, ZeroDivisionError):
        return _logm_series(M)
    return flint.arb_mat([[L[i, j].real for j in range(n)] for i in range(n)])


def _logm_series(M: Any, max_terms: int = 4000) -> Any:
    """log M = 2 sum_k C^(2k+1) / (2k+1), C = (M - I)(M + I)^-1, for symmetric positive
    definite M (then ||C||_2 <= ||C||_F = r < 1); the tail is at most 2 r^(2K+1) /
    ((2K+1)(1 - r^2)) in the operator norm, hence in every entry, and is added as a radius.
    Handles repeated eigenvalues (M = I), where eigenvectors are not isolated."""
    import flint

    n = M.nrows()
    nan = flint.arb_mat([[flint.arb.nan()] * n for _ in range(n)])
    eye = flint.arb_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    try:
        C = (M - eye) * (M + eye).inv()
    except (ValueError, ZeroDivisionError):
        return nan
    r = sum((C[i, j] ** 2 for i in range(n) for j in range(n)), flint.arb(0)).sqrt()
    if not r < 1:
        return nan
    C2 = C * C
    term, total = C, flint.arb_mat(n, n)
    eps = flint.arb(2) ** (-flint.ctx.prec)
    k = 0
    while k < max_terms:
        total += term * (flint.arb(2) / (2 * k + 1))
        k += 1
        term = term * C2
        tail = 2 * r ** (2 * k + 1) / ((2 * k + 1) * (1 - r * r))
        if tail < eps:
            break
    if not tail < 1:
        return nan
    rad = float(tail.upper()) * (1 + 2**-40) + 1e-300  # rounded up
    return flint.arb_mat([[total[i, j] + flint.arb(0, rad) for j in range(n)] for i in range(n)])


def _two_to_q_enclosure(M: Any, rows: list[list[Any]], q: Any, qf: float) -> Any:
    """[||M v||_q / ||v||_2 for a witness v, an upper bound from the operator norm].

    Every v gives a lower bound; ||y||_q <= ||y||_2 (q >= 2), or <= n^(1/q - 1/2) ||y||_2
    (q < 2), gives the upper one. Loose, but enough where the violation is not subtle.
    """
    import flint
    import numpy as np

    from specproof.lemmas.numeric import two_to_q_witness

    Mf = np.array([[float(M[i, j].mid()) for j in range(M.ncols())] for i in range(M.nrows())])
    _, v = two_to_q_witness(Mf, qf)
    va = [flint.arb(flint.fmpq(*Fraction(float(t)).as_integer_ratio())) for t in v]
    y = [sum((M[i, j] * va[j] for j in range(M.ncols())), flint.arb(0))
         for i in range(M.nrows())]
    lower = sum((abs(t) ** q for t in y), flint.arb(0)) ** (1 / q)
    lower = lower / sum((t * t for t in va), flint.arb(0)).sqrt()
    svals = _exact_singular_values(rows)
    upper = _arb_max(svals if svals is not None else _singular_values(M))
    if qf < 2:
        upper = upper * flint.arb(M.nrows()) ** (1 / q - flint.arb(1) / 2)
    return lower.union(upper)
