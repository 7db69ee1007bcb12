"""The ``specproof`` command: ``verify``, ``claims``.

Exit status: 0 success, 1 a claim is FAIL/ERROR/VACUOUS (or the run was interrupted),
2 bad usage or input.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from specproof.theory.builtin import load_builtin_claims
from specproof.theory.engine import PROFILES, REGISTRY
from specproof.theory.report import summary_table
from specproof.theory.selection import SelectionError, UserModuleError, import_user_modules
from specproof.theory.verify import OutputDirError, prepare_output_dir, verify


class UsageError(Exception):
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
                   help="report folder (default: specproof-report)")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="run seed (default 0)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="worker processes (default 1)")
    p.add_argument("--module", action="append", default=[], metavar="M",
                   help="import this module (dotted name or .py file) to register its claims")
    p.set_defaults(func=_cmd_verify)


def _add_claims(sub) -> None:
    p = sub.add_parser("claims", help="list the registered claims",
                       description="List the registered claims: id, paper, kind, statement.")
    p.add_argument("--paper", action="append", default=[], metavar="KEY")
    p.add_argument("--module", action="append", default=[], metavar="M")
    p.set_defaults(func=_cmd_claims)


def _load(modules: Sequence[str]) -> None:
    load_builtin_claims()
    try:
        import_user_modules(modules)
    except UserModuleError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_verify(args: argparse.Namespace) -> int:
    from specproof.theory.selection import select_claims

    try:
        out = prepare_output_dir(args.out)
    except OutputDirError as exc:
        raise UsageError(str(exc)) from exc
    _load(args.module)
    try:
        claims = select_claims(papers=args.paper, only=args.only)
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    print(f"specproof verify: {len(claims)} claims, profile {args.profile}, seed {args.seed}",
          file=sys.stderr)
    run = verify(claims, out, profile=args.profile, seed=args.seed, jobs=args.jobs,
                 modules=args.module)
    print(summary_table(run))
    print(f"report: {out / 'report.html'}  evidence: {out / 'evidence.json'}")
    return run.exit_code


def _cmd_claims(args: argparse.Namespace) -> int:
    from specproof.theory.selection import select_claims

    _load(args.module)
    try:
        claims = select_claims(papers=args.paper)
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    width = max((len(c.id) for c in claims), default=5)
    for c in claims:
        print(f"{c.id:<{width}}  {c.paper:<15} {c.kind:<11} "
              + textwrap.shorten(c.statement, 100))
    print(f"{len(claims)} claims ({len(REGISTRY)} registered)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``specproof`` command."""
    parser = argparse.ArgumentParser(
        prog="specproof",
        description="Executable theory of spectral norms in learning.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_verify(sub)
    _add_claims(sub)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"specproof {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
