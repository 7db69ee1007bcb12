"""Adversarial review of refute / prove / ``specproof lemma`` (issue 15): true statements
that must not be refuted, false ones that must not be proved, and bad command lines that
must end in one line with exit 2. Each is an attack that was tried.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest
import sympy

from specproof import lemmas as lm
from specproof.cli import main
from specproof.lemmas.errors import StatementError

x, y = sympy.symbols("x y", real=True)


# --- prove: trivially true statements are proved, not crashed --------------------------

def test_zero_over_a_psd_matrix_is_proved():
    # a helper reported ValueError("the target polynomial is zero") here
    A = lm.Matrix("A", 2, 2, kind="psd")
    r = lm.prove("0 >= 0", variables=[A])
    assert r.verdict == "PROVED" and r.method == "constant"
    assert r.certificate is not None and r.certificate.polynomial == {}
    from specproof.certificates import check_sos

    assert check_sos(r.certificate).ok


def test_positive_constant_over_a_domain_is_proved():
    r = lm.prove("x - x + 1/3 >= 0", variables=["x"], domain=lm.box({x: (0, 1)}))
    assert r.verdict == "PROVED" and r.method == "constant"
    assert r.certificate.blocks[0].gram == ((Fraction(1, 3),),)


def test_negative_constant_is_not_proved():
    r = lm.prove("x - x - 1/3 >= 0", variables=["x"])
    assert r.verdict != "PROVED"


def test_identity_that_sympy_reads_through_abs_does_not_crash():
    r = lm.prove("sqrt(x**2) == abs(x)")
    assert r.verdict == "PROVED" and r.method == "identity"


def test_constant_statement_is_decided_exactly_not_guessed():
    assert lm.prove("1/3 >= 0.3333333333333333333333").verdict == "PROVED"
    # 0.333...3 (23 threes) is 1/3 - 1/(3e23): the statement is false, never rounded to 1/3
    assert lm.prove("0.33333333333333333333333 >= 1/3").verdict != "PROVED"


# --- refute: true statements are never refuted -----------------------------------------

def test_sqrt_squared_is_not_refuted_where_it_is_not_real():
    # sympy rewrites sqrt(x)**2 to x; x = -1 used to "refute" sqrt(x)**2 >= 0 (lhs = -1)
    st = lm.as_statement("sqrt(x)**2 >= 0")
    assert st.domain.inequalities == (x,)
    assert lm.refute(st, budget=0.5, seed=0).verdict != "REFUTED"
    assert lm.prove(st).verdict == "PROVED"
    # its false neighbour is still refuted, inside the domain
    r = lm.refute("sqrt(x) >= 1", budget=1, seed=0)
    assert r.verdict == "REFUTED" and r.point["x"] >= 0


@pytest.mark.parametrize("text", ["(x**2 - 2)**2 >= 0", "x**2 + 2 >= 2*sqrt(2)*x",
                                  "abs(x) >= x", "sqrt(x**2 + 1) >= abs(x)",
                                  "x**2 + 1e-300 >= 1e-300"])
def test_true_statements_with_ties_are_not_refuted(text):
    assert lm.refute(text, budget=0.5, seed=1).verdict != "REFUTED"


def test_cubic_minimum_is_a_tie_at_an_irrational_point():
    # min of x^3 - x on [0, 1] is -2/(3 sqrt 3) = -0.384900179459750509...
    true = lm.refute("x**3 - x >= -0.38490017945975051", domain=lm.box({x: (0, 1)}),
                     budget=1, seed=0)
    assert true.verdict != "REFUTED"
    false = lm.refute("x**3 - x >= -0.3849", domain=lm.box({x: (0, 1)}), budget=2, seed=0)
    assert false.verdict == "REFUTED"
    p = false.point["x"]
    assert p**3 - p < Fraction(-3849, 10000)


def test_domain_boundary_is_respected():
    assert lm.refute("x*(1 - x) >= 0", domain=lm.box({x: (0, 1)}), budget=0.5).verdict \
        != "REFUTED"
    r = lm.refute("x*(1 - x) >= 0", domain=lm.box({x: (0, 2)}), budget=1)
    assert r.verdict == "REFUTED" and 1 < r.point["x"] <= 2


def test_orthogonal_and_psd_kinds_do_not_prove_false_statements():
    Q = lm.Matrix("Q", 2, 2, kind="orthogonal")
    assert lm.prove(lm.det(Q) >= 0).verdict != "PROVED"
    r = lm.refute(lm.det(Q) >= 0, budget=2)
    assert r.verdict == "REFUTED"
    S = lm.Matrix("S", 2, 2, kind="symmetric")
    assert lm.prove(lm.det(S) >= 0).verdict != "PROVED"
    P = lm.Matrix("P", 2, 2, kind="psd")
    assert lm.prove(lm.det(P) >= 0).verdict == "PROVED"


def test_strict_relations_are_refused_not_read_as_non_strict():
    with pytest.raises(StatementError, match="'>'"):
        lm.as_statement("x**2 + 1 > 0")
    with pytest.raises(StatementError, match="'<'"):
        lm.as_statement("x < 1")


def test_decimals_are_exact_and_documented():
    assert lm.as_statement("x >= 0.1").rhs == sympy.Rational(1, 10)
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "lemmas.md").read_text()
    assert "Decimals mean the decimal written" in page


@pytest.mark.parametrize("text", ["x >= 1/0", "x >= 0/0", "log(0) <= x", "x >= oo",
                                  "x >= -inf"])
def test_non_finite_constants_are_refused(text):
    with pytest.raises(StatementError, match="not a finite real number"):
        lm.as_statement(text)


# --- the command line ------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    ([""], "empty"), (["   "], "empty"), (["x >= "], "unparsable"),
    (["\u2211 >= 0"], "unparsable"),
    (["x >= 0", "--box", "x=1:-1"], "empty"),
    (["x >= 0", "--matrix", "A=0x3"], "positive"),
    (["x**2 >= 0", "--degree", "-1"], "non-negative"),
    (["x**2 >= 0", "--budget", "0"], "positive"),
    (["x**2 >= 0", "--budget", "nan"], "positive"),
    (["x**2 >= 0", "--vars", "x,x"], "twice"),
    (["x**2 >= 0", "--vars", ","], "empty name"),
    (["x >= 1/0"], "finite"),
    (["x**(10**10) >= 0"], "exponent"),
    (["x**2 >= 0", "-o", "/nonexistent-specproof/dir/c.json"], "does not exist"),
])
def test_usage_errors_are_one_line_exit_2(argv, message, capsys):
    try:
        status = main(["lemma", *argv])
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert message in err[-1] and "Traceback" not in "\n".join(err)


def test_output_to_a_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["lemma", "x**2 >= 0", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_output_that_cannot_be_written_is_one_line(tmp_path, capsys, monkeypatch):
    # as root a read-only folder is still writable, so the refusal is simulated at the
    # write itself (what a full disk or a read-only mount raises)
    from specproof.certificates.sos_certificate import SoSCertificate

    def refuse(self, path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(SoSCertificate, "save", refuse)
    assert main(["lemma", "x**2 >= 0", "-o", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write the certificate: Permission denied" in err[0]


def test_ctrl_c_during_the_search_exits_130_with_one_line():
    proc = subprocess.Popen(
        # true by 9e-17 (the minimum is -0.3849001794597505097...): nothing to find, so
        # the search is still running when Ctrl-C comes (-0.384900179459750 is false by
        # 5e-16, and the search now confirms that exactly at its tightest point)
        [sys.executable, "-m", "specproof", "lemma", "x**3 - x >= -0.3849001794597506",
         "--box", "x=0:1", "--budget", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a child inherits an ignored SIGINT (pytest-xdist workers, a shell's background
        # job), and Python then never raises KeyboardInterrupt
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(8)  # well past start-up (a loaded machine), inside the search
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert err.strip().splitlines() == ["specproof lemma: interrupted (Ctrl-C); nothing was "
                                        "decided"]


def test_a_proof_without_a_file_does_not_claim_a_checked_certificate(capsys):
    assert main(["lemma", "x == x"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "exact rational computation" in first and "checked" not in first
    assert lm.prove("x**2 >= 0").trust == "certificate checked exactly by the independent checker"


def test_box_beyond_the_float_range_is_not_a_crash(capsys):
    # the Putinar program works in floats: a constraint 1e400 - x >= 0 was a failed
    # attempt, and the search, evaluating x + 1e400 in floats, called a domain with points
    # in it empty (x = 0 refutes x >= 0.2 there); such a bound is now refused up front
    with pytest.raises(lm.StatementError, match="beyond float64's range"):
        lm.box({x: ("-1e400", "1e400")})
    with pytest.raises(lm.StatementError, match="box lower bound of x is -1.00E"):
        lm.refute("x >= 0.2", domain=lm.box(x=("-1e400", 1)))


@pytest.mark.parametrize("text", ["(x**(1/2))**2 >= 0", "(x**0.5)**2 >= 0", "(x^(3/2))^2 >= 0"])
def test_fractional_powers_are_claimed_where_real(text):
    # the same hole as sqrt(x)**2 through the power operator
    st = lm.as_statement(text)
    assert st.domain.inequalities == (x,)
    assert lm.refute(st, budget=0.3, seed=0).verdict != "REFUTED"


@pytest.mark.parametrize("kwargs", [dict(degree=0, domain="box"),
                                    dict(multiplier="reznick", max_power=0)])
def test_nothing_attempted_says_why(kwargs):
    if kwargs.pop("domain", None):
        kwargs["domain"] = lm.box({x: (-1, 1)})
    r = lm.prove("1 - x**2 >= 0" if "domain" in kwargs else "x**2 >= 0", **kwargs)
    assert r.verdict == "UNDECIDED" and r.tried and "no attempt fits" in r.tried[0]


def test_true_identity_is_not_a_numerical_counterexample():
    # log det P == trace logm P: near-singular P made float logm wrong by 1e-4 relative,
    # while the 4096-bit enclosure of lhs - rhs was 0 +/- 1e-1219; that was reported as
    # "seems to fail at P = ..." with the float values
    P = lm.Matrix("P", 2, 2, kind="psd")
    r = lm.refute(lm.Eq(lm.log(lm.det(P)), lm.trace(lm.logm(P))), budget=2, seed=0)
    assert r.verdict == "UNDECIDED"
