"""Findings of the session-12 soundness probe of the lemma front end.

- ``log(a, 0)`` is 0 to sympy (``log(a) / zoo``): ``log(2, 0) >= 0`` and ``<= 0`` were
  both PROVED, and ``log(x**2 + 2, 0) >= 1`` REFUTED with a witness.
- a hand-built ``Statement`` was trusted as given: ``Statement(lhs=x**2 + 1, ...,
  text="x >= 0")`` was shown as "x >= 0 proved", a true statement was "refuted" under a
  flipped relation's text, and a symbol declared ``positive=True`` escaped its refusal.
"""

import pytest
import sympy

from specproof import lemmas as lm
from specproof.cli import main
from specproof.lemmas.statement import Statement


@pytest.mark.parametrize("text", ["log(2, 0) >= 0", "log(2, 0) <= 0", "log(1/2, 0) >= 0",
                                  "log(x, 0) == 0", "log(x**2 + 2, 0) >= 1",
                                  "log(x, -3) >= 0", "x + log(3, 0) >= x"])
def test_a_logarithm_to_a_base_that_is_not_positive_is_refused(text):
    for decide in (lm.prove, lm.refute):
        with pytest.raises(lm.StatementError, match="its base is not positive"):
            decide(text)


def test_the_cli_names_the_base(capsys):
    assert main(["lemma", "log(2, 0) >= 0"]) == 2
    assert "log(2, 0) is not a real number: its base is not positive" in capsys.readouterr().err


def test_logarithms_to_positive_bases_still_decide():
    assert isinstance(lm.prove("log(8, 2) == 3"), lm.Proved)
    assert isinstance(lm.refute("log(2, 1/2) >= 0"), lm.Refuted)  # log_(1/2) 2 = -1


x = sympy.Symbol("x")


@pytest.mark.parametrize("lhs, relation, text", [
    (x**2 + 1, ">=", "x >= 0"),            # another statement
    (x**2 + 1, "<=", "x**2 + 1 >= 0"),     # the relation flipped
    (x**2 + 1, ">=", "x**2 + 2 >= 0"),
])
def test_a_statement_whose_text_is_not_its_formula_is_refused(lhs, relation, text):
    st = Statement((x,), lhs, sympy.Integer(0), relation, text=text)
    for decide in (lm.prove, lm.refute):
        with pytest.raises(lm.StatementError, match="what is shown would not be what is"):
            decide(st)


def test_a_hand_built_statement_with_matching_or_no_text_is_decided_as_its_formula():
    for text in ("x**2 + 1 >= 0", "x^2 + 1 >= 0", "1 + x*x >= 0", "0 <= x**2 + 1", ""):
        st = Statement((x,), x**2 + 1, sympy.Integer(0), ">=", text=text)
        got = lm.prove(st)
        assert isinstance(got, lm.Proved)
        assert str(got).startswith(f"Proved({text or 'x**2 + 1 >= 0'}:")
    false = Statement((x,), x**2 - 1, sympy.Integer(0), ">=", text="")
    assert isinstance(lm.refute(false), lm.Refuted)


def test_a_hand_built_statement_gets_the_symbol_checks():
    p = sympy.Symbol("p", positive=True)
    with pytest.raises(lm.StatementError, match="carries the sympy assumptions positive=True"):
        lm.refute(Statement((p,), p, sympy.Integer(0), ">=", text="p >= 0"))
    y = sympy.Symbol("y")
    with pytest.raises(lm.StatementError, match="not among its variables"):
        lm.prove(Statement((x,), x**2 + y**2, sympy.Integer(0), ">=", text=""))


def test_a_statement_the_package_built_round_trips():
    st = lm.as_statement("x^2 - 2*x + 1 >= 0")
    again = lm.as_statement(st)
    assert (again.lhs, again.rhs, again.relation, again.text) == (
        st.lhs, st.rhs, st.relation, st.text)
    assert str(lm.prove(st)) == str(lm.prove("x^2 - 2*x + 1 >= 0"))


def _below_one(x):
    return x - 1.0


def test_a_hand_built_black_box_statement_is_shown_by_its_function():
    with pytest.raises(lm.StatementError, match="needs the real variable symbols"):
        lm.refute(Statement((x,), None, None, ">=", function=_below_one,
                            shapes=(("x", ()),)))
    xr = lm.symbols("x")
    st = Statement((xr,), None, None, ">=", text="", function=_below_one, shapes=(("x", ()),))
    # (a float-only callable's counterexample is never confirmed: the search runs its
    # whole budget looking for one that is, 10 s by default)
    r = lm.refute(st, budget=1.0)
    assert str(r).startswith("NumericalCounterexample(_below_one(...) >= 0 seems to fail")
    for bad in (dict(text="x**2 >= 0"), dict(relation="<="), dict(lhs=x)):
        fields = dict(text="", relation=">=", lhs=None) | bad
        st = Statement((xr,), fields["lhs"], None, fields["relation"], text=fields["text"],
                       function=_below_one, shapes=(("x", ()),))
        with pytest.raises(lm.StatementError, match="black-box Statement"):
            lm.refute(st)
