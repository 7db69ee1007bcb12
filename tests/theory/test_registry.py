"""Every built-in claim: a declared paper, a described control, PASS on quick, control failing.

Also: a paper is one new file in ``specproof/theory`` (found by scanning the package).
"""

import sys
import textwrap

import pytest

import specproof.theory
from specproof.claims import REGISTRY, run_claim
from specproof.cli import main
from specproof.plotting import (
    WIDTHS,
    annotate_cells,
    figure,
    figure_problems,
    finish_figure,
    fractional_ticks,
    legend_overlaps,
    log_ticks,
    loglog_fit,
    low_contrast_annotations,
    missing_labels,
    missing_reference_lines,
    place_legend,
    small_text,
    sparse_log_axes,
    squeezed_axes,
    tick_label_collisions,
)
from specproof.theory import load_builtin_claims, papers

load_builtin_claims()
BUILTIN = [c for c in REGISTRY if c.module.startswith("specproof.theory")]


def test_the_builtin_papers_are_found_by_scanning():
    keys = set(papers())
    assert {"hopkins-tiegel", "group-appendix", "lin-sn-gan"} <= keys
    assert len(BUILTIN) >= 14
    for c in BUILTIN:
        assert c.paper in keys, f"{c.id}: paper {c.paper!r} declared by no theory module"


@pytest.mark.parametrize("c", BUILTIN, ids=[c.id for c in BUILTIN])
def test_every_builtin_claim_passes_quick_with_its_control_failing(c):
    assert c.control_check is not None, c.id
    assert c.control_description.strip(), c.id
    assert set(c.profiles) >= {"quick", "paper"}, c.id
    result = run_claim(c, profile="quick", seed=0)
    assert (result.verdict, result.check.verdict, result.control.verdict) == (
        "PASS", "HOLDS", "FAILS"), (c.id, result.reason)
    # the same run's figures (results keep them): fit for a paper
    _assert_figure_quality(c.id, "check", result.check_figure)
    _assert_figure_quality(c.id, "control", result.control_figure)
    _assert_control_figure_is_new(c.id, result.check_figure, result.control_figure)
    # what a claim's evidence must also show, read off this run (a second quick run of a
    # claim that takes 20 s would cost the suite as much again)
    if c.id in _EVIDENCE_CHECKS:
        _EVIDENCE_CHECKS[c.id](result)


def _ntk_limit_evidence(result):
    from specproof.theory.zhu_dag.common import SQRT_BAND
    from specproof.theory.zhu_dag.reference import NTK_TOL

    slopes = result.check.measured["slopes"]
    assert set(slopes) == {"mlp erf", "resnet erf", "densenet erf", "random erf"}
    for s in slopes.values():
        assert SQRT_BAND[0] <= s["slope"] <= SQRT_BAND[1] and s["low"] < s["slope"] < s["high"]
    # the control's reference (NNGP) leaves an error that does not decay
    assert all(s["slope"] > -0.2 for s in result.control.measured["slopes"].values())
    # the central-difference pins far inside the tolerance, so that a mutant's failure there
    # (test_claims_mutation_dag_groups) is the mutation's
    m = result.check.measured
    assert m["fd_ntk_error"] <= NTK_TOL / 100 and m["fd_value_error"] <= NTK_TOL / 100


_EVIDENCE_CHECKS = {"zhu-dag.ntk-limit": _ntk_limit_evidence}


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=30)  # identical figures give identical bytes at any dpi
    return buf.getvalue()


def _assert_figure_quality(claim_id, role, fig):
    """The figure as save_figure writes it keeps every rule (plotting.figure_problems):
    labelled axes, >= 3 labels on log axes, integer ticks on integer data, legends off the
    data and not squeezing the axes, annotations readable on their cells, a reference slope
    beside each fitted slope, >= 7 pt text; and it is one column wide."""
    if fig is None:
        return
    finish_figure(fig)
    assert figure_problems(fig) == [], (claim_id, role, figure_problems(fig))
    assert fig.get_figwidth() <= WIDTHS["column"] + 1e-9, (claim_id, role, fig.get_figwidth())


def _assert_control_figure_is_new(claim_id, check_fig, control_fig):
    """A control figure is written only when it differs from its check's (the runner drops
    an identical one); one that is kept must show something else."""
    if check_fig is None or control_fig is None:
        return
    finish_figure(check_fig)
    finish_figure(control_fig)
    assert _png(check_fig) != _png(control_fig), (claim_id, "control figure = check figure")


