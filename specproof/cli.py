"""The ``specproof`` command: ``verify``, ``claims``, ``report``, ``certify``, ``check``.

Exit status: 0 success, 1 a claim is FAIL/ERROR/VACUOUS (or the run was interrupted),
2 bad usage or input.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence

from specproof._core import SpecproofError

# specproof.claims.PROFILES, spelled out: importing the claims package loads matplotlib
# (its report writers), which doubled the start-up of every command (tests/cli checks
# that the two agree)
PROFILES: tuple[str, ...] = ("quick", "paper")

# Each command imports the rest of what it needs when it runs: `specproof certify` must
# not pay for the claim modules, nor `specproof verify` for what it does not run.


class UsageError(SpecproofError):
    """Bad input on the command line; printed without a traceback, exit status 2."""


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, got 0")
    return value


def _add_verify(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="run the claims and write a report folder",
        description="Run every registered claim (check and negative control), print a "
        "summary table and write report.md, report.html, evidence.json and figures/.",
    )
    p.add_argument("--paper", action="append", default=[], metavar="KEY",
                   help="only claims of this paper (repeatable)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB",
                   help="only claims whose id matches this glob (repeatable)")
    p.add_argument("--profile", choices=PROFILES, default="quick",
                   help="quick: seconds per claim (default); paper: paper-scale sizes")
    p.add_argument("--out", default="specproof-report", metavar="DIR",
                   help="report folder (default: specproof-report); an earlier report there "
                   "is replaced as a whole, a folder holding other files is refused")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="run seed (default 0)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="worker processes (default 1)")
    p.add_argument("--module", action="append", default=[], metavar="M",
                   help="import this module (dotted name or .py file) to register its claims")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--last-failed", "--lf", action="store_true",
                       help="rerun only the claims that did not PASS in the previous run "
                       "(read from DIR/evidence.json); all of them when none failed")
    again.add_argument("--failed-first", "--ff", action="store_true",
                       help="run the claims that did not PASS in the previous run first, "
                       "then the rest")
    p.set_defaults(func=_cmd_verify)


def _add_claims(sub) -> None:
    p = sub.add_parser("claims", help="list the registered claims",
                       description="List the registered claims: id, paper, kind, statement.")
    p.add_argument("--paper", action="append", default=[], metavar="KEY",
                   help="only claims of this paper (repeatable)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB",
                   help="only claims whose id matches this glob (repeatable)")
    p.add_argument("--module", action="append", default=[], metavar="M",
                   help="import this module (dotted name or .py file) to register its claims")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true",
                      help="print one JSON array: id, paper, kind, statement, control, profiles")
    form.add_argument("--long", action="store_true",
                      help="print each claim in full: statement, control, profile parameters")
    p.set_defaults(func=_cmd_claims)


def _add_report(sub) -> None:
    p = sub.add_parser(
        "report",
        help="re-render report.html/md/tex from an evidence.json, running nothing",
        description="Render report.html, report.md and report.tex from an evidence file "
        "without rerunning any claim; the figures and certificates it names are copied "
        "from beside it.",
    )
    p.add_argument("evidence", metavar="EVIDENCE",
                   help="an evidence.json written by `specproof verify` (schema 1 or 2)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder to write (replaced as a whole if it holds a report)")
    p.set_defaults(func=_cmd_report)


def _load(modules: Sequence[str]) -> None:
    from specproof.claims import UserModuleError, import_user_modules
    from specproof.theory import load_builtin_claims

    load_builtin_claims()
    try:
        import_user_modules(modules)
    except UserModuleError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_verify(args: argparse.Namespace) -> int:
    from specproof.claims import (
        OutputDirError,
        SelectionError,
        order_failed_first,
        prepare_output_dir,
        previous_outcome,
        select_claims,
        summary_table,
        verify,
    )
    from specproof.theory import builtin_modules

    try:
        out = prepare_output_dir(args.out)  # checked before any work; nothing created
    except OutputDirError as exc:
        raise UsageError(str(exc)) from exc
    _load(args.module)
    try:
        claims = select_claims(papers=args.paper, only=args.only)
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    previous = previous_outcome(out)
    ran_before = claims
    claims = _apply_previous(args, out, claims, previous, order_failed_first)
    # --last-failed keeps the report whole: the claims not rerun are carried over
    keep = bool(args.last_failed and previous is not None and len(claims) < len(ran_before))
    print(f"specproof verify: {len(claims)} claims, profile {args.profile}, seed {args.seed}",
          file=sys.stderr)
    # worker processes import the built-in claim modules and the user's, to know the claims
    modules = [*builtin_modules(), *args.module]
    try:
        run = verify(claims, out, profile=args.profile, seed=args.seed, jobs=args.jobs,
                     modules=modules, record_modules=args.module, keep_previous=keep)
    except OutputDirError as exc:
        raise UsageError(str(exc)) from exc
    print(summary_table(run))
    print(f"report: {out / 'report.html'}  (also report.md, report.tex)  "
          f"evidence: {out / 'evidence.json'}")
    return run.exit_code


def _apply_previous(args, out, claims, previous, order_failed_first):
    """--last-failed / --failed-first, the way pytest's --lf / --ff behave."""
    if not (args.last_failed or args.failed_first):
        return claims
    flag = "--last-failed" if args.last_failed else "--failed-first"
    if previous is None:
        print(f"specproof verify {flag}: no previous evidence.json in {str(out)!r}; "
              "running every selected claim", file=sys.stderr)
        return claims
    failed = {cid for cid, verdict in previous.items() if verdict != "PASS"}
    if args.failed_first:
        return order_failed_first(claims, previous)
    chosen = [c for c in claims if c.id in failed]
    if not chosen:
        print(f"specproof verify {flag}: no claim failed in the previous run; "
              "running every selected claim", file=sys.stderr)
        return claims
    print(f"specproof verify {flag}: rerunning {len(chosen)} claim(s) that did not PASS "
          "last time", file=sys.stderr)
    return chosen


