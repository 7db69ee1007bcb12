"""``specproof verify``, ``claims`` and ``report``: run the claims, list them, re-render."""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading

from specproof.cli.common import (
    PROFILES,
    UsageError,
    load_claim_modules,
    non_negative_int,
    positive_int,
)


def add_verify(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="run the claims and write a report folder",
        description="Run every registered claim (check and negative control), print a "
        "summary table and write report.md, report.html, report.tex (an appendix section "
        "to \\input into a paper: one- or two-column), evidence.json and figures/.",
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
    p.add_argument("--seed", type=non_negative_int, default=0, help="run seed (default 0)")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="worker processes (default 1)")
    p.add_argument("--threads", type=positive_int, default=None, metavar="K",
                   help="BLAS/OpenMP threads per claim (default: cores // N under --jobs N; "
                   "one is fastest on a busy machine)")
    p.add_argument("--module", action="append", default=[], metavar="M",
                   help="import this module (dotted name or .py file) to register its claims")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--last-failed", "--lf", action="store_true",
                       help="rerun only the claims that did not PASS in the previous run "
                       "(read from DIR/evidence.json); all of them when none failed")
    again.add_argument("--failed-first", "--ff", action="store_true",
                       help="run the claims that did not PASS in the previous run first, "
                       "then the rest")
    again.add_argument("--resume", action="store_true",
                       help="continue the run interrupted (Ctrl-C) or killed in DIR: keep "
                       "every claim it finished, run only the rest (same profile and seed)")
    p.set_defaults(func=_cmd_verify)


def add_claims(sub) -> None:
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


def add_report(sub) -> None:
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


def _cmd_verify(args: argparse.Namespace) -> int:
    from specproof.claims import (
        REGISTRY,
        EvidenceFileError,
        OutputDirError,
        ResumeError,
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
    load_claim_modules(args.module)
    try:
        claims = select_claims(papers=args.paper, only=args.only)
    except SelectionError as exc:
        raise UsageError(str(exc)) from exc
    from specproof.claims.resume import code_fingerprint

    # taken once, the modules loaded: the helpers they import are part of the code too
    args.fingerprint = code_fingerprint()
    previous = previous_outcome(out)
    ran_before = claims
    claims = _apply_previous(args, out, claims, previous, order_failed_first)
    # --last-failed keeps the report whole: the claims not rerun are carried over
    keep = bool(args.last_failed and previous is not None and len(claims) < len(ran_before))
    from specproof.claims.render import plural as _plural

    print(f"specproof verify: {_plural(len(claims), 'claim')}, profile {args.profile}, "
          f"seed {args.seed}",
          file=sys.stderr)
    # worker processes import the built-in claim modules and the user's, to know the claims
    modules = [*builtin_modules(), *args.module]
    terminated = []

    def _on_term(signum, frame):  # SIGTERM (timeout, a CI cancel) as Ctrl-C: the workers
        terminated.append(signum)  # are stopped and the finished claims kept; it left
        raise KeyboardInterrupt    # them running, re-parented, and said nothing

    # signal handlers belong to the main thread (main() called from another one keeps
    # the default SIGTERM)
    in_main = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, _on_term) if in_main else None
    try:
        run = verify(claims, out, profile=args.profile, seed=args.seed, jobs=args.jobs,
                     threads=args.threads, modules=modules, record_modules=args.module,
                     keep_previous=keep, resume=args.resume, fingerprint=args.fingerprint,
                     # carried: every registered claim's record (a narrower --only
                     # keeps the report whole), not one of a claim since removed
                     selection=[c.id for c in REGISTRY],
                     progress=_resume_note(args, out, claims))
    except KeyboardInterrupt:
        if not terminated:
            raise
        print("specproof verify: terminated (SIGTERM); the claims finished are kept, "
              "`--resume` continues the run", file=sys.stderr)
        return 143
    except (OutputDirError, ResumeError, EvidenceFileError) as exc:
        # EvidenceFileError: a carried or resumed record naming a file outside the
        # report's own ended in a traceback (exit 70)
        raise UsageError(str(exc)) from exc
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous_term)
    if terminated and run.interrupted:
        print(summary_table(run))
        return 143
    print(summary_table(run))
    print(f"report: {out / 'report.html'}  (also report.md, report.tex)  "
          f"evidence: {out / 'evidence.json'}")
    return run.exit_code


def _resume_note(args, out, claims):
    """Progress for verify; with --resume, first a line on what is kept (on stderr)."""
    if not args.resume:
        return "auto"
    from specproof.claims.report import module_record
    from specproof.claims.resume import (
        ResumeError,
        check_resumable,
        current_params,
        kept_records,
        record_ids,
        resume_point,
        unreadable_runs,
    )

    point = resume_point(out)
    if point is not None:
        try:
            check_resumable(point, args.profile, args.seed,
                            [module_record(m) for m in args.module], args.fingerprint)
        except ResumeError:
            return "auto"  # verify refuses it, naming what differs
    if point is None:
        damaged = unreadable_runs(out)
        if damaged:
            print(f"specproof verify --resume: the evidence.json of the earlier run in "
                  f"{str(damaged[0])!r} cannot be read (cut short?); nothing is kept from "
                  "it: running every selected claim", file=sys.stderr)
        else:
            print(f"specproof verify --resume: no earlier run in {str(out)!r}; running "
                  "every selected claim", file=sys.stderr)
    else:
        where = "a killed run's folder" if point.stale else "the report"
        done = set(record_ids(point))
        if done - {c.id for c in claims}:
            return "auto"  # a narrower selection: verify refuses it, naming the claims
        # the same rule verify keeps them by (an unreadable, edited or incomplete record
        # runs again): "17 ... are kept" was printed where 16 were
        kept, again = kept_records(point, {c.id for c in claims},
                                   current_params(claims, args.profile),
                                   seed=args.seed, profile=args.profile)
        print(f"specproof verify --resume: continuing from {where} {str(point.folder)!r}: "
              f"{len(kept)} of {len(claims)} claims finished there and are kept; running the "
              f"other {len(claims) - len(kept)}", file=sys.stderr)
        for cid, why in list(again.items())[:5]:
            print(f"  {cid} runs again: {why}", file=sys.stderr)
        if len(again) > 5:
            print(f"  and {len(again) - 5} more run again", file=sys.stderr)
    return "auto"


