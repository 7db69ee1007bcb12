"""The ``specproof`` command: ``verify``, ``claims``, ``report``, ``certify``, ``check``, ``ntk``,
``lemma``.

Exit status: 0 success, 1 a claim is FAIL/ERROR/VACUOUS, 2 bad usage or input, 4 a
bound given to ``certify --C`` is false, 130 interrupted (Ctrl-C: one line, no
traceback), 141 the reader of the output went away (``specproof claims | head``: quiet).
Each command lives in a module of its own here; each imports the rest of what it needs
when it runs: `specproof certify` must not pay for the claim modules, nor `specproof
verify` for what it does not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from specproof.cli.certify import add_certify, add_check
from specproof.cli.common import PROFILES, UsageError
from specproof.cli.lemma import add_lemma
from specproof.cli.ntk import add_ntk
from specproof.cli.verify import add_claims, add_report, add_verify

__all__ = ["PROFILES", "UsageError", "build_parser", "main"]


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
    for add in (add_verify, add_claims, add_report, add_certify, add_check, add_ntk,
                add_lemma):
        add(sub)
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


#: the exit status of an uncaught exception (BSD's EX_SOFTWARE), distinct from every
#: verdict's status
INTERNAL_ERROR = 70


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
    try:
        parser = build_parser()
    except KeyboardInterrupt:  # Ctrl-C while the command line is still being built
        print("specproof: interrupted", file=sys.stderr)
        return 130
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = _unknown_command(parser, argv)
    if unknown is not None:
        print(f"specproof: error: {unknown}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    for name in ("out", "output"):
        if getattr(args, name, None) == "":
            # "" is the current folder to the file system: `verify --out ''` replaced the
            # folder the user stood in, `lemma -o ''` wrote nothing and exited 0
            print(f"specproof {args.command}: error: --{name} is an empty path; give a "
                  "file or folder name", file=sys.stderr)
            return 2
    try:
        return int(args.func(args))
    except UsageError as exc:
        from specproof._core.printable import printable

        # a message may quote a user's module or data: its ESC codes are shown, not obeyed
        print(f"specproof {args.command}: error: {printable(exc, keep=chr(10))}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"specproof {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except Exception:  # noqa: BLE001 - a bug: never the exit status of a verdict
        # an uncaught exception exited 1, which `lemma` uses for REFUTED (and `verify` for
        # a failing claim): a crash read as a decision
        import traceback

        try:
            traceback.print_exc()
            print(f"specproof {args.command}: internal error (exit status {INTERNAL_ERROR}; "
                  "the traceback above is a bug in specproof: please report it)",
                  file=sys.stderr)
        except OSError:  # stderr closed or a broken pipe: the status still says "bug"
            pass
        return INTERNAL_ERROR


def _silence_stdout() -> None:
    """Point stdout at /dev/null: the reader is gone (``| head``), and the interpreter's
    final flush must not print a second BrokenPipeError."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # a replaced sys.stdout (tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
