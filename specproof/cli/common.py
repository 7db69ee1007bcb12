"""What every command shares: the usage error, argument types, loading claim modules."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from specproof._core import SpecproofError

# specproof.claims.PROFILES, spelled out: importing the claims package loads matplotlib
# (its report writers), which doubled the start-up of every command (tests/cli checks
# that the two agree)
PROFILES: tuple[str, ...] = ("quick", "paper")


class UsageError(SpecproofError):
    """Bad input on the command line; printed without a traceback, exit status 2."""


def _ascii_int(text: str) -> int:
    # int() also reads " 5", "5_0" and other scripts' digits ("５"): a typo is no number
    if not (text.isascii() and text.lstrip("+-").isdigit()):
        raise ValueError(text)
    return int(text)


def non_negative_int(text: str) -> int:
    try:
        value = _ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def positive_int(text: str) -> int:
    # one message for 0 and for -2 (a count of workers or seeds is never either)
    try:
        value = _ascii_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def load_claim_modules(modules: Sequence[str]) -> None:
    from specproof.claims import UserModuleError, import_user_modules
    from specproof.theory import load_builtin_claims

    load_builtin_claims()
    try:
        import_user_modules(modules)
    except UserModuleError as exc:
        raise UsageError(str(exc)) from exc
    for name in modules:
        _refuse_namespace_package(name)


def _refuse_namespace_package(name: str) -> None:
    """A dotted ``--module`` that imported as a folder without ``__init__.py`` (a
    namespace package, e.g. ``--module m`` for a folder ``m``) ran no code and registered
    no claim: every built-in claim would run instead, so it is refused."""
    import sys

    if name.endswith(".py") or "/" in name or "\\" in name:
        return
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) is not None:
        return
    if getattr(module, "__path__", None) is None:
        return
    where = next(iter(module.__path__), name)
    raise UsageError(f"--module {name!r} is a folder ({where}) with no __init__.py, not a "
                     f"module: name a file in it, --module {name.replace('.', '/')}/FILE.py")


