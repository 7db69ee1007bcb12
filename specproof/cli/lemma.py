"""``specproof lemma``: refute a statement with an exact counterexample, or prove it.

Exit status: 0 PROVED (the certificate is written to ``-o``), 1 REFUTED (an exact or
interval-certified counterexample), 3 UNDECIDED (what was tried and the tightest case; a
numerical counterexample that could not be confirmed is undecided too), 2 usage errors.
Everything heavy (sympy, scipy, flint, the SoS solvers) is imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time
from typing import Any

from specproof.cli.common import UsageError, non_negative_int

EXIT = {"PROVED": 0, "REFUTED": 1, "UNDECIDED": 3, "NUMERICAL COUNTEREXAMPLE": 3}


def add_lemma(sub: Any) -> None:
    p = sub.add_parser(
        "lemma",
        help="refute a statement (exact counterexample) or prove it (checked certificate)",
        description="Try to refute STATEMENT briefly (search, shrink, exact confirmation), "
        "then to prove it (SoS / Putinar certificate checked exactly), then to refute it with "
        "the rest of the budget. Exit 0 PROVED, 1 REFUTED, 3 UNDECIDED, 2 usage errors.",
    )
    p.add_argument("statement", metavar="STATEMENT",
                   help="e.g. \"x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0\"; relations "
                   ">=, <=, = ; matrices: A @ B, A.T, norm(X, 2|'fro'|'nuc'), trace, det, "
                   "expm, logm, two_to_q(X, q), schatten(X, p)")
    p.add_argument("--vars", metavar="x,y", help="the variables, in this order (default: every "
                   "name in the statement)")
    p.add_argument("--box", action="append", default=[], metavar="x=LO:HI",
                   help="a bound LO <= x <= HI (repeatable, or comma-separated)")
    p.add_argument("--matrix", action="append", default=[], metavar="A=NxM[:KIND]",
                   help="a matrix variable; KIND one of general, sym, psd, orth, diag "
                   "(repeatable)")
    p.add_argument("--constraint", action="append", default=[], metavar="REL",
                   help="a polynomial constraint such as \"x**2 + y**2 <= 1\" (repeatable)")
    p.add_argument("--degree", type=non_negative_int, default=None,
                   help="largest degree of the SoS decomposition (default: the statement's)")
    p.add_argument("--multiplier", default="auto", choices=("auto", "none", "reznick"),
                   help="auto: plain SoS, then the Reznick multiplier (default)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of the search")
    p.add_argument("--budget", type=float, default=10.0, metavar="SECONDS",
                   help="seconds of counterexample search (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", metavar="CERT.json",
                   help="write the certificate here when proved")
    p.set_defaults(func=_cmd_lemma)


def _parse_box(items: list[str]) -> dict[str, tuple[str, str]]:
    """``--box`` items (repeated or comma-separated) as name -> (LO, HI), the text as typed.

    Raises
    ------
    UsageError
        An item that is not NAME=LO:HI, or a name bounded twice.
    """
    out: dict[str, tuple[str, str]] = {}
    for item in (x for chunk in items for x in chunk.split(",") if x.strip()):
        name, sep, rng = item.partition("=")
        lo, colon, hi = rng.partition(":")
        if not (sep and colon and name.strip() and lo.strip() and hi.strip()):
            raise UsageError(f"--box {item!r}: expected NAME=LO:HI, e.g. x=-1:1")
        if name.strip() in out:
            # the last one silently won: x=0:1 and x=2:3 decided x**2 >= 0 on [2, 3] only
            raise UsageError(f"{name.strip()} given twice in --box "
                             f"({name.strip()}={':'.join(out[name.strip()])} and "
                             f"{item.strip()}); give one interval per variable")
        out[name.strip()] = (lo.strip(), hi.strip())
    return out


def _parse_matrices(items: list[str]) -> list[Any]:
    from specproof.lemmas.errors import StatementError
    from specproof.lemmas.matrices import Matrix

    out = []
    for item in items:
        name, sep, spec = item.partition("=")
        size, _, kind = spec.partition(":")
        n, x, m = size.lower().partition("x")
        # A=3 is refused, not read as a 3 x 1 column: NxM says which is meant
        if not (sep and n.strip().isdigit() and x and m.strip().isdigit()):
            raise UsageError(f"--matrix {item!r}: expected NAME=NxM[:KIND], e.g. A=3x3:sym")
        try:
            out.append(Matrix(name.strip(), int(n), int(m), kind=kind.strip() or "general"))
        except StatementError as exc:
            # "Matrix A: kind must be one of general, symmetric, ..." named neither the
            # option nor the short kinds its help lists
            raise UsageError(f"--matrix {item!r}: {_option_words(str(exc))}") from None
    return out


def _option_words(message: str) -> str:
    """A Matrix error in the command line's words: its short kinds, sizes as in NxM."""
    message = re.sub(r"^Matrix \w+: ", "", message)
    message = message.replace(
        "kind must be one of general, symmetric, psd, orthogonal, diagonal",
        "KIND must be one of general, sym, psd, orth, diag (or symmetric, orthogonal, "
        "diagonal)")
    return re.sub(r"\b([nm]) must be a positive int", lambda mo: (
        "N" if mo.group(1) == "n" else "M") + " must be a positive integer", message)


