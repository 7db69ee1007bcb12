"""Session 17 walkthrough of the command line: each test failed before its fix."""

from __future__ import annotations

import pytest

from specproof.cli import main
from specproof.lemmas.errors import StatementError


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ntk_measure_needs_three_widths_before_any_work(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = _run(capsys, "ntk", "--measure", "ntk", "--widths", "8,16", "--seeds", "2",
                        "--out", str(out))
    assert code == 2
    assert "needs at least 3 widths, got 2" in err
    assert not out.exists()  # the earlier run's results were replaced before


def test_ntk_arch_given_twice_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        _run(capsys, "ntk", "--arch", "mlp", "--arch", "resnet", "--widths", "8,16",
             "--out", str(tmp_path / "r"))
    assert exc.value.code == 2
    assert "--arch is given more than once" in capsys.readouterr().err


def test_lemma_says_why_prove_was_not_attempted(capsys):
    code, out, _ = _run(capsys, "lemma", "x*y <= abs(x)**3/3 + 2*abs(y)**(3/2)/3",
                        "--budget", "1")
    assert code == 3
    assert "tried: prove: not attempted: the statement or its domain is not a polynomial" \
        in out


def test_identity_on_a_domain_is_not_called_false(capsys):
    code, out, _ = _run(capsys, "lemma", "x == 2", "--constraint", "x >= 2",
                        "--constraint", "x <= 2", "--budget", "1")
    # true on its domain: the message said "refute finds a point where it fails"
    assert "; refute finds a point" not in out
    assert "false only if refute finds a point where it fails" in out


def test_scaling_of_an_integer_beyond_float64_is_named():
    import specproof.lemmas as lm

    with pytest.raises(StatementError, match=r"statistic\(8\) returned an integer of 1326 bits"):
        lm.scaling(lambda m, rng: 10**400 // m, [8, 16, 32], seeds=2, expect=-1)


@pytest.mark.parametrize("seed", ["５", " 5", "5_0"])
def test_seed_is_ascii_digits(seed, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["verify", "--seed", seed, "--paper", "pion", "--out", str(tmp_path / "r")])
    assert exc.value.code == 2
    assert f"expected a non-negative integer, got {seed!r}" in capsys.readouterr().err


def test_a_determinant_too_large_to_expand_is_refused_at_once(capsys):
    # a dense 7 x 7 determinant (5040 products) spent 35 s expanding, 8 x 8 never returned
    code, _, err = _run(capsys, "lemma", "det(A) <= 10**9", "--matrix", "A=7x7",
                        "--budget", "1")
    assert code == 2
    assert "expands to up to 5040 products, more than 1000" in err
    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.matrix_functions import det

    # a dense 6 x 6 stays allowed, and a diagonal 7 x 7 (one product)
    assert len(det(Matrix("A", 6, 6)).args) == 720
    assert det(Matrix("D", 7, 7, kind="diagonal")) != 0
