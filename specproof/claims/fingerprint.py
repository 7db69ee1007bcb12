"""The fingerprint of the code a run ran: what ``--resume`` and ``--last-failed`` compare.

Besides the ``--module`` files (recorded with their SHA-256 in the evidence's
``environment.modules``), a claim's verdict depends on the helper modules those files
import and on specproof itself. :func:`code_fingerprint`, recorded as
``environment.fingerprint``, holds specproof's version, the SHA-256 of its source files
when it runs from a source checkout (an editable install, whose code changes without its
version), and every user module loaded when the run starts (a module whose file is
outside the standard library and the installed packages). A helper edited after a run
once kept that run's stale verdicts through ``--resume``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # specproof/


def _library_roots() -> list[str]:
    """The folders of the standard library and of installed packages (no user code)."""
    import site
    import sysconfig

    roots = set()
    for env in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        paths = sysconfig.get_paths(vars=env or None)
        roots.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib", "scripts")
                     if k in paths)
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except AttributeError:  # a virtualenv's old site module
        pass
    return sorted({os.path.realpath(r) + os.sep for r in roots if r})


def _installed(path: str, roots: list[str]) -> bool:
    parts = Path(path).parts
    return path.startswith(tuple(roots)) or "site-packages" in parts \
        or "dist-packages" in parts


# a module's file stays where it is while the process runs: its real path is made once
# (every run_claim listed all ~2000 modules again, 0.14 s a time in the test suite)
_REALPATHS: dict[str, str] = {}


def _realpath(file: str) -> str:
    if not os.path.isabs(file):
        return os.path.realpath(file)  # relative to the current folder, which may change
    real = _REALPATHS.get(file)
    if real is None:
        real = _REALPATHS[file] = os.path.realpath(file)
    return real


def user_modules() -> list[dict[str, Any]]:
    """The user modules loaded now, each ``{"name", "path", "sha256"}``, by path: every
    module in ``sys.modules`` whose file is outside the standard library, the installed
    packages and specproof itself (covered by :func:`code_fingerprint`).

    Examples
    --------
    >>> any(rec["name"] == "json" for rec in user_modules())
    False
    """
    from specproof._core.provenance import file_sha256

    roots = _library_roots()
    own = str(_PACKAGE_DIR) + os.sep
    found: dict[str, dict[str, Any]] = {}
    for name, module in list(sys.modules.items()):
        try:
            file = getattr(module, "__file__", None)
        except Exception:  # a lazy module that fails to load on attribute access
            continue
        if not isinstance(file, str):
            continue  # built in, frozen, a namespace package
        path = _realpath(file)
        if path in found or path.startswith(own) or _installed(path, roots) \
                or not os.path.isfile(path):
            continue
        try:
            found[path] = {"name": name, "path": path, "sha256": file_sha256(path)}
        except OSError:  # unreadable now: nothing to compare
            continue
    return [found[p] for p in sorted(found)]


@functools.lru_cache(maxsize=1)
def _own_source_sha256() -> str | None:
    """The SHA-256 of specproof's own ``.py`` files when it runs from a source checkout
    (an editable or development install), where its code changes without its version;
    None for an installed release. Taken once per process: the code this process runs
    is the code it loaded, whatever is edited on the disk since."""
    if _installed(str(_PACKAGE_DIR), _library_roots()):
        return None
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*.py")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def code_fingerprint() -> dict[str, Any]:
    """What the claims' results depend on besides the ``--module`` files, taken after
    they are loaded: specproof's version and source, and every user module loaded
    (:func:`user_modules`: the helpers the claim modules imported).

    Examples
    --------
    >>> fp = code_fingerprint()
    >>> sorted(fp), sorted(fp["specproof"])
    (['modules', 'specproof'], ['source_sha256', 'version'])
    """
    from specproof._core.version import __version__
    from specproof.claims.inputs import import_inputs

    fp: dict[str, Any] = {
        "specproof": {"version": __version__, "source_sha256": _own_source_sha256()},
        "modules": user_modules()}
    data = import_inputs()
    if data:  # data files the claims' modules read when they were imported
        fp["data"] = data
    return fp


def changed_code(before: dict[str, Any] | None,
                 now: dict[str, Any] | None) -> tuple[str, str] | None:
    """``(what, how)``: the first part of the code that differs between two
    :func:`code_fingerprint`, and how; None when nothing does, or either is unknown. A
    module ``before`` recorded that is not loaded ``now`` (a claim imports it only when it
    runs) is compared as its file is on the disk now: an edited or deleted helper is a
    difference (a helper imported inside a check kept its stale verdicts). A module
    loaded only ``now`` is none: the run recorded every module its claims loaded.

    Examples
    --------
    >>> old = {"specproof": {"version": "1"}, "modules": [
    ...     {"name": "h", "path": "/w/h.py", "sha256": "aa"}]}
    >>> changed_code(old, {"specproof": {"version": "1"}, "modules": [
    ...     {"name": "h", "path": "/w/h.py", "sha256": "bb"}]})
    ("'/w/h.py' (imported by the claims' modules)", 'its SHA-256 differs')
    """
    if not isinstance(before, dict) or not isinstance(now, dict):
        return None
    was, is_ = before.get("specproof") or {}, now.get("specproof") or {}
    if isinstance(was, dict) and was.get("version") != is_.get("version"):
        return "specproof", f"version {was.get('version')} then, {is_.get('version')} now"
    if isinstance(was, dict) and None not in (was.get("source_sha256"),
                                              is_.get("source_sha256")) \
            and was["source_sha256"] != is_["source_sha256"]:
        return f"specproof's own source ({_PACKAGE_DIR})", "its SHA-256 differs"
    recorded = {rec.get("path"): rec.get("sha256") for rec in before.get("modules") or []
                if isinstance(rec, dict)}
    loaded = set()
    for rec in now.get("modules") or []:
        path = rec.get("path")
        loaded.add(path)
        if path in recorded and recorded[path] != rec.get("sha256"):
            return f"{path!r} (imported by the claims' modules)", "its SHA-256 differs"
    from specproof._core.provenance import file_sha256

    for path, sha in recorded.items():
        if path in loaded or not isinstance(path, str):
            continue
        try:
            on_disk = file_sha256(path)
        except OSError:
            return f"{path!r} (imported by the claims)", "it cannot be read now"
        if on_disk != sha:
            return f"{path!r} (imported by the claims)", "its SHA-256 differs"
    return None


def add_loaded_modules(fingerprint: dict[str, Any], modules: list[dict[str, Any]]) -> None:
    """Add to ``fingerprint`` (in place) the records of ``modules`` (:func:`user_modules`)
    it does not hold: the helpers the claims imported while they ran.

    Examples
    --------
    >>> fp = {"specproof": {}, "modules": [{"name": "a", "path": "/w/a.py", "sha256": "1"}]}
    >>> add_loaded_modules(fp, [{"name": "b", "path": "/w/b.py", "sha256": "2"},
    ...                         {"name": "a", "path": "/w/a.py", "sha256": "9"}])
    >>> [rec["path"] for rec in fp["modules"]]
    ['/w/a.py', '/w/b.py']
    """
    held = fingerprint.setdefault("modules", [])
    known = {rec.get("path") for rec in held if isinstance(rec, dict)}
    held.extend(rec for rec in modules if rec.get("path") not in known)
    held.sort(key=lambda rec: str(rec.get("path")))


def code_file(fn: Any) -> str | None:
    """The real path of the file that holds ``fn``'s code, or None when it is in none
    (a notebook cell, ``python -c``, ``exec``) or cannot be found (a callable object
    without Python code).

    Examples
    --------
    >>> code_file(code_file) == os.path.realpath(__file__)
    True
    >>> namespace = {}
    >>> exec("def check(ctx): pass", namespace)
    >>> code_file(namespace["check"]) is None
    True
    """
    import inspect

    try:
        fn = inspect.unwrap(fn)
    except ValueError:  # a cycle of __wrapped__
        return None
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "func", None), "__code__", None)
    if code is None:
        return None
    path = os.path.realpath(code.co_filename)
    return path if os.path.isfile(path) else None


def outside_fingerprint(functions: Any, fingerprint: dict[str, Any] | None) -> str | None:
    """Where the first of ``functions`` whose code no part of ``fingerprint`` covers is
    defined ("a notebook cell or exec", or its file), else None.

    Covered: specproof's own files, the user modules the fingerprint hashes, and the
    installed packages (compared by version only, as specproof's release is). A check
    defined in a notebook kept its PASS through ``--resume`` after its cell was edited to
    fail: nothing hashed it. Such a claim runs again instead.
    """
    hashed = {rec.get("path") for rec in (fingerprint or {}).get("modules") or []
              if isinstance(rec, dict)}
    own = str(_PACKAGE_DIR) + os.sep
    roots = _library_roots()
    for fn in functions:
        if fn is None:
            continue
        path = code_file(fn)
        if path is None:
            return "a notebook cell, python -c or exec (no file holds its code)"
        if path in hashed or path.startswith(own) or _installed(path, roots):
            continue
        return f"{path!r}, which the run's fingerprint does not hash"
    return None

