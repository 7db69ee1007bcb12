"""Session 17 walkthrough of a user's own lemma claim: each test failed before its fix."""

from __future__ import annotations

import sympy

from specproof.claims import Registry, lemma_claim
from specproof.claims.markup_plain import plain_rich
from specproof.claims.math_check import math_is_safe
from specproof.lemmas.domains import ball, box, orthant
from specproof.lemmas.statement import as_statement
from specproof.lemmas.typeset import domain_latex, latex_as_typed

YOUNG = "x*y <= abs(x)**3/3 + 2*abs(y)**(3/2)/3"


def test_statement_is_typeset_as_written_not_as_sympy_rewrote_it():
    c = lemma_claim("n.young", YOUNG, paper="n", control="x*y <= abs(x)**3/4",
                    registry=Registry())
    # sympy reads |x|^3 as x^2 |x| (real x): the paper showed x^2 |x|
    assert r"\left|{x}\right|^{3}" in c.statement
    assert "x^{2}" not in c.statement


def test_as_typed_only_where_it_reads_to_the_checked_statement():
    st = as_statement("x**3 - x >= -38/100")
    assert latex_as_typed(st) == r"x^{3} - x \geq - \frac{38}{100}"
    # a matrix statement or a callable keeps the statement's own LaTeX
    from specproof.lemmas.matrices import Matrix, norm

    A = Matrix("A", 2, 2)
    mst = as_statement(norm(A, 2) <= norm(A, "fro"))
    assert latex_as_typed(mst) == mst.latex()
    # text that sympy reads differently without evaluation is not used: its expansion is
    # compared with the statement (here the same)
    st2 = as_statement("(x + 1)**2 >= 4*x")
    assert sympy.expand(st2.lhs - (st2.variables[0] + 1) ** 2) == 0
    assert latex_as_typed(st2).startswith(r"\left(x + 1\right)^{2}")


def test_domain_is_math_and_realness_conditions_a_part_states_are_not_repeated():
    st = as_statement("sqrt(x)*y**(3/2) >= 0")
    x, y = st.variables
    on = st.with_domain(orthant([x, y])).domain
    # was "x >= 0 (where the statement is real); y >= 0 (where ...); (x, y) >= 0"
    assert on.describe() == "(x, y) >= 0"
    assert domain_latex(on) == r"x, y \geq 0"
    assert domain_latex(box({x: (0, 1)}) & ball([x, y], 2)) == \
        r"x \in [0, 1], \; \|(x, y)\| \leq 2"
    c = lemma_claim("n.pos", "x*y >= 0", paper="n", control="x*y >= 1",
                    domain=orthant(as_statement("x*y >= 0").variables), registry=Registry())
    assert c.statement.endswith(r"on $x, y \geq 0$") and ">=" not in c.statement
    for text in (c.statement, c.control_description):
        for span in text.split("$")[1::2]:
            assert math_is_safe(span), span


def test_domain_given_as_constraint_strings():
    c = lemma_claim("n.str", "x**2 >= x", paper="n", control="x**2 >= 2*x",
                    domain="x >= 1", registry=Registry())
    assert c.statement.endswith(r"on $x \geq 1$")
    c2 = lemma_claim("n.list", "x**2 >= x", paper="n", control="x**2 >= 2*x",
                     domain=["x >= 1", "x <= 5"], registry=Registry())
    assert c2.statement.endswith(r"on $x \geq 1, \; x \leq 5$")


def test_control_description_is_a_sentence():
    c = lemma_claim("n.amgm", "x**2 + y**2 >= 2*x*y", paper="n",
                    control="x**2 + y**2 >= 3*x*y", registry=Registry())
    d = c.control_description
    # the report prints it after "Negative control (FAILS)."; it ran into "Expected:"
    assert d[0].isupper() and d.endswith(".")


def test_plain_text_drops_grouping_braces():
    st = as_statement(YOUNG)
    text = plain_rich(f"${st.latex()}$")
    rest = text.replace("^{3/2}", "")
    assert "{" not in rest and "}" not in rest, text
    assert "|y|^{3/2}" in text and "(x^2 |x|)/3" in text
