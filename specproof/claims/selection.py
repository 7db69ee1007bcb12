"""Choosing which claims to run: by paper key and by id glob, and loading user modules."""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from specproof._core import ArgumentTypeError, SpecproofError, did_you_mean
from specproof.claims.claim import REGISTRY, Claim, DuplicateClaimError, Registry
from specproof.claims.fingerprint import user_modules
from specproof.claims.inputs import IMPORT_INPUTS, data_inputs, files_opened


class SelectionError(SpecproofError, ValueError):
    """A paper key or glob that selects nothing; the message lists what exists."""


class UserModuleError(SpecproofError, ImportError):
    """A ``--module`` that failed to import; the message carries its traceback."""


def import_user_modules(names: Sequence[str]) -> None:
    """Import user claim modules by dotted name or by path to a ``.py`` file.

    A dotted name is looked up in the current folder first, then in the installed
    packages (the current folder is put on ``sys.path``, as ``python -m`` does). A
    missing file, a dotted name that does not resolve and a claim id that two modules
    register are one-line errors; a module that raises while it runs is reported with
    its traceback.

    Examples
    --------
    >>> import_user_modules([])  # nothing to import
    >>> import_user_modules(["no_such_module_xyz"])
    Traceback (most recent call last):
    ...
    specproof.claims.selection.UserModuleError: --module 'no_such_module_xyz': no module \
of that name in the current folder or the installed packages
    """
    for name in names:
        try:
            # data the module reads as it is imported (DATA = np.load(...) at its top)
            # is part of what --resume compares, as a check's own reads are
            before = set(sys.modules)
            with files_opened() as opened:
                if name.endswith(".py") or os.sep in name or "/" in name:
                    _import_path(name)
                else:
                    _import_dotted(name)
            files = {rec["path"]: rec["sha256"] for rec in data_inputs(opened)}
            # under the user modules it loaded: a library it imported first stays loaded
            # for good and would keep the files in every later run's fingerprint
            user = {rec["name"] for rec in user_modules()}
            loaded = tuple(sorted(n for n in set(sys.modules) - before if n in user))
            if loaded and files:
                IMPORT_INPUTS[loaded] = files
        except UserModuleError:
            raise
        except DuplicateClaimError as exc:
            raise UserModuleError(f"--module {name!r}: {exc}") from None
        except Exception as exc:
            raise UserModuleError(
                f"could not import claim module {name!r}:\n{traceback.format_exc()}"
            ) from exc


# the prefix of the private module names of files given by path
_PRIVATE = "_specproof_user_"


def _import_path(name: str) -> None:
    path = Path(name).expanduser().resolve()
    if path.is_dir():
        raise UserModuleError(f"--module {name!r} is a directory, not a .py file")
    if not path.is_file():
        raise UserModuleError(f"--module {name!r}: no such file ({path})")
    if any(_same_file(m, path) for n, m in list(sys.modules.items())
           if not n.startswith(_PRIVATE)):
        return  # the same file, given before as a dotted name (--module x --module x.py)
    # a private name, so that a user file called json.py does not replace json; two
    # files of the same name (a/lemmas.py, b/lemmas.py) get two names
    stem = f"{_PRIVATE}{path.stem}"
    mod_name, k = stem, 1
    while mod_name in sys.modules and not _same_file(sys.modules[mod_name], path):
        k += 1
        mod_name = f"{stem}_{k}"
    # its folder on the path, as `python file.py` has it: a claim file importing a helper
    # beside it failed with ModuleNotFoundError. Appended, not first: a file there called
    # json.py must not replace the standard library's
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise


