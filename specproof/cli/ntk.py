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
    ("kernel", "--kernel"): ("kernel-error", "ntk"),
}


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
    p.add_argument("--arch", default="mlp", metavar="A[,A...]",
                   help="mlp, resnet, densenet, bottleneck, random, a PATH.graphml, or a "
                   "builder MODULE:FUNCTION or FILE.py:FUNCTION (a function width -> "
                   "networkx.DiGraph); comma separated: one curve each (default mlp)")
    p.add_argument("--widths", default="64,128,256,512", metavar="M,M,...",
                   help="widths (minimum in-degree) to sweep, comma separated "
                   "(default 64,128,256,512)")
    p.add_argument("--seeds", type=positive_int, default=8, help="seeds per width (default 8)")
    p.add_argument("--measure", default="hessian", choices=MEASURES,
                   help="what to measure at each point (default hessian: ||H|| at init; "
                   "ntk: the kernel, its distance to the limit and to the width's mean)")
    p.add_argument("--activation", default="erf", choices=ACTIVATIONS,
                   help="hidden activation (default erf; relu and leaky_relu have no Hessian)")
    model = p.add_argument_group("model and data (defaults: measurement_config's)")
    model.add_argument("--depth", type=positive_int, default=None,
                       help="hidden layers of a named architecture (default per arch)")
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
                       help="linearization's radius (default 1)")
    model.add_argument("--kernel", choices=("ntk", "nngp"), default=None,
                       help="kernel-error's reference: ntk (default) or nngp (a wrong limit)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                       help="worker processes on this machine (each gets cores // N BLAS "
                       "threads unless --threads)")
    where.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="address of a Dask scheduler (needs specproof[dask])")
    p.add_argument("--threads", type=positive_int, default=None, metavar="K",
                   help="BLAS/OpenMP threads per point (per worker under --jobs); one is "
                   "fastest on a busy machine")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: sweep.csv, slopes.json, figures/, cache/ (resumes); "
                   "a folder holding other files is refused")
    p.set_defaults(func=_cmd_ntk)


def _options(args: argparse.Namespace) -> dict:
    keys = ("depth", "d_in", "n_inputs", "data_seed", "parameterization", "bias", "steps",
            "lr_scale", "radius", "kernel")
    options = {k: getattr(args, k) for k in keys if getattr(args, k) is not None}
    for (key, flag), measures in _ONLY_FOR.items():
        if key in options and args.measure not in measures:
            raise UsageError(f"{flag} applies to --measure {' or '.join(measures)}, not "
                             f"{args.measure}")
    return options


def _cmd_ntk(args: argparse.Namespace) -> int:
    from specproof._core import SpecproofError
    from specproof.dag_nets.runs import ntk_sweep_to_folder, parse_architectures, parse_widths
    from specproof.dag_nets.sweep import SweepInterrupted

    options = _options(args)
    try:
        archs, widths = parse_architectures(args.arch), parse_widths(args.widths)
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
        if isinstance(exc, (ValueError, TypeError, ImportError, MemoryError)):
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
    print(f"table: {args.out}/sweep.csv  slopes: {args.out}/slopes.json  "
          f"figure: {args.out}/figures/ntk-{args.measure}.pdf")
    return 0
