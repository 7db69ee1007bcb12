"""Session 10 probe findings on the front end of a lemma: how numbers, denominators,
infinities and box bounds are read before anything is searched or proved."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof.cli import main
from specproof.lemmas.errors import StatementError
from specproof.lemmas.exact_numbers import exact_number

x, y = lm.symbols("x y")
TINY = sympy.Rational(1, 10**400)


# -- 1. a Float or Decimal below (or above) float64's range is read exactly ------------

@pytest.mark.parametrize("value", [sympy.Float("1e-400"), Decimal("1e-400")])
def test_a_number_below_float_range_is_not_flushed_to_zero(value):
    # float() of either is 0.0: x**2 >= 1e-400 was read as x**2 >= 0 and PROVED
    assert exact_number(value, "c") == TINY
    st = lm.as_statement(x**2 >= value)
    assert st.rhs == TINY
    assert lm.prove(st).verdict == "UNDECIDED"
    r = lm.refute(st, seed=0, budget=2)
    assert r.verdict == "REFUTED"
    assert r.point == {"x": Fraction(0)} and r.margin == -Fraction(1, 10**400)


def test_floats_beyond_double_range_are_their_shortest_decimal():
    assert exact_number(sympy.Float("2e-324"), "c") == sympy.Rational(2, 10**324)
    assert exact_number(sympy.Float("-1e-310"), "c") == -sympy.Rational(1, 10**310)
    # finite, though float() is inf: not "not a finite real number"
    assert exact_number(sympy.Float("1e400"), "c") == sympy.Integer(10) ** 400
    assert exact_number(Decimal("1e400"), "c") == sympy.Integer(10) ** 400
    assert lm.as_statement(x <= sympy.Float("1e400")).rhs == sympy.Integer(10) ** 400
    # doubles keep the Python float rule; a Decimal is its exact value
    assert exact_number(sympy.Float(0.1), "c") == sympy.Rational(1, 10)
    assert exact_number(Decimal("0.1000000000000000000001"), "c") == \
        sympy.Rational(1, 10) + sympy.Rational(1, 10**22)


@pytest.mark.parametrize("value, size", [(sympy.Float("1e-5000"), "-5000"),
                                         (Decimal("1e5000"), "5000")])
def test_a_float_or_decimal_follows_the_literal_exponent_limit(value, size):
    with pytest.raises(StatementError, match=f"c is .*decimal exponent {size} is larger "
                                             "than 1000 in size"):
        exact_number(value, "c")


def test_a_box_bound_beyond_float_range_is_read_exactly_not_flushed():
    # box(x=(Float("-1e-400"), 1)) was [0, 1], and x >= 0 was PROVED on it
    d = lm.box(x=(sympy.Float("-1e-400"), 1))
    assert d.parts[0].params[0] == (-TINY, 1)
    assert lm.prove("x >= 0", domain=d).verdict == "UNDECIDED"
    assert lm.prove("x >= -1e-400", domain=d).verdict == "PROVED"
    with pytest.raises(StatementError, match="box upper bound of x is 1.00[eE]\\+400, "
                                             "beyond float64's range"):
        lm.box(x=(0, sympy.Float("1e400")))


# -- 2. an identity sympy reduces to 0 == 0 ----------------------------------------------

@pytest.mark.parametrize("text", ["x - x == 0", "0*x == 0", "x**(-1)*x - 1 == 0"])
def test_an_identity_reduced_to_zero_is_proved(text):
    r = lm.prove(text)  # OverflowError: int(-oo), the degree of the zero polynomial
    assert r.verdict == "PROVED"
    assert r.method == "identity" and r.degree == 0 and r.certificate is None


def test_the_cli_proves_an_identity_reduced_to_zero(capsys):
    status = main(["lemma", "x - x == 0"])  # exit 70 with a traceback before
    out, err = capsys.readouterr()
    assert status == 0
    assert out.startswith("PROVED: x - x == 0 (decided by exact rational computation")
    assert "Traceback" not in err


# -- 3. every cancelled denominator is kept as b != 0 ------------------------------------

@pytest.mark.parametrize("text", ["x*x**-1 + x >= 5", "x**(-2)*x**2 + y >= 5",
                                  "1/(1/x) + y >= 5 + x", "x*(1/x) + x >= 5"])
def test_a_cancelled_negative_power_or_nested_denominator_is_kept(text):
    st = lm.as_statement(text)
    assert st.domain.describe() == "x != 0 (where the statement is defined)"
    assert not st.domain.contains({v: 0 for v in st.variables})
    r = lm.refute(st, seed=0, budget=2)
    # refuted at x = 0 before, where the statement is undefined (0/0)
    assert r.verdict == "REFUTED" and r.point["x"] != 0


def test_a_rational_denominator_is_kept_as_its_numerator():
    st = lm.as_statement("(x + 1/y)/(x + 1/y) + x >= 5")
    assert st.domain.describe() == ("y != 0 (where the statement is defined); x*y + 1 != 0 "
                                    "(where the statement is defined)")
    assert not st.domain.contains({x: -1, y: 1}) and st.domain.contains({x: 1, y: 1})


def test_a_denominator_still_in_the_statement_adds_nothing():
    assert lm.as_statement("1/x >= 0").domain.is_everywhere
    assert lm.as_statement("x**-2 >= 0").domain.is_everywhere
    # 1/x - 1/x is 0 to sympy: the difference no longer divides by x, so x != 0 is kept
    st = lm.as_statement("1/x + 5 >= 1/x + 6")
    assert st.domain.describe() == "x != 0 (where the statement is defined)"


def test_prove_of_a_cancelled_negative_power_is_on_its_domain():
    r = lm.prove("x**(-2)*x**2 >= 1")
    assert r.verdict == "PROVED"
    assert lm.as_statement("x**(-2)*x**2 >= 1").domain.describe() == \
        "x != 0 (where the statement is defined)"


# -- 4. oo, zoo and nan in a relation built in Python -----------------------------------

@pytest.mark.parametrize("make, message", [
    (lambda: sympy.GreaterThan(x, sympy.oo, evaluate=False), "'oo' is infinity"),
    (lambda: sympy.LessThan(x, -sympy.oo, evaluate=False), "'oo' is infinity"),
    (lambda: sympy.GreaterThan(x**2 + sympy.oo, 0, evaluate=False), "'oo' is infinity"),
    (lambda: sympy.GreaterThan(x, sympy.zoo, evaluate=False),
     "'zoo' is sympy's complex infinity"),
    (lambda: sympy.GreaterThan(x, sympy.nan, evaluate=False),
     "'nan' is sympy's not-a-number"),
])
def test_infinity_in_a_python_relation_is_refused_as_in_a_string(make, message):
    for call in (lm.as_statement, lambda r: lm.refute(r, seed=0, budget=0.3), lm.prove):
        with pytest.raises(StatementError, match=f"{message}, not a finite real number"):
            call(make())


# -- 5. bounds below float64's resolution ------------------------------------------------

@pytest.mark.parametrize("bound, negative", [
    ("1e-400", "-1e-400"), (TINY, -TINY), (Decimal("1e-400"), Decimal("-1e-400")),
    (sympy.Float("1e-400"), sympy.Float("-1e-400"))])
def test_a_nonzero_bound_that_rounds_to_zero_is_refused(bound, negative):
    # the search saw [0, 1e-400] as the point 0, and refute("x <= 0") passed
    with pytest.raises(StatementError, match="box: the upper bound of x, 1.00e-400, is "
                                             "nonzero but below float64's resolution"):
        lm.box(x=(0, bound))
    with pytest.raises(StatementError, match="box: the lower bound of x, -1.00e-400, is "
                                             "nonzero but below float64's resolution"):
        lm.box(x=(negative, 0))
    with pytest.raises(StatementError, match=r"box: the bounds of x, \[1.00e-400, "
                                             r"1.00e-400\], are nonzero"):
        lm.box(x=(bound, bound))
    with pytest.raises(StatementError, match="ball: radius 1.00e-400 is nonzero but below "
                                             "float64's resolution"):
        lm.ball([x], radius=bound)


def test_a_box_narrower_than_float_resolution_is_refused():
    with pytest.raises(StatementError, match="box: the bounds of x differ by 1.00e-400, "
                                             "less than float64 can resolve there "
                                             r"\(both round to 1.0\)"):
        lm.box(x=(1, "1 + 1e-400"))


def test_bounds_float64_can_resolve_are_kept_exactly():
    assert lm.box(x=(0, "5e-324")).parts[0].params[0] == (0, sympy.Rational(5, 10**324))
    # floats from 5e-324 up lie in [1e-400, 1]: the search sees that box
    assert lm.box(x=("1e-400", 1)).parts[0].params[0] == (TINY, 1)
    assert lm.box(x=(3, 3)).bounds()[x] == (3, 3)
    r = lm.refute("x <= 0", domain=lm.box(x=(0, "1e-300")), seed=0, budget=2)
    assert r.verdict == "REFUTED" and 0 < r.point["x"] <= Fraction(1, 10**300)


# -- 6. numpy scalars follow the float rule ---------------------------------------------

def test_a_float32_bound_is_the_decimal_shown_and_searched():
    d = lm.box(x=(0, np.float32(0.1)))
    assert d.parts[0].params[0] == (0, sympy.Rational(1, 10))
    assert d.describe() == "x in [0, 1/10]"
    # REFUTED at 3602879701932425/2**55 before, above the bound shown
    r = lm.refute("x <= 1/10", domain=d, seed=0, budget=1)
    assert r.verdict == "UNDECIDED"
    r = lm.refute("x <= 1/20", domain=d, seed=0, budget=2)
    assert r.verdict == "REFUTED" and Fraction(1, 20) < r.point["x"] <= Fraction(1, 10)


def test_numpy_scalars_are_read_as_in_a_relation():
    third = np.float32(1) / np.float32(3)  # numpy prints it 0.33333334
    assert exact_number(third, "c") == sympy.Rational("0.33333334")
    assert lm.as_statement(x <= third).rhs == sympy.Rational("0.33333334")
    assert exact_number(np.float16(0.1), "c") == sympy.Rational(1, 10)
    assert exact_number(np.longdouble("0.1"), "c") == sympy.Rational(1, 10)
    assert exact_number(np.longdouble("0.5"), "c") == sympy.Rational(1, 2)
    with pytest.raises(StatementError, match="c must be a finite real number, got nan"):
        exact_number(np.float32("nan"), "c")


# -- 7. messages that say what is wrong --------------------------------------------------

def test_a_decimal_box_bound_is_read_exactly():
    # "must be a finite real number, got Decimal('0')" before
    d = lm.box(x=(Decimal("0"), Decimal("0.25")))
    assert d.parts[0].params[0] == (0, sympy.Rational(1, 4))
    with pytest.raises(StatementError, match=r"box upper bound of x must be a finite real "
                                             r"number, got Decimal\('NaN'\)"):
        lm.box(x=(0, Decimal("nan")))


def test_a_bound_that_is_no_number_says_what_it_got():
    with pytest.raises(StatementError, match="box upper bound of x must be a real number "
                                             r"\(an int, float, .*\), got list \[1\]"):
        lm.box(x=(0, [1]))
