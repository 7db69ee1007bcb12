"""Choosing which claims to run: by paper key and by id glob, and loading user modules."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from specproof._core import SpecproofError, did_you_mean
from specproof.claims.claim import REGISTRY, Claim, Registry


class SelectionError(SpecproofError, ValueError):
    """A paper key or glob that selects nothing; the message lists what exists."""


class UserModuleError(SpecproofError, ImportError):
    """A ``--module`` that failed to import; the message carries its traceback."""


def import_user_modules(names: Sequence[str]) -> None:
    """Import user claim modules by dotted name (or by path to a ``.py`` file).

    Examples
    --------
    >>> import_user_modules([])  # nothing to import
    """
    for name in names:
        try:
            if name.endswith(".py"):
                path = Path(name).resolve()
                if not path.is_file():
                    raise FileNotFoundError(f"no such file: {path}")
                # a private name: a user file called json.py must not replace json
                mod_name = f"_specproof_user_{path.stem}"
                spec = importlib.util.spec_from_file_location(mod_name, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[mod_name] = module
                spec.loader.exec_module(module)
            else:
                importlib.import_module(name)
        except Exception as exc:
            raise UserModuleError(
                f"could not import claim module {name!r}:\n{traceback.format_exc()}"
            ) from exc


def select_claims(
    papers: Sequence[str] = (),
    only: Sequence[str] = (),
    registry: Registry | None = None,
) -> list[Claim]:
    """The registered claims of the given papers whose ids match any of the globs.

    Parameters
    ----------
    papers : sequence of str
        Paper keys; empty means all papers.
    only : sequence of str
        ``fnmatch`` globs on claim ids (``"lin-sn-gan.*"``); empty means all.

    Raises
    ------
    SelectionError
        An unknown paper key, a paper with no registered claims, or a glob that
        matches nothing; the message lists what exists.

    Examples
    --------
    >>> from specproof.theory import load_builtin_claims
    >>> load_builtin_claims()
    >>> [c.id for c in select_claims(only=["lin-sn-gan.homog*"])]
    ['lin-sn-gan.homogeneity']
    """
    reg = REGISTRY if registry is None else registry
    claims = list(reg)
    registered = sorted({c.paper for c in claims})
    known = sorted(set(reg.declared_papers()) | set(registered))
    for key in papers:
        if key not in known:
            raise SelectionError(
                f"unknown paper key {key!r}{did_you_mean(key, known)}; "
                f"known paper keys: {', '.join(known)}"
            )
        if key not in registered:
            raise SelectionError(
                f"paper {key!r} has no registered claims yet; papers with claims: "
                f"{', '.join(registered) or 'none'}"
            )
    if papers:
        claims = [c for c in claims if c.paper in set(papers)]
    for pattern in only:
        if not any(fnmatch.fnmatchcase(c.id, pattern) for c in claims):
            raise SelectionError(
                f"--only {pattern!r} matches no claim"
                f"{did_you_mean(pattern, [c.id for c in claims])}; claim ids: "
                f"{', '.join(c.id for c in claims) or 'none'}"
            )
    if only:
        claims = [c for c in claims if any(fnmatch.fnmatchcase(c.id, p) for p in only)]
    return claims


def previous_outcome(out: str | Path) -> dict[str, str] | None:
    """The verdicts of the previous run in the report folder ``out`` (id -> verdict).

    None when ``out`` holds no readable ``evidence.json`` (no previous run).

    Examples
    --------
    >>> import tempfile
    >>> previous_outcome(tempfile.mkdtemp()) is None
    True
    """
    import json

    path = Path(out) / "evidence.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {str(c["id"]): str(c["verdict"]) for c in doc["claims"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def order_failed_first(claims: Sequence[Claim], previous: dict[str, str]) -> list[Claim]:
    """``claims`` with those that did not PASS last time first (order otherwise kept).

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> [c.id for c in order_failed_first([C(id="a"), C(id="b")], {"b": "FAIL"})]
    ['b', 'a']
    """
    return sorted(claims, key=lambda c: previous.get(c.id, "PASS") == "PASS")
