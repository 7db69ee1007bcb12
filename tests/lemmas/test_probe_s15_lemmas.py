"""Findings of the session-15 adversarial review of the lemma tools, kept as tests.

Powers with a large rational exponent at a search point (``abs(x)**x``, ``x**y``,
``x**(123456/654321)``) hung or ended in an OverflowError inside sympy's exact power, past
every budget; and a variable named like a sympy constant (``--vars E``) ended in a
traceback although the Python API took it.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import sympy

from specproof import lemmas as lm
from specproof.lemmas.confirm import _costly_power, confirm
from specproof.lemmas.statement import as_statement

ROOT = Path(__file__).resolve().parents[2]

# each runs in a child with a timeout: a regression is a hang, which must fail the test,
# not stop the suite
CHILD = """
from fractions import Fraction
from specproof.lemmas.confirm import confirm
from specproof.lemmas.statement import as_statement
st = as_statement({text!r})
c = confirm(st, dict(zip(st.variables, {point!r})), seconds=5)
print(c.violated, c.exact, c.margin.lo > 0 if hasattr(c.margin, "lo") else c.margin > 0)
"""


@pytest.mark.parametrize("text, point", [
    # sympy's (81523288/399295)**(-81523288/399295) did not return
    ("abs(x)**x >= 0", (Fraction(-81523288, 399295),)),
    # sympy's perfect_power raised OverflowError: int too large to convert to float
    ("x**y >= 0", (Fraction(330593, 9868), Fraction(-1230847, 5753))),
])
def test_confirm_of_a_costly_power_is_decided_by_intervals(text, point):
    out = subprocess.run([sys.executable, "-c", CHILD.format(text=text, point=point)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # the value is positive: not violated, certified by an enclosure (not exact)
    assert out.stdout.split() == ["False", "False", "True"]


@pytest.mark.parametrize("argv, code, first", [
    (["abs(x)**x >= 0", "--budget", "2"], 3, "UNDECIDED: abs(x)**x >= 0"),
    (["x**y >= 0", "--budget", "2"], 3, "UNDECIDED: x**y >= 0"),
    (["x**(123456/654321) <= x + 1", "--budget", "2"], 3,
     "UNDECIDED: x**(123456/654321) <= x + 1"),
])
def test_cli_lemma_on_costly_powers_ends_within_its_budget(argv, code, first):
    out = subprocess.run([sys.executable, "-m", "specproof", "lemma", *argv], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == code, out.stderr
    assert out.stdout.splitlines()[0].startswith(first)
    assert "Traceback" not in out.stderr


def test_cheap_powers_are_still_exact():
    st = as_statement("x**(1/3) >= 3")
    c = confirm(st, {st.variables[0]: Fraction(8)})
    assert c.violated and c.exact and c.lhs == 2 and c.margin == -1
    st = as_statement("x**7 >= 1")
    c = confirm(st, {st.variables[0]: Fraction(1, 2)})
    assert c.violated and c.exact and c.lhs == Fraction(1, 128)


def test_costly_power_thresholds():
    x, y = sympy.symbols("x y", real=True)
    half = {x: sympy.Rational(1, 2), y: sympy.Rational(3, 1)}
    assert not _costly_power(x**y, half)
    assert not _costly_power(sympy.sqrt(x), half)
    assert not _costly_power(x**sympy.Rational(4096, 64), half)
    assert _costly_power(x**sympy.Rational(4097, 64), half)
    assert _costly_power(x**sympy.Rational(1, 65), half)
    assert not _costly_power(x**100000, half)
    assert _costly_power(x**100001, half)
    assert _costly_power(x**(y * 10**6), half)
    assert _costly_power(x**(2**y), half)  # a power in the exponent
    assert not _costly_power(x**sympy.pi, half)


@pytest.mark.parametrize("text, var, verdict", [
    ("E**2 + 1 >= 2*E", "E", "PROVED: E**2 + 1 >= 2*E"),
    ("I**2 >= 0", "I", "PROVED: I**2 >= 0"),
    ("pi**2 >= 0", "pi", "PROVED: pi**2 >= 0"),
    ("E**2 >= 2*E", "E", "REFUTED: E**2 >= 2*E is false"),
])
def test_cli_vars_named_like_sympy_constants(text, var, verdict, capsys):
    from specproof.cli import main

    main(["lemma", text, "--vars", var])
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(verdict)


def test_a_statement_with_a_constant_named_variable_survives_a_rebuild():
    st = as_statement("E**2 + 1 >= 2*E", variables=["E"])
    again = as_statement(st)
    assert again.variables == st.variables and again.text == st.text
    assert lm.refute(st, budget=1).__class__.__name__ != "Refuted"
    bad = lm.refute(as_statement("E**2 >= 2*E", variables=["E"]), budget=1)
    assert bad.__class__.__name__ == "Refuted"


@pytest.mark.parametrize("text", ["x**2 + 1e-6 >= 0", "x**2 + 1e-300 >= 0",
                                  "10**6*x**2 + 1 >= 0", "x**4 + y**2 + 1e-300 >= 0"])
def test_a_sum_of_non_negative_square_terms_is_proved_without_the_solver(text):
    # the solver called these badly scaled 1 x 1 blocks infeasible: UNDECIDED before
    r = lm.prove(text)
    assert r.verdict == "PROVED" and r.method == "diagonal"
    from specproof.certificates import check_sos

    assert check_sos(r.certificate).ok


@pytest.mark.parametrize("text", ["x**2 - 1e-6 >= 0", "x**2 + 1e-6 >= 1e-5",
                                  "x**2 - 2*x + 1e-300 >= 0"])
def test_false_or_non_diagonal_statements_are_not_proved_by_the_diagonal_route(text):
    # each is false (a negative term, at x = 0 or x = 1): never proved
    assert lm.prove(text).verdict != "PROVED"
