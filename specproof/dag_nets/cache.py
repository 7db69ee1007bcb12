"""A folder of small JSON files, one per finished sweep point, written atomically.

Each point is stored under the SHA-256 of its canonical configuration (measurement name,
configuration, seed), so a sweep that is killed and rerun finds every point it finished
and recomputes only the others. A file is first written to a temporary name in the same
folder and then renamed with :func:`os.replace`, which is atomic on POSIX and Windows:
a reader sees either no file or the whole file, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable

#: Bumped when the record layout changes, so old files are not misread.
FORMAT = 1

_TMP = re.compile(r"^\.tmp-(\d+)-[0-9a-f]+\.json$")
_KEY = re.compile(r"^[0-9a-f]{64}$")


def canonical_json(value: Any, name: str = "config") -> str:
    """The canonical JSON text of ``value``: sorted keys, no spaces, numpy made plain.

    Only dicts with string keys, lists, tuples, strings, bools, ints, finite floats, None
    and their numpy counterparts are accepted; anything else raises
    :class:`~specproof.ArgumentTypeError` naming where it is, because an object has no
    stable text (its repr may hold a memory address) and so cannot key a cache.

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "x"]})
    '{"a":[1.5,"x"],"b":1}'
    """
    return json.dumps(_strict(value, name), sort_keys=True, separators=(",", ":"),
                      allow_nan=False)


def _strict(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ArgumentTypeError(f"{where} has a non-string key {k!r}")
            out[k] = _strict(v, f"{where}[{k!r}]")
        return out
    if isinstance(value, (list, tuple)):
        return [_strict(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (str, bool, np.bool_, numbers.Integral)) or value is None:
        return to_jsonable(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise ArgumentError(f"{where} must be finite, got {value!r}")
        return float(value)
    raise ArgumentTypeError(
        f"{where} must hold JSON values only (dict, list, str, number, bool, None), "
        f"got {type(value).__name__}"
    )


def point_key(measure: str, config: Mapping[str, Any], seed: int) -> str:
    """The SHA-256 hex digest that names a point's cache file.

    Examples
    --------
    >>> k = point_key("m.f", {"width": 64}, 0)
    >>> len(k), k == point_key("m.f", {"width": 64}, 0), k == point_key("m.f", {"width": 64}, 1)
    (64, True, False)
    """
    body = {"format": FORMAT, "measure": str(measure), "config": _strict(config, "config"),
            "seed": int(seed)}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PointCache:
    """One JSON file per finished point in ``folder`` (created if missing).

    Parameters
    ----------
    folder : str or Path
        Where the files live. Temporary files left by a process that was killed while
        writing (``.tmp-PID-*.json``, only possible on SIGKILL or power loss) are removed
        when a cache is opened and that process no longer exists.

    Examples
    --------
    >>> import tempfile
    >>> cache = PointCache(tempfile.mkdtemp())
    >>> key = point_key("demo.measure", {"width": 8}, 0)
    >>> cache.get(key) is None
    True
    >>> cache.put(key, {"value": 1.5})
    >>> cache.get(key)["value"]
    1.5
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ArgumentError(f"cache folder {str(self.folder)!r} exists and is not a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.removed_stale = self._remove_stale_temporaries()

    def path(self, key: str) -> Path:
        """The file that holds (or will hold) the point ``key``."""
        if not _KEY.match(key):
            raise ArgumentError(f"key must be a 64-digit lowercase hex digest, got {key!r}")
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record of ``key``, or None when absent or unreadable.

        An unreadable file (edited by hand, a different format) counts as absent: the
        point is recomputed and the file replaced, never trusted.
        """
        path = self.path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return None
        if record.get("key") != key:
            return None
        return record

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Write ``record`` for ``key`` atomically (temporary file, fsync, rename)."""
        path = self.path(key)
        body = dict(record)
        body["format"] = FORMAT
        body["key"] = key
        text = canonical_json(to_jsonable(body), name="record")
        tmp = self.folder / f".tmp-{os.getpid()}-{os.urandom(6).hex()}.json"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            # an exception (or Ctrl-C) between open and replace leaves only the temporary
            if tmp.exists():
                tmp.unlink()

    def keys(self) -> list[str]:
        """The keys of every stored point (in sorted order)."""
        return sorted(p.stem for p in self.folder.glob("*.json") if _KEY.match(p.stem))

    def _remove_stale_temporaries(self) -> int:
        removed = 0
        for p in self.folder.glob(".tmp-*.json"):
            m = _TMP.match(p.name)
            if m is None or _pid_alive(int(m.group(1))):
                continue
            try:
                p.unlink()
                removed += 1
            except FileNotFoundError:
                pass
        return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would terminate it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else (or cannot tell): leave it
    return True
