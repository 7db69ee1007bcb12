"""A second adversarial probe of the lemma front end: each test is one way it was made to
give a wrong verdict, a self-contradicting witness, or a certificate that fails its own
re-check, before the fix."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy

import specproof.lemmas as lm
from specproof.cli import main
from specproof.lemmas.errors import EmptyDomainError, StatementError
from specproof.lemmas.recheck import statement_matches

x = sympy.Symbol("x", real=True)


def test_a_string_entry_name_is_the_entry_of_the_given_matrix():
    # "P_0_1" was a fresh scalar: the true P_01^2 <= P_00 P_11 (P PSD) was REFUTED at
    # P_0_1 = 1 with P = 0
    P = lm.Matrix("P", 2, 2, kind="psd")
    st = lm.as_statement("P_0_1**2 <= P_0_0*P_1_1", variables=[P])
    assert set(st.variables) == set(P.symbols) and len(st.variables) == 3
    assert lm.refute(st, budget=0.5).verdict != "REFUTED"
    # the lower entry of a symmetric matrix is the upper one; a diagonal's off-diagonal is 0
    S = lm.Matrix("S", 2, 2, kind="symmetric")
    assert lm.as_statement("S_1_0 - S_0_1 == 0", variables=[S]).difference() == 0
    D = lm.Matrix("D", 2, 2, kind="diagonal")
    assert lm.as_statement("D_0_1 + D_0_0 >= 0", variables=[D]).difference() == D[0, 0]


def test_a_certificate_naming_one_entry_rechecks():
    # prove(P[0,1]**2 <= ...) wrote the text "P_0_1**2 <= ..." and the re-check read
    # P_0_1 as a new scalar: INVALID for a valid certificate
    P = lm.Matrix("P", 2, 2, kind="psd")
    r = lm.prove(P[0, 1] ** 2 <= P[0, 0] * P[1, 1])
    assert r.verdict == "PROVED"
    same, why = statement_matches(r.certificate)
    assert same, why
    # and a wrong text is still caught
    forged = r.certificate.__class__(**{**r.certificate.__dict__,
                                        "text": "P_0_1**2 <= 2*P_0_0*P_1_1"})
    assert not statement_matches(forged)[0]


def test_a_name_that_is_a_scalar_and_an_entry_is_refused():
    A = lm.Matrix("A", 1, 1)
    with pytest.raises(StatementError, match="both a variable of its own and the entry"):
        lm.as_statement("A_0_0 >= 0", variables=[A, "A_0_0"])
    with pytest.raises(StatementError, match="two different variables are both named A_0_0"):
        lm.refute(sympy.Symbol("A_0_0", real=True) - A[0, 0] >= 0)


def test_two_matrices_of_one_name_are_refused_not_merged():
    # refute crashed with a NameError, prove called the statement "not polynomial"
    A, B = lm.Matrix("A", 1, 1), lm.Matrix("A", 1, 1)
    for decide in (lm.refute, lm.prove):
        with pytest.raises(StatementError, match="two different Matrix variables are both "
                                                 "named 'A'"):
            decide(A[0, 0] - B[0, 0] >= 0)


@pytest.mark.parametrize("domain, why", [
    # contradictory one-variable bounds: found before any search (the checker refuses
    # every certificate on such a domain), the rest by a proof of -1 >= 0 on the domain
    (lm.constraints("x >= 2", "x <= 1"),
     r"domain inequalities 0 and 1 say x >= 2 and x <= 1, and 2 > 1 \(by 1\)"),
    (lm.constraints("x**2 + 1 <= 0"), "-1 >= 0"),
    (lm.constraints("x**2 == -1"), "-1 >= 0"),
    (lm.box(x=(0, 1)) & lm.constraints("x >= 2"),
     r"domain inequalities 2 and 1 say x >= 2 and x <= 1"),
    (lm.ball([x], 1) & lm.box(x=(2, 3)), "-1 >= 0"),
])
def test_a_proof_on_an_empty_domain_is_refused(domain, why):
    # every statement holds on the empty set: x >= 5 was PROVED ("checked exactly")
    with pytest.raises(EmptyDomainError, match=f"the domain is empty.*{why}"):
        lm.prove("x >= 5", domain=domain)


def test_nonempty_domains_still_prove():
    assert lm.prove("x <= 1", domain=lm.constraints("x**2 <= 1")).verdict == "PROVED"
    assert lm.prove("x*y <= 1/2",
                    domain=lm.constraints("x**2 + y**2 == 1")).verdict == "PROVED"
    # a one-point domain is not empty
    assert lm.prove("x >= 0", domain=lm.constraints("x >= 0", "x <= 0")).verdict == "PROVED"


def test_cli_refuses_an_empty_domain_and_names_a_domain_next_to_the_verdict(capsys):
    status = main(["lemma", "x >= 5", "--constraint", "x >= 2", "--constraint", "x <= 1",
                   "--budget", "1"])
    out, err = capsys.readouterr()
    assert status == 2 and "the domain is empty" in err and "PROVED" not in out
    status = main(["lemma", "x >= 5", "--box", "x=6:7", "--budget", "1"])
    out, _ = capsys.readouterr()
    assert status == 0 and out.startswith("PROVED: x >= 5 on x in [6, 7] (")


@pytest.mark.parametrize("kw, statement", [
    ({"positive": True}, lambda p: p + 1 / p >= 2),      # was REFUTED at p = -1
    ({"integer": True}, lambda p: p**2 >= p),            # was REFUTED at p = 1/16
    ({"nonzero": True}, lambda p: p**2 + p >= 0),        # silently made a plain real
    ({"nonnegative": True}, lambda p: p**3 + p >= 0),    # sympy decided it first
])
def test_sympy_assumptions_on_variables_are_refused(kw, statement):
    p = sympy.Symbol("p", **kw)
    with pytest.raises(StatementError, match="p carries the sympy assumptions|already decided"):
        lm.refute(statement(p), budget=0.2)
    with pytest.raises(StatementError, match=f"{next(iter(kw))}=True"):
        lm.as_statement(p**2 + p + sympy.Symbol("y") >= -5)


def test_plain_and_real_symbols_are_accepted():
    a, b = sympy.Symbol("a"), sympy.Symbol("b", real=True)
    assert lm.prove(a**2 + b**2 >= 2 * a * b).verdict == "PROVED"


@pytest.mark.parametrize("text", [
    "exp(log(x, E)) >= 0",           # two-argument log escaped the x > 0 rule
    "exp(log(x, 2)*log(2)) >= 0",
    "log(2, x)*log(x) <= 100",       # the base too must be > 0
])
def test_two_argument_log_is_claimed_only_where_real(text):
    r = lm.refute(text, budget=0.5, seed=0)
    assert r.verdict != "REFUTED", r


@pytest.mark.parametrize("text, bad", [
    ("sqrt(x, 0)**2 >= 0", "sqrt takes one argument"),  # sympy's evaluate flag
    ("x**2 + sqrt(-1)**2 >= 0", r"sqrt\(-1\) is not a real number"),  # was REFUTED at x = 0
    ("x**2 + log(-1)*log(-1) + pi**2 >= 0", r"log\(-1\) is not a real number"),  # was PROVED
    ("(-1)**0.5 + x**2 >= 0", r"\(-1\)\*\*0.5 is not a real number"),
])
def test_non_real_constants_are_refused(text, bad):
    with pytest.raises(StatementError, match=bad):
        lm.as_statement(text)


def test_a_refuted_entry_statement_has_a_consistent_witness():
    # the witness names each entry once, with the value the matrix shows
    A = lm.Matrix("A", 2, 2)
    r = lm.refute("A_0_1 * A_1_0 >= 0", variables=[A], budget=1)
    assert r.verdict == "REFUTED"
    M = r.point["A"] if "A" in r.point else None
    a01, a10 = (Fraction(str(v)) for v in (r.point.get("A_0_1", M[0][1] if M else None),
                                          r.point.get("A_1_0", M[1][0] if M else None)))
    assert a01 * a10 < 0


@pytest.mark.parametrize("call, bad", [
    (lambda: lm.refute("x >= 0", seed="abc"), "seed must be an int"),
    (lambda: lm.refute("x >= 0", budget=True), "budget must be a positive number"),
    (lambda: lm.prove("x**2 >= 0", degree=True), "degree must be a non-negative integer"),
    (lambda: lm.box(x=(0, sympy.oo)), "box upper bound of x must be finite"),
    (lambda: lm.ball([x], sympy.oo), "radius must be finite"),
])
def test_bad_arguments_are_named(call, bad):
    with pytest.raises(StatementError, match=bad):
        call()


def test_a_low_precision_float_means_the_decimal_it_prints():
    from specproof.lemmas.exact_numbers import exact_number

    # Float("0.7", 5) holds 0.69999981 in 20 bits, and prints 0.70000
    assert exact_number(sympy.Float("0.7", 5), "c") == sympy.Rational(7, 10)
    assert exact_number(sympy.Float(0.1), "c") == sympy.Rational(1, 10)  # a double: repr
    assert exact_number(sympy.N(sympy.Rational(1, 3), 30), "c") == sympy.Rational(
        "0.333333333333333333333333333333")


def test_a_weakly_feasible_linear_bound_is_proved_with_the_default_solver():
    # Clarabel's solution pointed at a wrong face and the trivially true bound stayed
    # UNDECIDED ("the equations are infeasible"); auto now tries SCS after it
    r = lm.prove("x >= 5", domain=lm.constraints("x >= 6"))
    assert r.verdict == "PROVED"
    assert lm.prove("x >= 7", domain=lm.constraints("x >= 6")).verdict == "UNDECIDED"


@pytest.mark.parametrize("text", ["exp(log(x)) >= 0", "exp(log(x, 2)*log(2)) >= 0"])
def test_the_tightest_case_lies_where_the_statement_is_claimed(text):
    # x = -5e-29 passed the strict x > 0 rule (its 1e-12 penalty rounded into the 1e-12
    # tolerance) and was reported as the tightest case, margin -5e-29
    u = lm.refute(text, budget=0.5, seed=0)
    assert u.verdict == "UNDECIDED"
    assert u.tightest.point["x"] > 0 and u.tightest.lhs - u.tightest.rhs >= 0


@pytest.mark.parametrize("text", [
    "sqrt(y - x**2)**2 + x**2 >= 0",
    "exp(log(y - x**2)) + x**2 >= 0",
    "(y-x**2)**(1/2)*(y-x**2)**(1/2) + x**2 >= 0",
])
def test_a_variable_sympy_cancels_keeps_its_where_real_rule(text):
    # sympy reduces the left side to y; without x the rule y >= x**2 was dropped and the
    # true statement was REFUTED at y = -1 (where no real x makes it real)
    st = lm.as_statement(text)
    assert [str(v) for v in st.variables] == ["x", "y"]
    assert "where the statement is real" in str(st)
    assert lm.refute(text, budget=0.5, seed=0).verdict != "REFUTED"


def test_the_recheck_names_what_the_domain_assumes_beyond_the_matrix_kinds():
    # a file proving det(P) >= 1 "on" {det(P) - 1 >= 0} re-checked as a plain match
    P = lm.Matrix("P", 2, 2, kind="psd")
    honest = lm.prove(lm.det(P) >= 0).certificate
    same, why = statement_matches(honest)
    assert same and why.endswith("(P is 2x2 psd)")
    boxed = lm.prove("x >= 5", domain=lm.box(x=(6, 7))).certificate
    same, why = statement_matches(boxed)
    assert same and "also assumes -6 + x >= 0; 7 - x >= 0 (2 constraints" in why


def test_a_violation_below_float_rounding_at_a_simple_point_is_refuted_there():
    # exp(x) >= 1 + x + 1e-30 fails at x = 0 only; the search stopped near x ~ 1e-8,
    # where it holds, and the statement stayed UNDECIDED
    r = lm.refute("exp(x) >= 1 + x + 1e-30", budget=1, seed=0)
    assert isinstance(r, lm.Refuted) and r.point["x"] == 0
    # the rounded point must lie in the domain: x = 0 is outside [1/1000, 2]
    assert lm.refute("x**2 >= 1e-30", domain=lm.box(x=(0.001, 2)), budget=0.5,
                     seed=0).verdict == "UNDECIDED"
    assert lm.refute("exp(x) + 1e-300 >= 1 + x", budget=0.5, seed=0).verdict == "UNDECIDED"


@pytest.mark.parametrize("returns, what", [
    (lambda v: None, "got NoneType"), (lambda v: np.ones(2), "got ndarray of shape"),
    (lambda v: "3", "got str"), (lambda v: True, "got bool")])
def test_a_black_box_must_return_one_real_number(returns, what):
    # None or an array gave a bare TypeError from float(); "3" and True read as numbers
    with pytest.raises(StatementError, match=f"must return one real number.*{what}"):
        lm.refute(returns, variables={"v": 3}, budget=0.2, seed=0)


@pytest.mark.parametrize("broken", [lambda v: float("nan"), lambda v: 1 / 0])
def test_a_black_box_finite_nowhere_says_so(broken):
    u = lm.refute(broken, variables={"v": 3}, budget=0.2, seed=0)
    assert u.verdict == "UNDECIDED" and "no point gave a finite value" in u.tried[-1]
    ok = lm.refute(lambda v: v @ v, variables={"v": 3}, budget=0.2, seed=0)
    assert "no point gave a finite value" not in " ".join(ok.tried)
