"""refute: false statements are refuted with exact points, re-checked here independently."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof.lemmas.confirm import Unconfirmable, confirm


def _exact(expr_text: str, point: dict) -> sympy.Expr:
    """Evaluate with sympy rationals, independently of specproof's evaluator."""
    ns = {k: sympy.Rational(v.numerator, v.denominator) for k, v in point.items()}
    return sympy.sympify(expr_text, locals=ns, rational=True)


def test_cubic_bound_refuted_with_a_small_rational():
    r = lm.refute("x**3 - x >= -0.38", domain=lm.box(x=(0, 1)), seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and r.exact
    x = r.point["x"]
    assert isinstance(x, Fraction) and 0 <= x <= 1 and x.denominator <= 100
    value = _exact("x**3 - x", r.point)
    assert value < sympy.Rational(-38, 100)
    assert r.lhs == Fraction(str(value)) and r.rhs == Fraction(-19, 50)
    assert r.margin == r.lhs - r.rhs < 0


def test_narrow_violation_window_still_gives_a_short_fraction():
    # violated only for |x - 1/sqrt(3)| < ~5e-4: the shrinker must find a rational in there
    r = lm.refute("x**3 - x >= -0.3848997", domain=lm.box(x=(0, 1)), seed=1, budget=10)
    assert isinstance(r, lm.Refuted)
    x = r.point["x"]
    assert abs(float(x) - 3**-0.5) < 6e-4 and x.denominator < 1000
    assert _exact("x**3 - x + 3848997/10000000", r.point) < 0


def test_am_gm_with_the_wrong_constant():
    x, y = lm.symbols("x y")
    r = lm.refute(x + y >= sympy.Rational(21, 10) * sympy.sqrt(x * y),
                  domain=lm.orthant([x, y]), seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    px, py = r.point["x"], r.point["y"]
    assert px >= 0 and py >= 0
    # (x + y)^2 < (21/10)^2 x y, checked in Fractions (both sides are >= 0)
    assert (px + py) ** 2 < Fraction(441, 100) * px * py


def test_two_variable_polynomial_false_everywhere_near_the_diagonal():
    r = lm.refute("x**2 + y**2 >= 3*x*y", seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    assert _exact("x**2 + y**2 - 3*x*y", r.point) < 0


def _opnorm_sq(M: sympy.Matrix) -> sympy.Expr:
    return max((M.T * M).eigenvals(), key=lambda e: sympy.N(e, 50))


def test_operator_norm_of_products_does_not_commute():
    A, B = lm.Matrix("A", 2, 2), lm.Matrix("B", 2, 2)
    r = lm.refute(lm.norm(A @ B, 2) <= lm.norm(B @ A, 2), seed=0, budget=10)
    assert isinstance(r, lm.Refuted)
    Am = sympy.Matrix(r.point["A"]).applyfunc(sympy.nsimplify)
    Bm = sympy.Matrix(r.point["B"]).applyfunc(sympy.nsimplify)
    assert all(isinstance(v, Fraction) for row in r.point["A"] for v in row)
    # exact: the largest eigenvalue of (AB)^T AB exceeds that of (BA)^T BA
    gap = sympy.N(_opnorm_sq(Am * Bm) - _opnorm_sq(Bm * Am), 60)
    assert gap > 1e-30
    lhs = r.lhs if isinstance(r.lhs, lm.Interval) else lm.Interval(r.lhs, r.lhs)
    exact_sq = sympy.N(_opnorm_sq(Am * Bm), 60)
    assert sympy.N(sympy.Rational(lhs.lo) ** 2, 60) <= exact_sq <= sympy.N(
        sympy.Rational(lhs.hi) ** 2, 60)
    assert lhs.hi - lhs.lo < Fraction(1, 10**15)


def test_three_by_three_norm_inequalities_shrink_to_unit_matrices():
    A, B = lm.Matrix("A", 3, 3), lm.Matrix("B", 3, 3)
    r = lm.refute(lm.norm(A @ B, 2) <= lm.norm(B @ A, 2), seed=0, budget=10)
    assert isinstance(r, lm.Refuted)
    Am, Bm = sympy.Matrix(r.point["A"]), sympy.Matrix(r.point["B"])
    assert set(Am).union(Bm) <= {-1, 0, 1}  # shrunk to entries 0 and +-1
    assert sympy.N(_opnorm_sq(Am * Bm) - _opnorm_sq(Bm * Am), 50) > 1e-30
    # ||A + B||^2 <= ||A||^2 + ||B||^2 fails (A = B): exact since every norm is rational here
    r = lm.refute(lm.norm(A + B, 2) ** 2 <= lm.norm(A, 2) ** 2 + lm.norm(B, 2) ** 2, seed=0,
                  budget=10)
    assert isinstance(r, lm.Refuted)
    Am, Bm = sympy.Matrix(r.point["A"]), sympy.Matrix(r.point["B"])
    assert sympy.N(_opnorm_sq(Am + Bm) - _opnorm_sq(Am) - _opnorm_sq(Bm), 50) > 1e-30


def test_two_to_q_is_enclosed_between_a_witness_and_the_operator_norm():
    A = lm.Matrix("A", 3, 2)
    # ||A||_{2->4} >= 3^(-1/4) ||A||_2 > ||A||_2 / 2: false for every A != 0
    r = lm.refute(lm.two_to_q(A, 4) <= lm.norm(A, 2) / 2, seed=0, budget=10)
    assert isinstance(r, lm.Refuted)
    Am = sympy.Matrix(r.point["A"])
    assert Am != sympy.zeros(3, 2)
    # a lower bound from any unit vector already beats the claimed bound, in Fractions
    best = max(sum(v**4 for v in (Am * e)) for e in (sympy.Matrix([1, 0]), sympy.Matrix([0, 1])))
    assert best > (sympy.Rational(1, 16)) * _opnorm_sq(Am) ** 2
    st = lm.as_statement(lm.two_to_q(A, 4) <= lm.norm(A, 2) / 2)
    c = confirm(st, dict(zip(st.variables, [Fraction(1), Fraction(1), Fraction(1, 2),
                                             Fraction(0), Fraction(0), Fraction(1)])))
    lo, hi = (c.lhs.lo, c.lhs.hi) if isinstance(c.lhs, lm.Interval) else (c.lhs, c.lhs)
    M = np.array([[1, 1], [0.5, 0], [0, 1]])
    theta = np.linspace(0, np.pi, 200_001)
    true = np.max(np.sum(np.abs(M @ np.stack([np.cos(theta), np.sin(theta)])) ** 4, axis=0))
    true = true ** 0.25  # ||M||_{2->4} on a fine grid (within 1e-9)
    assert true - 1e-8 <= float(lo) <= true + 1e-9
    assert float(hi) >= np.linalg.norm(M, 2) - 1e-12 >= true


def test_trace_product_bound_fails_without_psd():
    A, B = lm.Matrix("A", 2, 2), lm.Matrix("B", 2, 2)
    r = lm.refute(lm.trace(A @ B) <= lm.trace(A) * lm.trace(B), seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and r.exact
    Am, Bm = sympy.Matrix(r.point["A"]), sympy.Matrix(r.point["B"])
    assert (Am * Bm).trace() > Am.trace() * Bm.trace()


def test_trace_of_abab_can_be_negative_for_symmetric_matrices():
    A, B = lm.Matrix("A", 2, 2, kind="sym"), lm.Matrix("B", 2, 2, kind="sym")
    r = lm.refute(lm.trace(A @ B @ A @ B) >= 0, seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and r.exact
    Am, Bm = sympy.Matrix(r.point["A"]), sympy.Matrix(r.point["B"])
    assert Am == Am.T and Bm == Bm.T and (Am * Bm * Am * Bm).trace() < 0


def test_on_the_sphere_the_point_is_exactly_on_the_sphere():
    x, y = lm.symbols("x y")
    r = lm.refute(x + y <= sympy.Rational(7, 5), domain=lm.sphere([x, y]), seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    px, py = r.point["x"], r.point["y"]
    assert px**2 + py**2 == 1 and px + py > Fraction(7, 5)


def test_on_the_simplex_and_for_psd_and_orthogonal_matrices():
    x, y, z = lm.symbols("x y z")
    r = lm.refute(x * y + y * z + z * x <= sympy.Rational(3, 10), domain=lm.simplex([x, y, z]),
                  seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    p = r.point
    assert p["x"] + p["y"] + p["z"] == 1 and min(p.values()) >= 0
    P = lm.Matrix("P", 2, 2, kind="psd")
    r = lm.refute(lm.det(P) >= lm.trace(P), seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    Pm = sympy.Matrix(r.point["P"])
    assert Pm == Pm.T and all(e >= 0 for e in Pm.eigenvals()) and Pm.det() < Pm.trace()
    Q = lm.Matrix("Q", 2, 2, kind="orthogonal")
    r = lm.refute(lm.trace(Q) >= 0, seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    Qm = sympy.Matrix(r.point["Q"])
    assert Qm.T * Qm == sympy.eye(2) and Qm.trace() < 0


def test_true_statement_is_undecided_with_its_tightest_case():
    r = lm.refute("x**2 + 1 >= 2*x", seed=0, budget=0.5)
    assert isinstance(r, lm.Undecided)
    assert any("points" in t for t in r.tried) and any("budget" in t for t in r.tried)
    t = r.tightest
    assert abs(t.point["x"] - 1) < 1e-3 and abs(t.margin) < 1e-6 and abs(t.ratio - 1) < 1e-6


def test_motzkin_zero_is_not_a_counterexample():
    # float rounding gives -2e-16 at (1, 1); the normalised margin must not call it a violation
    r = lm.refute("x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0", seed=0, budget=1)
    assert isinstance(r, lm.Undecided)


def test_black_box_exact_on_fractions_is_refuted_float_only_is_numerical():
    def trace_gap(A, B):
        return np.trace(A) * np.trace(B) - np.trace(A @ B)

    r = lm.refute(trace_gap, variables={"A": (2, 2), "B": (2, 2)}, seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and r.exact
    Am, Bm = sympy.Matrix(r.point["A"]), sympy.Matrix(r.point["B"])
    assert Am.trace() * Bm.trace() < (Am * Bm).trace()

    def norm_gap(A, B):
        return np.linalg.norm(B @ A, 2) - np.linalg.norm(A @ B, 2)

    r = lm.refute(norm_gap, variables={"A": (2, 2), "B": (2, 2)}, seed=0, budget=1.5)
    assert isinstance(r, lm.NumericalCounterexample)
    assert "not confirmed" in repr(r) and r.trust == "numerical counterexample, not confirmed"


def test_same_seed_same_answer():
    a = lm.refute("x**2 + y**2 >= 3*x*y", seed=3, budget=5)
    b = lm.refute("x**2 + y**2 >= 3*x*y", seed=3, budget=5)
    assert a.point == b.point


# -- the confirmation cannot be fooled ----------------------------------------------------
def test_confirm_rejects_points_that_do_not_violate():
    st = lm.as_statement("x**2 >= 0")  # as a string: sympy would decide the relation
    c = confirm(st, {st.variables[0]: Fraction(1, 2**1074)})  # subnormal magnitude
    assert not c.violated and c.exact
    st = lm.as_statement("x >= 0")
    assert confirm(st, {st.variables[0]: Fraction(-1, 2**1074)}).violated
    st = lm.as_statement("x**3 - x >= -0.38", domain=lm.box(x=(0, 1)))
    with pytest.raises(Unconfirmable, match="outside the domain"):
        confirm(st, {st.variables[0]: Fraction(-12)})


def test_confirm_never_decides_an_irrational_tie():
    A = lm.Matrix("A", 2, 2)
    st = lm.as_statement(lm.norm(A, 2) <= sympy.sqrt(2))
    point = dict(zip(st.variables, [Fraction(1), Fraction(1), Fraction(0), Fraction(0)]))
    with pytest.raises(Unconfirmable, match="contains 0"):
        confirm(st, point)  # ||[[1, 1], [0, 0]]||_2 = sqrt(2) exactly: no side can be shown
    point = dict(zip(st.variables, [Fraction(1), Fraction(1), Fraction(0), Fraction(1, 10**30)]))
    assert confirm(st, point).violated  # 1e-30 above the tie: enclosures separate it


def test_refute_rejects_a_bad_budget():
    with pytest.raises(lm.StatementError, match="budget"):
        lm.refute("x >= 0", budget=float("nan"))
