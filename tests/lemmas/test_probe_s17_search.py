"""Probe s17: the counterexample search keeps its budget, and its tightest case is real.

* A statement of huge degree (``(x+1)**1000*(x+2)**1000``) was fully expanded by sympy's
  ``Poly`` before the magnitude sweep's exact stage (over 100 s for ``budget=1``); a
  statement too large to compile (``trace(A @ A @ A @ A)`` of a 12x12 A) spent minutes in
  ``lambdify``, and a sum of 5040 terms ended in a RecursionError there.
* The tightest case of an UNDECIDED verdict lay outside the domain (``x = -1e-120`` for
  ``x >= 0``) or at a float underflow (``A = 1e-280`` for ``norm(A, 2) <= norm(A,
  'fro')``).
* A counterexample confirmed at the tightest point was not shrunk (a 111-digit x).
* A box, ball or sphere whose exact numbers floats round or underflow at hid a
  counterexample from ``assert_no_counterexample``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof.cli import main
from specproof.lemmas.confirm import confirm
from specproof.lemmas.search import Searcher
from specproof.lemmas.statement import as_statement
from specproof.lemmas.tightest import _tightest
from specproof.lemmas.verdicts import Interval
from specproof.testing import LemmaFailed, assert_no_counterexample

X, Y = sympy.symbols("x y", real=True)


# -- 1. the budget holds ------------------------------------------------------------------
def test_a_degree_2000_product_is_a_polynomial_without_expanding_it():
    st = as_statement("(x+1)**1000*(x+2)**1000 >= -1")
    assert st.is_polynomial() is True
    assert st.is_rational_function() is True
    # an irrational coefficient is not over Q, and is not expanded to find out
    assert as_statement("sqrt(2)*(x+1)**1000 >= -1").is_polynomial() is False


@pytest.mark.parametrize("text", ["(x+1)**1000*(x+2)**1000 >= -1", "(x+y+z+1)**60 >= -1"])
def test_a_statement_of_huge_degree_is_searched_and_left_undecided(text):
    r = lm.refute(text, budget=1)
    assert r.verdict == "UNDECIDED"
    assert r.evaluated > 1000  # the float search ran, not only the exact stage
    assert any("magnitude sweep" in t for t in r.tried)


def test_a_huge_exact_value_is_enclosed_not_expanded():
    st = as_statement("(x**2+1)**999*(x**2+2)**999 >= 1")
    # the exact value has about 80,000 digits: intervals decide it
    c = confirm(st, {st.variables[0]: Fraction(10**20)})
    assert not c.violated and not c.exact
    assert isinstance(c.lhs, Interval) and c.lhs.lo > 10**79000


def test_the_command_line_answers_a_degree_3996_statement(capsys):
    status = main(["lemma", "(x**2+1)**999*(x**2+2)**999 >= 1", "--budget", "3"])
    out = capsys.readouterr().out
    assert status == 3
    assert out.startswith("UNDECIDED: (x**2+1)**999*(x**2+2)**999 >= 1")
    assert "prove: not attempted: lhs - rhs has degree up to 3996" in out


def test_a_statement_too_large_to_compile_is_not_searched(capsys):
    status = main(["lemma", "trace(A @ A @ A @ A) >= 0", "--matrix", "A=12x12:sym",
                   "--budget", "3"])
    out = capsys.readouterr().out
    assert status == 3
    assert ("refute: not searched: the statement's expression tree has over 50000 nodes, "
            "too many to compile for the float search within the budget of 0.75 s") in out


def _wide_sum(count: int) -> sympy.Expr:
    xs = sympy.symbols("x0:100", real=True)
    pairs = [(i, j) for i in range(100) for j in range(i + 1, 100)][:count]
    return sympy.Add(*[xs[i] * xs[j] for i, j in pairs])


def test_a_sum_of_3000_terms_is_compiled_in_parts_and_refuted():
    # lambdify of one sum of 3000 terms raised RecursionError
    r = lm.refute(_wide_sum(3000) <= 10**6, budget=30, seed=0)
    assert r.verdict == "REFUTED"
    assert r.margin < 0


def test_a_nested_sum_of_3000_terms_is_refused_by_name():
    claim = sympy.GreaterThan(_wide_sum(3000) ** 2, -1, evaluate=False)
    r = lm.refute(claim, budget=30)
    assert r.verdict == "UNDECIDED" and r.evaluated == 0
    assert r.tried == ("not searched: the statement has a sum (or product) of 3000 terms, "
                       "more than the float search can compile (2000); nothing was "
                       "evaluated",)
    with pytest.raises(LemmaFailed, match="no point could be evaluated"):
        assert_no_counterexample(claim, budget=30)


def test_a_statement_made_by_as_statement_is_not_read_again():
    st = as_statement("x**2 >= 0")
    assert as_statement(st) is st


# -- 2, 3. the tightest case ----------------------------------------------------------------
@pytest.mark.parametrize("domain", [lm.constraints("x >= 0"), lm.orthant([X])])
def test_the_tightest_case_lies_in_the_domain(domain):
    r = lm.refute("x*abs(y) >= 0", domain=domain, seed=0, budget=3)
    assert r.verdict == "UNDECIDED"
    t = r.tightest
    assert Fraction(t.point["x"]) >= 0
    assert t.margin == 0.0  # tight where x or y is 0, not a violation of -1e-240


def test_the_tightest_case_is_inside_a_bound_exactly():
    r = lm.refute("x*abs(y) >= abs(y)", domain=lm.constraints("x >= 1"), seed=0, budget=1)
    assert r.verdict == "UNDECIDED"
    assert Fraction(r.tightest.point["x"]) >= 1  # not 0.999999999999
    assert r.tightest.margin >= 0.0


def test_the_tightest_case_is_not_a_float_underflow():
    A = lm.Matrix("A", 2, 2)
    r = lm.refute(lm.norm(A, 2) <= lm.norm(A, "fro"), seed=0, budget=4)
    assert r.verdict == "UNDECIDED"
    t = r.tightest
    entries = np.abs(np.array(t.point["A"], dtype=float))
    assert entries.max() > 1e-100  # not at A = 1e-280, where 'fro' underflowed to 0
    assert abs(t.ratio - 1) < 1e-9  # a rank-one matrix: the bound is tight
    assert abs(t.margin) <= 1e-12 * abs(t.lhs)


def test_a_tightest_point_whose_floats_underflowed_is_passed_over():
    s = Searcher(as_statement("x**4 + y**4 >= x**2*y**2"), seed=0)
    s.consider(np.array([1e-100, 1e-100]), "probe")  # every term 0.0: a "tie"
    s.consider(np.array([1.0, 1.0]), "probe")
    t = _tightest(s)
    assert t.point == {"x": 1.0, "y": 1.0}
    assert t.ratio == 2.0


# -- 4. shrinking a counterexample found below float rounding ----------------------------
def test_a_counterexample_found_at_the_tightest_point_is_shrunk():
    r = lm.refute("(x - 1/3)**2 * (y + 5/7)**2 >= 1e-30 * (1 + x**2)", seed=0, budget=3)
    assert r.verdict == "REFUTED"
    assert r.point == {"x": Fraction(0), "y": Fraction(-5, 7)}
    assert r.margin == Fraction(-1, 10**30)
    assert "shrunk to small rationals" in r.how_found


# -- 5. the domain's exact numbers ----------------------------------------------------------
def test_a_box_bound_beyond_the_last_float_is_tried_exactly():
    dom = lm.box(x=(1.0, 1.0000000000000002))
    with pytest.raises(LemmaFailed, match="counterexample"):
        assert_no_counterexample("x <= 1", domain=dom, budget=3)
    r = lm.refute("x <= 1", domain=dom, seed=0, budget=3)
    assert r.verdict == "REFUTED"
    assert 1 < r.point["x"] <= Fraction(5000000000000001, 5000000000000000)


def test_a_ball_of_radius_1e_320_is_tried_at_its_radius():
    dom = lm.ball([X], radius="1e-320")
    with pytest.raises(LemmaFailed, match="counterexample"):
        assert_no_counterexample("x <= 0", domain=dom, budget=2)
    r = lm.refute("x <= 0", domain=dom, seed=0, budget=2)
    assert r.point == {"x": Fraction(1, 10**320)}


def test_a_sphere_of_radius_1e_300_is_tried_at_rational_points_on_it():
    dom = lm.sphere([X, Y], radius="1e-300")
    with pytest.raises(LemmaFailed, match="counterexample"):
        assert_no_counterexample("x*y <= 0", domain=dom, budget=3)
    r = lm.refute("x*y <= 0", domain=dom, seed=0, budget=3)
    x, y = r.point["x"], r.point["y"]
    assert x**2 + y**2 == Fraction(1, 10**600)  # on the sphere exactly
    assert x * y > 0
