"""Files written whole or not at all, with the mode a new file normally gets."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from specproof._core.errors import ArgumentError


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


def writable_target(path: str | os.PathLike) -> Path:
    """The file a whole-file write to ``path`` should replace.

    A symbolic link is followed (the rename replaces its target, not the link), and a path
    that exists but is not a regular file is refused: the rename replaced ``/dev/null``
    itself with a regular file when a certificate was written "to" it as root.

    Raises
    ------
    ArgumentError
        When ``path`` is a folder, a device, a pipe or a socket.

    Examples
    --------
    >>> writable_target("/dev/null")
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: output '/dev/null' exists and is not a regular \
file (a device, pipe or socket): give the name of a file to write
    """
    path = Path(path)
    if path.is_symlink():
        try:
            path = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:  # a dangling link: its target is created
            path = Path(os.path.realpath(path))
        except OSError:  # a loop of links: realpath alone returned the link itself
            raise ArgumentError(f"output {str(path)!r} is a loop of symbolic links: give "
                                "the name of a file to write") from None
    if path.is_dir():
        raise ArgumentError(f"output {str(path)!r} is a folder: give the name of a file "
                            "to write")
    if path.exists() and not path.is_file():
        raise ArgumentError(f"output {str(path)!r} exists and is not a regular file (a "
                            "device, pipe or socket): give the name of a file to write")
    return path


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
    path = writable_target(path)
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
