"""Findings of the seventh adversarial probe of specproof.lemmas, each kept as a test.

Every test failed before its fix: statements false everywhere whose floats overflow came
back undecided, statements without variables were "searched" and printed an empty ``at``,
``nan``, ``zoo`` and ``I`` were read as variable names, a repeated ``--box`` kept the last
interval, and an unwritable ``-o`` was found only after all the work.
"""

from __future__ import annotations

import json
import time
from fractions import Fraction

import pytest

from specproof import lemmas as lm
from specproof.cli import main
from specproof.lemmas.errors import StatementError
from specproof.lemmas.verdicts import Interval
from specproof.testing import LemmaFailed, assert_no_counterexample


def run(capsys, *argv):
    status = main(["lemma", *argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- A. floats that overflow everywhere: exact evaluation at simple points ---------------

@pytest.mark.parametrize("text, lhs, rhs", [
    ("10**400 + x**2 <= 0", Fraction(10**400), Fraction(0)),
    ("x**2*10**400 + 1 <= 0", Fraction(1), Fraction(0)),
    ("x*10**400 >= x*10**400 + 1", Fraction(0), Fraction(1)),
])
def test_overflowing_polynomials_are_refuted_exactly_at_zero(text, lhs, rhs):
    r = lm.refute(text, seed=0, budget=1)
    assert isinstance(r, lm.Refuted) and r.exact
    assert r.point == {"x": Fraction(0)} and (r.lhs, r.rhs) == (lhs, rhs)
    assert r.margin < 0 and "exact evaluation at a simple point" in r.how_found


def test_an_overflowing_exponential_is_refuted_with_certified_intervals():
    r = lm.refute("exp(1000 + x**2) <= 0", seed=0, budget=1)
    assert isinstance(r, lm.Refuted) and not r.exact
    assert r.point == {"x": Fraction(0)}
    assert isinstance(r.lhs, Interval) and r.lhs.lo > 10**434 and r.margin.hi < 0


def test_the_command_line_refutes_an_overflowing_statement(capsys):
    status, out, _ = run(capsys, "10**400 + x**2 <= 0", "--budget", "1")
    assert status == 1 and out.splitlines()[1] == "  at x = 0"


@pytest.mark.parametrize("text", ["sqrt(-1 - x**2) >= 1", "log(-1 - x**2) >= 1"])
def test_statements_real_nowhere_stay_undecided_and_say_so(text):
    r = lm.refute(text, seed=0, budget=0.5)
    assert r.verdict == "UNDECIDED"
    said = "; ".join(r.tried)
    assert "outside the domain at every point tried" in said
    assert "none is in the domain where the statement is real" in said


def test_a_true_overflowing_statement_is_not_refuted():
    r = lm.refute("10**400 + x**2 >= 0", seed=0, budget=0.5)
    assert r.verdict == "UNDECIDED"
    assert any("the statement held at each" in t for t in r.tried)


def test_exact_points_respect_a_box():
    r = lm.refute("x*10**400 >= x*10**400 + 1", domain=lm.box(x=(2, 3)), seed=0, budget=1)
    assert isinstance(r, lm.Refuted) and 2 <= r.point["x"] <= 3


# -- B. statements without variables: evaluated, not searched ---------------------------

@pytest.mark.parametrize("text", ["pi >= 3", "sqrt(2) >= 1", "exp(pi*sqrt(163)) <= "
                                  "262537412640768744"])
def test_true_closed_statements_are_proved_by_certified_evaluation(text):
    p = lm.prove(text)
    assert p.verdict == "PROVED" and p.certificate is None
    assert p.method == "certified interval evaluation, no variables"
    assert p.trust == "decided by certified interval arithmetic (arb); no certificate file"
    r = lm.refute(text, budget=5)
    assert r.verdict == "UNDECIDED" and "the statement holds" in r.tried[0]
    assert "points" not in r.tried[0]  # nothing was searched


@pytest.mark.parametrize("text", ["sqrt(2)**2 >= 2", "pi >= pi", "log(8)/log(2) == 3",
                                  "sqrt(2) + sqrt(3) == sqrt(5 + 2*sqrt(6))"])
def test_exactly_tight_closed_statements_are_proved_exactly(text):
    p = lm.prove(text)
    assert p.verdict == "PROVED" and p.certificate is None
    assert p.method in ("exact evaluation", "exact simplification, no variables")
    assert "exact rational computation" in p.trust


@pytest.mark.parametrize("text", ["pi <= 3", "exp(pi*sqrt(163)) >= 262537412640768744",
                                  "pi == 3", "exp(exp(exp(10))) >= 1 + exp(exp(exp(10)))"])
def test_false_closed_statements_are_refuted_never_proved(text):
    assert lm.prove(text).verdict == "UNDECIDED"
    r = lm.refute(text, budget=5)
    assert isinstance(r, lm.Refuted) and r.point == {}
    with pytest.raises(LemmaFailed):
        assert_no_counterexample(text, budget=0.5)


def test_an_undecidable_closed_statement_says_why():
    r = lm.prove("exp(exp(exp(10))) >= 1")
    assert r.verdict == "UNDECIDED" and "nothing decided" in r.tried[0]


def test_a_closed_statement_on_an_empty_domain_is_not_proved():
    # a constant constraint that is false is refused where it is written (session 8);
    # an empty domain of variables still reaches prove, which says so
    with pytest.raises(lm.EmptyDomainError, match="never true"):
        lm.constraints("1 >= 2")
    with pytest.raises(lm.EmptyDomainError, match="the domain is empty"):
        lm.prove("x >= 3", domain=lm.constraints("x**2 <= -1"))


@pytest.mark.parametrize("text, status", [("pi >= 3", 0), ("sqrt(2) >= 1", 0),
                                          ("pi <= 3", 1), ("1 >= 2", 1), ("pi >= pi", 0)])
def test_the_command_line_decides_closed_statements_without_searching(capsys, text, status):
    t0 = time.monotonic()
    got, out, _ = run(capsys, text, "--budget", "30")
    assert got == status and time.monotonic() - t0 < 20
    assert not any(line.rstrip().endswith(" at") for line in out.splitlines())
    assert "tried: refute" not in out


def test_a_closed_proof_writes_no_file_and_says_so(capsys, tmp_path):
    cert = tmp_path / "my cert.json"
    status, out, _ = run(capsys, "pi >= 3", "-o", str(cert))
    assert status == 0 and not cert.exists()
    assert f"nothing written to '{cert}'" in out
    assert "certified interval evaluation" in out.splitlines()[0] + out
    status, out, _ = run(capsys, "pi >= 3", "--json")
    assert json.loads(out)["result"]["method"] == "certified interval evaluation, no variables"


def test_an_empty_point_prints_no_empty_at():
    t = lm.Tightest({}, 1.0, 0.5, 0.5)
    assert " at " not in repr(t)


# -- C. nan, zoo, I and oo are not variable names ----------------------------------------

@pytest.mark.parametrize("text, token", [("x >= nan", "'nan'"), ("zoo + x >= 0", "'zoo'"),
                                         ("I*x >= 0", "'I'"), ("x >= oo", "'oo'"),
                                         ("x + inf >= 1", "'inf'")])
def test_not_real_names_are_refused_naming_the_token(text, token):
    with pytest.raises(StatementError, match=f"{token} is .*not a finite real number"):
        lm.as_statement(text)


def test_constants_and_given_names_still_work():
    assert lm.as_statement("pi >= E").variables == ()
    assert [str(v) for v in lm.as_statement("nan >= 1", variables=["nan"]).variables] == ["nan"]
    R = lm.Matrix("R", 1, 3)
    assert lm.as_statement("norm(R, 1) <= norm(R, inf)", variables=[R]).variables


def test_the_command_line_refuses_nan_as_a_usage_error(capsys):
    status, _, err = run(capsys, "x >= nan")
    assert status == 2 and "'nan'" in err


# -- D. a repeated --box is a usage error ------------------------------------------------

@pytest.mark.parametrize("boxes", [["--box", "x=0:1", "--box", "x=2:3"], ["--box", "x=0:1,x=2:3"]])
def test_a_variable_boxed_twice_is_a_usage_error(capsys, boxes):
    status, _, err = run(capsys, "x**2 >= 0", *boxes)
    assert status == 2 and "x given twice in --box" in err


# -- E. -o is checked before any work, and the re-check hint is quoted --------------------

def test_an_unwritable_output_is_refused_before_any_work(capsys, monkeypatch):
    import importlib

    refute_module = importlib.import_module("specproof.lemmas.refute")

    def no_work(*args, **kwargs):
        raise AssertionError("refute ran before -o was checked")

    monkeypatch.setattr(refute_module, "refute", no_work)
    status, _, err = run(capsys, "x**2 >= 0", "-o", "/proc/c.json")
    assert status == 2 and "-o /proc/c.json" in err and "cannot write" in err


def test_the_recheck_hint_quotes_a_path_with_spaces(capsys, tmp_path):
    cert = tmp_path / "my cert.json"
    status, out, _ = run(capsys, "x**2 >= 0", "-o", str(cert))
    assert status == 0 and cert.exists()
    assert f"specproof check '{cert}' --exact" in out
