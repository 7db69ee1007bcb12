"""The user source files a measurement depends on, found from ``import`` statements.

The sweep cache keys a point by the code that computes it (:func:`code_version` in
:mod:`specproof.dag_nets.cache`); an edited helper module that the measurement imports
must make the key new, or the cache serves results of the old code.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.machinery
import os
import sys
import sysconfig
import types
from pathlib import Path
from typing import Any


def _library_dirs() -> tuple[str, ...]:
    """Folders whose modules are installed libraries or the standard library: code a
    user does not edit between two runs of a sweep (a new version is a reinstall)."""
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")
            if k in paths}
    dirs.update(os.path.realpath(p) for p in (sys.prefix, sys.base_prefix,
                                              sys.exec_prefix, sys.base_exec_prefix))
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


def _user_source(module: Any, libraries: tuple[str, ...]) -> Path | None:
    """The ``.py`` file of ``module`` when it is user code (not a library, not builtin)."""
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        return None
    real = os.path.realpath(file)
    parts = Path(real).parts
    if "site-packages" in parts or "dist-packages" in parts or real.startswith(libraries):
        return None
    return Path(real) if os.path.isfile(real) else None


#: Parsed imports per source file, keyed by (path, SHA-256 of its bytes): a sweep asks for
#: the code version once, a test session hundreds of times. Not by (mtime, size): an edit
#: that keeps the size and restores the mtime kept the old imports.
_IMPORTS: dict[tuple[str, str], list[tuple[str, int, tuple[str, ...]]]] = {}


def _imports(path: Path) -> list[tuple[str, int, tuple[str, ...]]]:
    """``(module, level, names)`` of every import statement in ``path``, function-level
    ones included (parsed, not run: the answer does not depend on what ran before)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    key = (str(path), hashlib.sha256(data).hexdigest())
    if key not in _IMPORTS:
        found: list[tuple[str, int, tuple[str, ...]]] = []
        try:
            tree = ast.parse(data, filename=str(path))
        except (SyntaxError, ValueError):
            tree = None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                found.extend((alias.name, 0, ()) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.append((node.module or "", node.level,
                              tuple(alias.name for alias in node.names)))
        _IMPORTS[key] = found
    return _IMPORTS[key]


def _locate(name: str) -> str | None:
    """The file module ``name`` is (or would be) loaded from, found without importing."""
    parts = name.split(".")
    search = None
    origin: str | None = None
    for i in range(len(parts)):
        sub = ".".join(parts[: i + 1])
        mod = sys.modules.get(sub)
        if mod is not None:
            origin = getattr(mod, "__file__", None)
            search = getattr(mod, "__path__", None)
        else:
            try:
                spec = importlib.machinery.PathFinder.find_spec(sub, search)
            except (ImportError, ValueError, AttributeError):
                return None
            if spec is None:
                return None
            origin, search = spec.origin, spec.submodule_search_locations
        if i < len(parts) - 1 and search is None:
            return None  # a module, not a package: the rest is an attribute
    return origin if isinstance(origin, str) else None


def user_modules(measure: Any) -> list[Path]:
    """The source files of the user modules ``measure`` depends on, transitively.

    From the module that defines ``measure``, every ``import`` and ``from ... import``
    statement in the source (at any depth, relative ones resolved) is followed to the
    file it loads, and that file's imports in turn, except into the standard library
    and installed packages (``site-packages``, ``dist-packages``, the Python prefix);
    modules without a ``.py`` source (builtins, extensions) are skipped. The sources are
    parsed, not imported, so the answer depends on the files only.

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law
    >>> any(p.name == "sweep.py" for p in user_modules(demo_power_law))
    True
    """
    return sorted(user_module_names(measure))


def user_module_names(measure: Any) -> dict[Path, str]:
    """The files of :func:`user_modules` with the module name each is imported as.

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law
    >>> names = user_module_names(demo_power_law)
    >>> sorted(n for n in names.values() if n.endswith(".sweep"))
    ['specproof.dag_nets.sweep']
    """
    libraries = _library_dirs()
    while isinstance(measure, functools.partial):  # its module is functools, not the user's
        measure = measure.func
    start = sys.modules.get(getattr(measure, "__module__", None) or "")
    todo: list[tuple[Path, str]] = []
    first = _user_source(start, libraries) if start is not None else None
    if first is not None:
        spec = getattr(start, "__spec__", None)
        todo.append((first, spec.name if spec is not None else start.__name__))
    files: dict[Path, str] = {}
    while todo:
        path, name = todo.pop()
        if path in files:
            continue
        files[path] = name
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module, level, names in _imports(path):
            if level:
                base = package.split(".") if package else []
                if level - 1 >= len(base):
                    continue  # a relative import past the top: it fails when run
                base = base[: len(base) - (level - 1)]
                module = ".".join(base + ([module] if module else []))
            if not module:
                continue
            wanted = [module] + [f"{module}.{n}" for n in names if n != "*"]
            for target in wanted:
                origin = _locate(target)
                src = (_user_source(types.SimpleNamespace(__file__=origin), libraries)
                       if origin else None)
                if src is not None and src not in files:
                    todo.append((src, target))
    return files
