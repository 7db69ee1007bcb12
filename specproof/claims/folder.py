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
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from pathlib import Path

from specproof._core.files import dir_mode
from specproof.claims.run import OutputDirError

REPORT_MARKER = "evidence.json"
LOCK_NAME = ".lock"

try:  # POSIX; elsewhere no staging folder is ever taken for stale
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


def check_output_dir(out: str | Path) -> Path:
    """Check that ``out`` can become a report folder; create nothing.

    ``out`` must be missing, empty or an earlier report (it holds ``evidence.json``),
    and its nearest existing parent must be a writable folder.

    Examples
    --------
    >>> import tempfile, os
    >>> base = tempfile.mkdtemp()
    >>> check_output_dir(os.path.join(base, "r", "s")).name
    's'
    >>> os.listdir(base)
    []
    """
    path = Path(out).expanduser().absolute()
    if path.exists():
        if not path.is_dir():
            raise OutputDirError(f"--out {str(out)!r} is not a writable folder: it is a file")
        if any(path.iterdir()) and not (path / REPORT_MARKER).is_file():
            raise OutputDirError(
                f"--out {str(out)!r} holds files but no {REPORT_MARKER}: it is not a specproof "
                "report, and a run replaces its folder as a whole; choose another folder"
            )
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputDirError(
            f"--out {str(out)!r} is not a writable folder: {str(parent)!r} "
            + ("is not a folder" if not parent.is_dir() else "is not writable")
        )
    return path


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
        return staging

    def commit(self) -> Path:
        """Put the staging folder in place of ``out`` (the old report is removed)."""
        if self.staging is None:
            raise OutputDirError("commit() before open()")
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
