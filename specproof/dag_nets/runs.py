"""The ``specproof ntk`` run: a width sweep per architecture written to a folder.

The folder holds ``cache/`` (one JSON file per finished point; a rerun resumes from it),
``sweep.csv`` (every point), ``slopes.json`` (the fitted slope per architecture with its
bootstrap interval and the whole configuration) and ``figures/ntk-<measure>.pdf`` /
``.png`` (one curve per architecture). Everything a run can refuse is refused before the
first point: the architectures, widths, configuration and memory of every sweep, and an
``out`` folder that holds files this command did not write. One run at a time writes a
folder: a run holds an exclusive lock on it (:func:`lock_out_folder`) from before its first
point until its figure is written, and a second run into it is refused at once (two runs
into one folder left the table of one beside the slopes of the other). The command line
only parses arguments and calls :func:`ntk_sweep_to_folder`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from specproof._core import (
    ArgumentError,
    ComputationError,
    as_choice,
    as_int,
    provenance,
    to_jsonable,
)
from specproof._core.files import atomic_write
from specproof._core.threads import check_threads
from specproof.dag_nets.architectures import ARCHITECTURES, arch_label, check_arch
from specproof.dag_nets.executors import check_jobs, open_executor
from specproof.dag_nets.measure_labels import MEASURE_LABELS
from specproof.dag_nets.measures import MEASURES, kernel_spread, measurement_config
from specproof.dag_nets.preflight import fixed_hidden_nodes
from specproof.dag_nets.run_folder import (
    LOCK_FILE,
    RUN_ENTRIES,
    check_out_folder,
    discard_results,
    lock_out_folder,
    replace_earlier,
    write_csv,
)
from specproof.dag_nets.sweep import (
    MAX_SEEDS,
    SweepInterrupted,
    WidthSweep,
    _printer,
    as_widths,
    width_sweep,
)


def parse_architectures(text: str) -> list[str]:
    """Split ``--arch`` (comma separated) and check each name, GraphML path or builder.

    Examples
    --------
    >>> parse_architectures("mlp,resnet")
    ['mlp', 'resnet']
    """
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        if not part:
            raise ArgumentError(f"--arch has an empty entry in {text!r}")
        try:
            out.append(check_arch(part))
        except ArgumentError as exc:
            raise ArgumentError(f"--arch: {exc}") from None
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
    widths = []
    for p in (p.strip() for p in str(text).split(",")):
        # ASCII digits only: int() read "4_0" as 40 and accepted other scripts' digits
        if not (p.isascii() and p.lstrip("+-").isdigit()):
            raise ArgumentError(f"--widths must be positive integers separated by commas, "
                                f"got {text!r}")
        w = int(p)
        if w < 1:
            raise ArgumentError(f"--widths {p} is not a width: widths are positive integers "
                                f"(got {text!r})")
        widths.append(w)
    repeated = sorted({w for w in widths if widths.count(w) > 1})
    if repeated:
        raise ArgumentError(f"--widths lists {', '.join(map(str, repeated))} more than once "
                            f"(got {text!r}); give each width once")
    if len(widths) < 2:
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
    threads: int | None = None,
) -> dict[str, Any]:
    """Run one width sweep per architecture and write the table, slopes and figure.

    Parameters
    ----------
    archs : sequence of str
        Names from :data:`ARCHITECTURES`, GraphML paths or builders ``module:function``.
    widths, seeds
        The grid; ``seeds`` = n runs seeds 0..n-1 (2 to :data:`MAX_SEEDS`).
    out : path
        Output folder: missing, empty or an earlier run's (which resumes from
        ``out/cache``); a folder holding other files is refused.
    measure : str
        A name from :data:`specproof.dag_nets.measures.MEASURES`.
    activation : str
        Hidden activation.
    jobs, scheduler
        ``--jobs N`` (process pool: at most 4 workers per core, and never more than the
        run's points) or ``--scheduler ADDRESS`` (Dask).
    options : mapping, optional
        Further measurement configuration (depth, d_in, n_inputs, steps, ...).
    threads : int, optional
        BLAS/OpenMP threads per point (default: ``cores // jobs`` for ``jobs``; the
        libraries' own otherwise).

    Returns
    -------
    dict
        The content written to ``slopes.json``.

    Raises
    ------
    ArgumentError
        When another run is writing to ``out`` (it holds the folder's lock), or a cache
        entry cannot be used (:class:`~specproof.dag_nets.cache.CacheEntryError`).
    SweepInterrupted
        On Ctrl-C, with the number of points finished (all kept in ``out/cache``).
    ComputationError
        When a point fails, or a value is zero so that no slope can be fitted (the table
        is written then; the earlier run's ``slopes.json`` and figure are removed).

    Notes
    -----
    A run with other settings into the folder of an earlier one replaces its table,
    slopes and figures (the figures of another measure are removed) and says so through
    ``progress``; the cached points of both stay.
    """
    measure = as_choice(measure, sorted(MEASURES), "measure")
    seeds = as_int(seeds, "seeds", minimum=2, maximum=MAX_SEEDS)
    widths = as_widths(widths, "--widths")
    threads = check_threads(threads)
    if jobs is not None:
        jobs = check_jobs(jobs)
    archs = [check_arch(a) for a in archs]
    if len(set(archs)) != len(archs):
        raise ArgumentError(f"an architecture is listed twice: {list(archs)}")
    configs = {a: measurement_config(measure, arch=a, activation=activation,
                                     **dict(options or {})) for a in archs}
    fn = MEASURES[measure]
    for cfg in configs.values():  # every sweep's usage errors before the first point
        fn.check(cfg, widths)
    # the kernel's limit is that of the point's graph, every block grown: a block the
    # family keeps fixed keeps the distance from vanishing, which the output says
    fixed = ({a: fixed_hidden_nodes(configs[a], widths) for a in archs}
             if measure in _KERNEL_MEASURES else {})
    out = check_out_folder(out)
    created = [p for p in (out, out / "cache") if not p.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "cache").mkdir(exist_ok=True)
    except OSError as exc:
        raise ArgumentError(f"--out {str(out)!r} is not a writable folder: "
                            f"{exc.strerror or exc}") from None
    # one run at a time writes the folder: two mixed their table and slopes
    with lock_out_folder(out):
        return _run(fn, archs, widths, seeds, out, measure, activation, jobs, scheduler,
                    progress, threads, configs, created, fixed)


def _run(fn, archs: Sequence[str], widths: Sequence[int], seeds: int, out: Path,
         measure: str, activation: str, jobs: int | None, scheduler: str | None,
         progress: bool | Callable[[str], Any], threads: int | None,
         configs: Mapping[str, Mapping[str, Any]], created: Sequence[Path],
         fixed: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The body of :func:`ntk_sweep_to_folder`, with ``out`` created and locked."""
    say = _printer(progress)
    for arch, nodes in fixed.items():
        if nodes:
            say(fixed_blocks_note(arch, nodes))
    sweeps: dict[str, WidthSweep] = {}
    per_arch = len(widths) * seeds
    if jobs is not None and jobs > len(archs) * per_arch:
        # a worker without a point only costs its start-up
        say(f"jobs {jobs}: this run has {len(archs) * per_arch} points, so "
            f"{len(archs) * per_arch} worker processes")
        jobs = len(archs) * per_arch
    serial_or_remote = scheduler is not None or jobs is None or jobs == 1
    try:
        with contextlib.ExitStack() as stack:
            try:
                ex = stack.enter_context(
                    open_executor(jobs=jobs, scheduler=scheduler, threads=threads))
            except BaseException:
                # an unreachable scheduler left an empty --out/cache behind: what this
                # call created and is still empty goes again
                for folder in reversed(created):
                    with contextlib.suppress(OSError):
                        if folder == out and os.listdir(out) == [LOCK_FILE]:
                            (out / LOCK_FILE).unlink()  # made with the folder: goes with it
                        folder.rmdir()
                raise
            for arch in archs:
                sweeps[arch] = width_sweep(
                    fn, widths, seeds, configs[arch], cache=out / "cache", executor=ex,
                    progress=progress, label=arch_label(arch),
                    threads=threads if serial_or_remote else None)
    except SweepInterrupted as exc:
        done = len(sweeps) * per_arch + exc.done
        raise SweepInterrupted(done, len(archs) * per_arch, str(out / "cache")) from None
    if measure == "ntk":
        sweeps = {a: kernel_spread(sw) for a, sw in sweeps.items()}
    record = {"measure": measure, "activation": activation, "widths": list(widths),
              "seeds": seeds, "configs": configs}
    replaced = replace_earlier(out, record, MEASURES, measure)
    if replaced:
        say(replaced)
    rows = []
    for arch, sw in sweeps.items():
        rows += [{"arch": arch, **r} for r in sw.table()]
    extras = sorted({c for sw in sweeps.values() for c in sw.columns()}
                    - {"width", "seed", "value", "seconds"})
    write_csv(out / "sweep.csv", rows, ["arch", "width", "seed", "value", *extras, "seconds"])
    fits = _fits(sweeps, measure, widths, out)
    for arch, nodes in fixed.items():
        if nodes:
            fits[arch]["fixed_blocks"] = list(nodes)
    _draw(sweeps, fits, measure, out)
    summary = {**record, "slopes": fits, "provenance": provenance()}
    atomic_write(out / "slopes.json", json.dumps(to_jsonable(summary), indent=2))
    return summary


# the measures that compare the kernel with its infinite-width limit
_KERNEL_MEASURES = ("kernel-error", "ntk")


def fixed_blocks_note(arch: str, nodes: Sequence[str]) -> str:
    """What a kernel sweep says of an architecture whose blocks ``nodes`` keep their size.

    Examples
    --------
    >>> print(fixed_blocks_note("bottleneck", ["h1"]))
    bottleneck: hidden block h1 keeps its size at every width, while the limit kernel grows every block: the distance to it does not vanish with the width
    """  # noqa: E501
    blocks = "block " + nodes[0] if len(nodes) == 1 else "blocks " + ", ".join(nodes)
    keeps = "keeps its" if len(nodes) == 1 else "keep their"
    return (f"{arch_label(arch)}: hidden {blocks} {keeps} size at every width, while the "
            "limit kernel grows every block: the distance to it does not vanish with the "
            "width")


def _fits(sweeps: Mapping[str, WidthSweep], measure: str, widths: Sequence[int],
          out: Path) -> dict[str, dict[str, Any]]:
    """The fitted slope of every sweep, as ``slopes.json`` records it; a sweep that cannot
    be fitted (a value of zero) is a :class:`ComputationError` that says where the
    table and the points are, after the earlier run's slopes and figure are removed."""
    fits = {}
    try:
        for arch, sw in sweeps.items():
            x = _fit_axis(sw)
            fit = sw.slope(x=x)
            xs = sw.widths if x == "width" else sw.column(x)
            fits[arch] = {**fit.to_dict(), "fitted_against": x,
                          "fitted_widths": sorted({int(v) for v in xs}),
                          "swept_widths": list(widths), "means": sw.means()}
            if measure == "ntk":
                spread = sw.slope("to_mean", x=x)
                fits[arch]["to_mean"] = {**spread.to_dict(), "means": sw.means("to_mean")}
    except ValueError as exc:  # UnfittableError, or the fit's own refusal
        discard_results(out, measure)
        raise ComputationError(
            f"{exc}; slopes.json and the figure are not written: the table is in "
            f"{out / 'sweep.csv'} and every point in {out / 'cache'}") from None
    return fits


def _draw(sweeps: Mapping[str, WidthSweep], fits: Mapping[str, Mapping[str, Any]],
          measure: str, out: Path) -> None:
    """``figures/ntk-<measure>.pdf`` / ``.png``: every sweep's points and fitted line."""
    import matplotlib.pyplot as plt

    from specproof.plotting import figure, reference_line, save_figure
    from specproof.plotting.legend import legend_below

    fig, ax = figure(aspect=1.0)  # room for the legend below the axes
    try:
        for sw, fit in zip(sweeps.values(), fits.values()):
            sw.plot(ax, label=sw.label, x=fit["fitted_against"])
        axes_used = frozenset(f["fitted_against"] for f in fits.values())
        ax.set_xlabel({frozenset({"paper_width"}): r"width $m$ (minimum in-degree)",
                       frozenset({"width"}): r"layer width $m$"}.get(axes_used, r"width $m$"))
        ax.set_ylabel(MEASURE_LABELS.get(measure, measure))
        # every measure here is O(m^{-1/2}) in the paper: its rate, dashed, beside the fits
        xs = [x for sw in sweeps.values() for x in (
            sw.widths if _fit_axis(sw) == "width" else sw.column(_fit_axis(sw)))]
        ys = [y for sw in sweeps.values() for y in sw.values]
        reference_line(ax, -0.5, xs, ys, label=r"slope $-1/2$ (the paper's rate)")
        legend_below(ax)  # measured below the x label, which -0.2 of the axes covered
        save_figure(fig, out / "figures" / f"ntk-{measure}")
    finally:
        plt.close(fig)


def _fit_axis(sweep: WidthSweep) -> str:
    """``"paper_width"`` (the minimum in-degree) when every point records one and it
    varies; otherwise the swept layer ``"width"`` (a bottleneck keeps its paper width)."""
    pws = [p.extra.get("paper_width") for p in sweep.points]
    if all(isinstance(w, int) for w in pws) and len(set(pws)) > 1:
        return "paper_width"
    return "width"


__all__ = ["ARCHITECTURES", "RUN_ENTRIES", "check_out_folder", "ntk_sweep_to_folder",
           "parse_architectures", "parse_widths"]
