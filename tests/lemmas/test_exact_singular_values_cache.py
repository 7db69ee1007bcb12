"""The exact singular values of a rational matrix are isolated once per matrix.

flint isolates the roots of the characteristic polynomial far beyond the working
precision when isolating them needs it (1.9 s for ``[[1, 1e-300], [0, 1]]`` whatever the
precision), and a closed statement retried that at every precision it tried:
``norm([[1,1e-300],[0,1]], 2) >= 1`` took 8 s. Roots are reused while they are as accurate
as the working precision asks, and the square roots are taken at each call's precision
(a plain cache froze them at the first, lower precision: the statement came back
undecided, and a tie 1e-30 off could not be separated).
"""

from __future__ import annotations

import flint
import sympy

from specproof import lemmas as lm
from specproof.lemmas import arb_matrices


def _rows(eps):
    return [[sympy.Integer(1), eps], [sympy.Integer(0), sympy.Integer(1)]]


def test_a_tight_closed_norm_statement_isolates_its_roots_once():
    arb_matrices._ROOT_CACHE.clear()
    before = dict(arb_matrices._CACHE_STATS)
    p = lm.prove("norm([[1,1e-300],[0,1]], 2) >= 1")
    assert p.verdict == "PROVED"
    misses = arb_matrices._CACHE_STATS["misses"] - before["misses"]
    hits = arb_matrices._CACHE_STATS["hits"] - before["hits"]
    assert misses == 1 and hits >= 1  # retried at higher precisions, from the cache
    r = lm.refute("norm([[1,1e-300],[0,1]], 2) <= 1", budget=5)
    assert isinstance(r, lm.Refuted) and r.point == {}


def test_the_square_roots_follow_the_working_precision():
    eps = sympy.Rational(1, 10**300)
    old = flint.ctx.prec
    try:
        flint.ctx.prec = 53
        low = max(arb_matrices._exact_singular_values(_rows(eps)), key=lambda b: b.mid())
        flint.ctx.prec = 2048
        high = max(arb_matrices._exact_singular_values(_rows(eps)), key=lambda b: b.mid())
        # sigma_max = 1 + eps/2 + O(eps^2): only the 2048-bit ball separates it from 1
        assert low.rad() > flint.arb(10) ** -20 and (low > 1) is False
        assert high > 1 and high.rad() < flint.arb(10) ** -600
        exact = 1 + flint.arb(eps.p) / eps.q / 2
        assert (high - exact).abs_upper() < flint.arb(10) ** -550
    finally:
        flint.ctx.prec = old


def test_roots_from_a_lower_precision_are_recomputed_when_more_is_asked():
    rows = [[sympy.Integer(1), sympy.Integer(1)], [sympy.Integer(0), sympy.Rational(1, 10**30)]]
    arb_matrices._ROOT_CACHE.clear()
    old = flint.ctx.prec
    try:
        flint.ctx.prec = 53
        arb_matrices._exact_singular_values(rows)
        misses = arb_matrices._CACHE_STATS["misses"]
        flint.ctx.prec = 1024
        s = max(arb_matrices._exact_singular_values(rows), key=lambda b: b.mid())
        assert arb_matrices._CACHE_STATS["misses"] == misses + 1
        assert s.rel_accuracy_bits() > 900
    finally:
        flint.ctx.prec = old
