"""Files written whole or not at all, with the mode a new file normally gets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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


def atomic_write(path: str | os.PathLike, text: str, *, fsync: bool = False) -> Path:
    """Write ``text`` to ``path`` via a temporary file and a rename, with the usual mode
    (a reader never sees a partial file); ``fsync`` flushes it to the disk first.
    Returns the path.

    Examples
    --------
    >>> import tempfile, os
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = atomic_write(p, "hi")
    >>> oct(p.stat().st_mode & 0o777) == oct(file_mode())
    True
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
