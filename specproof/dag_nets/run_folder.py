"""The folder of a ``specproof ntk`` run: what may be in it, and what a new run replaces.

A run writes ``cache/`` (one file per finished point, keyed by the point's whole
configuration: runs with other settings add points beside the earlier ones and never
read them), ``sweep.csv``, ``slopes.json`` and ``figures/ntk-<measure>.pdf`` / ``.png``.
The cache is shared by every configuration, the rest belongs to the latest run: a run
with other settings replaces the table and slopes, removes the figures an earlier run of
another measure left (which would otherwise sit beside results they do not describe) and
says so in one line.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError, to_jsonable

#: What a run writes in its folder; a folder holding anything else is refused.
RUN_ENTRIES = ("cache", "figures", "sweep.csv", "slopes.json")

#: The file a run holds an exclusive lock on while it writes the folder: two runs into one
#: folder mixed their results (``sweep.csv`` of one, ``slopes.json`` of the other). It is
#: left in place: removing it would let a third run lock a new file while a second still
#: holds the old one.
LOCK_FILE = ".specproof-ntk.lock"

#: The entries of ``slopes.json`` that say which configuration its results are of.
RECORD_KEYS = ("measure", "activation", "widths", "seeds", "configs")


def check_out_folder(out: str | os.PathLike) -> Path:
    """Check that ``out`` can hold a run; create nothing.

    ``out`` must be missing, empty, or a folder of an earlier run (only
    :data:`RUN_ENTRIES` in it: a rerun resumes from its cache and replaces the rest), and
    its nearest existing parent must be a writable folder.

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> (base / "notes.txt").write_text("mine")
    4
    >>> check_out_folder(base)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: --out '...' holds files that specproof ntk did not write (notes.txt); ...
    """  # noqa: E501
    path = Path(out).expanduser().absolute()
    if path.exists():
        if not path.is_dir():
            raise ArgumentError(f"--out {str(out)!r} is not a folder: it is a file")
        foreign = sorted(p.name for p in path.iterdir()
                         if p.name not in (*RUN_ENTRIES, LOCK_FILE)
                         and not p.name.startswith(".tmp-"))
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ArgumentError(
                f"--out {str(out)!r} holds files that specproof ntk did not write ({shown}); "
                "a run writes sweep.csv, slopes.json, figures/ and cache/ there: choose "
                "another folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ArgumentError(f"--out {str(out)!r} is not a writable folder")
        # an entry of the wrong kind failed only after every point was computed ("cannot
        # write to f1: File exists"), and left a temporary file behind
        for name, folder in (("sweep.csv", False), ("slopes.json", False), ("figures", True),
                             ("cache", True)):
            entry = path / name
            if entry.exists() and entry.is_dir() != folder:
                raise ArgumentError(
                    f"--out {str(out)!r}: {name} is a {'file' if folder else 'folder'}, where "
                    f"a run writes {'a folder' if folder else 'a file'}: remove it or choose "
                    "another folder")
        return path
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        what = "is not a folder" if not parent.is_dir() else "is not writable"
        raise ArgumentError(f"--out {str(out)!r} is not a writable folder: {str(parent)!r} "
                            f"{what}")
    return path


@contextlib.contextmanager
def lock_out_folder(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on the run folder ``out`` (which exists) while the block
    runs; another run that holds it already is an :class:`~specproof.ArgumentError`.

    The lock is :func:`fcntl.flock` on :data:`LOCK_FILE` in ``out``, not waited for, and
    released when the block ends or the process dies. Where there is no ``fcntl``
    (Windows) or the file system has no locks, the run goes on unlocked.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with lock_out_folder(out):
    ...     with lock_out_folder(out):  # doctest: +ELLIPSIS
    ...         pass
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: another specproof ntk run is writing to ...
    """
    try:
        import fcntl
    except ImportError:  # Windows: runs into one folder are not serialised there
        yield
        return
    try:
        fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ArgumentError(f"--out {str(out)!r} is not a writable folder: "
                            f"{exc.strerror or exc}") from None
    _HELD_LOCKS.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArgumentError(
                f"another specproof ntk run is writing to {out}: wait for it to finish, "
                "or choose another --out") from None
        except OSError:
            pass  # a file system without locks (some network mounts): run unlocked
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)  # releases the lock


# the descriptors of the locks this process holds: a forked worker closes its copies, so
# that the lock, which belongs to the open file and not to a process, ends with the
# parent (a worker orphaned by a SIGKILLed parent kept the folder locked)
_HELD_LOCKS: set[int] = set()


def _close_held_locks() -> None:
    for fd in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)


def figure_paths(out: Path, measures: Iterable[str]) -> list[Path]:
    """The figure files a run of each of ``measures`` writes in ``out``."""
    return [out / "figures" / f"ntk-{m}.{ext}" for m in measures for ext in ("pdf", "png")]


def _earlier_record(out: Path) -> dict[str, Any] | None:
    """The configuration the earlier ``slopes.json`` describes; None without one, ``{}``
    when it cannot be read (it is replaced either way)."""
    try:
        data = json.loads((out / "slopes.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return {k: data.get(k) for k in RECORD_KEYS} if isinstance(data, dict) else {}


def replace_earlier(out: Path, record: Mapping[str, Any], measures: Iterable[str],
                    measure: str) -> str | None:
    """Remove what an earlier run in ``out`` left that this run (``record``, of
    ``measure``) will not overwrite: the figures of the other ``measures``.

    Returns the line that tells the user, or None when nothing of another configuration
    was there (a rerun of the same command, or a fresh folder). The cache is left alone:
    its points are keyed by their configuration and serve a later run of either.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> (out / "figures").mkdir()
    >>> (out / "figures" / "ntk-hessian.pdf").write_bytes(b"%PDF")
    4
    >>> replace_earlier(out, {"measure": "ntk"}, ["hessian", "ntk"], "ntk")  # doctest: +ELLIPSIS
    'earlier results in ... were replaced (figures/ntk-hessian.pdf removed); ...'
    >>> (out / "figures" / "ntk-hessian.pdf").exists()
    False
    """
    earlier = _earlier_record(out)
    now = json.loads(json.dumps(to_jsonable({k: record.get(k) for k in RECORD_KEYS})))
    stale = [p for p in figure_paths(out, [m for m in measures if m != measure])
             if p.exists()]
    for path in stale:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    if not stale and (earlier is None or earlier == now):
        return None
    parts = []
    if earlier:
        parts.append(f"measure {earlier.get('measure')}, activation "
                     f"{earlier.get('activation')}, widths {earlier.get('widths')}, "
                     f"{earlier.get('seeds')} seeds")
    elif earlier == {}:
        parts.append("an unreadable slopes.json")
    if stale:
        parts.append(", ".join(str(p.relative_to(out)) for p in stale) + " removed")
    what = "; ".join(parts)
    return (f"earlier results in {out} were replaced ({what}); their points stay in "
            f"{out / 'cache'}")


def discard_results(out: Path, measure: str) -> None:
    """Remove ``slopes.json`` and ``measure``'s figure: a run whose slopes cannot be fitted
    must not leave an earlier run's beside its own table."""
    for path in [out / "slopes.json", *figure_paths(out, [measure])]:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_csv(path: Path, rows: list[dict[str, Any]], cols: list[str]) -> None:
    """Write ``rows`` (missing columns empty) to ``path`` atomically."""
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in cols})
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


__all__ = ["LOCK_FILE", "RECORD_KEYS", "RUN_ENTRIES", "check_out_folder", "discard_results",
           "figure_paths", "lock_out_folder", "replace_earlier", "write_csv"]