def build_statement(args: argparse.Namespace) -> Any:
    """The Statement the command line describes (a StatementError is a usage error)."""
    from specproof.lemmas.domains import box, constraints
    from specproof.lemmas.errors import StatementError
    from specproof.lemmas.statement import as_statement

    try:
        mats = _parse_matrices(args.matrix)
        given: list[Any] = list(mats)
        if args.vars is not None:
            names = [v.strip() for v in args.vars.split(",")]
            if not all(names):
                raise UsageError(f"--vars {args.vars!r}: expected names separated by commas, "
                                 "e.g. x,y (an empty name)")
            repeated = sorted({v for v in names if names.count(v) > 1})
            if repeated:
                raise UsageError(f"--vars {args.vars!r}: {', '.join(repeated)} given twice")
            given += names
        st = as_statement(args.statement, variables=given or None)
        bounds = _parse_box(args.box)
        if bounds:
            st = st.with_domain(box(**bounds))
        for text in args.constraint:
            try:
                st = st.with_domain(constraints(text))
            except StatementError as exc:
                # the parser speaks of "the statement": say which argument it was
                raise UsageError(f"--constraint {text!r}: {str(exc).splitlines()[0]}") from exc
    except StatementError as exc:
        raise UsageError(str(exc).splitlines()[0]) from exc
    except RecursionError:
        raise UsageError("the statement is nested too deeply to read") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        # a statement the reader did not foresee: still a one-line usage error, since a
        # traceback exits with status 1, which a script reads as REFUTED
        msg = str(exc).splitlines()[0] if str(exc) else ""
        raise UsageError(f"cannot read the statement: {type(exc).__name__}: {msg}") from exc
    return st


#: exact values with more digits than this (numerator and denominator) are abbreviated
_LONG_EXACT = 60


def _show_value(v: Any) -> str:
    from fractions import Fraction

    from specproof.certificates.rational_text import approximate
    from specproof.lemmas.verdicts import Interval

    if isinstance(v, Interval):
        return f"{v}  (certified enclosure)"
    if isinstance(v, (int, Fraction)) and not isinstance(v, bool):
        v = Fraction(v)
        digits = len(str(abs(v.numerator))) + len(str(v.denominator))
        if digits > _LONG_EXACT:
            # a 401-digit line (10**400 at x = 0) buried the verdict, and float() of a huge
            # fraction raised OverflowError: a decimal to 12 digits, the exact value in --json
            return (f"{approximate(v, 12)}  (exact: {len(str(abs(v.numerator)))} / "
                    f"{len(str(v.denominator))} digits; --json prints it whole)"
                    if v.denominator != 1 else
                    f"{approximate(v, 12)}  (exact: an integer of {digits - 1} digits; "
                    "--json prints it whole)")
        if v.denominator != 1:
            return f"{v}  (≈ {approximate(v, 10)})"
    return str(v)


def _report(verdict: Any, cert_path: str | None, where: str = "",
            output: str | None = None) -> list[str]:
    from specproof.lemmas.verdicts import show_point

    lines = _verdict_lines(verdict, cert_path, show_point, output)
    if where:
        # the verdict holds on the domain only: the first line says so (x >= 5 read as
        # PROVED with no hint of --box x=6:7)
        lines[0] = lines[0].replace(verdict.text, f"{verdict.text} on {where}", 1)
    return lines


