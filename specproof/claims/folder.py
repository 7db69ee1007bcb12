"""The report folder, replaced as a whole.

A run writes into a temporary sibling (``.<name>.partial-XXXX``) and, when it ends
(finished or interrupted), renames it over the old folder: no stale figure or
certificate of an earlier run survives beside the new ``evidence.json``, and a reader
never sees a mix of two runs. Checking the destination creates nothing, so a run that
fails before its first claim (an unknown paper key, a glob that matches nothing)
leaves the disk as it was. Files are created with the usual permissions (0666 and
folders 0777, less the umask), not the 0600 of :mod:`tempfile`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from specproof.claims.run import OutputDirError

REPORT_MARKER = "evidence.json"


def umask() -> int:
    """The process umask, read without changing it where the OS allows.

    Examples
    --------
    >>> 0 <= umask() <= 0o777
    True
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o022)  # no read-only API elsewhere: set and restore at once
    os.umask(old)
    return old


def file_mode() -> int:
    """The mode of a newly written report file: 0666 less the umask."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """The mode of a newly created report folder: 0777 less the umask."""
    return 0o777 & ~umask()


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, with the usual mode.

    Examples
    --------
    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(p, "hi")
    >>> oct(p.stat().st_mode & 0o777) == oct(file_mode())
    True
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

    def open(self) -> Path:
        """Create the staging folder (with ``figures/``) and return its path."""
        self.out.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode())
        try:
            staging = Path(
                tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.partial-")
            )
            os.chmod(staging, dir_mode())
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
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.out

    def discard(self) -> None:
        """Remove the staging folder (the old report stays as it was)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
