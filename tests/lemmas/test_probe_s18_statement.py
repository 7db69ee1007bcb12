"""A statement whose constant is past Python's 4300-digit limit prints, and goes into JSON.

sympy's ``str`` of such an integer raises ValueError: ``repr(statement)`` and
``statement.to_dict()`` raised, and ``specproof lemma ... --json`` ended in an internal
error (exit status 70).
"""

from __future__ import annotations

import json

import sympy

from specproof.cli import main
from specproof.lemmas import Matrix, as_statement
from specproof.lemmas.display import plain_text
from specproof.lemmas.domains import box

HUGE = "x <= (10**1000)**5"


def test_repr_shows_the_text_variables_and_domain():
    assert repr(as_statement(HUGE)) == "Statement('x <= (10**1000)**5', variables=(x,))"
    A = Matrix("A", 2, 2, kind="psd")
    assert (repr(as_statement("trace(A @ A) >= 0", variables=[A]))
            == "Statement('trace(A @ A) >= 0', variables=(A_0_0, A_0_1, A_1_1), "
               "domain='A is PSD')")
    assert (repr(as_statement("x*y >= -1", domain=box(x=(0, 1))))
            == "Statement('x*y >= -1', variables=(x, y), domain='x in [0, 1]')")


def test_to_dict_writes_a_huge_constant_in_hexadecimal_that_reads_back_exactly():
    d = as_statement(HUGE).to_dict()
    assert d["lhs"] == "x" and d["rhs"].startswith("0x")
    assert int(d["rhs"], 16) == 10**5000


def test_plain_text_is_sympys_str_below_the_limit():
    x, y = sympy.symbols("x y")
    for e in (x + 1, x**2 - 2 * x * y + sympy.Rational(1, 3), sympy.Integer(10) ** 4000 * x):
        assert plain_text(e) == str(e)
    assert plain_text(-sympy.Integer(16) ** 5000 / 3) == "-0x1" + "0" * 5000 + "/3"


def test_the_lemma_command_prints_json_for_a_huge_constant(capsys):
    status = main(["lemma", HUGE, "--budget", "1", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert status == doc["exit"] != 70
    assert int(doc["statement"]["rhs"], 16) == 10**5000
