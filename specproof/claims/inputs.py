"""The data files a claim reads while it runs: what ``--resume`` and ``--last-failed``
compare besides its code and parameters.

A check that loads a file of its own (``np.load("data.npy")``, ``json.load(open(...))``)
depends on that file's contents. The code fingerprint covers modules, and the parameters
cover what the profile passes, but an edited data file kept the stale verdict through
``--resume``. While a check or control runs, every file opened through Python's
``open``/``os.open`` is noted (an audit hook, :func:`sys.addaudithook`). The claim's
record keeps the SHA-256 of each such file that:

- is a regular file that still exists when the claim ends;
- was not opened for writing by the claim itself (its own scratch and output files);
- lies outside the standard library, the installed packages, specproof itself, the
  system folders (``/usr``, ``/etc``, ``/proc``, ...), the run's own output folder, and
  any hidden folder (``~/.cache``, ``~/.config``: font and library caches);
- is no Python source or bytecode (modules are in the code fingerprint).

A file that a compiled library opens itself (``h5py``, netCDF), or that a subprocess
opens, is not seen.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# files the runs now in progress have opened: one entry per active recording, each
# {path: opened for writing}; a process-wide list, not thread-local, so that files a
# check opens in threads of its own count too (two claims at once in one process would
# each note the other's files: more reruns, never fewer)
_ACTIVE: list[dict[str, bool]] = []
_LOCK = threading.Lock()
_INSTALLED = False

_SYSTEM_ROOTS = ("/usr/", "/etc/", "/proc/", "/sys/", "/dev/", "/lib/", "/lib64/", "/bin/",
                 "/sbin/", "/var/cache/", "/var/lib/", "/run/", "/snap/")
_CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".so", ".dylib", ".dll", ".pth")
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _hook(event: str, args: tuple) -> None:
    if event != "open" or not _ACTIVE:
        return
    try:
        path, mode, flags = args
        if isinstance(path, int):
            return  # a descriptor already open: its file was seen when it was opened
        path = os.path.abspath(os.fsdecode(path))
        writes = (isinstance(mode, str) and any(ch in mode for ch in "wax+")) or (
            mode is None and isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
    except Exception:  # noqa: BLE001 - an audit hook must never break the claim's open()
        return
    with _LOCK:
        for opened in _ACTIVE:
            opened[path] = opened.get(path, False) or writes


def _install() -> None:
    global _INSTALLED
    with _LOCK:
        if not _INSTALLED:
            sys.addaudithook(_hook)  # for the process's lifetime: hooks cannot be removed
            _INSTALLED = True


@contextlib.contextmanager
def files_opened() -> Iterator[dict[str, bool]]:
    """Note the files opened in this process while the block runs: ``{absolute path:
    whether it was opened for writing}``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as fh:
    ...     _ = fh.write(b"1")
    >>> with files_opened() as seen:
    ...     _ = open(fh.name).read()
    >>> seen[os.path.abspath(fh.name)]
    False
    >>> os.remove(fh.name)
    """
    _install()
    opened: dict[str, bool] = {}
    with _LOCK:
        _ACTIVE.append(opened)
    try:
        yield opened
    finally:
        with _LOCK:
            _ACTIVE.remove(opened)


def _excluded_roots(extra: list[Path]) -> tuple[str, ...]:
    from specproof.claims.fingerprint import _PACKAGE_DIR, _library_roots

    roots = [*_library_roots(), str(_PACKAGE_DIR) + os.sep, *_SYSTEM_ROOTS]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        roots.append(os.path.realpath(prefix) + os.sep)
    roots += [os.path.realpath(p) + os.sep for p in extra]
    return tuple(roots)


def data_inputs(opened: dict[str, bool], exclude: list[Path] | None = None
                ) -> list[dict[str, str]]:
    """The data files among ``opened`` (see the module's rules), each ``{"path",
    "sha256"}``, sorted by path; ``exclude``: folders of the run's own output."""
    from specproof._core.provenance import file_sha256

    roots = _excluded_roots(list(exclude or ()))
    written = {os.path.realpath(p) for p, w in opened.items() if w}
    found: dict[str, str] = {}
    for path in opened:
        real = os.path.realpath(path)
        if real in written or real in found or real.endswith(_CODE_SUFFIXES) \
                or real.startswith(roots) or not os.path.isfile(real):
            continue
        if any(part.startswith(".") and part not in (".", "..")
               for part in Path(real).parts):
            continue
        try:
            found[real] = file_sha256(real)
        except OSError:  # gone or unreadable now: nothing to compare
            continue
    return [{"path": p, "sha256": found[p]} for p in sorted(found)]


def changed_input(inputs: Any) -> str | None:
    """Why a record's ``inputs`` are not the files as they are now (None if they are):
    the first file that is gone or whose SHA-256 differs, in words.

    Examples
    --------
    >>> changed_input([{"path": "/no/such/file.csv", "sha256": "0" * 64}])
    "its input file '/no/such/file.csv' is gone"
    """
    from specproof._core.provenance import file_sha256

    for rec in inputs or ():
        path, digest = (rec.get("path"), rec.get("sha256")) if isinstance(rec, dict) \
            else (None, None)
        if not isinstance(path, str) or not isinstance(digest, str):
            return f"its record of input files cannot be read ({rec!r})"
        if not os.path.isfile(path):
            return f"its input file {path!r} is gone"
        try:
            now = file_sha256(path)
        except OSError as exc:
            return f"its input file {path!r} cannot be read ({exc.strerror or exc})"
        if now != digest:
            return f"its input file {path!r} changed since it ran (its SHA-256 differs)"
    return None


__all__ = ["changed_input", "data_inputs", "files_opened"]