def test_figure_checks_can_fail():
    import matplotlib.pyplot as plt

    fig, ax = figure()
    ax.plot(range(10), [5] * 10, "o", label="a legend that must sit on the data")
    ax.legend(loc="center")
    assert legend_overlaps(ax) > 0
    assert missing_labels(fig) == ["axes 0: x", "axes 0: y"]
    place_legend(ax)
    assert legend_overlaps(ax) == 0
    plt.close(fig)
    # matplotlib's own minor labels on a short log axis collide ("3x10^1" on "4x10^1")
    fig, ax = figure()
    ax.loglog([25, 50, 100, 200], [10.0, 14.1, 20.0, 28.3], "o")
    assert tick_label_collisions(ax) != []
    log_ticks(ax)  # the fix loglog_fit applies
    assert tick_label_collisions(ax) == []
    plt.close(fig)


def test_each_figure_rule_can_fail():
    """Every rule of figure_problems catches the fault the issue reported, and its fix."""
    import matplotlib.pyplot as plt
    import numpy as np

    # a log axis over less than a decade: matplotlib labels one tick (0.1) or none
    fig, ax = figure()
    ax.loglog([0.045, 0.08, 0.13, 0.2, 0.32, 0.5], [1e-9, 1e-8, 1e-7, 1e-6, 1e-6, 1e-5], "o")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    assert sparse_log_axes(ax) != []
    log_ticks(ax)
    assert sparse_log_axes(ax) == []
    plt.close(fig)
    # the same over 2..3 (inside one step of 1..9): still three labels
    fig, ax = figure()
    ax.loglog([2.1, 2.5, 2.9], [2.2, 2.4, 2.8], "o")
    log_ticks(ax)
    assert sparse_log_axes(ax) == [] and tick_label_collisions(ax) == []
    plt.close(fig)
    # integer data (a dimension d) drawn with matplotlib's default ticks: d = 3.5
    fig, ax = figure()
    ax.plot([3, 4, 5], [1.12, 1.121, 1.126], "o-")
    ax.set_xlabel("$d$")
    ax.set_ylabel("ratio")
    assert fractional_ticks(ax) != []
    finish_figure(fig)
    assert fractional_ticks(ax) == []
    plt.close(fig)
    # a legend beside the axes squeezes them; place_legend puts it inside or above
    fig, ax = figure()
    for k in range(3):
        ax.plot(range(6), np.arange(6) * (k + 1), "o", label=f"a long legend entry number {k}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    assert squeezed_axes(fig) != []
    place_legend(ax)
    assert squeezed_axes(fig) == [] and legend_overlaps(ax) == 0
    plt.close(fig)
    # black text on a dark heat-map cell; annotate_cells picks the colour from the cell
    fig, ax = figure()
    gram = np.diag([1.0, 2.0, 4.0])
    image = ax.imshow(gram, cmap="Blues", vmin=0, vmax=4)
    for (i, j), v in np.ndenumerate(gram):
        ax.text(j, i, f"{v:.0f}", ha="center", va="center", color="black")
    assert low_contrast_annotations(ax) == ["'4' at (2, 2): contrast 1.6"]
    for t in list(ax.texts):
        t.remove()
    annotate_cells(ax, image, gram, fmt="{:.0f}")
    assert low_contrast_annotations(ax) == []
    plt.close(fig)
    # a fitted slope alone; with the rate the theorem predicts beside it
    fig, ax = figure()
    loglog_fit(ax, [16, 32, 64, 128], [1.0, 0.7, 0.5, 0.36])
    assert missing_reference_lines(ax) != []
    plt.close(fig)
    fig, ax = figure()
    loglog_fit(ax, [16, 32, 64, 128], [1.0, 0.7, 0.5, 0.36], reference_slope=-0.5)
    assert missing_reference_lines(ax) == []
    plt.close(fig)
    # a page-wide two-panel figure printed in a column: 8 pt labels shrink to 3.8 pt
    fig, (a, b) = figure(width="page", ncols=2)
    a.set_xlabel("$m$")
    b.set_xlabel("$n$")
    assert any("prints at 3.9 pt" in p for p in small_text(fig))
    assert any("prints at" in p for p in figure_problems(fig))
    plt.close(fig)


def test_a_new_paper_is_one_new_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "tmp_new_paper.py").write_text(textwrap.dedent('''
        from specproof.claims import Paper, claim

        PAPER = Paper(key="tmp-new-paper", title="A paper added as one file")

        @claim("tmp-new-paper.one", paper=PAPER.key, kind="numerical",
               statement="one equals one",
               profiles={"quick": {}, "paper": {}})
        def one(ctx, value=1):
            return ctx.evidence(holds=value == 1, measured={"value": value})

        @one.control
        def two(ctx):
            """Two is not one."""
            return one.check(ctx, value=2)
    '''))
    monkeypatch.setattr(specproof.theory, "__path__", [*specproof.theory.__path__, str(tmp_path)])
    try:
        assert main(["claims", "--paper", "tmp-new-paper"]) == 0
        out = capsys.readouterr().out
        assert "tmp-new-paper.one" in out
        assert "tmp-new-paper" in papers()
    finally:
        REGISTRY.remove("tmp-new-paper.one")
        sys.modules.pop("specproof.theory.tmp_new_paper", None)
