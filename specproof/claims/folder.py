"""The report folder, replaced as a whole.

A run writes into a temporary sibling (``.<name>.partial-XXXX``) and, when it ends
(finished or interrupted), renames it over the old folder: no stale figure or
certificate of an earlier run survives beside the new ``evidence.json``, and a reader
never sees a mix of two runs. Checking the destination creates nothing, so a run that
fails before its first claim (an unknown paper key, a glob that matches nothing)
leaves the disk as it was. Files are created with the usual permissions (0666 and
folders 0777, less the umask), not the 0600 of :mod:`tempfile`.

A staging folder holds a ``.lock`` file locked (``flock``) by the run writing it. A
staging folder whose lock nobody holds is *stale*: its run was killed (SIGKILL, a
crash, a power cut). ``verify --resume`` reads the finished claims from the newest
stale one; every stale one is removed when the next run of the same folder commits.

A folder is replaced, or a stale staging folder removed, only when it is a specproof
report: its ``evidence.json`` is specproof's (a known ``schema``, a ``claims`` list, a
``summary``) and it holds nothing else than what a run writes (:func:`report_problem`).
Anything else is refused, never deleted: another tool's ``evidence.json`` beside a
user's data once made the whole folder go.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from specproof._core.files import dir_mode
from specproof.claims.run import OutputDirError

REPORT_MARKER = "evidence.json"
LOCK_NAME = ".lock"
#: the ``schema`` values of the evidence files specproof writes (and reads)
SCHEMA_IDS = ("specproof.evidence/1", "specproof.evidence/2")

# everything a run (or `specproof report`) writes into a report folder: the four files,
# the lock of a staging folder, a temporary file of atomic_write cut short by a kill, and
# flat folders of figures and certificates named after claim ids
#: the SHA-256 of each claim record of ``evidence.json`` as written (see
#: :func:`record_digest`): ``--resume`` keeps only records that are unchanged since
DIGESTS_NAME = "evidence.digests.json"
_REPORT_FILES = frozenset({REPORT_MARKER, "report.html", "report.md", "report.tex",
                           LOCK_NAME, DIGESTS_NAME})
_TEMP_FILE = re.compile(
    r"\.(?:evidence\.json|evidence\.digests\.json|report\.(?:html|md|tex))\.[A-Za-z0-9_]+\.tmp")
_REPORT_DIRS = {"figures": (".pdf", ".png"), "certificates": (".json",)}
_ARTIFACT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")

try:  # POSIX; elsewhere no staging folder is ever taken for stale
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def check_output_dir(out: str | Path) -> Path:
    """Check that ``out`` can become a report folder; create nothing.

    ``out`` must be missing, empty or an earlier specproof report (see
    :func:`report_problem`), and its nearest existing parent must be a writable folder.

    Raises
    ------
    OutputDirError
        One line naming what is wrong: a file, a folder that is not a report (the first
        entry specproof does not write, or why its ``evidence.json`` is not
        specproof's), a parent that is not writable.

    Examples
    --------
    >>> import tempfile, os
    >>> base = tempfile.mkdtemp()
    >>> check_output_dir(os.path.join(base, "r", "s")).name
    's'
    >>> os.listdir(base)
    []
    """
    try:
        cwd = Path.cwd()
    except FileNotFoundError:
        raise OutputDirError(
            "the working folder no longer exists (deleted under this shell?): cd to an "
            "existing folder and run again") from None
    path = Path(out).expanduser().absolute()
    real, here = path.resolve(), cwd.resolve()
    if real == here or real in here.parents:
        # the run replaces --out as a whole: "--out ." deleted the folder the user stood in
        raise OutputDirError(
            f"--out {str(out)!r} is the working folder{'' if real == here else ' or holds it'}; "
            "a run replaces its report folder as a whole, so it is refused and nothing is "
            "deleted: give a folder inside it, e.g. --out report")
    if path.is_symlink():
        # the report replaces --out as a whole: the link was replaced by a folder, and the
        # report it pointed to stayed as it was
        raise OutputDirError(
            f"--out {str(out)!r} is a symbolic link (to {os.readlink(path)!r}); a run "
            "replaces its report folder as a whole, which would replace the link: give "
            "the folder itself")
    if path.exists():
        if not path.is_dir():
            raise OutputDirError(f"--out {str(out)!r} is not a writable folder: it is a file")
        try:
            problem = report_problem(path)
        except OSError as exc:  # an unreadable folder is no report to replace
            problem = f"cannot be read ({exc})"
        if problem is not None:
            raise OutputDirError(
                f"--out {str(out)!r} {problem}; a run replaces its report folder as a "
                "whole, so it is refused and nothing is deleted: choose another --out")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputDirError(
            f"--out {str(out)!r} is not a writable folder: {str(parent)!r} "
            + ("is not a folder" if not parent.is_dir() else "is not writable")
        )
    return path


def record_digest(record: Any) -> str:
    """The SHA-256 of a claim record as ``evidence.json`` holds it (canonical JSON).

    Examples
    --------
    >>> record_digest({"b": 1, "a": [0.5]}) == record_digest({"a": [0.5], "b": 1})
    True
    """
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def report_problem(folder: Path, staging: bool = False) -> str | None:
    """Why the existing folder ``folder`` is not a specproof report that may be replaced
    as a whole; None when it is one (or is empty).

    It must hold a specproof ``evidence.json`` (:func:`evidence_problem`) and nothing
    else than what a run writes (:func:`foreign_entry`). ``staging``: a staging folder
    of a killed run, which may lack the evidence (killed before its first claim).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> report_problem(d) is None
    True
    >>> _ = (d / "evidence.json").write_text('{"accuracy": 0.93}')
    >>> report_problem(d)
    "holds an evidence.json that is not specproof's (it has no 'schema' of specproof's \
evidence, 'specproof.evidence/1' or 'specproof.evidence/2')"
    """
    entry = foreign_entry(folder)
    if entry is not None:
        return f"holds {entry!r}, which specproof does not write: it is not a specproof report"
    marker = folder / REPORT_MARKER
    if not marker.exists():
        if staging or not any(folder.iterdir()):
            return None
        return f"holds files but no {REPORT_MARKER}: it is not a specproof report"
    why = evidence_problem(marker)
    return None if why is None else f"holds an {REPORT_MARKER} that is not specproof's ({why})"


def foreign_entry(folder: Path) -> str | None:
    """The first entry of ``folder`` (a path relative to it) that no specproof run
    writes, or None: only ``evidence.json``, ``report.html/.md/.tex``, and ``figures/``
    and ``certificates/`` holding the figure and certificate files of claims.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "figures").mkdir()
    >>> _ = (d / "figures" / "a.b.png").write_text("x")
    >>> foreign_entry(d) is None
    True
    >>> _ = (d / "figures" / "data.csv").write_text("x")
    >>> foreign_entry(d)
    'figures/data.csv'
    """
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = entry.name
        if entry.is_symlink():  # specproof writes none; rmtree would drop the link
            return name
        if name in _REPORT_DIRS:
            if not entry.is_dir():
                return name
            for sub in sorted(entry.iterdir(), key=lambda p: p.name):
                if (sub.is_symlink() or not sub.is_file() or not _ARTIFACT.fullmatch(sub.name)
                        or sub.suffix not in _REPORT_DIRS[name]):
                    return f"{name}/{sub.name}"
        elif not ((name in _REPORT_FILES or _TEMP_FILE.fullmatch(name)) and entry.is_file()):
            return name
    return None


def evidence_problem(path: Path) -> str | None:
    """Why the file ``path`` is not an evidence file specproof wrote, or None.

    specproof's evidence is a JSON object with a ``schema`` of :data:`SCHEMA_IDS`, a
    ``claims`` list and a ``summary`` object; another tool's ``evidence.json``
    (``{"accuracy": 0.93}``) is none.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return f"it cannot be read as JSON: {exc}"
    if not isinstance(doc, dict):
        return f"it holds a JSON {type(doc).__name__}, not an object"
    if doc.get("schema") not in SCHEMA_IDS:
        return ("it has no 'schema' of specproof's evidence, "
                f"{' or '.join(map(repr, SCHEMA_IDS))}")
    if not isinstance(doc.get("claims"), list):
        return "it has no 'claims' list"
    if not isinstance(doc.get("summary"), dict):
        return "it has no 'summary' object"
    return None


