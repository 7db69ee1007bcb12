"""Distinct variables stay distinct in z3, and a display name never leaks between statements.

``smt_check`` once keyed its z3 variables by name: a scalar ``A_0_0`` and the entry
``A[0, 0]`` became one variable, and a false statement was reported to hold. The printer
once kept a global table keyed by the expanded expression: after ``norm([x, y])`` any
``x**2 + y**2`` printed as ``norm(vector)**2``, a text that does not parse again, so a valid
certificate was reported INVALID.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from specproof import lemmas as lm
from specproof.lemmas import statement as statement_module
from specproof.lemmas.display import as_written
from specproof.lemmas.recheck import statement_matches
from specproof.lemmas.statement import Statement

# -- smt_check: one z3 variable per sympy symbol -------------------------------------------


def _scalar_beside_entry() -> tuple[sympy.Symbol, lm.Matrix, Statement]:
    """``A_0_0 >= A[0, 0]`` with a scalar and a matrix entry that print alike (false).

    Built as a Statement directly, so that only smt_check is under test (how a string or a
    relation with clashing names is read is the front end's business).
    """
    a = sympy.Symbol("A_0_0", real=True)
    A = lm.Matrix("A", 1, 1)
    st = Statement((a, A[0, 0]), a, A[0, 0], ">=", text="A_0_0 >= trace(A)", matrices=(A,))
    assert a != A[0, 0] and str(a) == str(A[0, 0])  # the premise: two symbols, one name
    return a, A, st


def _solver_only(monkeypatch) -> None:
    # the front end now refuses two variables of one name (see the test below): these
    # tests hand smt_check the Statement as built, so that only the solver is under test
    monkeypatch.setattr(statement_module, "as_statement", lambda st, *a, **k: st)


def test_a_hand_built_statement_with_two_variables_of_one_name_is_refused():
    _, _, st = _scalar_beside_entry()
    for check in (lm.prove, lm.refute):
        with pytest.raises(lm.StatementError, match="both named A_0_0"):
            check(st)


def test_smt_keeps_a_scalar_and_an_entry_of_one_name_apart(monkeypatch):
    pytest.importorskip("z3", reason="z3-solver (the smt extra) is not installed")
    _solver_only(monkeypatch)
    _, _, st = _scalar_beside_entry()
    v = lm.smt_check(st)
    # merged, z3 saw "t >= t" and said it holds; kept apart, t0 < t1 is a counterexample
    assert isinstance(v, lm.Refuted), v
    assert v.exact and v.lhs < v.rhs and v.margin < 0
    assert v.point["A_0_0"] == v.lhs and v.point["A"] == [[v.rhs]]


def test_smt_still_decides_a_true_statement_over_same_named_symbols(monkeypatch):
    pytest.importorskip("z3", reason="z3-solver (the smt extra) is not installed")
    _solver_only(monkeypatch)
    a, A, _ = _scalar_beside_entry()
    b = A[0, 0]
    st = Statement((a, b), a**2 + b**2, 2 * a * b, ">=", text="a^2 + b^2 >= 2ab",
                   matrices=(A,))
    v = lm.smt_check(st)
    assert isinstance(v, lm.DecidedBySolver) and v.holds
    # and an identity that holds only when the two are merged is refuted exactly
    v = lm.smt_check(Statement((a, b), a, b, "==", text="a == b", matrices=(A,)))
    assert isinstance(v, lm.Refuted) and v.lhs != v.rhs


# -- display names: only for what the user wrote, only when they parse again --------------


def test_norm_of_plain_symbols_does_not_rename_a_later_polynomial():
    x, y = lm.symbols("x y")
    _ = lm.norm([x, y])  # computed earlier, for another lemma
    st = lm.as_statement(x**2 + y**2 >= 2 * x * y)
    assert st.text == "x**2 + y**2 >= 2*x*y"
    assert st.latex() == r"x^{2} + y^{2} \geq 2 x y"


def test_trace_of_a_labelled_matrix_does_not_rename_a_later_sum():
    x, y = lm.symbols("x y")
    _ = lm.trace(lm.Matrix.from_entries([[x, 0], [0, y]], "D"))
    r = lm.refute(x + y >= 1, seed=0, budget=0.5)
    assert isinstance(r, lm.Refuted) and r.text == "x + y >= 1"
    assert "trace" not in repr(r)


def test_entries_written_by_hand_print_as_written_after_trace_and_norm():
    A = lm.Matrix("A", 2, 2)
    _ = lm.trace(A), lm.norm(A, "fro"), lm.det(A)
    assert lm.as_statement(A[0, 0] + A[1, 1] >= 0).text == "A_0_0 + A_1_1 >= 0"
    squares = A[0, 0] ** 2 + A[0, 1] ** 2 + A[1, 0] ** 2 + A[1, 1] ** 2
    assert lm.as_statement(squares >= 1).text == "A_0_0**2 + A_0_1**2 + A_1_0**2 + A_1_1**2 >= 1"
    assert "det" not in lm.as_statement(A[0, 0] * A[1, 1] - A[0, 1] * A[1, 0] >= 0).text


def test_what_the_user_wrote_with_matrix_functions_still_prints_so():
    A = lm.Matrix("A", 2, 2)
    v = lm.vector("v", 2)
    assert lm.as_statement(lm.trace(A) >= 0).text == "trace(A) >= 0"
    assert lm.as_statement(lm.norm(A, "fro") <= 3).text == "norm(A, 'fro') <= 3"
    assert lm.as_statement(lm.norm(v) ** 2 >= 1).text == "norm(v)**2 >= 1"
    assert lm.as_statement(lm.det(A) <= 1).latex() == r"\det(A) \leq 1"
    # the same expression written twice: each copy keeps how it was written
    same = sympy.Le(lm.trace(A), A[0, 0] + A[1, 1], evaluate=False)
    assert lm.as_statement(same).text == "trace(A) <= A_0_0 + A_1_1"


def test_a_display_that_would_not_parse_again_is_not_used():
    x, y = lm.symbols("x y")
    # norm(vector), trace(A + I), trace(M), trace(A @ A) of two matrices both named A: the
    # names vector, I, M are no variables of the statement, and "A" names two matrices
    st = lm.as_statement(lm.norm([x, y]) ** 2 >= 2 * x * y)
    assert st.text == "x**2 + y**2 >= 2*x*y"
    A = lm.Matrix("A", 2, 2)
    assert lm.as_statement(lm.trace(A + lm.eye(2)) >= 0).text == "A_0_0 + A_1_1 + 2 >= 0"
    assert "trace" not in lm.as_statement(
        lm.trace(lm.Matrix.from_entries(A.entries, "M")) >= 0).text
    A2 = lm.Matrix("A", 2, 2)
    assert "trace" not in as_written(lm.trace(A @ A2))
    # a scalar in the label (trace(x * A)) is not a matrix variable either
    assert "trace" not in lm.as_statement(lm.trace(x * A) >= 0).text


def test_certificate_text_parses_to_the_certified_polynomial(tmp_path):
    x, y = lm.symbols("x y")
    _ = lm.norm([x, y])
    for statement in (x**2 + y**2 >= 2 * x * y, lm.norm([x, y]) ** 2 >= 2 * x * y):
        r = lm.prove(statement)
        assert r.verdict == "PROVED" and r.text == "x**2 + y**2 >= 2*x*y"
        path = tmp_path / "c.json"
        r.save(path)
        ok, why = statement_matches(path)
        assert ok, why
    A = lm.Matrix("A", 2, 2)
    r = lm.prove(sympy.Ge(lm.trace(A @ A.T), 0, evaluate=False))  # sympy would say True
    assert r.verdict == "PROVED" and r.text == "trace(A @ A.T) >= 0"
    ok, why = statement_matches(r.certificate)
    assert ok and "parses to the certified polynomial" in why


def test_display_records_are_printing_only_and_exact():
    # the shown expression is still the expanded polynomial, equal to the hand-written one
    A = lm.Matrix("A", 2, 2)
    t = lm.trace(A)
    assert t == A[0, 0] + A[1, 1] and sympy.expand(t - A[0, 0] - A[1, 1]) == 0
    r = lm.refute(lm.trace(A) >= 1, seed=0, budget=0.5)
    assert isinstance(r, lm.Refuted) and r.text == "trace(A) >= 1"
    assert r.lhs == sum(r.point["A"][i][i] for i in range(2)) < Fraction(1)
