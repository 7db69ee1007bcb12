"""Trying to make refute/confirm accept something false: ties, magnitudes, identities, Ctrl-C."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as hs

from specproof import lemmas as lm
from specproof.lemmas.confirm import Unconfirmable, confirm

x, y = sympy.symbols("x y", real=True)
_coef = hs.fractions(min_value=-10**6, max_value=10**6, max_denominator=10**6)
_point = hs.fractions(min_value=-10**3, max_value=10**3, max_denominator=10**9)


@settings(max_examples=40, deadline=None)
@given(hs.lists(hs.tuples(_coef, hs.integers(0, 4), hs.integers(0, 4)), min_size=1, max_size=5),
       _point, _point)
def test_confirm_agrees_with_exact_evaluation(terms, px, py):
    f = sympy.Add(*[sympy.Rational(c.numerator, c.denominator) * x**i * y**j
                    for c, i, j in terms])
    st = lm.as_statement(sympy.GreaterThan(f, 0, evaluate=False))
    values = {x: sympy.Rational(px.numerator, px.denominator),
              y: sympy.Rational(py.numerator, py.denominator)}
    point = {s: (px if s == x else py) for s in st.variables}
    c = confirm(st, point)
    exact = f.xreplace(values)
    assert c.exact and c.violated == bool(exact < 0)
    assert c.margin == Fraction(int(exact.p), int(exact.q))


@settings(max_examples=40, deadline=None)
@given(hs.integers(1, 60), hs.sampled_from([-1, 1]))
def test_interval_confirmation_separates_tiny_gaps_and_never_ties(k, sign):
    # sqrt(2 + s 2^-k) against sqrt(2): a gap of about 2^-(k+1.5), never zero
    st = lm.as_statement("sqrt(x) <= sqrt(2)")
    c = confirm(st, {st.variables[0]: 2 + sign * Fraction(1, 2**k)})
    assert not c.exact and c.violated == (sign > 0)
    with pytest.raises(Unconfirmable):
        confirm(st, {st.variables[0]: Fraction(2)})  # an exact tie of irrationals


def test_false_identity_is_refuted_and_true_one_is_not():
    r = lm.refute("(x + 1)**2 = x**2 + 1", seed=0, budget=5)
    assert isinstance(r, lm.Refuted) and r.relation == "=="
    px = r.point["x"]
    assert (px + 1) ** 2 != px**2 + 1 and r.margin == 2 * px
    u = lm.refute("(x + 1)**2 = x**2 + 2*x + 1", seed=0, budget=0.3)
    assert isinstance(u, lm.Undecided)


@pytest.mark.parametrize("text", ["x**2 >= 1e-30", "1e300*x**2 + 1 >= 1e300*x",
                                  "x**2 + 1e-200 >= 2e-100*x + 1e-199"])
def test_extreme_magnitudes(text):
    r = lm.refute(text, seed=0, budget=5)
    assert isinstance(r, lm.Refuted), r
    st = lm.as_statement(text)
    value = st.difference().xreplace({st.variables[0]: sympy.Rational(
        r.point["x"].numerator, r.point["x"].denominator)})
    assert value < 0


def test_a_statement_that_is_true_at_every_magnitude_is_not_refuted():
    assert isinstance(lm.refute("1e300*x**2 + 1e-300 >= 0", seed=0, budget=0.5), lm.Undecided)


def test_ctrl_c_returns_what_was_found():
    calls = {"n": 0}

    def slow(v):
        calls["n"] += 1
        if calls["n"] == 51:  # Ctrl-C arrives once, mid-search
            raise KeyboardInterrupt
        return float(v[0] ** 2 + 1)

    r = lm.refute(slow, variables={"v": 1}, budget=30)
    assert isinstance(r, lm.Undecided) and "interrupted" in r.tried[0]


def test_progress_is_shown_when_asked(capsys):
    lm.refute("x**2 + 1 >= 2*x", budget=0.5, progress=True)
    err = capsys.readouterr().err
    assert "refute:" in err and "points" in err and "best normalised margin" in err


def test_logm_is_enclosed_even_with_repeated_eigenvalues():
    P = lm.Matrix("P", 2, 2, kind="psd")
    # tr log P = log det P exactly: the +1/1000 makes it false everywhere, P = I included
    r = lm.refute(lm.trace(lm.logm(P)) >= lm.log(lm.det(P)) + sympy.Rational(1, 1000),
                  seed=0, budget=5)
    assert isinstance(r, lm.Refuted)
    st = lm.as_statement(lm.trace(lm.logm(P)) <= lm.trace(P) - 2)  # log t <= t - 1: true
    for a, b, c in [(1, 0, 2), (2, 0, 2), (2, 1, 3), (Fraction(1, 7), Fraction(1, 9), 5)]:
        conf = confirm(st, dict(zip(st.variables, map(Fraction, (a, b, c)))))
        assert not conf.violated
        exact = float(sympy.log(sympy.Matrix([[a, b], [b, c]]).det()))  # tr log = log det
        assert repr(st) and "P is PSD" in st.domain.describe()
        lhs = conf.lhs if isinstance(conf.lhs, lm.Interval) else lm.Interval(conf.lhs, conf.lhs)
        assert float(lhs.lo) - 1e-15 <= exact <= float(lhs.hi) + 1e-15


def test_a_value_sympy_cannot_reduce_is_enclosed_not_guessed():
    # log(8)/log(2) is exactly 3, but sympy keeps it unevaluated: confirm must enclose it
    # (and find the tie undecidable), never guess a nearby rational
    st = lm.as_statement("log(8*x)/log(2) >= 3")
    with pytest.raises(Unconfirmable, match="contains 0"):
        confirm(st, {st.variables[0]: Fraction(1)})
    c = confirm(st, {st.variables[0]: Fraction(1) - Fraction(1, 10**40)})
    assert c.violated and not c.exact
