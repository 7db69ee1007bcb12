"""Probe s20 (a new user's walkthrough): smaller findings outside the lemma tools.

- ``figure_problems(None)`` and ``finish_figure(None)`` raised a bare AttributeError;
- a measured ``1e-320`` printed as ``9.99989e-321`` in the reports (6 digits of the
  subnormal's stored value), where Python and the terminal say ``1e-320``;
- ``assert_claim_passes(..., seed=-5)`` showed run_claim's 50-line docstring in pytest's
  traceback before the one-line message.
"""

import re
import subprocess
import sys
import textwrap

import pytest

from specproof._core import ArgumentTypeError
from specproof.claims.values import float_text
from specproof.plotting import figure, figure_problems, finish_figure


@pytest.mark.parametrize("fn", [figure_problems, finish_figure])
@pytest.mark.parametrize("bad, shown", [(None, "None"), ("fig", "'fig' (str)")])
def test_a_non_figure_is_named(fn, bad, shown):
    with pytest.raises(ArgumentTypeError,
                       match=re.escape(f"fig must be a matplotlib Figure, got {shown}")):
        fn(bad)


def test_an_axes_given_for_a_figure_says_which_to_pass():
    import matplotlib.pyplot as plt

    fig, ax = figure()
    with pytest.raises(ArgumentTypeError, match=r"got an Axes \(pass its figure, ax.figure\)"):
        figure_problems(ax)
    plt.close(fig)


@pytest.mark.parametrize("x, text", [(1e-320, "1e-320"), (5e-324, "5e-324"),
                                     (-1.5e-310, "-1.5e-310"), (1e-300, "1e-300"),
                                     (1.2345678e-315, "1.23457e-315")])
def test_subnormals_print_as_python_writes_them(x, text):
    # short where the subnormal is a short decimal, 6 digits where it is not
    assert float_text(x) == text


def test_a_bad_argument_of_assert_claim_passes_is_shown_at_the_test_line(tmp_path):
    test = tmp_path / "test_bad.py"
    test.write_text(textwrap.dedent('''
        from specproof.testing import assert_claim_passes
        def test_x():
            assert_claim_passes("lin-sn-gan.homogeneity", seed=-5)
        def test_y():
            assert_claim_passes("lin-sn-gan.homogenity")
    '''))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(test)], capture_output=True, text=True, cwd=tmp_path).stdout
    assert "seed must be a non-negative int, got -5" in out
    assert "did you mean 'lin-sn-gan.homogeneity'" in out
    # run_claim's frames (its docstring) are not shown
    assert "def run_claim" not in out and "Parameters" not in out


def test_large_exact_values_print_in_one_style(capsys):
    # an integer of 301 digits read 2.00000000000E+300 beside a fraction's 2E-300
    from specproof.cli import main

    for text, shown in (("x >= 2*10**300", "rhs = 2E+300  (exact: an integer of 301 digits"),
                        ("x*10**300 >= 2*10**-300", "rhs = 2E-300  (exact: 1 / 300 digits")):
        try:
            main(["lemma", text, "--budget", "1"])
        except SystemExit:
            pass
        assert shown in capsys.readouterr().out
