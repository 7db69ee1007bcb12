"""Probe s20 (a new user's walkthrough): verdicts and numbers that misled.

1. ``norm(A, 2) <= norm(A, 'fro')`` without ``--matrix A=...`` was PROVED: ``A`` was a
   real scalar, ``norm`` its absolute value, ``|A| <= |A|``; ``A @ B`` of two such names
   failed with sympy's "unsupported operand type(s) for @: 'Symbol' and 'Symbol'".
2. The tightest case of a true statement printed its float64 difference: ``exp(x) >= 1 +
   x`` showed ``lhs - rhs ≈ -1.1e-16`` (a violation, in appearance) at ``x = -1.86e-9``,
   where the value is ``+1.7e-18``; ``norm(A, 2) <= norm(A, 'fro')`` showed ``1.8e-15``.
3. ``(x - 10**8)**2 >= 0`` reported its tightest case at ``x = -1.32`` with ``lhs - rhs =
   1e16``: the magnitude sweep evaluated ``x = 10**8`` (margin 0) but kept only violations.
4. ``--box A=0:1`` on a matrix said the statement does not use ``A``; ``--matrix A=3``
   was read as a 3 x 1 column.
"""

from fractions import Fraction

import mpmath
import pytest

import specproof.lemmas as lm
from specproof.cli import main


def run(capsys, *argv):
    try:
        status = main(["lemma", *argv])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("text", ["norm(A, 2) <= norm(A, 'fro')", "norm(A, 'fro') >= 0",
                                  "norm(A, 'nuc') >= norm(A, 2)", "norm(x, ord=1) >= 0"])
def test_a_matrix_norm_of_an_undeclared_name_is_refused(text):
    with pytest.raises(lm.StatementError, match=r"is a scalar here.*--matrix NAME=NxM"):
        lm.as_statement(text)


def test_the_command_line_refuses_it_with_exit_2(capsys):
    status, _, err = run(capsys, "norm(A, 2) <= norm(A, 'fro')", "--budget", "1")
    assert status == 2 and "A is a scalar here" in err and "PROVED" not in err


def test_declared_the_same_statement_is_about_the_matrix():
    st = lm.as_statement("norm(A, 2) <= norm(A, 'fro')", variables={"A": (2, 2)})
    assert len(st.variables) == 4  # the entries, not one scalar
    # a scalar's norm without an ord stays numpy's absolute value
    assert lm.as_statement("norm(x) >= x").lhs == lm.as_statement("abs(x) >= x").lhs


def test_matmul_of_undeclared_names_says_to_declare_them():
    with pytest.raises(lm.StatementError, match=r"A @ B: @ multiplies matrices, and A and B "
                                                r"are scalars here; declare a matrix"):
        lm.as_statement("norm(A @ B, 2) <= norm(B @ A, 2)")
    with pytest.raises(lm.StatementError, match=r"B is a scalar here"):
        lm.as_statement("trace(A @ B) >= 0", variables={"A": (2, 2), "B": ()})


def test_the_tightest_case_of_a_true_statement_never_reads_as_a_violation():
    t = lm.refute("exp(x) >= 1 + x", seed=0, budget=1).tightest
    x = t.point["x"]
    with mpmath.workdps(60):
        true = mpmath.exp(mpmath.mpf(x)) - 1 - mpmath.mpf(x)
    assert true > 0 and t.lhs_minus_rhs > 0 and t.margin > 0
    assert abs(t.lhs_minus_rhs - float(true)) <= 1e-2 * float(true)
    assert t.how.startswith("midpoint of a certified enclosure at this point, radius")


def test_the_command_line_prints_the_decided_difference(capsys):
    status, out, _ = run(capsys, "norm(A, 2) <= norm(A, 'fro')", "--matrix", "A=2x2",
                         "--budget", "2", "--seed", "0")
    assert status == 3
    line = next(x for x in out.splitlines() if "tightest case" in x)
    value = float(line.split("lhs - rhs = ")[1].split(",")[0])
    assert value <= 0  # holds: the operator norm is at most the Frobenius norm
    assert "float64 evaluation" not in line


