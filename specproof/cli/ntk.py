"""``specproof ntk``: a width sweep of DAG networks with a fitted slope."""

from __future__ import annotations

import argparse
import re
import sys

from specproof.cli.common import UsageError, non_negative_int, positive_int

#: The hidden activations of ``specproof.dag_nets.ACTIVATIONS``, spelled out: importing
#: dag_nets here would load numpy and scipy for every command (tests/cli checks they agree).
ACTIVATIONS = ("erf", "tanh", "softplus", "sigmoid", "gelu", "relu", "leaky_relu", "identity")
MEASURES = ("hessian", "ntk-change", "kernel-error", "ntk", "linearization")

#: Options that only some measurements take: (config key, flag) -> measurements.
_ONLY_FOR = {
    ("steps", "--steps"): ("ntk-change",),
    ("lr_scale", "--lr-scale"): ("ntk-change",),
    ("radius", "--radius"): ("linearization",),
    # the ntk measure always compares with the NTK: measurement_config refuses "kernel"
    ("kernel", "--kernel"): ("kernel-error",),
}

#: ``specproof.dag_nets.sweep.MAX_SEEDS`` and ``preflight.MAX_DEPTH``, spelled out for
#: --help without importing numpy (tests/cli checks they agree).
MAX_SEEDS = 10_000
MAX_DEPTH = 1000