def _cmd_claims(args: argparse.Namespace) -> int:
    import json

    from specproof._core import to_jsonable
    from specproof.claims import REGISTRY, SelectionError, select_claims

    _load(args.module)
    try:
        claims = select_claims(papers=args.paper, only=args.only)
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps([
            {"id": c.id, "paper": c.paper, "kind": c.kind, "statement": c.statement,
             "control": c.control_description if c.control_check else None,
             "profiles": to_jsonable(c.profiles), "module": c.module}
            for c in claims
        ], indent=1))
        return 0
    if args.long:
        for c in claims:
            print(f"{c.id}  ({c.paper}, {c.kind})")
            print(textwrap.indent(textwrap.fill(c.statement, 90), "    "))
            control = c.control_description if c.control_check else "NONE REGISTERED"
            print(textwrap.indent(textwrap.fill(f"control: {control}", 90), "    "))
            for name, params in c.profiles.items():
                text = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "(no parameters)"
                print(textwrap.indent(textwrap.fill(f"{name}: {text}", 90), "    "))
            print()
    else:
        width = max((len(c.id) for c in claims), default=5)
        for c in claims:
            print(f"{c.id:<{width}}  {c.paper:<15} {c.kind:<11} "
                  + textwrap.shorten(c.statement, 100))
    print(f"{len(claims)} claims ({len(REGISTRY)} registered)", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from specproof.claims import EvidenceFileError, OutputDirError, rerender

    try:
        out, missing = rerender(args.evidence, args.out)
    except (EvidenceFileError, OutputDirError) as exc:
        raise UsageError(str(exc)) from exc
    for rel in missing:
        print(f"specproof report: warning: {rel} named by the evidence is not beside it",
              file=sys.stderr)
    print(f"report: {out / 'report.html'}  (also report.md, report.tex)  "
          f"evidence: {out / 'evidence.json'}")
    return 0


def _add_certify(sub) -> None:
    p = sub.add_parser(
        "certify",
        help="bound ||X||_{2->q} from both sides and write an SoS certificate",
        description="Print the sandwich lower <= ||X||_{2->q} <= upper (power-method witness "
        "below, SoS certificate above); with -o, write the certificate file (without -o "
        "nothing is written).",
    )
    p.add_argument("matrix", metavar="X", help="the data: a .npy or .csv file (rows x_i)")
    # q and the solver are validated by certify() (one definition of the limits, in
    # specproof.certificates.constants), before any work: a bad value exits 2
    p.add_argument("--q", type=int, default=4,
                   help="even exponent of the certified norm, 2 to 6 (default 4)")
    p.add_argument("--exact", action="store_true",
                   help="round to a rational Gram matrix and verify it exactly")
    p.add_argument("--solver", default="auto",
                   help="conic solver: auto (default) takes the interior-point Clarabel where "
                   "its measured time and memory are small, first-order SCS beyond; "
                   "mosek only when asked for (needs a licence)")
    p.add_argument("-o", "--output", metavar="CERT",
                   help="write the certificate here (.json); without -o nothing is written")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed of the power method's random restarts")
    p.add_argument("--json", action="store_true", help="print the sandwich as one JSON object")
    p.set_defaults(func=_cmd_certify)


def _add_check(sub) -> None:
    p = sub.add_parser(
        "check",
        help="check a certificate file",
        description="Re-derive the polynomial identity from the file's data and bound and "
        "check it with the Gram matrix: prints VALID or INVALID with the reason.",
    )
    p.add_argument("certificate", metavar="CERT",
                   help="a certificate file written by `specproof certify -o`")
    p.add_argument("--exact", action="store_true", help="check in exact rational arithmetic")
    p.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    p.set_defaults(func=_cmd_check)


def _add_ntk(sub) -> None:
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
    p.add_argument("--seeds", type=_positive_int, default=8, help="seeds per width (default 8)")
    p.add_argument("--measure", default="hessian",
                   choices=("hessian", "ntk-change", "kernel-error", "linearization"),
                   help="what to measure at each point (default hessian: ||H|| at init)")
    p.add_argument("--activation", default="erf",
                   choices=("erf", "tanh", "softplus", "gelu", "relu"),
                   help="hidden activation (default erf; relu has no Hessian claims)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_positive_int, default=None, metavar="N",
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


def _cmd_certify(args: argparse.Namespace) -> int:
    import json

    from specproof.certificates import (
        CertificationError,
        SolverError,
        certify,
        load_matrix,
        two_to_q,
        writable_output,
    )

    try:
        writable_output(args.output)  # before any work: a bad -o costs nothing
        X = load_matrix(args.matrix)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    try:
        # certify first: its up-front checks (size, X = 0) refuse before any other work
        cert = certify(X, q=args.q, exact=args.exact, solver=args.solver, output=args.output)
        lower = two_to_q(X, q=args.q, method="power", seed=args.seed)
    except (CertificationError, SolverError) as exc:
        print(f"specproof certify: could not certify: {exc}", file=sys.stderr)
        return 1
    except (ValueError, MemoryError) as exc:  # bad input; ResourceLimitError up front
        raise UsageError(str(exc)) from exc
    upper = cert.norm_upper
    method = f"sos{args.q}" + ("-exact" if args.exact else "")
    sandwich = {
        "q": args.q,
        "lower": float(lower.lower),
        "upper": upper,
        "ratio": upper / float(lower.lower) if lower.lower > 0 else None,
        "witness": [float(v) for v in lower.witness],
        "method": method,
        "lower_method": "power",
        "bound_qth_power": str(cert.C),
        "certificate": args.output,
        "exact": bool(args.exact),
        "x_sha256": cert.x_sha256,
        "solver": cert.provenance.get("solver"),
        "solver_reason": (cert.provenance.get("solver_choice") or {}).get("reason"),
        "delta": cert.provenance.get("delta"),
    }
    if args.json:
        print(json.dumps(sandwich))
        return 0
    print(f"||X||_(2->{args.q}) of a {X.shape[0]}x{X.shape[1]} matrix")
    print(f"  lower  {sandwich['lower']:.12g}   (power method; witness below)")
    print(f"  upper  {upper:.12g}   ({method}: ||X||^{args.q} <= {cert.c_decimal})")
    if sandwich["ratio"] is not None:
        print(f"  ratio  {sandwich['ratio']:.6g}")
    import numpy as np

    print("  witness " + np.array2string(lower.witness, precision=6, separator=", "))
    print(f"  solver {sandwich['solver']} ({sandwich['solver_reason']}); "
          f"C = SoS value x (1 + {sandwich['delta']:.2e})")
    if args.output:
        print(f"certificate written to {args.output}")
    else:
        print("certificate not written (give -o FILE to write it)")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 VALID, 1 INVALID (the file is a certificate that does not prove its bound),
    2 the file cannot be read as a certificate (one line, whatever is wrong with it)."""
    import json

    from specproof.certificates import check

    result = check(str(args.certificate), exact=args.exact)
    status = 0 if result.ok else (2 if result.code == "malformed" else 1)
    if args.json:
        print(json.dumps({"valid": bool(result.ok), "code": result.code,
                          "reason": result.reason, "statement": result.statement,
                          "shape": list(result.shape) if result.shape else None,
                          "x_sha256": result.x_sha256, "exact": bool(args.exact)}))
    else:
        print(result.verdict_line)
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``specproof`` command."""
    from specproof._core.version import __version__

    parser = argparse.ArgumentParser(
        prog="specproof",
        description="Executable theory of spectral norms in learning.",
    )
    parser.add_argument("--version", action="version", version=f"specproof {__version__}",
                        help="print specproof's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_verify(sub)
    _add_claims(sub)
    _add_report(sub)
    _add_certify(sub)
    _add_check(sub)
    _add_ntk(sub)
    return parser


def _unknown_command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """The error for a mistyped subcommand, with "did you mean" (argparse lists only)."""
    from specproof._core import did_you_mean

    words = [a for a in argv if not a.startswith("-")]
    if not words or any(a in ("-h", "--help", "--version") for a in argv[: argv.index(words[0])]):
        return None
    commands = [
        name
        for action in parser._actions  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    ]
    if words[0] in commands:
        return None
    return (f"unknown command {words[0]!r}{did_you_mean(words[0], commands)}; "
            f"commands: {', '.join(commands)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     status = main(["claims", "--paper", "lin-sn-gan"])
    >>> status
    0
    """
    # the command line writes files only; a library user keeps whatever backend they chose.
    # Through the environment when matplotlib is not loaded yet: importing it here cost
    # `specproof certify` and `check` ~0.2 s of start-up for nothing
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = _unknown_command(parser, argv)
    if unknown is not None:
        print(f"specproof: error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"specproof {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