def test_an_exact_tightest_case_is_exact():
    t = lm.refute("x**2 + 1 >= 2*x", seed=0, budget=0.5).tightest
    assert (t.point, t.margin, t.lhs_minus_rhs, t.how) == ({"x": 1.0}, 0.0, 0.0,
                                                           "exact at this point")


@pytest.mark.parametrize("k", [3, 8, 15])
def test_a_square_at_a_large_shift_is_tight_where_it_is_zero(k):
    # at a swept power of ten that is a float (beyond 10**22 the float is not 10**k,
    # and the search's float points do not reach the zero)
    t = lm.refute(f"(x - 10**{k})**2 >= 0", seed=0, budget=1).tightest
    assert Fraction(t.point["x"]) == Fraction(float(10**k)) and t.margin == 0.0


@pytest.mark.parametrize("variables", [{"A": (2, 2), "B": (2, 2)}, {"A": (2, 2), "B": [2, 2]},
                                       {"A": lm.Matrix("A", 2, 2), "B": (2, 2)}])
def test_a_mapping_of_shapes_declares_matrices_of_a_string_statement(variables):
    # it was accepted, and every name in it was then "unknown"
    st = lm.as_statement("trace(A @ B) >= 0", variables=variables)
    assert [str(v) for v in st.variables[:2]] == ["A_0_0", "A_0_1"] and len(st.variables) == 8
    r = lm.refute("trace(A @ B) >= 0", variables=variables, seed=0, budget=1)
    assert r.verdict == "REFUTED"


@pytest.mark.parametrize("variables, error", [
    ({"A": "bad"}, "the shape of 'A' must be"), ({"A": (2, 2, 2)}, "the shape of 'A'"),
    ({"A": True}, "the shape of 'A'"), ({"B": lm.Matrix("A", 2, 2)}, "holds the Matrix 'A'")])
def test_a_bad_mapping_is_refused_by_name(variables, error):
    with pytest.raises(lm.StatementError if "holds" in error else TypeError, match=error):
        lm.as_statement("trace(A) >= 0", variables=variables)


def test_a_box_on_a_matrix_names_its_entries(capsys):
    status, _, err = run(capsys, "norm(A, 2) <= 1", "--matrix", "A=2x2", "--box", "A=0:1")
    assert status == 2
    assert "the domain names the matrix A" in err and "--box A_0_0=0:1" in err


@pytest.mark.parametrize("spec", ["A=3", "A=3:psd", "A=3x", "A=x3"])
def test_a_matrix_without_both_sizes_is_refused(capsys, spec):
    status, _, err = run(capsys, "norm(A) >= 0", "--matrix", spec, "--budget", "1")
    assert status == 2 and "expected NAME=NxM[:KIND]" in err


# -- 5. badly scaled statements: an exact square, or a proof in balanced variables ------

@pytest.mark.parametrize("text", [
    "(x - 10**8)**2 >= 0", "x**2 + 10**16 >= 2*10**8*x", "(x - 10**150)**2 >= 0",
    "(16777216*x - 12500000)**2 >= 0", "(10**8*x - y)**2 >= 0",
    "x**4 - 2*10**8*x**2 + 10**16 >= 0", "5*(x*y - 10**9*z)**4 >= 0",
    "x**2 + 10**16 >= 2*10**8*x*999/1000", "(x - 2**-60)**2 >= 0",
    "(x-10**8)**2 + (y - 3*10**8)**2 + x**2 >= 0"])
def test_a_badly_scaled_true_statement_is_proved_and_checked(text):
    # each was UNDECIDED ("rounding failed although t* = 0.555 > 0", "the equations are
    # infeasible"); the certificate is the statement's own, checked exactly
    from specproof.certificates import check_sos

    r = lm.prove(text)
    assert r.verdict == "PROVED", r
    assert check_sos(r.certificate).ok


