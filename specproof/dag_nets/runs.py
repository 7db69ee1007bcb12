"""The ``specproof ntk`` run: a width sweep per architecture written to a folder.

The folder holds ``cache/`` (one JSON file per finished point; a rerun resumes from it),
``sweep.csv`` (every point), ``slopes.json`` (the fitted slope per architecture with its
bootstrap interval) and ``figures/ntk-<measure>.pdf`` / ``.png`` (one curve per
architecture). The command line only parses arguments and calls :func:`ntk_sweep_to_folder`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError, as_choice, as_int, provenance, to_jsonable
from specproof.dag_nets.executors import open_executor
from specproof.dag_nets.measures import MEASURES, measurement_config
from specproof.dag_nets.sweep import WidthSweep, width_sweep

#: Architecture names accepted by ``--arch`` (a path ending in .graphml is also accepted).
ARCHITECTURES = ("mlp", "resnet", "densenet", "bottleneck", "random")


def parse_architectures(text: str) -> list[str]:
    """Split ``--arch`` (comma separated) and check each name or GraphML path.

    Examples
    --------
    >>> parse_architectures("mlp,resnet")
    ['mlp', 'resnet']
    """
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            raise ArgumentError(f"--arch has an empty entry in {text!r}")
        if part.lower().endswith(".graphml"):
            if not Path(part).is_file():
                raise ArgumentError(f"--arch {part!r}: no such GraphML file")
            out.append(part)
        else:
            out.append(as_choice(part, ARCHITECTURES, "--arch"))
    if len(set(out)) != len(out):
        raise ArgumentError(f"--arch lists an architecture twice: {text!r}")
    return out


def parse_widths(text: str) -> list[int]:
    """Parse ``--widths 64,128,256`` into distinct positive ints (at least two).

    Examples
    --------
    >>> parse_widths("64, 128,256")
    [64, 128, 256]
    """
    parts = [p.strip() for p in str(text).split(",")]
    widths = []
    for p in parts:
        try:
            widths.append(as_int(int(p), "--widths entry", minimum=1))
        except ValueError:
            raise ArgumentError(f"--widths must be positive integers separated by commas, "
                                f"got {text!r}") from None
    if len(widths) < 2 or len(set(widths)) != len(widths):
        raise ArgumentError(f"--widths needs at least two distinct widths, got {text!r}")
    return sorted(widths)


def ntk_sweep_to_folder(
    archs: Sequence[str],
    widths: Sequence[int],
    seeds: int,
    out: str | os.PathLike,
    measure: str = "hessian",
    activation: str = "erf",
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool | Callable[[str], Any] = True,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one width sweep per architecture and write the table, slopes and figure.

    Parameters
    ----------
    archs : sequence of str
        Names from :data:`ARCHITECTURES` or GraphML paths.
    widths, seeds
        The grid; ``seeds`` = n runs seeds 0..n-1.
    out : path
        Output folder; rerunning with the same folder resumes from ``out/cache``.
    measure : str
        A name from :data:`specproof.dag_nets.measures.MEASURES`.
    activation : str
        Hidden activation.
    jobs, scheduler
        ``--jobs N`` (process pool) or ``--scheduler ADDRESS`` (Dask).
    options : mapping, optional
        Further measurement configuration (depth, inputs, steps, ...).

    Returns
    -------
    dict
        The content written to ``slopes.json``.
    """
    from specproof.plotting import figure, reference_line, save_figure

    measure = as_choice(measure, sorted(MEASURES), "measure")
    seeds = as_int(seeds, "seeds", minimum=2)
    if measure == "kernel-error" and any(a != "mlp" for a in archs):
        raise ArgumentError("kernel-error has an analytic kernel for arch 'mlp' only, got "
                            f"{', '.join(a for a in archs if a != 'mlp')}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ArgumentError(f"--out {str(out)!r} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    sweeps: dict[str, WidthSweep] = {}
    with open_executor(jobs=jobs, scheduler=scheduler) as ex:
        for arch in archs:
            config = measurement_config(measure, arch=arch, activation=activation,
                                        **dict(options or {}))
            sweeps[arch] = width_sweep(MEASURES[measure], widths, seeds, config,
                                       cache=out / "cache", executor=ex, progress=progress,
                                       label=Path(arch).stem if arch.endswith(".graphml")
                                       else arch)
    rows = []
    for arch, sw in sweeps.items():
        rows += [{"arch": arch, **r} for r in sw.table()]
    _write_csv(out / "sweep.csv", rows)
    fig, ax = figure(aspect=1.0)  # room for the legend below the axes
    fits = {}
    for arch, sw in sweeps.items():
        x = _fit_axis(sw)
        fit = sw.plot(ax, label=sw.label, x=x)
        fits[arch] = {**fit.to_dict(), "fitted_against": x, "means": sw.means(),
                      "fitted_widths": [int(w) for w in sorted(set(sw.widths))]}
    axes_used = {f["fitted_against"] for f in fits.values()}
    ax.set_xlabel({frozenset({"paper_width"}): r"width $m$ (minimum in-degree)",
                   frozenset({"width"}): r"layer width $m$"}.get(frozenset(axes_used),
                                                               r"width $m$"))
    ax.set_ylabel(MEASURE_LABELS.get(measure, measure))
    # every measure here is O(m^{-1/2}) in the paper: its rate, dashed, beside the fits
    xs = [x for sw in sweeps.values() for x in (
        sw.widths if _fit_axis(sw) == "width" else sw.column(_fit_axis(sw)))]
    ys = [y for sw in sweeps.values() for y in sw.values]
    reference_line(ax, -0.5, xs, ys, label=r"slope $-1/2$ (the paper's rate)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    save_figure(fig, out / "figures" / f"ntk-{measure}")
    import matplotlib.pyplot as plt

    plt.close(fig)
    summary = {"measure": measure, "activation": activation, "widths": list(widths),
               "seeds": seeds, "slopes": fits, "provenance": provenance()}
    tmp = out / f".tmp-{os.getpid()}-slopes.json"
    tmp.write_text(json.dumps(to_jsonable(summary), indent=2), encoding="utf-8")
    os.replace(tmp, out / "slopes.json")
    return summary


MEASURE_LABELS = {
    "hessian": r"$\|H_f(w_0)\|_2$",
    "ntk-change": r"$\|K_T - K_0\|_F / \|K_0\|_F$",
    "kernel-error": r"$\|K - \Theta\|_F / \|\Theta\|_F$",
    "linearization": r"$\max |f(w) - f_{\mathrm{lin}}(w)|$",
}


def _fit_axis(sweep: WidthSweep) -> str:
    """``"paper_width"`` (the minimum in-degree) when every point records one and it
    varies; otherwise the swept layer ``"width"`` (a bottleneck keeps its paper width)."""
    pws = [p.extra.get("paper_width") for p in sweep.points]
    if all(isinstance(w, int) for w in pws) and len(set(pws)) > 1:
        return "paper_width"
    return "width"


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in cols})
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