def _at(point: dict[str, Any], show_point: Any) -> str:
    """Where a verdict was reached: the point, or that there is none (an empty ``at``
    ended the line of a statement with no variables)."""
    return f"at {show_point(point)}" if point else "no variables: the statement is one number"


def _no_file(verdict: Any, output: str | None) -> str:
    if verdict.method == "identity":
        why = "an identity's proof is its exact expansion"
    else:
        why = f"the proof is the {verdict.method.removesuffix(', no variables')} itself"
    unwritten = f"; nothing written to {shlex.quote(output)}" if output else ""
    lines = [f"  {verdict.check_message}"] if verdict.method != "identity" else []
    return "\n".join([*lines, f"  no certificate file: {why}{unwritten}"])


def _verdict_lines(verdict: Any, cert_path: str | None, show_point: Any,
                   output: str | None = None) -> list[str]:
    name = verdict.verdict
    if name == "REFUTED":
        lines = [f"REFUTED: {verdict.text} is false ({verdict.trust})",
                 f"  {_at(verdict.point, show_point)}",
                 f"  lhs = {_show_value(verdict.lhs)}",
                 f"  rhs = {_show_value(verdict.rhs)}",
                 f"  margin = {_show_value(verdict.margin)}",
                 f"  found by: {verdict.how_found}"]
    elif name == "PROVED":
        lines = [f"PROVED: {verdict.text} ({verdict.trust})", f"  {verdict!r}"]
        if verdict.certificate is None:
            lines.append(_no_file(verdict, output))
        elif cert_path:
            # the hint is a command to paste: a path with a space split into two arguments
            lines.append(f"  certificate written to {cert_path} (re-check: specproof check "
                         f"{shlex.quote(cert_path)} --exact)")
        else:
            lines.append("  certificate not written (give -o CERT.json)")
    elif name == "NUMERICAL COUNTEREXAMPLE":
        lines = [f"UNDECIDED: numerical counterexample, not confirmed: {verdict.text}",
                 f"  {_at(verdict.point, show_point)} (floating point)",
                 f"  lhs ≈ {verdict.lhs:.12g}, rhs ≈ {verdict.rhs:.12g}",
                 f"  not confirmed: {verdict.why_not_confirmed}"]
    else:
        lines = [f"UNDECIDED: {verdict.text}"] + [f"  tried: {t}" for t in verdict.tried]
        t = verdict.tightest
        if t is not None:
            # says whether it is a float64 number, never checked (the float logm of a
            # nearly singular P gave lhs - rhs = 1.2 on the identity log det P = tr logm
            # P, read as a violation), or the exact or certified value at the point
            ratio = "" if t.ratio is None else f", lhs/rhs = {t.ratio:.10g}"
            at = f" at {show_point(t.point)}" if t.point else ""
            lines.append(f"  tightest case: lhs - rhs = {t.lhs_minus_rhs:.6g}{ratio} "
                         f"({t.how}){at}")
    return lines


def _cmd_lemma(args: argparse.Namespace) -> int:
    if not (args.budget > 0 and args.budget < float("inf")):
        raise UsageError(f"--budget must be a positive number of seconds, got {args.budget}")
    if args.output:
        _check_output(args.output)
    try:
        return _decide(build_statement(args), args)
    except KeyboardInterrupt:
        print("specproof lemma: interrupted (Ctrl-C); nothing was decided", file=sys.stderr)
        return 130


def _check_output(output: str) -> None:
    """Refuse an ``-o`` that cannot be written before any work (``/proc/c.json`` failed
    only after the whole search and proof)."""
    from specproof._core.errors import ArgumentError
    from specproof.certificates.certify_inputs import writable_output

    parent = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(parent):
        raise UsageError(f"-o {output}: the folder {parent} does not exist")
    if os.path.isdir(output):
        raise UsageError(f"-o {output}: is a folder; give a file name (CERT.json)")
    try:
        writable_output(output)
    except (ArgumentError, OSError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"-o {output}: cannot write the certificate there: "
                         f"{msg.removeprefix('output ')}") from None


