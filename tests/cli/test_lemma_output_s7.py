"""`specproof lemma` prints huge exact values abbreviated, never a traceback or 400 digits."""

from __future__ import annotations

import json
from fractions import Fraction

from specproof.cli import main


def test_a_huge_exact_counterexample_value_is_abbreviated_and_whole_in_json(capsys):
    # float() of the margin -10**400/3 raised OverflowError: a traceback, no verdict
    assert main(["lemma", "10**400/3 + x**2 <= 0", "--budget", "2"]) == 1
    out = capsys.readouterr().out
    assert "lhs = 3.33333333333E+399  (exact: 401 / 1 digits; --json prints it whole)" in out
    assert max(len(line) for line in out.splitlines()) < 200
    assert main(["lemma", "10**400/3 + x**2 <= 0", "--budget", "2", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert Fraction(doc["result"]["lhs"]) == Fraction(10**400, 3)


def test_short_fractions_keep_their_exact_text_and_a_decimal(capsys):
    assert main(["lemma", "x**3 - x >= -0.38", "--box", "x=0:1", "--budget", "5"]) == 1
    assert "rhs = -19/50  (≈ -0.38)" in capsys.readouterr().out