def _same_file(module, path: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not isinstance(file, str):
        return False
    if os.path.isabs(file) and os.path.basename(file) != path.name \
            and not os.path.islink(file):
        # another name, and no link that could lead to the file: not it (a resolve(),
        # an lstat per path part, of each of ~2000 modules cost 0.2 s a run)
        return False
    return Path(file).resolve() == path


def _import_dotted(name: str) -> None:
    if not name or not all(part.isidentifier() for part in name.split(".")):
        # "" and ".mod" ended in importlib's internal traceback
        raise UserModuleError(
            f"--module {name!r} is neither a module name (dotted, like pkg.claims) nor a "
            "path to a .py file")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    origin = getattr(spec, "origin", None)
    if origin and any(_same_file(m, Path(origin).resolve()) for n, m in
                      list(sys.modules.items()) if n.startswith(_PRIVATE)):
        return  # the same file, given before as a path: its claims are registered
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # only when the missing module is the one asked for (or a package above it);
        # a module that imports something missing keeps its traceback
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise UserModuleError(
                f"--module {name!r}: no module of that name in the current folder or "
                "the installed packages"
                + (f" (no {exc.name!r})" if exc.name != name else "")
            ) from None
        raise


def _names(value: str | Sequence[str] | None, name: str) -> tuple[str, ...]:
    """``value`` as a tuple of strings: one string is one name (iterated, "lin-sn-gan"
    was the paper keys 'l', 'i', 'n', ...), None is none."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    try:
        names = tuple(value)
    except TypeError:
        raise ArgumentTypeError(f"{name} must be a str or a sequence of str, got "
                                f"{value!r} ({type(value).__name__})"[:300]) from None
    for entry in names:
        if not isinstance(entry, str):
            raise ArgumentTypeError(f"{name} must hold strings, got {entry!r} "
                                    f"({type(entry).__name__})"[:300])
    return names


def select_claims(
    papers: str | Sequence[str] = (),
    only: str | Sequence[str] = (),
    registry: Registry | None = None,
) -> list[Claim]:
    """The registered claims of the given papers whose ids match any of the globs.

    Parameters
    ----------
    papers : str or sequence of str
        Paper keys (one string is one key); empty means all papers.
    only : str or sequence of str
        ``fnmatch`` globs on claim ids (``"lin-sn-gan.*"``; one string is one glob);
        empty means all.
    registry : Registry, optional
        Where to look; the global :data:`~specproof.claims.REGISTRY` by default.

    Raises
    ------
    SelectionError
        An unknown paper key, a paper with no registered claims, or a glob that
        matches nothing; the message lists what exists.
    ArgumentTypeError
        ``papers`` or ``only`` is not a string or a sequence of strings, or ``registry``
        is not a :class:`~specproof.claims.Registry`.

    Examples
    --------
    >>> from specproof.theory import load_builtin_claims
    >>> load_builtin_claims()
    >>> [c.id for c in select_claims(only=["lin-sn-gan.homog*"])]
    ['lin-sn-gan.homogeneity']
    >>> [c.id for c in select_claims(papers="lin-sn-gan", only="lin-sn-gan.homog*")]
    ['lin-sn-gan.homogeneity']
    """
    papers, only = _names(papers, "papers"), _names(only, "only")
    if registry is not None and not isinstance(registry, Registry):
        raise ArgumentTypeError(f"registry must be a Registry or None (the global REGISTRY), "
                                f"got {type(registry).__name__}")
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
    everything = claims
    if papers:
        claims = [c for c in claims if c.paper in set(papers)]
    for pattern in only:
        if not any(fnmatch.fnmatchcase(c.id, pattern) for c in claims):
            elsewhere = [c for c in everything if fnmatch.fnmatchcase(c.id, pattern)]
            if elsewhere:  # the glob is fine; the intersection with --paper is empty
                shown = ", ".join(f"{c.id} ({c.paper})" for c in elsewhere[:5])
                more = f" and {len(elsewhere) - 5} more" if len(elsewhere) > 5 else ""
                raise SelectionError(
                    f"--only {pattern!r} and --paper {', '.join(papers)} select no claim "
                    f"together: the glob matches only claims of other papers: {shown}{more}"
                )
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

    from specproof.claims.results import record_verdict

    path = Path(out) / "evidence.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        # the verdict its outcomes support: an edited PASS is not skipped by --last-failed
        return {str(c["id"]): str(record_verdict(c)[0]) for c in doc["claims"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def order_failed_first(claims: Sequence[Claim], previous: dict[str, str]) -> list[Claim]:
    """``claims`` with those that did not PASS last time first (order otherwise kept).

    A claim that did not run last time (an interrupted run) did not pass.

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> [c.id for c in order_failed_first([C(id="a"), C(id="b")], {"a": "PASS", "b": "FAIL"})]
    ['b', 'a']
    >>> [c.id for c in order_failed_first([C(id="a"), C(id="b")], {"a": "PASS"})]
    ['b', 'a']
    """
    return sorted(claims, key=lambda c: previous.get(c.id) == "PASS")
