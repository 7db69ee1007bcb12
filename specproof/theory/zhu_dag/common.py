"""What the zhu-dag claims share: the paper key, seeds from the run, sweeps, figures."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from specproof.dag_nets import MEASURES, WidthSweep, measurement_config, width_sweep

#: The interval the fitted slope of a quantity that decays like 1/sqrt(m) must fall in.
SQRT_BAND = (-0.65, -0.35)

ARCH_LABELS = {
    "mlp": "MLP",
    "resnet": "ResNet skips",
    "densenet": "DenseNet",
    "random": "random DAG",
    "bottleneck": "bottleneck",
}


def run_seeds(ctx, n: int) -> list[int]:
    """``n`` consecutive weight seeds drawn from the run's generator (reproducible)."""
    base = int(ctx.rng.integers(0, 2**20))
    return list(range(base, base + int(n)))


def sweeps(
    ctx,
    measure: str,
    archs: Sequence[str],
    widths: Sequence[int] | Mapping[str, Sequence[int]],
    seeds: int,
    **options: Any,
) -> dict[str, WidthSweep]:
    """One width sweep per architecture (serial: the runner parallelises across claims).

    ``widths`` may be a mapping from architecture to its own widths, for architectures
    that need wider networks to reach the asymptote.
    """
    ss = run_seeds(ctx, seeds)
    # opt-in resumable paper runs: finished points are keyed by measurement, configuration
    # and seed, so a killed run picks up where it stopped (see docs/dag_nets.md)
    cache = os.environ.get("SPECPROOF_SWEEP_CACHE") or None
    out = {}
    for arch in archs:
        ws = widths[arch] if isinstance(widths, Mapping) else widths
        cfg = measurement_config(measure, arch=arch, **options)
        # paper runs take minutes: one stderr line per point; quick runs stay silent
        out[arch] = width_sweep(MEASURES[measure], ws, ss, cfg,
                                progress=ctx.profile == "paper",
                                label=ARCH_LABELS.get(arch, arch), cache=cache)
    return out


def slopes_figure(results: Mapping[str, WidthSweep], ylabel: str, title: str = "",
                  x: str = "paper_width", reference_slope: float = -0.5,
                  reference_label: str | None = None):
    """Log-log figure, one curve per architecture with its fitted slope and interval, and
    the dashed line of the rate the paper predicts (``reference_slope``).

    The slope is fitted against the paper's width (the minimum in-degree, recorded with
    every point; a DenseNet's is its layer width plus the input size) unless ``x`` says
    ``"width"`` (the swept layer width).
    """
    import numpy as np

    from specproof.plotting import figure, reference_line
    from specproof.plotting.annotate import _slope_text
    from specproof.plotting.legend import legend_below

    fig, ax = figure(aspect=1.0)  # room for the legend below the axes
    fits = {arch: sw.plot(ax, x=x) for arch, sw in results.items()}
    xs = np.concatenate([sw.widths if x == "width" else sw.column(x) for sw in results.values()])
    ys = np.concatenate([sw.column("value") for sw in results.values()])
    reference_line(ax, reference_slope, xs, ys, label=reference_label
                   or f"slope ${_slope_text(reference_slope)}$ (the paper's rate)")
    if x == "paper_width":
        ax.set_xlabel(r"width $m$ (minimum in-degree)")
    else:
        ax.set_xlabel(r"layer width $m$")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    # below the x label, measured (anchored -0.2 of the axes' height down, it covered the
    # label as the legend grew), listing the reference line too
    legend_below(ax, title="fitted slope [bootstrap interval]")
    return fig, fits


def table(results: Mapping[str, WidthSweep]) -> list[dict[str, Any]]:
    """Mean of the value per architecture and width, with the number of seeds."""
    rows = []
    for arch, sw in results.items():
        for w, mean in sw.means().items():
            n = int((sw.widths == w).sum())
            rows.append({"architecture": arch, "width": w, "mean": mean, "seeds": n})
    return rows


def fit_summary(fits) -> dict[str, Any]:
    """``{arch: {slope, low, high}}`` for the evidence."""
    return {arch: {"slope": f.slope, "low": f.low, "high": f.high, "n": f.n}
            for arch, f in fits.items()}
