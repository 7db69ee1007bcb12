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
    figure,
    legend_overlaps,
    log_ticks,
    missing_labels,
    place_legend,
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


def _assert_figure_quality(claim_id, role, fig):
    """Every axis labelled, no legend over a data point; a control figure is new."""
    if fig is None:
        return
    assert missing_labels(fig) == [], (claim_id, role, missing_labels(fig))
    for i, ax in enumerate(fig.axes):
        assert legend_overlaps(ax) == 0, (claim_id, role, f"axes {i}: legend covers data")
        assert tick_label_collisions(ax) == [], (claim_id, role, f"axes {i}")


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
