"""Findings of the third adversarial review of the lemma front end, each kept as a test."""

from __future__ import annotations

import json
import os

import pytest
import sympy

from specproof import lemmas as lm
from specproof.certificates.sos_certificate import statement_digest
from specproof.cli import main


def _target(tmp_path):
    return tmp_path / "written_by_the_statement"


@pytest.mark.parametrize("template", [
    "'open(\"{t}\", \"w\").write(\"code ran\")' >= 0",
    "x >= exp('open(\"{t}\", \"w\").write(\"1\")')",
    "x >= log('open(\"{t}\", \"w\")')",
    "x <= max('open(\"{t}\", \"w\")', x)",
    "-'open(\"{t}\", \"w\")' <= x",
])
def test_a_string_in_a_statement_never_runs(tmp_path, template):
    # sympify parses a string with Python's eval: the first form wrote the file and was
    # "PROVED" as 8 >= 0 (what .write returned)
    t = str(_target(tmp_path))
    with pytest.raises(lm.StatementError, match="a string is only allowed as norm's ord"):
        lm.prove(template.format(t=t))
    assert not os.path.exists(t)


def test_a_certificate_whose_text_is_code_is_invalid_and_runs_nothing(tmp_path, capsys):
    # `specproof check --exact` parses the statement text again: a forged text (its hash
    # recomputed) ran its code before the check said INVALID
    proved = lm.prove("x**2 >= 0")
    doc = proved.certificate.to_dict()
    t = str(_target(tmp_path))
    doc["statement"]["text"] = f"'open(\"{t}\", \"w\").write(\"1\")' >= 0"
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(doc))
    status = main(["check", str(path), "--exact"])
    out = capsys.readouterr().out
    assert status == 1 and "INVALID" in out and "string" in out
    assert not os.path.exists(t)


def test_a_variable_exponent_is_claimed_where_the_base_is_positive():
    # (x**y)**2 became x**(2y), real at x = -1, y = 1/2, where x**y = I: a true statement
    # was "refuted exactly" there
    st = lm.as_statement("(x**y)**2 >= 0")
    assert "x > 0" in str(st)
    r = lm.refute(st, domain=lm.box(x=(-2, 2), y=(0.5, 0.5)), budget=0.5, seed=0)
    assert r.verdict != "REFUTED"


def test_a_constraint_that_is_real_only_somewhere_is_refused():
    # constraints('exp(log(x)) <= 1') kept 1 - x >= 0 and dropped x > 0: x = -1 "refuted"
    # x >= 0 on a domain that does not contain it
    for text in ("exp(log(x)) <= 1", "sqrt(x)**2 <= 1"):
        with pytest.raises(lm.StatementError, match="is claimed only x"):
            lm.constraints(text)
    assert lm.constraints("x*y >= 1").inequalities  # polynomial constraints still work


def test_two_sympy_variables_of_one_name_are_not_merged():
    # Dummy('x') - Dummy('x') >= 0 was PROVED as 0 >= 0
    for rel in (sympy.GreaterThan(sympy.Dummy("x") - sympy.Dummy("x"), 0),
                sympy.GreaterThan(sympy.Symbol("x") - lm.symbols("x"), 0)):
        with pytest.raises(lm.StatementError, match="two different variables are both named"):
            lm.prove(rel)


def test_a_matrix_power_is_refused_in_python_as_in_text():
    # A**2 was entrywise in Python: trace(A**2) >= trace(A)**2/2 was PROVED, false for the
    # matrix square, and its certificate then failed `specproof check`
    A = lm.Matrix("A", 2, 2)
    with pytest.raises(lm.StatementError, match="a power of the matrix A is ambiguous"):
        A**2
    with pytest.raises(lm.StatementError, match="a power of the matrix A is ambiguous"):
        lm.as_statement("trace(A**2) >= 0", variables=[A])


def test_an_irrational_sphere_and_bounds_beyond_floats_are_refused_up_front():
    x, y = lm.symbols("x y")
    with pytest.raises(lm.StatementError, match="sphere: radius and center must be rational"):
        lm.sphere([x, y], sympy.sqrt(2))
    assert lm.ball([x, y], sympy.sqrt(2)).inequalities  # the ball takes it
    with pytest.raises(lm.StatementError, match="beyond float64's range"):
        lm.box(x=("-1e400", 1))


def test_a_reserved_word_as_a_name_is_said():
    with pytest.raises(lm.StatementError, match="lambda is a reserved word of Python"):
        lm.as_statement("lambda >= 0")
