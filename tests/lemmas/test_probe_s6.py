"""Findings of the sixth adversarial probe of specproof.lemmas, each kept as a test.

Every test failed before its fix: a black box called with its arguments in the wrong order,
non-real constants without a literal ``I``, CLI crashes that exited with REFUTED's status,
"certified enclosures" that missed the value, an uncertified float read as a violation,
out-of-range matrix entries, points outside the exact domain, and raw errors for bad
arguments.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof._core.errors import ArgumentError, ArgumentTypeError
from specproof.cli import main
from specproof.lemmas.errors import StatementError
from specproof.lemmas.verdicts import Interval


def run(capsys, *argv):
    status = main(["lemma", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- 1. a black box is called by its parameters' names -----------------------------------

def test_a_black_box_is_bound_by_name_not_by_position():
    def f(y, x):  # claimed >= 0; the variables are given in the other order
        return x - 2 * y + 10

    for variables in ({"x": (), "y": ()}, ["x", "y"]):
        r = lm.refute(f, variables=variables, seed=0, budget=2)
        assert isinstance(r, lm.Refuted)
        # the printed point must be a counterexample under the printed names
        assert f(x=Fraction(r.point["x"]), y=Fraction(r.point["y"])) < 0


def test_a_black_box_with_matrices_in_another_order_is_bound_by_name():
    def gap(B, A):  # tr(A) tr(B) >= tr(AB) is false; the roles of A and B are asymmetric
        return np.trace(A) - 3 * np.trace(B) + 1

    r = lm.refute(gap, variables={"A": (2, 2), "B": (2, 2)}, seed=0, budget=2)
    assert isinstance(r, lm.Refuted)
    A = np.array(r.point["A"], dtype=object)
    B = np.array(r.point["B"], dtype=object)
    assert gap(A=A, B=B) < 0


@pytest.mark.parametrize("fn", [lambda a, b: a + b, lambda x: x, lambda x, y, z: x])
def test_a_black_box_whose_parameters_do_not_match_is_refused(fn):
    with pytest.raises(StatementError, match=r"parameters \(.*\) do not match the "
                                             r"variables \(x, y\)"):
        lm.refute(fn, variables={"x": (), "y": ()}, budget=0.2, seed=0)


def test_a_black_box_with_star_args_or_defaults_still_runs():
    r = lm.refute(lambda *v: v[0] - v[1], variables={"x": (), "y": ()}, budget=0.5, seed=0)
    assert isinstance(r, lm.Refuted) and r.point["x"] < r.point["y"]

    def g(y, x, scale=1):
        return scale * (x - y)

    r = lm.refute(g, variables={"x": (), "y": ()}, budget=0.5, seed=0)
    assert isinstance(r, lm.Refuted) and r.point["x"] < r.point["y"]


@pytest.mark.parametrize("shape", [(2, 2, 2), (0,), (2, -1), "ab", 1.5])
def test_a_black_box_shape_must_be_a_scalar_vector_or_matrix(shape):
    with pytest.raises(StatementError, match="the shape of 'x'"):
        lm.refute(lambda x: 1.0, variables={"x": shape}, budget=0.2)


# -- 2. non-real constants are refused where they are written -----------------------------

@pytest.mark.parametrize("text, part", [
    ("x**2 + ((-1)**(1/6))**6 >= 0", "(-1)**(1/6)"),
    ("x**2 + ((-1)**(1/4))**4 >= 0", "(-1)**(1/4)"),
    ("(-8)**(1/3) >= 100", "(-8)**(1/3)"),
    ("x + (-8)**(2/3) >= 0", "(-8)**(2/3)"),
])
def test_a_non_real_constant_without_a_literal_i_is_refused(text, part):
    with pytest.raises(StatementError, match=re.escape(f"{part} is not a real number")):
        lm.as_statement(text)
    with pytest.raises(StatementError):
        lm.refute(text, seed=0, budget=0.5)


def test_real_roots_of_positive_constants_stay_accepted():
    assert lm.refute("8**(1/3) >= 2", budget=0.2, seed=0).verdict != "REFUTED"
    assert lm.refute("(-8)**2 >= 64", budget=0.2, seed=0).verdict != "REFUTED"


# -- 3. the CLI answers a bad statement with one line and exit 2, never 1 -----------------

@pytest.mark.parametrize("text", ["(-8)**(1/3) >= 100", "[x] >= 0", "(x, y) >= 0",
                                  "[x] * 2 >= 0", "max([x]) >= 0", "max() >= 0",
                                  "-" * 3000 + "x >= 0", "(" * 300 + "x" + ")" * 300 + " >= 0"])
def test_cli_bad_statements_are_usage_errors(capsys, text):
    status, out, err = run(capsys, text, "--budget", "0.5")
    assert status == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith("specproof lemma: error:")


@pytest.mark.parametrize("text, words", [
    ("sqrt(A) >= 0", "sqrt of the matrix A"), ("abs(A) >= 0", "abs of the matrix A"),
    ("max(A) >= 0", "max of the matrix A"), ("exp(A) >= 0", "expm"),
    ("trace(2 / A) >= 0", "a scalar / the matrix A"),
    ("trace(2 ** A) >= 0", "a scalar ** the matrix A"),
    ("trace(A @ 2) >= 0", "A @ 2")])
def test_cli_matrix_misuse_is_a_usage_error(capsys, text, words):
    status, _, err = run(capsys, text, "--matrix", "A=2x2", "--budget", "0.5")
    assert status == 2 and words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_library_names_deep_nesting_and_list_sides():
    with pytest.raises(StatementError, match="nested too deeply"):
        lm.as_statement("-" * 3000 + "x >= 0")
    with pytest.raises(StatementError, match="list or tuple"):
        lm.as_statement("(x, y) >= 0")


# -- 4. a printed enclosure contains the value -------------------------------------------

def _printed_contains(text: str, value: sympy.Expr) -> bool:
    mid, rad = text.split("±")
    m = sympy.Rational(mid.strip())
    r = sympy.Rational(rad.split()[0].strip())
    v = sympy.N(value, 60)
    return bool(m - r <= v <= m + r)


@pytest.mark.parametrize("text, side, value", [
    ("pi >= 3.1416", "lhs", sympy.pi), ("E >= 2.72", "lhs", sympy.E),
    ("sqrt(2) >= 1.415", "lhs", sympy.sqrt(2)),
    ("pi >= 3.1416", "margin", sympy.pi - sympy.Rational("3.1416"))])
def test_printed_enclosures_contain_the_true_value(capsys, text, side, value):
    status, out, _ = run(capsys, text, "--budget", "0.5")
    assert status == 1
    line = next(x for x in out.splitlines() if x.strip().startswith(f"{side} ="))
    assert "certified enclosure" in line
    assert _printed_contains(line.split("=", 1)[1].split("(")[0], value)
    r = lm.refute(text, seed=0, budget=0.5)
    assert _printed_contains(str(getattr(r, side)), value)


@pytest.mark.parametrize("q", [Fraction(54, 5), Fraction(1, 3), Fraction(-22, 7),
                               Fraction(10**20 + 1, 3), Fraction(1, 7 * 10**30)])
@pytest.mark.parametrize("bits", [30, 62, 120])
def test_an_interval_prints_a_range_that_contains_it(q, bits):
    eps = Fraction(1, 2**bits) * max(1, abs(q))
    iv = Interval(q - eps, q + eps / 3)
    mid, rad = str(iv).split("±")
    m, r = Fraction(mid.strip()), Fraction(rad.strip())
    assert m - r <= iv.lo and iv.hi <= m + r
    # and says something: the printed radius is within a few widths of the true one
    assert r <= 4 * (iv.hi - iv.lo) + abs(q) * Fraction(1, 10**16)


# -- 5. the tightest case is labelled as an uncertified float -----------------------------

def test_the_tightest_case_says_it_is_a_float_evaluation(capsys):
    # what its numbers are: exact or certified at the point where they were decided
    # there (session 20), else a float64 evaluation
    status, out, _ = run(capsys, "exp(x+1) >= E*exp(x)", "--budget", "1")
    assert status == 3
    line = next(x for x in out.splitlines() if "tightest case" in x)
    # an identity: its enclosures contain 0 at every precision; the float difference
    # (-3e-8 at x = 15.6) is not printed
    assert "lhs - rhs = 0, " in line and "(certified only as |lhs - rhs| <= " in line
    u = lm.refute("x**2 + 1 >= 2*x", budget=0.3, seed=0)
    assert "Tightest(margin = 0 at x = 1, lhs/rhs ≈ 1; exact at this point)" in repr(u)
    # a black box is evaluated in floats only
    b = lm.refute(lambda x: x * x - 2 * x + 1, variables=["x"], budget=0.3, seed=0)
    assert "float64 evaluation, not certified" in repr(b)


# -- 6. an entry name outside a matrix's shape is refused --------------------------------

def test_an_out_of_range_entry_name_is_refused(capsys):
    status, _, err = run(capsys, "trace(A) >= A_0_0 + A_2_2", "--matrix", "A=2x2:psd",
                         "--budget", "1")
    assert status == 2 and "A_2_2" in err and "2x2" in err
    A = lm.Matrix("A", 2, 3)
    with pytest.raises(StatementError, match="2x3"):
        lm.as_statement("trace(A @ A.T) >= A_1_3", variables=[A])
    with pytest.raises(StatementError, match="2x3"):
        lm.as_statement(lm.trace(A @ A.T) >= sympy.Symbol("A_2_0"))
    # entries inside the shape are the matrix's own
    st = lm.as_statement("trace(A @ A.T) >= A_1_2", variables=[A])
    assert len(st.variables) == 6


# -- 7. no reported point lies outside the exact domain ----------------------------------

@pytest.mark.parametrize("text, lo, hi", [("x >= 1.5", "1.00000000000000001", 2),
                                          ("x >= 1", "1e-400", 1)])
def test_points_are_decided_inside_the_exact_domain(text, lo, hi):
    dom = lm.box(x=(lo, hi))
    lo_q = Fraction(lo)
    for seed in range(3):
        r = lm.refute(text, domain=dom, seed=seed, budget=1)
        assert isinstance(r, lm.Refuted)
        x = Fraction(r.point["x"])
        assert lo_q <= x <= hi and r.margin < 0
        # and the shrinker still finds a short fraction next to the bound
        assert x.denominator < 100


def test_the_cli_reports_no_point_outside_its_box(capsys):
    status, out, _ = run(capsys, "x >= 1", "--box", "x=1e-400:1", "--budget", "1")
    assert status == 1
    assert Fraction(out.splitlines()[1].split("=")[1].strip()) > 0


# -- 8. bad arguments name themselves ----------------------------------------------------

def _good(m, rng):
    return m ** -0.5 * (1 + 0.01 * rng.standard_normal())


@pytest.mark.parametrize("kwargs, error, words", [
    ({"expect": float("nan")}, ArgumentError, "expect"),
    ({"expect": float("inf")}, ArgumentError, "expect"),
    ({"expect": "x"}, ArgumentTypeError, "expect"),
    ({"expect": True}, ArgumentTypeError, "expect"),
    ({"seed": -1}, ArgumentError, "seed"),
    ({"seed": 1.5}, ArgumentTypeError, "seed"),
    ({"confidence": 1.5}, ArgumentError, "confidence"),
    ({"tolerance": float("nan")}, ArgumentError, "tolerance"),
])
def test_scaling_refuses_bad_arguments_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        lm.scaling(_good, [8, 16, 32], seeds=3, **kwargs)


@pytest.mark.parametrize("value, words", [(None, "NoneType"), (np.ones(2), "shape"),
                                          ("3", "str")])
def test_a_statistic_must_return_one_number(value, words):
    with pytest.raises(ArgumentTypeError, match=f"statistic\\(8\\) returned .*{words}"):
        lm.scaling(lambda m, rng: value, [8, 16, 32], seeds=3, expect=0)


def test_scaling_still_accepts_good_arguments():
    assert lm.scaling(_good, [8, 16, 32], seeds=3, expect=-0.5).holds


def test_refute_names_a_negative_seed():
    with pytest.raises(StatementError, match="seed must be a non-negative int"):
        lm.refute("x >= 0", budget=0.2, seed=-1)


def test_a_variable_name_that_is_not_an_identifier_is_named():
    with pytest.raises(StatementError, match="'1x' is not a plain identifier"):
        lm.as_statement("x >= 0", variables=["1x"])


@pytest.mark.parametrize("side", [[sympy.Symbol("x")], (sympy.Symbol("x"), 1),
                                  sympy.Matrix([1]), object()])
def test_from_parts_names_a_side_that_is_not_a_scalar(side):
    from specproof.lemmas.statement import from_parts

    with pytest.raises(StatementError, match="left side of the relation is not a scalar"):
        from_parts(side, ">=", 0)
