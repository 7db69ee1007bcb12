"""Reading a certificate file's bytes once: regular files only, at most 256 MiB.

Every step of a check (which checker, the proof, the statement text) must judge the same
bytes: a file read once per step can be swapped between the reads (a FIFO served a
forged file to the proof and the honest one to the text check: a false statement was
VALID). So the file is opened once, the opened file itself is required to be a regular
file (a FIFO, a device such as ``/dev/zero`` or a socket is refused before any read, so
nothing blocks or fills memory), and at most :data:`MAX_CERTIFICATE_BYTES` are read.
Standard library only: the checkers import this (their import-linter contract).
"""

from __future__ import annotations

import errno
import os
import stat

from specproof._core import SpecproofError

MAX_CERTIFICATE_BYTES = 256 * 2**20
"""The largest certificate file read (256 MiB; ``certify`` writes a few MiB at d = 30)."""

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class CertificateFileError(SpecproofError, OSError):
    """The certificate file cannot be read: missing, a folder, a symbolic link loop, not a
    regular file, too large, or an OS error (the message names the file and says which)."""


def _refuse_non_regular(st: os.stat_result, name: str) -> None:
    if stat.S_ISREG(st.st_mode):
        if st.st_size > MAX_CERTIFICATE_BYTES:
            _too_large(name, st.st_size)
        return
    if stat.S_ISDIR(st.st_mode):
        raise CertificateFileError(f"certificate file {name!r} is a directory, not a file")
    kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a plain file")
    raise CertificateFileError(f"certificate file {name!r} is not a regular file ({kind}); "
                               "give a certificate file")


def _too_large(name: str, size: int | None) -> None:
    how = f"{size:,} bytes" if size is not None else "more than that"
    raise CertificateFileError(
        f"certificate file {name!r} is larger than {MAX_CERTIFICATE_BYTES // 2**20} MiB "
        f"({how}), the most a certificate file may hold")


def _os_error(exc: OSError, name: str) -> CertificateFileError:
    if exc.errno == errno.ELOOP:
        return CertificateFileError(f"certificate file {name!r} is a symbolic link loop (too "
                                    "many levels of symbolic links)")
    if exc.errno == errno.ENOENT:
        if os.path.islink(name):
            return CertificateFileError(f"certificate file {name!r} is a symbolic link to a "
                                        "file that does not exist")
        return CertificateFileError(f"certificate file {name!r} does not exist")
    return CertificateFileError(f"cannot read certificate file {name!r}: "
                                f"{exc.strerror or exc}")


def read_certificate_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of the file at ``path``, read once.

    Raises
    ------
    CertificateFileError
        Missing, a directory, a symbolic link loop, a FIFO, device or socket, larger than
        :data:`MAX_CERTIFICATE_BYTES`, or unreadable (one sentence naming the file).

    Examples
    --------
    >>> read_certificate_bytes("/dev/zero")
    Traceback (most recent call last):
    ...
    specproof.certificates.file_read.CertificateFileError: certificate file '/dev/zero' is \
not a regular file (a character device); give a certificate file
    """
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    try:
        _refuse_non_regular(os.stat(name), name)  # a clear refusal before opening
        # O_NONBLOCK: a file swapped for a FIFO after the stat does not block the open
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_BINARY", 0))
        fd = os.open(name, flags)
    except (OSError, ValueError) as exc:
        if isinstance(exc, CertificateFileError):
            raise
        if isinstance(exc, ValueError):  # an embedded NUL in the name
            raise CertificateFileError(f"cannot read certificate file {name!r}: {exc}") \
                from None
        raise _os_error(exc, name) from None
    try:
        _refuse_non_regular(os.fstat(fd), name)  # the file opened is the one judged
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(2**24, MAX_CERTIFICATE_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_CERTIFICATE_BYTES:  # it grew while being read
                _too_large(name, None)
        return b"".join(chunks)
    except CertificateFileError:
        raise
    except OSError as exc:
        raise _os_error(exc, name) from None
    finally:
        os.close(fd)


def read_certificate_text(path: str | os.PathLike) -> str:
    """:func:`read_certificate_bytes` decoded as UTF-8 (``UnicodeDecodeError`` if not)."""
    return read_certificate_bytes(path).decode("utf-8")