@pytest.mark.parametrize("text", ["-(x - 10**8)**2 >= 0", "(x - 10**8)**2 >= 1",
                                  "(x - 10**8)**3 >= 0", "x**2 + 10**16 >= 2*10**8*x + 1"])
def test_a_false_badly_scaled_statement_is_not_proved(text):
    assert lm.prove(text).verdict == "UNDECIDED"


def test_the_exact_square_and_the_balancing():
    from specproof.lemmas.prove_scaled import balancing_exponents, square_root

    c, q = square_root({(2,): Fraction(10**16), (1,): Fraction(-2 * 10**8),
                        (0,): Fraction(1)}, 1)
    assert c * (q[(1,)] ** 2) == 10**16 and c * q[(1,)] * q[(0,)] == -10**8
    assert c * q[(0,)] ** 2 == 1
    assert square_root({(2,): Fraction(1), (0,): Fraction(1)}, 1) is None  # x^2 + 1
    assert square_root({(2,): Fraction(-1)}, 1) is None  # -x^2: c < 0
    e, m = balancing_exponents({(2, 0): Fraction(1), (1, 0): Fraction(-2 * 10**8),
                                (0, 0): Fraction(10**16), (0, 2): Fraction(10**16)}, 2)
    assert e[0] == 27 and abs(e[1]) <= 1


def test_on_a_sphere_the_decided_point_is_said_to_be_the_domains_not_the_floats():
    # the values are exact at the rational point of the sphere; at the floats shown (off
    # the sphere by 1e-16) x*y - 1/2 is +6.6e-17, a violation in appearance
    import sympy

    x, y = sympy.symbols("x y", real=True)
    t = lm.refute("x*y <= 1/2", domain=lm.sphere([x, y]), seed=0, budget=1).tightest
    assert t.how == ("exact at the rational point of the domain that the point shown "
                     "approximates")
    assert t.lhs_minus_rhs < 0  # holds there: x*y <= 1/2 on the unit circle


@pytest.mark.parametrize("text, near", [("(x - 1/3)**2 >= 0", {"x": 1 / 3}),
                                        ("(x - 0.3)**2 >= 0", {"x": 0.3})])
def test_a_square_is_tight_near_its_zero_not_anywhere(text, near):
    # lhs - rhs is one square: its normalised margin is 1 everywhere, and the tightest
    # case was x = -1.32 (lhs - rhs = 2.7) though the raw descent had reached the zero
    t = lm.refute(text, seed=0, budget=1).tightest
    assert all(abs(t.point[k] - v) < 0.01 for k, v in near.items())
    assert 0 <= t.lhs_minus_rhs < 1e-4



@pytest.mark.parametrize("text", ["x**2*y**2 + x**2 - 10**-400 >= 0",
                                  "x**2*y**2 + x**2 - 10**-1000 >= 0",
                                  "(x*y**2 - x*y)**2 >= 10**-400"])
def test_a_false_statement_with_tiny_constants_ends_undecided_quickly(text):
    # sympy's factor_list spent 17 s to minutes on these (Wang's algorithm, nextprime);
    # the square root is now taken term by term, without factoring
    from specproof.lemmas.prove_scaled import square_root

    r = lm.prove(text)
    assert r.verdict == "UNDECIDED"
    st = lm.as_statement(text)
    from specproof.lemmas.prove import to_poly

    assert square_root(to_poly(st.difference(), st.variables), len(st.variables)) is None


def test_a_square_of_a_product_and_a_twenty_variable_square_are_proved():
    from specproof.certificates import check_sos

    r = lm.prove("(x**2 - 3*x*y + 10**-9)**2*(y - 10**20)**2 >= 0")
    assert r.verdict == "PROVED" and check_sos(r.certificate).ok
    # the Newton step's SVD built the 50281 x 50281 left factor: 18.8 GiB
    s = "(" + "+".join(f"{i + 1}/{i + 7}*a{i}" for i in range(20)) + " - 10**9)**2 >= 0"
    r = lm.prove(s)
    assert r.verdict == "PROVED" and check_sos(r.certificate).ok
