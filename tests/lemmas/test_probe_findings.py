"""False lemmas that were proved, true ones "refuted", found by probing the prover (kept)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from specproof import lemmas as lm
from specproof.lemmas.errors import StatementError
from specproof.lemmas.exact_numbers import exact_number


def test_a_high_precision_float_is_read_at_its_own_precision():
    # float() cut 1.00000000000000000001 to 1: "x**2 + 1 >= 1" was then PROVED
    x = lm.symbols("x")
    c = sympy.N(1 + sympy.Rational(1, 10**20), 30)
    assert exact_number(c, "c") == 1 + sympy.Rational(1, 10**20)
    assert exact_number(sympy.Float(0.1), "c") == sympy.Rational(1, 10)  # doubles as before
    assert lm.prove(x**2 + 1 >= c).verdict != "PROVED"
    r = lm.refute(x**2 + 1 >= c, seed=0, budget=2)
    # the violation (1e-20) is below every float tolerance; the tightest point of the
    # search is decided exactly
    assert isinstance(r, lm.Refuted) and r.point == {"x": 0}
    assert r.rhs - r.lhs == Fraction(1, 10**20)


@pytest.mark.parametrize("text", ["trace(A^2) >= 0", "trace(A**2) >= 0", "trace((A.T)^2) >= 0"])
def test_a_power_of_a_matrix_in_a_statement_is_refused(text):
    # A^2 was entrywise (numpy's **): trace(A^2) >= 0 was PROVED, false for A = [[0, 1],
    # [-1, 0]] where trace(A @ A) = -2
    A = lm.Matrix("A", 2, 2)
    with pytest.raises(StatementError, match="a power of the matrix .* is ambiguous: write"):
        lm.as_statement(text, variables=[A])
    assert lm.prove("norm(A, 'fro')^2 >= 0", variables=[A]).verdict == "PROVED"


def test_matrices_of_one_name_keep_their_own_kinds():
    # entries were plain symbols named A_0_0, shared by every Matrix("A"): a relation built
    # from a general A took the kind of a later psd A and was PROVED
    A = lm.Matrix("A", 2, 2)
    trace_nonneg = lm.trace(A) >= 0
    lm.Matrix("A", 2, 2, kind="psd")
    assert lm.prove(trace_nonneg).verdict != "PROVED"
    r = lm.refute(trace_nonneg, seed=0, budget=2)
    assert isinstance(r, lm.Refuted)
    assert sympy.Matrix(r.point["A"]).trace() < 0
    # and the other way: det P >= 0 holds for a PSD P, whatever Matrix("P") comes later
    P = lm.Matrix("P", 2, 2, kind="psd")
    det_nonneg = lm.det(P) >= 0
    lm.Matrix("P", 2, 2, kind="sym")
    assert not isinstance(lm.refute(det_nonneg, seed=0, budget=1), lm.Refuted)
    assert "P is PSD" in lm.as_statement(det_nonneg).domain.describe()


def test_a_domain_names_matrix_entries_by_name():
    A = lm.Matrix("A", 2, 2)
    st = lm.as_statement(lm.trace(A) >= 0).with_domain(lm.box(A_0_0=(0, 1), A_1_1=(0, 1)))
    assert str(st) == "trace(A) >= 0 on A_0_0 in [0, 1], A_1_1 in [0, 1]"
    assert set(st.domain.symbols) == {A[0, 0], A[1, 1]}
    assert lm.prove(st).verdict == "PROVED"


def test_norms_1_and_inf_of_a_row_matrix_are_numpys():
    # a 1 x n Matrix was read as a vector: norm(R, 1) = sum |R_j| (numpy: max |R_j|), and
    # the true norm(R, 1) <= norm(R, inf) was "refuted" at R = [[1, 0, 1]]
    import numpy as np

    R = lm.Matrix("R", 1, 3)
    r = lm.refute("norm(R, 1) <= norm(R, inf)", variables=[R], seed=0, budget=1)
    assert not isinstance(r, lm.Refuted)
    st = lm.as_statement("norm(R, 1) + 10 * norm(R, inf) >= 0", variables=[R])
    at = dict(zip(st.variables, (1, 0, -2)))
    got = float(st.lhs.xreplace({s: sympy.Integer(v) for s, v in at.items()}))
    row = np.array([[1.0, 0.0, -2.0]])
    assert got == np.linalg.norm(row, 1) + 10 * np.linalg.norm(row, np.inf) == 2 + 30
    v = lm.Matrix("v", 3, 1)  # a column: its matrix norms are the vector norms
    st = lm.as_statement("norm(v, 1) + 10 * norm(v, inf) >= 0", variables=[v])
    got = float(st.lhs.xreplace(dict(zip(st.variables, map(sympy.Integer, (1, 0, -2))))))
    assert got == 3 + 10 * 2


@pytest.mark.parametrize("text", ["sqrt(1/x)**2 >= 0", "sqrt(sqrt(x) - 2)**2 >= -0.5",
                                  "exp(log(x)) >= 0"])
def test_no_counterexample_where_the_statement_is_not_real(text):
    # sympy rewrites sqrt(1/x)**2 to 1/x and exp(log(x)) to x before the search sees them;
    # they were "refuted" at x = -1, x = 0 (sqrt(-2)) and x = 0 (log 0), where the
    # statements as written are not real numbers
    r = lm.refute(text, seed=0, budget=2)
    assert not isinstance(r, (lm.Refuted, lm.NumericalCounterexample)), repr(r)


def test_a_counterexample_near_the_edge_of_where_log_is_real_is_inside_it():
    # exp(log(x)) >= 1e-9 is false for 0 < x < 1e-9: refuted, at such an x (never at x = 0)
    r = lm.refute("exp(log(x)) >= 1e-9", seed=0, budget=2)
    assert isinstance(r, lm.Refuted), repr(r)
    assert 0 < r.point["x"] < sympy.Rational(1, 10**9)


def test_log_needs_a_positive_argument_and_sqrt_a_nonnegative_one():
    st = lm.as_statement("exp(log(x)) + sqrt(y/x) >= 0")
    assert "x > 0 (where the statement is real)" in str(st)
    assert "y/x >= 0 (where the statement is real)" in str(st)
    x, y = st.variables
    assert not st.domain.contains({x: 0, y: 0}) and st.domain.contains({x: 1, y: 0})
    # a false statement is still refuted inside the domain
    assert isinstance(lm.refute("log(x) >= x", seed=0, budget=2), lm.Refuted)


def test_an_empty_box_is_refused_not_a_vacuous_proof():
    # x >= 5 was PROVED on [0, 1] & [2, 3] (vacuously: nothing is in both)
    with pytest.raises(StatementError, match=r"the domain is empty: its boxes leave x in \[2, 1\]"):
        lm.prove("x >= 5", domain=lm.box(x=(0, 1)) & lm.box(x=(2, 3)))
    assert lm.prove("x >= 1", domain=lm.box(x=(1, 1))).verdict == "PROVED"  # a point is not empty
