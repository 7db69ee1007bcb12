"""The data files a claim reads: what ``--resume`` and ``--last-failed`` compare besides
its code and parameters.

A check that loads a file of its own (``np.load("data.npy")``, ``json.load(open(...))``)
depends on that file's contents. The code fingerprint covers modules, and the parameters
cover what the profile passes, but an edited data file kept the stale verdict through
``--resume``. While a check or control runs, and while the claims' modules are imported,
every path opened through Python's ``open``/``os.open`` is noted (an audit hook,
:func:`sys.addaudithook`), and each one that is data is kept with its SHA-256:

- as the path was opened (a symlink re-pointed to another file is a change), the SHA-256
  of what it holds when the claim ends, or ``None`` where nothing is there (a file the
  check looked for and did not find: one created later is a change);
- not a file the claim created, truncated or appended to (``w``, ``x``, ``a``; ``r+``,
  as ``np.memmap`` opens, is a read);
- not in the standard library, the installed packages, specproof itself, the system
  folders (``/usr``, ``/etc``, ``/proc``, ...), the cache and configuration folders
  (``~/.cache``, ``~/.config``, ``$XDG_*_HOME``, ``$MPLCONFIGDIR``), a ``__pycache__``,
  or the run's own output folders;
- not the file of a loaded module (the code fingerprint hashes those; a ``.py`` file
  read by ``runpy`` is data).

Not seen: a file a compiled library opens itself (``h5py``, netCDF), one a subprocess
opens, and a relative path given to ``os.open`` with ``dir_fd`` (the audit event does not
carry the folder: a claim that opens a relative path through ``os.open`` is recorded as
such and always runs again).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# the recordings in progress in this process, each {path as opened: written by the run};
# a process-wide list, not thread-local, so that files a check opens in threads of its
# own count too (two claims at once in one process would each note the other's files:
# more reruns, never fewer). The hook takes no lock: a signal handler that opens a file
# while the hook runs would wait for it forever
_ACTIVE: list[dict[str, bool]] = []
_INSTALL_LOCK = threading.Lock()
_INSTALLED = False
# the data files read while the claims' modules were imported (selection.py): the
# names of the modules that import loaded -> {path: SHA-256}
IMPORT_INPUTS: dict[tuple[str, ...], dict[str, str | None]] = {}


def import_inputs() -> list[dict[str, Any]]:
    """The data files read while the claims' modules now loaded were imported, each
    ``{"path", "sha256"}``, sorted by path (modules removed from ``sys.modules`` since,
    as a new process would not have them, are left out)."""
    found: dict[str, str | None] = {}
    for names, files in list(IMPORT_INPUTS.items()):
        if any(n in sys.modules for n in names):
            found.update(files)
    return [{"path": p, "sha256": found[p]} for p in sorted(found)]

_SYSTEM_ROOTS = ("/usr/", "/etc/", "/proc/", "/sys/", "/dev/", "/lib/", "/lib64/", "/bin/",
                 "/sbin/", "/var/cache/", "/var/lib/", "/run/", "/snap/")
_WRITES = os.O_CREAT | os.O_TRUNC | os.O_APPEND
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_MODULE_SUFFIXES = (".py", ".pyc", ".pyo", ".pyd", ".pyw", ".so")
# a relative path given to os.open: its folder may be a dir_fd the event does not carry
UNKNOWN_FOLDER = "(os.open, relative: folder unknown)"


def _hook(event: str, args: tuple) -> None:
    if event != "open" or not _ACTIVE:
        return
    try:
        path, mode, flags = args
        if isinstance(path, int):
            return  # a descriptor already open: its file was seen when it was opened
        if mode is None and ((isinstance(flags, int) and flags & _DIRECTORY)
                             or os.path.isdir(path)):
            # os.open of a folder (shutil.rmtree walks them, an fsync after a rename
            # opens one): no data, and a temporary one would be recorded as gone
            return
        path = os.fsdecode(path)
        if mode is None and not os.path.isabs(path):
            path = f"{path} {UNKNOWN_FOLDER}"
        else:
            path = os.path.abspath(path)
        writes = any(ch in mode for ch in "wxa") if isinstance(mode, str) else (
            isinstance(flags, int) and bool(flags & _WRITES))
        for opened in tuple(_ACTIVE):
            opened[path] = opened.get(path, False) or writes
    except Exception:  # noqa: BLE001 - an audit hook must never break the claim's open()
        return


def _install() -> None:
    global _INSTALLED
    with _INSTALL_LOCK:
        if not _INSTALLED:
            sys.addaudithook(_hook)  # for the process's lifetime: hooks cannot be removed
            _INSTALLED = True


@contextlib.contextmanager
def files_opened() -> Iterator[dict[str, bool]]:
    """Note the paths opened in this process while the block runs: ``{absolute path:
    whether the run created, truncated or appended to it}``.

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
    _ACTIVE.append(opened)
    try:
        yield opened
    finally:
        _ACTIVE.remove(opened)


def _excluded_roots(extra: list[Path]) -> tuple[str, ...]:
    from specproof.claims.fingerprint import _PACKAGE_DIR, _library_roots

    roots = [*_library_roots(), str(_PACKAGE_DIR) + os.sep, *_SYSTEM_ROOTS]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        roots.append(os.path.realpath(prefix) + os.sep)
    home = os.path.expanduser("~")
    caches = [os.path.join(home, ".cache"), os.path.join(home, ".config"),
              os.path.join(home, ".matplotlib")]
    caches += [os.environ[v] for v in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "MPLCONFIGDIR")
               if os.environ.get(v)]
    roots += [os.path.realpath(p) + os.sep for p in (*caches, *extra)]
    return tuple(roots)


