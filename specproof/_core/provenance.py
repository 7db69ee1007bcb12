"""Where a result came from: package versions, platform, command line.

Versions are read from installed metadata (:mod:`importlib.metadata`), never by importing
the package: importing cvxpy or torch just to read a version string costs seconds.

Examples
--------
>>> versions(["numpy", "not-a-package-xyz"])["not-a-package-xyz"] is None
True
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


def _metadata():
    # importlib.metadata costs ~15 ms to import; load it when a version is first read
    from importlib import metadata

    return metadata


CORE_DEPENDENCIES: tuple[str, ...] = (
    "specproof",
    "numpy",
    "scipy",
    "sympy",
    "networkx",
    "matplotlib",
    "cvxpy",
    "clarabel",
    "scs",
)
"""The distributions whose versions a report records by default."""


def version_of(distribution: str) -> str | None:
    """The installed version of a distribution, or None when it is not installed.

    Examples
    --------
    >>> version_of("numpy") is not None
    True
    """
    try:
        return _metadata().version(distribution)
    except _metadata().PackageNotFoundError:
        return None


def versions(distributions: Iterable[str] = CORE_DEPENDENCIES) -> dict[str, str | None]:
    """Python's version and each distribution's (None where it is not installed)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in distributions:
        out[name] = version_of(name)
    return out


def platform_info() -> dict[str, Any]:
    """The machine: OS, architecture, processor count, Python implementation."""
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "python_implementation": platform.python_implementation(),
        "cpu_count": os.cpu_count(),
    }


def command_line() -> list[str]:
    """The command line of this process (``sys.argv``)."""
    return list(sys.argv)


def provenance(distributions: Iterable[str] = CORE_DEPENDENCIES) -> dict[str, Any]:
    """Versions, platform and command line in one dict."""
    return {
        "versions": versions(distributions),
        "platform": platform_info(),
        "command_line": command_line(),
    }


@lru_cache(maxsize=1)
def _module_to_distributions() -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _metadata().packages_distributions().items()}


def loaded_distributions(modules: Iterable[str] | None = None) -> list[str]:
    """The installed distributions whose top-level modules this process has imported.

    Read from ``sys.modules`` and installed metadata: the packages that took part in
    what ran, without importing anything new. The standard library is not included.

    Examples
    --------
    >>> import numpy
    >>> "numpy" in loaded_distributions()
    True
    """
    names = {m.partition(".")[0] for m in (sys.modules if modules is None else modules)}
    mapping = _module_to_distributions()
    out: set[str] = set()
    for name in names:
        out.update(mapping.get(name, ()))
    return sorted(out, key=str.lower)


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, in hex.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as fh:
    ...     _ = fh.write(b"abc")
    >>> file_sha256(fh.name)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()
