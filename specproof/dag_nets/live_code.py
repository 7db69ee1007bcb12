"""Whether the code a sweep runs is the code its cache key names.

The sweep cache keys a point by the measurement's source files *on disk*
(:func:`~specproof.dag_nets.point_keys.code_version`). A session that imported a module
before its file was edited (a notebook kernel that was not restarted) runs the old code
from memory: its values would be stored under the key of the file's new code, and a
fresh process would read them back as the new code's. A measurement defined where there
is no source file (``python -c``, ``python -``, a REPL) has no code to key at all.
:func:`check_live_code` refuses both; :func:`~specproof.dag_nets.width_sweep` calls it
when it has a cache (without one nothing is stored, and the code in memory just runs).

What is compared, for the measurement's module and every user module it imports (those
of :func:`~specproof.dag_nets.source_deps.user_modules` that are loaded): the code object
of every function and method defined there against the one compiled from the file now
(bytecode, constants, names, line numbers; only where the standard source loader
compiled the module, not an import hook that rewrote it, as pytest's does), and every
module-level constant the file assigns once from a literal (a number, string, bytes,
bool, None or tuple of them, not declared ``global`` in a function) against its value in
memory (outside ``specproof``'s own modules, whose settings tests change). Values
computed at import (``FACTOR = math.sqrt(4.0)``), class-level constants and mutable module
data cannot be compared with the file, so the file is also compared with the source the
module was imported from (:mod:`~specproof.dag_nets.import_snapshots`): where they compile
to different code, the module is refused. That copy is taken at import for modules
imported after :mod:`specproof.dag_nets` through the standard path finder, when
:mod:`specproof.dag_nets` is imported for those loaded before it, and at the first check
otherwise (an edit before then is caught only by the function and literal comparisons).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.machinery
import inspect
import os
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError
from specproof.dag_nets.import_snapshots import install, source_at_import
from specproof.dag_nets.source_deps import user_module_names

# copies of the source of user modules from now on (and of those loaded already), so
# that an edit after import is seen even where it changes no function or literal
install()


class StaleCodeError(ArgumentError):
    """The measurement's code in memory is not the code in its files (or it has none), so
    no cache key describes what it computes."""


#: What the file's source compiles to, by (path, SHA-256 of its bytes): the code objects
#: by qualified name, and the module-level literal constants; None when it does not compile.
_DISK: dict[tuple[str, str], tuple[dict[str, list[types.CodeType]], dict[str, Any]] | None] = {}

_MISSING = object()
_SCALARS = (int, float, complex, str, bytes, bool, type(None))


def _code_name(code: types.CodeType) -> str:
    # co_qualname is 3.11+; on 3.10 the plain name (duplicates are kept as a list)
    return getattr(code, "co_qualname", code.co_name)


def _codes(code: types.CodeType, out: dict[str, list[types.CodeType]]) -> None:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.setdefault(_code_name(const), []).append(const)
            _codes(const, out)


def _immutable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_immutable(v) for v in value)
    return isinstance(value, _SCALARS)


def _module_bindings(tree: ast.Module) -> tuple[dict[str, int], set[str]]:
    """How often each name is bound at module scope, and the names any function declares
    ``global`` (those change at run time by design)."""
    counts: dict[str, int] = {}
    declared: set[str] = set()

    def bind(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.Global):
            declared.update(node.names)
        scoped = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                   ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                                   ast.GeneratorExp))
        if top and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif top and isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bind(node.id)
        elif top and isinstance(node, ast.alias):
            bind((node.asname or node.name).split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child, top and not scoped)

    visit(tree, True)
    return counts, declared


def _literals(tree: ast.Module) -> dict[str, Any]:
    """The module-level names the file assigns exactly once, from a literal constant."""
    counts, declared = _module_bindings(tree)
    out: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not isinstance(target, ast.Name) or counts.get(target.id) != 1 \
                or target.id in declared:
            continue
        try:
            constant = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if _immutable(constant):
            out[target.id] = constant
    return out


def _disk(path: Path) -> tuple[dict[str, list[types.CodeType]], dict[str, Any]] | None:
    """The code objects and literal constants of ``path`` as it is now (None: it does not
    compile, or cannot be read)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    key = (str(path), hashlib.sha256(data).hexdigest())
    if key not in _DISK:
        try:
            tree = ast.parse(data, filename=str(path))
            # compiled as the import system compiles it: own __future__ flags only
            module_code = compile(tree, str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            _DISK[key] = None
        else:
            codes: dict[str, list[types.CodeType]] = {}
            _codes(module_code, codes)
            _DISK[key] = (codes, _literals(tree))
    return _DISK[key]


@functools.lru_cache(maxsize=4096)
def _real(filename: str) -> Path | None:
    try:
        return Path(os.path.realpath(filename))
    except (OSError, ValueError):
        return None


def _same_file(filename: str, path: Path) -> bool:
    return _real(filename) == path


def _unwrap(obj: Any) -> Any:
    """``obj`` without its decorators' wrappers (as far as ``__wrapped__`` tells)."""
    try:
        return inspect.unwrap(obj)
    except Exception:  # noqa: BLE001 - a cycle, or an object whose attributes raise
        return obj


def _functions(namespace: Mapping[str, Any], module: str, path: Path
               ) -> Iterator[tuple[str, types.FunctionType]]:
    """``(where, function)`` for every function and method of ``namespace`` whose code was
    compiled from ``path`` (an imported or generated one is not this file's code)."""
    seen: set[int] = set()

    def own(fn: Any) -> types.FunctionType | None:
        fn = _unwrap(fn) if callable(fn) else fn
        if isinstance(fn, types.FunctionType) and id(fn) not in seen \
                and getattr(fn, "__module__", None) == module \
                and _same_file(fn.__code__.co_filename, path):
            seen.add(id(fn))
            return fn
        return None

    def members(cls: type, depth: int) -> Iterator[tuple[str, types.FunctionType]]:
        for attr in vars(cls).values():
            parts = [attr]
            if isinstance(attr, (staticmethod, classmethod)):
                parts = [attr.__func__]
            elif isinstance(attr, property):
                parts = [attr.fget, attr.fset, attr.fdel]
            elif isinstance(attr, type) and depth < 4 and attr.__module__ == module:
                yield from members(attr, depth + 1)
                continue
            for part in parts:
                fn = own(part)
                if fn is not None:
                    yield fn.__qualname__, fn

    for value in list(namespace.values()):
        if isinstance(value, type) and value.__module__ == module:
            yield from members(value, 0)
        else:
            fn = own(value)
            if fn is not None:
                yield fn.__qualname__, fn


def _compiled_as_is(namespace: Mapping[str, Any]) -> bool:
    """Whether the module's code is its file compiled as it was: loaded by the standard
    source loader, not by one that rewrites it (pytest's assertion rewriting)."""
    return type(namespace.get("__loader__")) is importlib.machinery.SourceFileLoader


def _module_code(data: bytes, path: Path) -> types.CodeType | None:
    try:
        return compile(data, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None


def _imported_differs(imported: bytes | None, path: Path) -> bool:
    """Whether ``path`` now compiles to other code than the source the module was
    imported from (comments and blank space at the end aside: equal code objects hold
    equal bytecode, constants, names and line numbers, nested functions included)."""
    if imported is None:
        return False
    try:
        now = path.read_bytes()
    except OSError:
        return True
    if now == imported:
        return False
    before, after = _module_code(imported, path), _module_code(now, path)
    return before is None or after is None or before != after


def _difference(namespace: Mapping[str, Any], module: str, path: Path,
                literals: bool, imported: bytes | None = None) -> str | None:
    """What in ``namespace`` (a module's globals) differs from ``path`` as it is now;
    ``imported`` is the source the module was imported from, when known."""
    disk = _disk(path)
    if disk is None:
        return "the file does not compile now"
    codes, constants = disk
    functions = _functions(namespace, module, path) if _compiled_as_is(namespace) else ()
    for where, fn in functions:
        if not any(fn.__code__ == c for c in codes.get(_code_name(fn.__code__), ())):
            return f"the code of {where} in memory is not the file's"
    if literals:
        for name, value in constants.items():
            live = namespace.get(name, _MISSING)
            if live is _MISSING or type(live) is not type(value) or repr(live) != repr(value):
                shown = "absent" if live is _MISSING else repr(live)
                return f"{name} is {shown} in memory and {value!r} in the file"
    if _imported_differs(imported, path):
        # last, as the more specific differences above name what changed: values
        # computed at import (FACTOR = math.sqrt(4.0)) cannot be compared with the file,
        # the source the module was imported from can
        return "its code is not the code the module was imported from; a value computed " \
            "at import would be stale"
    return None


def _loaded(path: Path, name: str) -> types.ModuleType | None:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    return module if isinstance(file, str) and _same_file(file, path) else None


def check_live_code(measure: Any, name: str) -> None:
    """Refuse, with :class:`StaleCodeError`, a measurement whose cache key would not
    describe the code that runs: one without a source file, or one whose module (or a
    user module it imports) was edited on disk after it was imported.

    Parameters
    ----------
    measure : callable
        The measurement function.
    name : str
        Its name in messages (``module.qualname``).

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law
    >>> check_live_code(demo_power_law, "demo_power_law")
    >>> namespace = {}
    >>> exec("def f(config, seed):\\n    return 1.0", namespace)
    >>> check_live_code(namespace["f"], "f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.dag_nets.live_code.StaleCodeError: measurement f has no source file ...
    """
    fn = _unwrap(measure) if isinstance(measure, types.FunctionType) else measure
    try:
        source = inspect.getsourcefile(fn)
    except TypeError:  # a builtin or C function
        source = None
    if not source or not os.path.isfile(source):
        raise StaleCodeError(
            f"measurement {name} has no source file (it was defined in an interactive "
            "session, `python -c` or `python -`, or is not Python code): the cache keys a "
            "point by its measurement's source, so it cannot key this one; define it in a "
            ".py file, or pass cache=None")
    path = Path(os.path.realpath(source))
    module = getattr(fn, "__module__", None) or ""
    checks: list[tuple[Mapping[str, Any], str, Path, bytes | None]] = []
    if isinstance(fn, types.FunctionType):
        # the function's own globals: a module imported again since holds other ones
        checks.append(({fn.__qualname__: fn, **fn.__globals__}, module, path,
                       source_at_import(fn.__globals__, path)))
    for file, mod_name in user_module_names(measure).items():
        loaded = _loaded(file, mod_name)
        if loaded is not None and not (file == path and checks):
            checks.append((vars(loaded), loaded.__name__, file,
                           source_at_import(vars(loaded), file)))
    for namespace, mod_name, file, imported in checks:
        ours = mod_name == "specproof" or mod_name.startswith("specproof.")
        what = _difference(namespace, mod_name, file, literals=not ours, imported=imported)
        if what is not None:
            raise StaleCodeError(
                f"{file.name} changed on disk since it was imported ({what}): the values "
                "of the code in memory would be cached under the key of the file's code; "
                "restart the session or reload the module (importlib.reload), or pass "
                "cache=None")


__all__ = ["StaleCodeError", "check_live_code"]
