"""Review of 2026-12-07 (second): wrong witnesses and a vacuous proof in the lemma tools.

Each test failed before its fix: a Python-built ``sqrt`` statement "refuted" where it is
not real, ``log(x, b)`` "refuted" at ``b = 1`` (a division by ``log 1 = 0``), identities
PROVED on an empty or nowhere-real domain, and sympy objects with no numerical value
ending in raw tracebacks.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from specproof import lemmas as lm
from specproof.lemmas.errors import EmptyDomainError, StatementError

x, y, b = lm.symbols("x y b")


@pytest.mark.parametrize("relation", [
    lm.sqrt(x) * lm.sqrt(y) >= 0,                     # was refuted at x = y = -100
    lm.Eq(lm.sqrt(x) * lm.sqrt(y), lm.sqrt(x * y)),   # was refuted at x = y = -100
    abs(lm.sqrt(x)) ** 2 <= x,                        # was refuted at x = -100
], ids=["product", "identity", "abs-square"])
def test_python_roots_are_claimed_where_real(relation):
    st = lm.as_statement(relation)
    # every root's argument is a domain constraint, as for the same text
    assert set(st.domain.inequalities) >= {x}
    out = lm.refute(relation, seed=0, budget=2)
    assert out.verdict == "UNDECIDED", out


def test_python_root_statement_false_where_real_keeps_a_real_witness():
    out = lm.refute(lm.sqrt(x) <= x, seed=0, budget=3)
    assert out.verdict == "REFUTED"
    v = Fraction(out.point["x"])
    # a true witness: 0 < x < 1, where sqrt(x) > x
    assert 0 < v < 1


def test_python_variable_power_needs_a_positive_base():
    st = lm.as_statement(x**y >= 0)
    assert st.domain.describe() == "x > 0 (where the statement is real)"


@pytest.mark.parametrize("text", ["log(8, b)*log(b) >= 3", "log(x, b)*log(b) + x >= 5"])
def test_log_with_a_variable_base_excludes_base_one(text):
    st = lm.as_statement(text)
    assert "b - 1 != 0 (where the statement is defined)" in st.domain.describe()
    out = lm.refute(text, seed=0, budget=3)
    assert out.verdict == "REFUTED"
    base = Fraction(out.point["b"])
    assert base > 0 and base != 1  # was b = 1, where log(8, b) divides by zero


def test_log_with_a_kept_base_denominator_adds_nothing():
    # sympy keeps log(b) in the denominator of log(x, b): its zero stays visible
    st = lm.as_statement("log(x, b) >= 0")
    assert "b - 1" not in st.domain.describe()


@pytest.mark.parametrize("text, domain", [
    ("log(-1 - x**2) == log(-1 - x**2)", None),           # real nowhere
    ("sqrt(-1 - x**2)**2 == -1 - x**2", None),            # real nowhere
    ("x == x", ("x >= 2", "x <= 1")),                     # contradictory bounds
])
def test_identity_on_an_empty_domain_is_refused(text, domain):
    d = lm.constraints(*domain) if domain else None
    with pytest.raises(EmptyDomainError, match="the domain is empty"):
        lm.prove(text, domain=d)


def test_identity_on_a_nonempty_domain_is_still_proved():
    assert lm.prove("x == x", domain=lm.constraints("x >= 0")).verdict == "PROVED"
    assert lm.prove("sqrt(x)**2 == x").verdict == "PROVED"


@pytest.mark.parametrize("relation, name", [
    (sympy.Function("f")(x) ** 2 >= 0, "uses f,"),
    (sympy.GreaterThan(sympy.besselj(0, x), -1, evaluate=False), "uses besselj,"),
    (sympy.GreaterThan(sympy.Derivative(x**3, x), -1, evaluate=False), "unevaluated Derivative"),
    (sympy.GreaterThan(sympy.Integral(x * y, (y, 0, 1)), -10, evaluate=False),
     "unevaluated Integral"),
    (sympy.GreaterThan(sympy.Limit(x * y, y, 0) + x**2, 0, evaluate=False), "unevaluated Limit"),
], ids=["undefined", "besselj", "derivative", "integral", "limit"])
def test_no_numerical_value_is_a_statement_error(relation, name):
    with pytest.raises(StatementError, match=name):
        lm.refute(relation, seed=0, budget=1)
