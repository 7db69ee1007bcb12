"""Figures and fitted slopes a probe found wrong (session 11); each failed before its fix.

A slope printed outside its own interval, log axes that matplotlib cannot draw (inverted
limits, no point in view), a figure that cannot be drawn passing run_claim and the test
helpers while verify reported an ERROR, and bare errors for what is not a figure.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from specproof._core import ArgumentError, ArgumentTypeError  # noqa: E402
from specproof.claims import REGISTRY, claim, run_claim  # noqa: E402
from specproof.claims.evidence import Evidence  # noqa: E402
from specproof.fitting import fit_loglog, slope_text  # noqa: E402
from specproof.plotting import figure, loglog_fit, save_figure  # noqa: E402


def test_a_slope_prints_inside_its_interval():
    fit = fit_loglog([1, 10, 100], [1, 10**0.0095, 10**0.019])
    assert str(fit).startswith("0.0095 [0.0095, 0.010]")  # was "0.009 [0.0095, 0.010]"
    assert (slope_text(0.0095), slope_text(-0.0095)) == ("0.0095", "-0.0095")


def test_slope_text_is_monotone_across_its_two_formats():
    v = np.sort(np.concatenate([np.linspace(-0.02, 0.02, 40001),
                                [0.0095, -0.0095, 0.00995, -0.00995]]))
    shown = [float(slope_text(x)) for x in v]
    assert all(a <= b for a, b in zip(shown, shown[1:]))


@pytest.mark.parametrize("kw, message", [
    (dict(x=[1e-300, 1, 1e300], y=[1e-300, 1, 1e300], reference_slope=1), "x spans 1e-300"),
    (dict(x=[1, 2, 3], y=[1e-300, 1, 1e300], reference_slope=None), "y spans 1e-300"),
    (dict(x=[1, 10, 100], y=[1, 10, 100], reference_slope=300), "reference line"),
    (dict(x=[1, 10, 100], y=[1, 10, 100], reference_slope=1000), "reference line"),
])
def test_log_axes_matplotlib_cannot_draw_are_refused(kw, message):
    fig, ax = figure()
    try:
        with pytest.raises(ArgumentError, match=message):
            loglog_fit(ax, kw["x"], kw["y"], reference_slope=kw["reference_slope"],
                       xlabel="$n$", ylabel="$e$")
    finally:
        plt.close(fig)


def test_a_wide_but_drawable_range_still_draws():
    fig, ax = figure()
    x = [1e-200, 1.0, 1e200]
    assert loglog_fit(ax, x, x, reference_slope=1, xlabel="$n$", ylabel="$e$").slope == 1.0
    lo, hi = ax.get_ylim()
    assert 0 < lo < 1e-200 and hi > 1e200
    plt.close(fig)


def test_what_is_not_a_figure_is_named():
    with pytest.raises(ArgumentTypeError, match="fig must be a matplotlib Figure"):
        save_figure("x", "stem")
    with pytest.raises(ArgumentTypeError, match="Evidence.figure must be a matplotlib Figure"):
        Evidence(holds=True, figure="not a figure")


def test_a_figure_that_cannot_be_drawn_is_an_error_without_a_folder_too():
    @claim("s11p.badfig", paper="s11p", kind="numerical", statement="s",
           profiles={"quick": {}, "paper": {}})
    def bad(ctx, flip=False):
        fig, ax = plt.subplots()
        ax.set_xlabel(r"$\frac{1}{$")  # a mathtext typo
        return ctx.evidence(holds=not flip, measured={"x": 1}, expected="e", figure=fig)

    @bad.control
    def bad_c(ctx):
        """d."""
        return ctx.evidence(holds=False, measured={"x": 1})

    try:
        r = run_claim(bad)  # no figure_dir: it was PASS, and verify's ERROR
        assert r.verdict == "ERROR" and "drawing or saving the check's figure" in r.reason
    finally:
        REGISTRY.remove("s11p.badfig")


def test_repeated_tick_labels_are_flagged():
    from specproof.plotting import figure_problems, finish_figure

    fig, ax = figure()
    loglog_fit(ax, [3, 3.0000001, 3.0000002], [1, 1.5, 2], reference_slope=1,
               xlabel="$n$", ylabel="$e$")
    finish_figure(fig)
    assert any("the same tick label twice, x: '3'" in p for p in figure_problems(fig))
    plt.close(fig)


def test_a_line_out_of_view_is_flagged_and_a_deliberate_inversion_is_not():
    from specproof.plotting import figure_problems
    from specproof.plotting.checks import data_out_of_view

    fig, ax = figure()
    ax.plot([1, 2, 3], [1, 2, 3], label="d")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_ylim(5, 6)
    assert "axes 0: line 'd': none of its 3 points is in view" in figure_problems(fig)
    ax.set_ylim(0, 4)
    ax.invert_yaxis()
    assert data_out_of_view(ax) == []
    plt.close(fig)