def depth_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to {MAX_DEPTH}, got "
                                         f"{text!r}") from None
    if not 1 <= value <= MAX_DEPTH:
        # a deeper network hung the sweep (depth 10^8 while building the graph)
        raise argparse.ArgumentTypeError(f"expected an integer from 1 to {MAX_DEPTH}, got "
                                         f"{text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


class _Once(argparse.Action):
    """An option that may be given once: a second ``--arch`` silently replaced the first
    (``--arch a,b`` gives several)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, f"_{self.dest}_given", False):
            parser.error(f"{option_string} is given more than once; give one "
                         f"comma-separated list ({option_string} a,b)")
        setattr(namespace, f"_{self.dest}_given", True)
        setattr(namespace, self.dest, values)


def add_ntk(sub) -> None:
    p = sub.add_parser(
        "ntk",
        help="width sweep of a DAG network: Hessian norm, NTK change, kernel error, NTK",
        description="Measure a quantity of DAG networks at every width and seed, fit the "
        "log-log slope with a bootstrap interval over seeds, and write sweep.csv, "
        "slopes.json and figures/ to --out. Each finished point is cached in --out/cache: "
        "rerunning with the same --out resumes.",
    )
    # "--widths -16,32" is a (bad) value, not an unknown option: let it reach the check
    # that names it (argparse otherwise says "expected one argument")
    p._negative_number_matcher = re.compile(r"^-\d[\d,\s]*$|^-\d*\.\d+$")
    p.add_argument("--arch", default="mlp", metavar="A[,A...]", action=_Once,
                   help="mlp, resnet, densenet, bottleneck, random, a PATH.graphml, or a "
                   "builder MODULE:FUNCTION or FILE.py:FUNCTION (a function width -> "
                   "networkx.DiGraph); comma separated: one curve each (default mlp)")
    p.add_argument("--widths", default="64,128,256,512", metavar="M,M,...",
                   help="widths (minimum in-degree) to sweep, comma separated "
                   "(default 64,128,256,512)")
    p.add_argument("--seeds", type=positive_int, default=8,
                   help=f"seeds per width, at least 2 (the interval is a bootstrap over "
                   f"seeds) and at most {MAX_SEEDS} (default 8)")
    p.add_argument("--measure", default="hessian", choices=MEASURES,
                   help="what to measure at each point (default hessian: ||H|| at init; "
                   "ntk: the kernel, its distance to the limit and to the width's mean)")
    p.add_argument("--activation", default="erf", choices=ACTIVATIONS,
                   help="hidden activation (default erf; relu and leaky_relu have no Hessian)")
    model = p.add_argument_group("model and data (defaults: measurement_config's)")
    model.add_argument("--depth", type=depth_int, default=None,
                       help=f"hidden layers of a named architecture, 1 to {MAX_DEPTH} "
                       "(default per arch)")
    model.add_argument("--d-in", type=positive_int, default=None, metavar="D",
                       help="input features (default 10)")
    model.add_argument("--n-inputs", type=positive_int, default=None, metavar="N",
                       help="inputs measured on (default 6)")
    model.add_argument("--data-seed", type=non_negative_int, default=None, metavar="S",
                       help="seed of the inputs and targets (default 0)")
    model.add_argument("--parameterization", choices=("ntk", "standard"), default=None,
                       help="ntk (default, the paper's) or standard")
    model.add_argument("--bias", type=non_negative_float, default=None, metavar="BETA",
                       help="biases BETA * N(0, 1) on every non-input neuron, in the model "
                       "and its limit (default 0: none, the paper's model)")
    model.add_argument("--steps", type=positive_int, default=None,
                       help="gradient steps of ntk-change (default 200)")
    model.add_argument("--lr-scale", type=positive_float, default=None, metavar="C",
                       help="ntk-change's learning rate C / lambda_max(K0) (default 1)")
    model.add_argument("--radius", type=positive_float, default=None, metavar="R",
                       help="linearization's radius (default 1; 1e-150 to 1e150)")
    model.add_argument("--kernel", choices=("ntk", "nngp"), default=None,
                       help="kernel-error's reference: ntk (default) or nngp (a wrong limit); "
                       "--measure ntk always compares with the NTK")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                       help="worker processes on this machine, at most 4 per core and "
                       "never more than the points (each gets cores // N BLAS threads "
                       "unless --threads)")
    where.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="address of a Dask scheduler (needs specproof[dask])")
    p.add_argument("--threads", type=positive_int, default=None, metavar="K",
                   help="BLAS/OpenMP threads per point (per worker under --jobs); one is "
                   "fastest on a busy machine")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: sweep.csv, slopes.json, figures/, cache/ (resumes); "
                   "a folder holding other files, or that another run is writing to, is "
                   "refused")
    p.set_defaults(func=_cmd_ntk)


def _options(args: argparse.Namespace) -> dict:
    if not 2 <= args.seeds <= MAX_SEEDS:
        # checked here, not by argparse, so that main() returns 2 instead of exiting;
        # "seeds must be >= 2" is the library's wording, kept for scripts matching it
        raise UsageError(f"--seeds must be >= 2 and <= {MAX_SEEDS} (at least two for the "
                         f"bootstrap interval over seeds), got {args.seeds}")
    keys = ("depth", "d_in", "n_inputs", "data_seed", "parameterization", "bias", "steps",
            "lr_scale", "radius", "kernel")
    options = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    for (key, flag), measures in _ONLY_FOR.items():
        if key in options and args.measure not in measures:
            raise UsageError(f"{flag} applies to --measure {' or '.join(measures)}, not "
                             f"{args.measure}")
    return options


def _cmd_ntk(args: argparse.Namespace) -> int:
    from specproof._core import ComputationError, SpecproofError
    from specproof.dag_nets.executors import check_jobs
    from specproof.dag_nets.runs import (
        fixed_blocks_note,
        ntk_sweep_to_folder,
        parse_architectures,
        parse_widths,
    )
    from specproof.dag_nets.sweep import SweepInterrupted

    options = _options(args)
    try:
        if args.jobs is not None:  # named as the flag; the library says "jobs"
            check_jobs(args.jobs, "--jobs")
        archs, widths = parse_architectures(args.arch), parse_widths(args.widths)
        if args.measure == "ntk" and len(widths) < 3:
            # known before any work: the sweep ran, replaced the folder's earlier results
            # and only then said its 'to_mean' slope needs three widths
            raise UsageError(
                f"--measure ntk fits the slope of the distance to each width's mean kernel, "
                f"one value per width: it needs at least 3 widths, got {len(widths)} "
                f"({args.widths}); add a width")
        summary = ntk_sweep_to_folder(
            archs, widths, args.seeds, args.out, measure=args.measure,
            activation=args.activation, jobs=args.jobs, scheduler=args.scheduler,
            options=options, threads=args.threads)
    except KeyboardInterrupt as exc:
        what = (str(exc) if isinstance(exc, SweepInterrupted)
                else f"interrupted; finished points are kept in {args.out}/cache")
        print(f"specproof ntk: {what}; rerun the same command to resume", file=sys.stderr)
        return 130
    except (SpecproofError, ImportError) as exc:
        # a measurement that failed or cannot be fitted is no usage error, whatever else
        # it derives from (UnfittableError is also a ValueError)
        usage = (ValueError, TypeError, ImportError, MemoryError, UsageError)
        if isinstance(exc, usage) and not isinstance(exc, ComputationError):
            raise UsageError(str(exc)) from exc
        print(f"specproof ntk: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk filled up, a folder became unwritable mid-run
        print(f"specproof ntk: cannot write to {args.out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    for arch, fit in summary["slopes"].items():
        print(f"{arch:<12} slope {fit['slope']:+.3f} [{fit['low']:+.3f}, {fit['high']:+.3f}]")
        if "to_mean" in fit:
            s = fit["to_mean"]
            print(f"{'':<12} to the width's mean kernel: slope {s['slope']:+.3f} "
                  f"[{s['low']:+.3f}, {s['high']:+.3f}]")
        if fit.get("fixed_blocks"):
            print(f"{'':<12} note: {fixed_blocks_note(arch, fit['fixed_blocks'])}")
    print(f"table: {args.out}/sweep.csv  slopes: {args.out}/slopes.json  "
          f"figure: {args.out}/figures/ntk-{args.measure}.pdf")
    return 0