def _module_files() -> set[str]:
    files = set()
    for module in list(sys.modules.values()):
        try:
            file = getattr(module, "__file__", None)
        except Exception:  # noqa: BLE001 - a lazy module failing on attribute access
            continue
        if isinstance(file, str):
            files.add(os.path.realpath(file))
    return files


def _digest(path: str) -> str | None:
    """The SHA-256 of a regular file at ``path``, None where nothing is there; raises
    OSError for anything else (a FIFO, a device, a folder: nothing to compare)."""
    from specproof._core.provenance import file_sha256

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        raise OSError(f"{path!r} is no regular file")
    return file_sha256(path)


def data_inputs(opened: dict[str, bool], exclude: list[Path] | None = None
                ) -> list[dict[str, Any]]:
    """The data files among ``opened`` (see the module's rules), each ``{"path",
    "sha256"}`` (``sha256`` None for a path where no file is), sorted by path;
    ``exclude``: folders of the run's own output."""
    if not opened:
        return []
    roots = _excluded_roots(list(exclude or ()))
    written = {os.path.realpath(p) for p, w in opened.items() if w}
    modules: set[str] | None = None  # made only for a file that could be a module's
    found: dict[str, str | None] = {}
    for path, writes in opened.items():
        if path.endswith(UNKNOWN_FOLDER):
            found[path] = None  # never equal to what resume finds: the claim reruns
            continue
        real = os.path.realpath(path)
        if writes or real in written or "__pycache__" in Path(real).parts \
                or path.startswith(roots) or real.startswith(roots):
            continue
        if real.endswith(_MODULE_SUFFIXES):
            # a module's file (the fingerprint hashes it), unless no module has it (a
            # settings.py read by runpy): realpath of every module costs 0.1 s a claim
            modules = _module_files() if modules is None else modules
            if real in modules:
                continue
        try:
            digest = _digest(path)
        except OSError:  # a FIFO, a device, unreadable: nothing to compare
            continue
        if digest is None and not os.path.isdir(os.path.dirname(path)):
            # its folder is gone too: the claim's own scratch, written under another name
            # and renamed (never opened for writing), then removed with its folder
            continue
        found[path] = digest
    return [{"path": p, "sha256": found[p]} for p in sorted(found)]


def input_change(rec: Any) -> str | None:
    """How the file of one ``{"path", "sha256"}`` record differs from what it recorded,
    in words (``"its SHA-256 differs"``, ``"it is gone"``, ...); None when it does not."""
    path, digest = (rec.get("path"), rec.get("sha256")) if isinstance(rec, dict) \
        else (None, None)
    if not isinstance(path, str) or not isinstance(rec, dict) or "sha256" not in rec \
            or not (digest is None or isinstance(digest, str)):
        return f"its record cannot be read ({rec!r})"
    if path.endswith(UNKNOWN_FOLDER):
        return "it was opened through os.open with a relative path, whose folder is unknown"
    if not os.path.isabs(path) or path.startswith(_SYSTEM_ROOTS):
        # the recording never keeps these (a record edited to name /proc/kmsg hung)
        return "it cannot be compared"
    try:
        now = _digest(path)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if now == digest:
        return None
    if digest is None:
        return "it was not there then and is now"
    return "it is gone" if now is None else "its SHA-256 differs"


def changed_input(inputs: Any) -> str | None:
    """Why a record's ``inputs`` are not the files as they are now (None if they are):
    the first path whose file is gone, appeared, or whose SHA-256 differs, in words.

    Examples
    --------
    >>> changed_input([{"path": "/no/such/file.csv", "sha256": "0" * 64}])
    "its input file '/no/such/file.csv' changed since it ran (it is gone)"
    """
    for rec in inputs if isinstance(inputs, (list, tuple)) else [inputs]:
        how = input_change(rec)
        if how is not None:
            path = rec.get("path") if isinstance(rec, dict) else None
            if not isinstance(path, str):
                return f"its record of input files cannot be read ({rec!r})"
            return f"its input file {path.removesuffix(' ' + UNKNOWN_FOLDER)!r} changed " \
                f"since it ran ({how})"
    return None


def changed_claim_inputs(records: Any) -> dict[str, str]:
    """Claim id -> how its recorded input files changed, for every claim record (as
    ``evidence.json`` holds them) with such a change."""
    changed = {}
    for rec in records:
        if isinstance(rec, dict) and isinstance(rec.get("id"), str) and rec.get("inputs"):
            why = changed_input(rec["inputs"])
            if why is not None:
                changed[rec["id"]] = why
    return changed


def changed_import_data(fingerprint: Any) -> str | None:
    """How a data file the claims' modules read when they were imported (a run
    fingerprint's ``data``) changed, in words; None when none did."""
    data = fingerprint.get("data") if isinstance(fingerprint, dict) else None
    for rec in data if isinstance(data, list) else ():
        how = input_change(rec)
        if how is not None:
            path = rec.get("path") if isinstance(rec, dict) else rec
            return (f"{path!r}, which the claims' modules read when they were imported, "
                    f"changed since the run ({how})")
    return None


def is_specproofs_own(cid: str) -> bool:
    """Whether claim ``cid`` is one of specproof's own (its check in specproof's files):
    those read no user data."""
    from specproof.claims.claim import REGISTRY
    from specproof.claims.fingerprint import _PACKAGE_DIR, code_file

    c = REGISTRY.get(cid) if cid in REGISTRY else None
    path = None if c is None else code_file(c.check)
    return path is not None and path.startswith(str(_PACKAGE_DIR) + os.sep)


__all__ = ["IMPORT_INPUTS", "UNKNOWN_FOLDER", "changed_claim_inputs", "changed_import_data",
           "changed_input", "data_inputs", "files_opened", "import_inputs", "input_change",
           "is_specproofs_own"]