def _interrupted(verdict: Any) -> bool:
    """refute returns what it has on Ctrl-C (a library caller keeps it); the command
    stops there instead of going on to prove."""
    tried = getattr(verdict, "tried", ()) or ()
    return verdict.verdict == "UNDECIDED" and bool(tried) and \
        str(tried[0]).startswith("interrupted")


def _decide(st: Any, args: argparse.Namespace) -> int:
    from specproof.lemmas.closed import decide_closed, is_closed

    if is_closed(st):
        # one number compared with 0: evaluated (certified), not searched
        verdict = decide_closed(st)
        steps: list[dict[str, Any]] = [{"step": "evaluate", "verdict": verdict.to_dict()}]
    else:
        verdict, steps = _search_and_prove(st, args)
    cert_path = None
    if verdict.verdict == "PROVED" and args.output and verdict.certificate is not None:
        try:
            verdict.save(args.output)
        except OSError as exc:
            raise UsageError(f"-o {args.output}: cannot write the certificate: "
                             f"{exc.strerror or exc}") from None
        cert_path = args.output
    status = EXIT[verdict.verdict]
    if args.json:
        out = {"verdict": verdict.verdict, "exit": status, "statement": st.to_dict(),
               "result": verdict.to_dict(), "certificate_file": cert_path, "steps": steps}
        print(json.dumps(out))
    else:
        where = "" if st.is_black_box or st.domain.is_everywhere else st.domain.describe()
        print("\n".join(_report(verdict, cert_path, where, args.output)))
    return status


def _search_and_prove(st: Any, args: argparse.Namespace) -> tuple[Any, list[dict[str, Any]]]:
    """Refute briefly, prove, refute with the rest of the budget: the verdict and the steps."""
    from specproof.lemmas.refute import refute

    t0 = time.monotonic()
    first = min(1.0, args.budget / 4)
    steps: list[dict[str, Any]] = []
    verdict = refute(st, seed=args.seed, budget=first)
    if _interrupted(verdict):
        raise KeyboardInterrupt
    steps.append({"step": "refute", "seconds": first, "verdict": verdict.to_dict()})
    polynomial = not st.is_black_box and st.is_polynomial()
    if verdict.verdict != "REFUTED" and polynomial:
        proved = _try_prove(st, args)
        if proved is not None:
            steps.append({"step": "prove", "verdict": proved.to_dict()})
            if proved.verdict == "PROVED":
                verdict = proved
    if verdict.verdict not in ("REFUTED", "PROVED"):
        rest = args.budget - (time.monotonic() - t0)
        if rest > 0.05:
            again = refute(st, seed=args.seed + 1, budget=rest)
            if _interrupted(again):
                raise KeyboardInterrupt
            steps.append({"step": "refute", "seconds": rest, "verdict": again.to_dict()})
            if again.verdict == "REFUTED" or verdict.verdict == "UNDECIDED":
                verdict = again
    if verdict.verdict == "UNDECIDED":  # everything every step tried, in order
        from specproof.lemmas.verdicts import Undecided

        tried = [f"{step['step']}: {t}" for step in steps
                 for t in step["verdict"].get("tried", [])]
        if not polynomial:
            # say why no proof was tried: only refute attempts were listed, and a user
            # could not tell that writing it without abs/sqrt/division would let it prove
            tried.insert(0, "prove: not attempted: "
                         + ("the statement is a Python function" if st.is_black_box else
                            "the statement or its domain is not a polynomial inequality "
                            "over Q (abs, sqrt, log, a division, a norm, ...); prove takes "
                            "polynomials only: squaring both sides or clearing denominators "
                            "(with the sign they need as a constraint) may make it one"))
        verdict = Undecided(verdict.text, tuple(tried), verdict.tightest)
    return verdict, steps


def _try_prove(st: Any, args: argparse.Namespace) -> Any:
    try:
        from specproof.lemmas.errors import EmptyDomainError
        from specproof.lemmas.prove import prove
    except ImportError:  # the prover is optional in this build
        return None
    try:
        return prove(st, degree=args.degree, multiplier=args.multiplier)
    except EmptyDomainError as exc:  # no verdict means anything there: a usage error
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # a statement the prover refuses is reported, not a crash
        print(f"specproof lemma: prove: {exc}", file=sys.stderr)
        return None


__all__ = ["add_lemma", "build_statement"]
