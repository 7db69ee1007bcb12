"""Statements: parsing (whitelist, positions), matrix expansion, domains, bad input."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as hs

from specproof import lemmas as lm
from specproof.lemmas.errors import ShapeError, StatementError
from specproof.lemmas.parse import parse_statement


def test_difference_and_relation_of_each_kind():
    x, y = lm.symbols("x y")
    st = lm.as_statement(x**2 + y**2 >= 2 * x * y)
    assert st.variables == (x, y) and st.relation == ">="
    assert sympy.expand(st.difference() - (x - y) ** 2) == 0
    assert lm.as_statement("x <= 1").difference() == 1 - x
    ident = lm.as_statement("(x + 1)**2 = x**2 + 2*x + 1")
    assert ident.relation == "==" and sympy.expand(ident.difference()) == 0
    assert st.is_polynomial() and not lm.as_statement("sqrt(x) >= 0").is_polynomial()


def test_decimals_mean_the_decimal_written():
    assert lm.as_statement("x >= -0.38").rhs == sympy.Rational(-19, 50)
    x = lm.symbols("x")
    assert lm.as_statement(x >= 0.1).rhs == sympy.Rational(1, 10)  # a Python float, too
    assert lm.as_statement("x >= 1e-3").rhs == sympy.Rational(1, 1000)


def test_variable_order_given_and_default():
    st = lm.as_statement("y + x >= z")
    assert [s.name for s in st.variables] == ["x", "y", "z"]
    st = lm.as_statement("y + x >= z", variables="z,y,x")
    assert [s.name for s in st.variables] == ["z", "y", "x"]
    with pytest.raises(StatementError, match="unknown name 'w'"):
        lm.as_statement("x + w >= 0", variables="x")


def test_matrix_kinds_share_and_zero_entries():
    S = lm.Matrix("S", 3, 3, kind="symmetric")
    assert S[0, 2] is S[2, 0] and len(S.symbols) == 6
    D = lm.Matrix("D", 3, 3, kind="diagonal")
    assert D[0, 1] == 0 and [s.name for s in D.symbols] == ["D_0_0", "D_1_1", "D_2_2"]
    P = lm.Matrix("P", 2, 2, kind="psd")
    st = lm.as_statement(lm.trace(P) >= 0)
    # the PSD cone as principal minors: P00, P11 and the determinant
    a, b, c = P[0, 0], P[0, 1], P[1, 1]
    assert [str(v) for v in (a, b, c)] == ["P_0_0", "P_0_1", "P_1_1"]
    assert set(st.domain.inequalities) == {a, c, sympy.expand(a * c - b**2)}
    Q = lm.Matrix("Q", 2, 2, kind="orthogonal")
    st = lm.as_statement(lm.trace(Q) >= -2)
    assert len(st.domain.equalities) == 3  # (Q^T Q - I) upper triangle


def test_frobenius_square_is_a_polynomial_and_operator_norm_is_not():
    A, B = lm.Matrix("A", 3, 3), lm.Matrix("B", 3, 3)
    fro = lm.as_statement(lm.norm(A @ B, "fro") ** 2
                          <= lm.norm(A, "fro") ** 2 * lm.norm(B, "fro") ** 2)
    assert fro.is_polynomial() and len(fro.variables) == 18
    assert sympy.Poly(fro.difference(), *fro.variables).total_degree() == 4
    op = lm.as_statement(lm.norm(A @ B, 2) <= lm.norm(A, 2) * lm.norm(B, 2))
    assert not op.is_polynomial() and len(op.functionals()) == 3
    assert str(op.lhs) == "norm(A @ B, 2)"


def test_numpy_names_in_strings():
    A = lm.Matrix("A", 2, 3)
    st = parse_statement("norm(A.T @ A, 'fro') <= norm(A, 'fro')**2", [A])
    assert st.variables == A.symbols and not st.is_polynomial()  # sqrt of a sum of squares
    st = parse_statement("trace(A @ A.T) = norm(A, 'fro')**2", [A])
    assert sympy.expand(st.difference()) == 0
    B = lm.Matrix("B", 2, 2, kind="psd")
    assert parse_statement("trace(logm(B)) <= trace(B)", [B]).functionals()
    assert parse_statement("norm(B, 'nuc') >= norm(B, 2)", [B]).functionals()
    assert parse_statement("two_to_q(A, 4) >= 0", [A]).functionals()
    assert parse_statement("det(expm(B)) >= 0", [B]).functionals()
    H = parse_statement("norm(A * A, 'fro') <= 1", [A])  # * is Hadamard, as in numpy
    assert "A_0_0**4" in str(H.lhs)


@pytest.mark.parametrize("text, message", [
    ("x >= (1", "unparsable statement at column 6"),
    ("x^2 >= (1", "unparsable statement at column 8"),
    ("x >= foo(x)", "unknown function 'foo'"),
    ("x > 1", "relation '>' at column 3 is not supported"),
    ("x < 1", "relation '<'"),
    ("x != 1", "relation '!='"),
    ("1 <= x <= 2", "chained relations"),
    ("x + 1", "needs a relation"),
    ("__import__('os').system('true') >= 0", "'__' is not allowed at column 1"),
    ("x.real >= 0", "attribute access .real is not allowed"),
    ("x.conjugate() >= 0", "attribute access .conjugate"),
    ("(lambda: 1)() >= 0", "only named functions can be called"),
    ("[x][0] >= 0", "Subscript is not allowed"),
    ("sqrt >= 0", "sqrt is a function"),
    ("", "empty"),
])
def test_bad_strings_fail_in_one_line(text, message):
    with pytest.raises(StatementError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        lm.as_statement(text)


def test_bad_matrix_input():
    A, B = lm.Matrix("A", 2, 3), lm.Matrix("B", 2, 3)
    with pytest.raises(ShapeError, match=r"A @ B: shapes \(2, 3\) and \(2, 3\) do not fit"):
        A @ B
    with pytest.raises(ShapeError, match="differ"):
        A + lm.Matrix("C", 3, 2)
    with pytest.raises(ShapeError, match="needs a square matrix"):
        lm.trace(A)
    with pytest.raises(StatementError, match="needs a PSD matrix variable"):
        lm.logm(lm.Matrix("G", 2, 2))
    with pytest.raises(StatementError, match="ord must be one of"):
        lm.norm(lm.Matrix("G", 2, 2), 3)
    with pytest.raises(StatementError, match="kind must be one of"):
        lm.Matrix("G", 2, 2, kind="hermitian")
    with pytest.raises(ShapeError, match="symmetric matrix is square"):
        lm.Matrix("G", 2, 3, kind="sym")
    with pytest.raises(StatementError, match="is a matrix"):
        lm.as_statement("A >= 0", variables=[A])


def test_relations_sympy_decided_or_strict_are_refused():
    x = lm.symbols("x")
    with pytest.raises(StatementError, match="relation '>' is not supported"):
        lm.as_statement(x > 1)
    with pytest.raises(StatementError, match="already decided"):
        lm.as_statement(x**2 >= 0)  # sympy decides this before we see it
    with pytest.raises(StatementError, match="already decided"):
        lm.as_statement(x == 1)  # Python's ==


def test_domains():
    x, y = lm.symbols("x y")
    d = lm.box(x=(-1, 1)) & lm.ball([x, y], radius=2)
    st = lm.as_statement(x + y <= 3, domain=d)
    assert st.domain.inequalities == (x + 1, 1 - x, -(x**2) - y**2 + 4)
    assert lm.sphere([x, y]).equalities == (x**2 + y**2 - 1,)
    assert lm.simplex([x, y]).equalities == (x + y - 1,)
    assert lm.orthant([x, y]).inequalities == (x, y)
    assert lm.constraints("x*y >= 1").inequalities == (x * y - 1,)
    with pytest.raises(StatementError, match="empty"):
        lm.box(x=(1, 0))
    with pytest.raises(StatementError, match="does not use"):
        lm.as_statement("x >= 0", domain=lm.box(z=(0, 1)))
    with pytest.raises(StatementError, match="finite"):
        lm.box(x=(0, float("nan")))


_names = hs.sampled_from(["x", "y", "z"])
_atoms = hs.one_of(_names, hs.integers(-5, 5).map(str))


@hs.composite
def _poly_text(draw):
    terms = draw(hs.lists(hs.tuples(hs.integers(-9, 9), _names, hs.integers(0, 3)),
                          min_size=1, max_size=4))
    return " + ".join(f"({c})*{v}**{e}" for c, v, e in terms)


@settings(max_examples=60, deadline=None)
@given(_poly_text(), _poly_text(), hs.sampled_from([">=", "<=", "=", "=="]))
def test_parser_round_trips_polynomials(lhs, rhs, rel):
    st = lm.as_statement(f"{lhs} {rel} {rhs}")
    ns = {n: sympy.Symbol(n, real=True) for n in "xyz"}
    want = sympy.sympify(lhs, locals=ns) - sympy.sympify(rhs, locals=ns)
    if rel == "<=":
        want = -want
    assert sympy.expand(st.difference() - want) == 0
    assert st.is_polynomial()


@settings(max_examples=150, deadline=None)
@given(hs.text(alphabet="xy_().,:;[]{}'\"+-*/@^=<>!~ 0123456789abcdefgT\\", max_size=30))
def test_parser_never_fails_other_than_statement_error(text):
    try:
        st = lm.as_statement(text)
    except StatementError as exc:
        assert str(exc)
    else:
        assert st.relation in (">=", "<=", "==")


def test_huge_exponents_are_refused_before_any_work():
    with pytest.raises(StatementError, match="exponent .* is larger than 1000"):
        lm.as_statement("9**9**9**9 >= x")
    with pytest.raises(StatementError, match="exponent"):
        lm.as_statement("x^100000 >= 0")


def test_exported_functions_are_not_shadowed_by_their_submodules():
    import importlib

    for name in ("refute", "prove", "shrink", "confirm", "scaling"):
        module = importlib.import_module(f"specproof.lemmas.{name}")  # binds the submodule
        assert getattr(lm, name) is getattr(module, name) and callable(getattr(lm, name))


def test_matrix_statements_print_as_written():
    A, B = lm.Matrix("A", 2, 2), lm.Matrix("B", 2, 2)
    st = lm.as_statement(lm.trace(A @ B) <= lm.trace(A) * lm.trace(B))
    assert st.text == "trace(A @ B) <= trace(A)*trace(B)"
    assert st.latex() == (r"\operatorname{tr}(A B) \leq \operatorname{tr}(A) "
                          r"\operatorname{tr}(B)")
    st = lm.as_statement(lm.norm(A @ B.T, "fro") ** 2 <= lm.norm(A, "fro") ** 2 * lm.det(B))
    assert st.text == "norm(A @ B.T, 'fro')**2 <= det(B)*norm(A, 'fro')**2"  # sympy's order
    # the display is for printing only: the expression is still the expanded polynomial
    assert st.is_polynomial() and "A_0_0" in str(st.difference())
    C = lm.Matrix("C", 1, 1)
    assert lm.trace(C) == C[0, 0]  # an atom is never relabelled
    assert lm.as_statement(C[0, 0] >= 0, variables=[C]).text == "C_0_0 >= 0"
