"""``specproof ntk``: a width sweep of DAG networks with a fitted slope."""

from __future__ import annotations

import argparse
import sys

from specproof.cli.common import UsageError, positive_int


def add_ntk(sub) -> None:
    p = sub.add_parser(
        "ntk",
        help="width sweep of a DAG network: Hessian norm, NTK change or kernel error",
        description="Measure a quantity of DAG networks at every width and seed, fit the "
        "log-log slope with a bootstrap interval over seeds, and write sweep.csv, "
        "slopes.json and figures/ to --out. Each finished point is cached in --out/cache: "
        "rerunning with the same --out resumes.",
    )
    p.add_argument("--arch", default="mlp", metavar="A[,A...]",
                   help="mlp, resnet, densenet, bottleneck, random or a PATH.graphml "
                   "(comma separated: one curve each; default mlp)")
    p.add_argument("--widths", default="64,128,256,512", metavar="M,M,...",
                   help="widths (minimum in-degree) to sweep, comma separated "
                   "(default 64,128,256,512)")
    p.add_argument("--seeds", type=positive_int, default=8, help="seeds per width (default 8)")
    p.add_argument("--measure", default="hessian",
                   choices=("hessian", "ntk-change", "kernel-error", "linearization"),
                   help="what to measure at each point (default hessian: ||H|| at init)")
    p.add_argument("--activation", default="erf",
                   choices=("erf", "tanh", "softplus", "gelu", "relu"),
                   help="hidden activation (default erf; relu has no Hessian claims)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                       help="worker processes on this machine")
    where.add_argument("--scheduler", default=None, metavar="ADDR",
                       help="address of a Dask scheduler (needs specproof[dask])")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder: sweep.csv, slopes.json, figures/, cache/ (resumes)")

    def run(args: argparse.Namespace) -> int:
        from specproof._core import SpecproofError
        from specproof.dag_nets.runs import ntk_sweep_to_folder, parse_architectures, parse_widths

        try:
            archs, widths = parse_architectures(args.arch), parse_widths(args.widths)
            summary = ntk_sweep_to_folder(
                archs, widths, args.seeds, args.out, measure=args.measure,
                activation=args.activation, jobs=args.jobs, scheduler=args.scheduler)
        except KeyboardInterrupt:
            print(f"specproof ntk: interrupted; finished points are kept in {args.out}/cache, "
                  "rerun the same command to resume", file=sys.stderr)
            return 1
        except (SpecproofError, ImportError) as exc:
            if isinstance(exc, (ValueError, TypeError, ImportError)):
                raise UsageError(str(exc)) from exc
            print(f"specproof ntk: {exc}", file=sys.stderr)
            return 1
        for arch, fit in summary["slopes"].items():
            print(f"{arch:<12} slope {fit['slope']:+.3f} [{fit['low']:+.3f}, {fit['high']:+.3f}]")
        print(f"table: {args.out}/sweep.csv  slopes: {args.out}/slopes.json  "
              f"figure: {args.out}/figures/ntk-{args.measure}.pdf")
        return 0

    p.set_defaults(func=run)


