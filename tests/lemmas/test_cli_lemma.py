"""specproof lemma: exit status, what it prints, --json, -o, one-line usage errors."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from specproof.cli import main


def run(capsys, *argv):
    status = main(["lemma", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_refuted_prints_the_exact_counterexample(capsys):
    status, out, _ = run(capsys, "x**3 - x >= -0.38", "--box", "x=0:1", "--budget", "5")
    assert status == 1
    lines = out.splitlines()
    # the domain is part of what was decided: it is on the first line
    assert lines[0].startswith("REFUTED: x**3 - x >= -0.38 on x in [0, 1] is false "
                               "(counterexample confirmed "
                               "exactly)")
    x = Fraction(lines[1].split("=")[1].strip())
    lhs = Fraction(lines[2].split("=")[1].split()[0])
    assert lhs == x**3 - x and lhs < Fraction(-19, 50)
    assert "rhs = -19/50" in out


def test_matrix_statement_from_the_command_line(capsys):
    status, out, _ = run(capsys, "trace(A @ B @ A @ B) >= 0", "--matrix", "A=2x2:sym",
                         "--matrix", "B=2x2:sym", "--budget", "5", "--json")
    assert status == 1
    obj = json.loads(out)
    assert obj["verdict"] == "REFUTED" and obj["exit"] == 1
    A = [[Fraction(v) for v in row] for row in obj["result"]["point"]["A"]]
    assert A[0][1] == A[1][0]


def test_proved_writes_the_certificate(capsys, tmp_path):
    cert = tmp_path / "motzkin.json"
    status, out, _ = run(capsys, "x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0", "--budget", "2",
                         "-o", str(cert))
    assert status == 0, out
    assert out.startswith("PROVED:") and f"certificate written to {cert}" in out
    assert cert.exists() and json.loads(cert.read_text())


def test_undecided_says_what_was_tried_and_the_tightest_case(capsys):
    status, out, _ = run(capsys, "sqrt(x**2 + 1) >= x", "--budget", "0.6")
    assert status == 3
    assert out.startswith("UNDECIDED: sqrt(x**2 + 1) >= x")
    assert "tried:" in out and "local optimisations" in out and "tightest case:" in out


@pytest.mark.parametrize("argv, message", [
    (["x >= (1"], "unparsable statement at column 6"),
    (["x >= foo(x)"], "unknown function 'foo'"),
    (["x > 1"], "relation '>' at column 3 is not supported"),
    (["norm(A @ B) >= 0", "--matrix", "A=2x3", "--matrix", "B=2x3"], "do not fit"),
    (["x >= 0", "--box", "x=1"], "expected NAME=LO:HI"),
    (["x >= 0", "--matrix", "A=3y3"], "expected NAME=NxM"),
    (["x >= 0", "--budget", "-1"], "--budget must be a positive"),
    (["x.__class__ >= 0"], "'__' is not allowed"),
    (["x >= 0", "-o", "/no/such/folder/c.json"], "does not exist"),
])
def test_usage_errors_exit_2_with_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["lemma", "--help"])
    out = capsys.readouterr().out
    for opt in ("--vars", "--box", "--matrix", "--degree", "--multiplier", "--seed", "--budget",
                "--json", "-o"):
        assert opt in out


def test_undecided_lists_the_prover_and_both_searches(capsys):
    status, out, _ = run(capsys, "x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0",
                         "--multiplier", "none", "--budget", "1.5")
    assert status == 3
    tried = [line for line in out.splitlines() if line.strip().startswith("tried:")]
    assert any("prove:" in t and "multiplier none" in t for t in tried)
    assert sum("refute:" in t and "points from" in t for t in tried) == 2
    # the tightest case is a zero of the Motzkin form, (+-1, +-1)
    tight = next(line for line in out.splitlines() if "tightest case" in line)
    assert "lhs - rhs = 0" in tight or "lhs - rhs = -0" in tight or "e-" in tight


def test_vars_fix_the_order_and_constraints_restrict_the_domain(capsys):
    status, out, _ = run(capsys, "x*y <= 1", "--vars", "y,x", "--constraint", "x**2 + y**2 <= 2",
                         "--budget", "1", "--json")
    obj = json.loads(out)
    assert obj["statement"]["variables"] == ["y", "x"]
    assert obj["statement"]["domain"]["inequalities"] == ["-x**2 - y**2 + 2"]
    assert status == 0 and obj["verdict"] == "PROVED"  # x y <= (x^2 + y^2)/2 <= 1
