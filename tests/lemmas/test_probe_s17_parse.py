"""Probe s17 (parser): the size of exact constants, constants too long to print, big
integers in the float search, and error columns after the signs ≥ and ≤."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof import lemmas as lm
from specproof.certificates.sos_certificate import statement_digest
from specproof.cli import main
from specproof.lemmas.display import as_written
from specproof.lemmas.numeric import batch_function, compile_expr
from specproof.lemmas.parse import parse_statement
from specproof.lemmas.parse_reader import MAX_CONSTANT_BITS, MAX_ROOT_BITS

X = sympy.Symbol("x", real=True)


def run(capsys, *argv):
    status = main(["lemma", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- 1. exact constants within 2**(+-10**6), refused before they are built -----------------

@pytest.mark.parametrize("text, constant", [
    # sympy built 10**(10**9) exactly: a hang, refused now at the inner power
    ("((10**1000)**1000)**1000 >= 1", "(10**1000)**1000 holds"),
    # was PROVED with the enclosure 1e+1000000 +- 1, beyond the documented 2**(10**6)
    ("(10**1000)**1000 >= 1", "(10**1000)**1000 holds"),
    ("x >= (10**-1000)**1000", "(10**-1000)**1000 holds"),
    ("(10**1000*x)**1000 >= 0", "(10**1000*x)**1000 holds"),
    ("x >= (10**1000)**300 * (10**1000)**300", "(10**1000)**300 * (10**1000)**300 holds"),
    ("x >= (2**1000)**1000", "(2**1000)**1000 holds an exact constant of 1000001 bits"),
])
def test_an_exact_constant_beyond_the_limit_is_refused_where_written(text, constant):
    with pytest.raises(lm.StatementError) as info:
        lm.as_statement(text)
    msg = str(info.value)
    assert constant in msg and f"at most {MAX_CONSTANT_BITS} bits" in msg


def test_the_limit_is_the_documented_one():
    assert MAX_CONSTANT_BITS == 10**6
    # just below: (2**999)**1000 has 999001 bits, and stays exact
    st = lm.as_statement("x >= (2**999)**1000")
    assert st.rhs == sympy.Integer(2)**999000


def test_the_column_of_the_refused_power():
    with pytest.raises(lm.StatementError, match=r"at column 18$"):
        lm.as_statement("x**2 + y**2 + 0*((10**1000)**1000)**1000 >= 2*x*y")


def test_the_refused_power_is_an_error_of_the_cli(capsys):
    status, out, err = run(capsys, "(10**1000)**1000 >= 1")
    assert status == 2 and "PROVED" not in out
    assert "(10**1000)**1000 holds an exact constant of about 3321000 bits" in err


@pytest.mark.parametrize("text, what", [
    ("x >= sqrt(3*(10**1000)**300 + 1)", "takes a root"),
    ("x >= (3*(10**1000)**300 + 1)**(1/3)", "takes a root"),
    ("x >= sqrt((3*(10**1000)**300 + 1)*x)", "takes a root"),
    ("x >= log((10**1000)**300 + 7)", "takes a log"),
    ("x >= norm([[(10**1000)**300 + 7, 0], [0, 1]], 'fro')", "takes a root"),
])
def test_a_root_or_log_of_a_large_constant_is_refused(text, what):
    # sympy factors the constant (a primality test of the cofactor): hours at 10**6 bits
    with pytest.raises(lm.StatementError) as info:
        lm.as_statement(text)
    assert what in str(info.value) and f"at most {MAX_ROOT_BITS} bits" in str(info.value)


def test_a_root_of_a_moderate_constant_is_still_exact():
    assert lm.as_statement("x >= sqrt(4*10**1000)").rhs == 2 * sympy.Integer(10)**500


@pytest.mark.parametrize("text", [
    "x**2 + y**2 + 0*((10**1000)**1000)**1000 >= 2*x*y",
    "x**2 + y**2 + 0*sqrt((10**1000)**300 + 7) >= 2*x*y",
    "x**2 + y**2 + 0*log((10**1000)**300 + 7) >= 2*x*y",
])
def test_a_forged_certificate_text_with_a_huge_constant_is_invalid(tmp_path, capsys, text):
    # a valid certificate whose text was changed (its hash recomputed): `specproof check`
    # parsed it again and ran forever
    doc = lm.prove("x**2 + y**2 >= 2*x*y").certificate.to_dict()
    doc["statement"]["text"] = text
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(doc))
    status = main(["check", str(path)])
    out = capsys.readouterr().out
    assert status == 1 and out.startswith("INVALID") and "exact constant" in out


def test_a_large_odd_denominator_is_signed_without_a_primality_test(monkeypatch):
    # need() asked sympy whether 1/N is nonnegative, which sympy may settle by testing N
    # for primality (hours at 10**6 bits, at random)
    import sympy.ntheory.primetest as primetest

    def refuse(n, *args, **kwargs):
        if int(n).bit_length() > 64:
            raise AssertionError(f"primality test of a {int(n).bit_length()}-bit integer")
        return original(n, *args, **kwargs)

    original = primetest.isprime
    monkeypatch.setattr(primetest, "isprime", refuse)
    for k in range(1, 40, 2):  # sympy's order of deductions is random
        n = f"((10**1000)**4 + {k})"
        st = parse_statement(f"x >= 1/{n} + 0/{n}")
        assert st.rhs == 1 / (sympy.Integer(10)**4000 + k)


# -- 2. constants of over 4300 digits --------------------------------------------------

@pytest.mark.parametrize("text", [
    "x >= 10**1000*10**1000*10**1000*10**1000*10**1000",
    "x >= 0x" + "f" * 4000,
])
def test_a_constant_of_over_4300_digits_is_refuted_in_the_cli(capsys, text):
    # as_written printed it with str(int): a ValueError, exit status 70
    status, out, _ = run(capsys, text, "--budget", "1")
    assert status == 1 and out.startswith("REFUTED") and "at x = 0" in out


def test_a_constant_of_over_4300_digits_is_proved_in_the_cli(capsys):
    status, out, _ = run(capsys, "x**2 >= -(10**1000)**5")
    assert status == 0 and out.startswith("PROVED")


@pytest.mark.parametrize("expr", [
    X - sympy.Integer(10)**5000,
    X + 1 / sympy.Integer(10)**5000,
    -sympy.Integer(10)**5000 * X**2 + sympy.Rational(3, 1) / sympy.Integer(10)**5000,
    X * (sympy.Integer(10)**5000 + 1) / (sympy.Integer(10)**5000 + 3),
])
def test_a_long_constant_is_written_in_hexadecimal_and_reads_back(expr):
    text = as_written(expr)
    assert "0x" in text
    assert sympy.expand(parse_statement(f"{text} >= 0").difference() - expr) == 0
    assert "\\mathtt{0x" in as_written(expr, tex=True)


def test_a_statement_built_in_python_with_a_long_constant():
    st = lm.as_statement(X >= sympy.Integer(10)**5000)
    assert st.text.startswith("x >= 0x31e20801")
    assert lm.as_statement(st.text).rhs == sympy.Integer(10)**5000


def test_a_decimal_literal_of_over_4300_digits_names_its_column():
    # Python's parser gives no column: it read "the statement ends before its expression
    # is complete"
    with pytest.raises(lm.StatementError, match="integer literal at column 6 has 5001 digits"):
        lm.as_statement("x >= 1" + "0" * 5000)


def test_a_decimal_fraction_of_over_4300_digits_is_exact():
    # sympy.Rational of its text went through int(str): a TypeError
    st = lm.as_statement("x >= 1." + "3" * 5000)
    assert st.rhs == sympy.Rational((4 * 10**5000 - 1) // 3, 10**5000)


# -- 3. integers beyond int64 in the float search ---------------------------------------

def test_log_of_an_integer_beyond_int64():
    # numpy got the Python int 2**64 as an object array: "loop of ufunc does not support
    # argument 0 of type int which has no callable log method"
    r = lm.refute("x <= log(2**64)", budget=1, seed=0)
    assert r.verdict == "REFUTED"
    assert r.rhs.lo <= Fraction("44.36141955583649980270") <= r.rhs.hi  # 64 log 2
    f = compile_expr(sympy.log(sympy.Integer(2)**64), [X])
    assert f(np.array([0.0])) == pytest.approx(64 * math.log(2), rel=1e-15)


@pytest.mark.parametrize("text", ["x >= log(2**64)", "x >= 1/log(2**64)"])
def test_log_of_a_big_integer_is_refuted_in_the_cli(capsys, text):
    status, out, _ = run(capsys, text, "--budget", "1")
    assert status == 1 and out.startswith("REFUTED")


@pytest.mark.parametrize("text", ["x >= exp(-2**70)", "x**2 >= -log(10**30)",
                                  "x >= exp(10**1000)"])
def test_exp_and_log_of_big_integers_end_in_a_verdict(capsys, text):
    status, out, err = run(capsys, text, "--budget", "1")
    assert status in (1, 3) and "Traceback" not in err and "internal error" not in err


def test_big_integers_overflow_to_infinities_of_their_sign():
    x = np.array([[0.0], [1.0]])
    assert compile_expr(sympy.exp(-sympy.Integer(2)**70), [X])(x[0]) == 0.0
    assert compile_expr(sympy.exp(sympy.Integer(10)**1000), [X])(x[0]) == math.inf
    assert compile_expr(X - sympy.Integer(10)**400, [X])(x[1]) == -math.inf
    values = batch_function(X * sympy.Integer(2)**64 + sympy.log(sympy.Integer(10)**30), [X])(x)
    assert values == pytest.approx([30 * math.log(10), 2.0**64 + 30 * math.log(10)])


# -- 4. columns after the signs ≥ and ≤ ----------------------------------------------------

@pytest.mark.parametrize("text, column", [
    ("x ≥ 2 2", 7),  # was 8, past the end of the 7 characters
    ("x ≥ y ≥ z", 9),  # was 11 of 9
    ("x ≥ 1/0", 5),  # was 6
    ("x ≤ log(-2)", 5),
    ("x ≥ 1 # comment", 7),
    ("x >= 1 # comment", 8),  # '#' was named by its 0-based index
])
def test_a_column_after_a_unicode_relation(text, column):
    with pytest.raises(lm.StatementError, match=f"at column {column}"):
        lm.as_statement(text)


def test_the_caret_is_under_the_character():
    with pytest.raises(lm.StatementError) as info:
        lm.as_statement("x ≥ 2 2")
    line, caret = str(info.value).splitlines()[1:3]
    assert line == "  x ≥ 2 2" and caret == "        ^" and line[caret.index("^")] == "2"