class ReportFolder:
    """A report folder being written: a staging sibling that replaces ``out`` on commit.

    Examples
    --------
    >>> import tempfile, os
    >>> out = Path(tempfile.mkdtemp()) / "rep"
    >>> folder = ReportFolder(out)
    >>> (folder.open() / "a.txt").write_text("new")
    3
    >>> folder.commit() == out, sorted(os.listdir(out))
    (True, ['a.txt', 'figures'])
    """

    def __init__(self, out: str | Path) -> None:
        self.out = check_output_dir(out)
        self.staging: Path | None = None
        self._lock: int | None = None

    def open(self) -> Path:
        """Create the staging folder (with ``figures/``) and return its path."""
        self.out.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode())
        try:
            staging = Path(
                tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.partial-")
            )
            os.chmod(staging, dir_mode())
            self._lock = _take_lock(staging / LOCK_NAME)
            (staging / "figures").mkdir()
        except OSError as exc:
            raise OutputDirError(
                f"--out {str(self.out)!r} is not a writable folder: {exc}"
            ) from exc
        self.staging = staging
        live = [p for p in self.out.parent.glob(f".{glob.escape(self.out.name)}.partial-*")
                if p != staging and p.is_dir() and not p.is_symlink() and not _is_stale(p)]
        if live:
            # two runs into one folder both said they wrote it; the one that committed
            # first lost its report without a word
            self.discard()
            raise OutputDirError(
                f"--out {str(self.out)!r}: another specproof run is writing it now (its "
                f"staging folder {str(live[0])!r} is locked by a live process); wait for "
                "it to finish, or write to another --out")
        return staging

    def commit(self) -> Path:
        """Put the staging folder in place of ``out`` (the old report is removed)."""
        if self.staging is None:
            raise OutputDirError("commit() before open()")
        problem = report_problem(self.out) if self.out.is_dir() else None
        if problem is not None:
            # checked again: a file put into ``out`` while the claims ran would go with it.
            # The new report stays where it is, as a killed run's, for --resume to keep
            where = self.staging
            self.abandon()
            raise OutputDirError(
                f"--out {str(self.out)!r} changed while the run went on: it {problem}; it "
                f"is left as it is, and the new report is in {str(where)!r}")
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.old-"))
            os.replace(self.out, old / self.out.name)
        os.replace(self.staging, self.out)
        self.staging = None
        # the lock leaves only now: a staging folder is never seen unlocked while alive
        (self.out / LOCK_NAME).unlink(missing_ok=True)
        self._release()
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        for stale in stale_partials(self.out):
            # only what a run wrote: a user's folder of that name is no staging folder
            if report_problem(stale, staging=True) is None:
                shutil.rmtree(stale, ignore_errors=True)
        return self.out

    def discard(self) -> None:
        """Remove the staging folder (the old report stays as it was)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        self._release()

    def abandon(self) -> None:
        """Leave the staging folder unlocked where it is: a later run finds it stale
        (``verify --resume`` reads its finished claims)."""
        self.staging = None
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _take_lock(path: Path) -> int:
    """Create ``path`` holding this process id and hold an exclusive lock on it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _is_stale(staging: Path) -> bool:
    """Whether no live run holds the lock of the staging folder ``staging``."""
    if fcntl is None:
        return False
    try:
        fd = os.open(staging / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:  # a folder from before locks, or killed inside mkdtemp
        return True
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live run holds it
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def stale_partials(out: str | Path) -> list[Path]:
    """The staging folders of ``out`` left by killed runs, newest first.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "rep"
    >>> (out.parent / ".rep.partial-x1").mkdir()   # no lock file: a killed run's
    >>> [p.name for p in stale_partials(out)]
    ['.rep.partial-x1']
    >>> folder = ReportFolder(out); live = folder.open()   # a live run's is not stale
    >>> [p.name for p in stale_partials(out)]
    ['.rep.partial-x1']
    >>> folder.discard()
    """
    out = Path(out).expanduser().absolute()
    found = [
        p for p in out.parent.glob(f".{glob.escape(out.name)}.partial-*")
        if p.is_dir() and not p.is_symlink() and _is_stale(p)
    ]
    return sorted(found, key=_mtime, reverse=True)


def _mtime(path: Path) -> float:
    marker = path / REPORT_MARKER
    try:
        return (marker if marker.exists() else path).stat().st_mtime
    except OSError:
        return 0.0