def _apply_previous(args, out, claims, previous, order_failed_first):
    """--last-failed / --failed-first, the way pytest's --lf / --ff behave."""
    if not (args.last_failed or args.failed_first):
        return claims
    flag = "--last-failed" if args.last_failed else "--failed-first"
    if previous is None:
        print(f"specproof verify {flag}: no previous evidence.json in {str(out)!r}; "
              "running every selected claim", file=sys.stderr)
        return claims
    if args.failed_first:
        return order_failed_first(claims, previous)
    _check_same_run_settings(args, out)
    # a claim that did not run (an interrupted run, a narrower selection) did not pass;
    # one whose parameters changed since has no result for them (its PASS was carried)
    changed = _changed_params(out, claims, args.profile)
    changed.update(_not_kept(out, claims, args, changed))
    chosen = [c for c in claims if previous.get(c.id) != "PASS" or c.id in changed]
    for cid, why in list(changed.items())[:5]:
        print(f"specproof verify {flag}: {cid} runs again: {why}", file=sys.stderr)
    if not chosen:
        print(f"specproof verify {flag}: no claim failed in the previous run; "
              "running every selected claim", file=sys.stderr)
        return claims
    not_run = sum(c.id not in previous for c in chosen)
    from specproof.claims.render import plural

    print(f"specproof verify {flag}: rerunning {plural(len(chosen), 'claim')} that did not "
          "PASS last time" + (f" ({not_run} did not run)" if not_run else ""), file=sys.stderr)
    return chosen


def _not_kept(out, claims, args, changed) -> dict[str, str]:
    """Claim id -> why its PASS in ``out`` cannot be carried (the rules of --resume:
    an edited record, another seed, an unreadable one); those run again."""
    import json

    from specproof.claims.resume import kept_records, point_of

    try:
        doc = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    wanted = {c.id for c in claims} - set(changed)
    _, again = kept_records(point_of(doc, out), wanted, None, seed=args.seed,
                            profile=args.profile)
    return again


def _changed_params(out, claims, profile) -> dict[str, str]:
    """Claim id -> how its parameters differ from its record in ``out``'s evidence."""
    import json

    from specproof.claims.resume import params_change

    try:
        doc = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
        records = {rec["id"]: rec for rec in doc["claims"] if isinstance(rec, dict)}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    changed = {}
    for c in claims:
        rec = records.get(c.id)
        why = None if rec is None else params_change(rec.get("params"), c.params(profile))
        if why is not None:
            changed[c.id] = why
    return changed


def _check_same_run_settings(args, out) -> None:
    """Refuse --last-failed when the previous run used another profile or seed.

    Its verdicts choose what reruns, and only its records of the same profile and seed
    may be carried over; under another seed the report would hold the rerun claims
    alone and lose the others, so nothing runs and nothing is deleted.
    """
    import json

    try:
        doc = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    profile, seed = doc.get("profile"), doc.get("seed")
    if (profile, seed) != (args.profile, args.seed):
        raise UsageError(
            f"--last-failed: the previous run in {str(out)!r} used --profile {profile} "
            f"--seed {seed}, this one asks --profile {args.profile} --seed {args.seed}; "
            "use the same profile and seed, or drop --last-failed to run every selected "
            "claim")
    # the verdicts carried over are those of the code as it was then: a --module file or
    # a helper it imports, edited since, could turn a carried PASS into a FAIL that
    # --last-failed never reruns
    from specproof.claims.report import module_record
    from specproof.claims.resume import ResumeError, check_resumable, point_of

    point = point_of(doc, out)
    try:
        check_resumable(point, args.profile, args.seed,
                        [module_record(m) for m in args.module], args.fingerprint)
    except ResumeError as exc:
        raise UsageError(str(exc).replace("--resume", "--last-failed")) from exc


def _cmd_claims(args: argparse.Namespace) -> int:
    import json

    from specproof._core import to_jsonable
    from specproof._core.printable import printable
    from specproof.claims import REGISTRY, SelectionError, select_claims
    from specproof.claims.markup_plain import plain_rich as unicode_reading

    def plain_rich(text: str) -> str:  # a statement's ESC codes are shown, not obeyed
        return printable(unicode_reading(text))

    load_claim_modules(args.module)
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
            print(textwrap.indent(textwrap.fill(plain_rich(c.statement), 90), "    "))
            control = c.control_description if c.control_check else "NONE REGISTERED"
            print(textwrap.indent(textwrap.fill(f"control: {plain_rich(control)}", 90), "    "))
            for name, params in c.profiles.items():
                text = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "(no parameters)"
                print(textwrap.indent(textwrap.fill(f"{name}: {text}", 90), "    "))
            print()
    else:
        width = max((len(c.id) for c in claims), default=5)
        for c in claims:
            print(f"{c.id:<{width}}  {c.paper:<15} {c.kind:<11} "
                  + textwrap.shorten(plain_rich(c.statement), 100))
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


