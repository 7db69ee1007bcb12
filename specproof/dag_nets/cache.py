"""A folder of small JSON files, one per finished sweep point, written atomically.

Each point is stored under the SHA-256 of everything that defines it
(:mod:`specproof.dag_nets.point_keys`, whose names this module re-exports): the
measurement's name, a version of the code that computes it (:func:`code_version`: a
digest of the measurement's module and of ``specproof.dag_nets``), its whole
configuration with the graph's *contents* in place of a path or builder name
(:func:`graph_digest`), and the seed. A sweep that is killed and rerun finds every point
it finished and recomputes only the others; an edited GraphML file, builder or
measurement is a new point, never an old one read back. Arrays a point returns (a
kernel) sit beside its JSON file as ``<key>.npz``, written first, so a JSON file always
has its arrays. A file is first written to a temporary name in the same folder and then
renamed with :func:`os.replace`, which is atomic on POSIX and Windows: a reader sees
either no file or the whole file, never half of one.

Every record carries the SHA-256 of its own body (and of its arrays), computed when it
is written and checked when it is read: a record edited by hand, truncated or written by
a bug is *damaged*, counts as absent (:attr:`PointCache.damaged` says why) and is
recomputed. This guards against edits, truncation and bugs, not against an adversary
who recomputes the checksum. An entry that cannot be read at all (a folder where a
record belongs, a file without read permission) is a :class:`CacheEntryError` naming it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable
from specproof.dag_nets.point_keys import (
    FINGERPRINT_POINTS,
    FORMAT,
    activation_fingerprint,
    canonical_json,
    code_version,
    graph_digest,
    point_key,
    user_modules,
)

_TMP = re.compile(r"^\.tmp-(\d+)-[0-9a-f]+\.(json|npz)$")
_KEY = re.compile(r"^[0-9a-f]{64}$")


class CacheEntryError(ArgumentError):
    """A cache entry that cannot be used at all (a folder where a point's record belongs,
    a file that cannot be read): named, with what is wrong, before any point runs."""


def _body_sha256(body: Mapping[str, Any]) -> str:
    """The SHA-256 of a record's canonical text without its ``sha256`` entry."""
    text = canonical_json({k: v for k, v in body.items() if k != "sha256"}, name="record")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_record(data: bytes, key: str) -> tuple[dict[str, Any] | None, str]:
    """``(record, "")`` when ``data`` is a whole, unedited record of ``key``, else
    ``(None, why)``."""
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "not valid JSON (truncated or edited)"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    if record.get("format") != FORMAT:
        return None, f"format {record.get('format')!r}, not {FORMAT}"
    if record.get("key") != key:
        return None, "it holds the record of another key"
    try:
        whole = _body_sha256(record) == record.get("sha256")
    except (ArgumentError, ArgumentTypeError):  # NaN or inf: never written by put()
        return None, "it holds a non-finite number"
    if not whole:
        return None, "its checksum does not match its contents (edited or corrupted)"
    names = record.get("arrays")
    if names is not None and not (isinstance(names, list) and names
                                  and all(isinstance(n, str) for n in names)
                                  and isinstance(record.get("arrays_sha256"), str)):
        return None, "its list of arrays is malformed"
    return record, ""


class PointCache:
    """One JSON file per finished point in ``folder`` (created if missing).

    Parameters
    ----------
    folder : str or Path
        Where the files live. Temporary files left by a process that was killed while
        writing (``.tmp-PID-*.json``, only possible on SIGKILL or power loss) are removed
        when a cache is opened and that process no longer exists.

    Attributes
    ----------
    damaged : dict
        Why each damaged record read so far was not used, by key.

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
    >>> text = cache.path(key).read_text().replace("1.5", "2.5")  # edited by hand
    >>> _ = cache.path(key).write_text(text)
    >>> cache.get(key) is None, cache.damaged[key]
    (True, 'its checksum does not match its contents (edited or corrupted)')
    """

    def __init__(self, folder: str | os.PathLike) -> None:
        if not isinstance(folder, (str, os.PathLike)) or isinstance(folder, bytes):
            raise ArgumentTypeError(f"cache must be a folder path (str or os.PathLike), got "
                                    f"{type(folder).__name__} {folder!r}")
        if str(folder).strip() == "":
            # Path("") is the current folder: the points' files went there
            raise ArgumentError("cache must name a folder, got an empty path")
        self.folder = Path(folder)
        if self.folder.is_symlink() and not self.folder.exists():
            raise ArgumentError(f"cache folder {str(self.folder)!r} is a symbolic link to "
                                f"nothing ({os.readlink(self.folder)!r} does not exist)")
        if self.folder.exists() and not self.folder.is_dir():
            raise ArgumentError(f"cache folder {str(self.folder)!r} exists and is not a folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.removed_stale = self._remove_stale_temporaries()
        self.damaged: dict[str, str] = {}

    def path(self, key: str) -> Path:
        """The file that holds (or will hold) the point ``key``."""
        if not _KEY.match(key):
            raise ArgumentError(f"key must be a 64-digit lowercase hex digest, got {key!r}")
        return self.folder / f"{key}.json"

    def arrays_path(self, key: str) -> Path:
        """The ``.npz`` file of the arrays of the point ``key`` (when it has any)."""
        return self.path(key).with_suffix(".npz")

    def get_arrays(self, key: str) -> dict[str, np.ndarray]:
        """The arrays stored with ``key`` (empty when it has none or they are unreadable)."""
        try:
            with np.load(self.arrays_path(key), allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (FileNotFoundError, OSError, ValueError, zipfile.BadZipFile):
            return {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record of ``key``, or None when absent or damaged (see :meth:`load`)."""
        found = self.load(key)
        return None if found is None else found[0]

    def load(self, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """``(record, arrays)`` of ``key``, or None when absent or damaged.

        A damaged record (not JSON, another format or key, a checksum that does not match
        its body, arrays missing or other than recorded) counts as absent: the point is
        recomputed and the file replaced, never trusted; :attr:`damaged` says why.

        Raises
        ------
        CacheEntryError
            When the entry is a folder or another non-file, or cannot be read: writing
            the point there would fail too, after it was computed.
        """
        path = self.path(key)
        data = self._read(path)
        if data is None:
            return None
        record, why = _check_record(data, key)
        arrays: dict[str, np.ndarray] = {}
        if record is not None and record.get("arrays"):
            arrays, why = self._load_arrays(key, record)
        if why:
            self.damaged[key] = why
            return None
        return record, arrays

    def _load_arrays(self, key: str, record: Mapping[str, Any]
                     ) -> tuple[dict[str, np.ndarray], str]:
        data = self._read(self.arrays_path(key))
        if data is None:
            return {}, "its arrays file is missing"
        if hashlib.sha256(data).hexdigest() != record["arrays_sha256"]:
            return {}, "its arrays differ from their recorded SHA-256"  # edited, replaced
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (OSError, ValueError, zipfile.BadZipFile):
            return {}, "its arrays file cannot be read"
        if sorted(arrays) != sorted(record["arrays"]):
            return {}, "its arrays file holds other arrays than recorded"
        return arrays, ""

    def _read(self, path: Path) -> bytes | None:
        """The bytes of the entry ``path``; None when it does not exist."""
        self._check_kind(path)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CacheEntryError(f"cache entry {path} cannot be read: "
                                  f"{exc.strerror or exc}") from None

    def put(self, key: str, record: Mapping[str, Any],
            arrays: Mapping[str, np.ndarray] | None = None) -> None:
        """Write ``record`` for ``key`` atomically (temporary file, fsync, rename), with
        the SHA-256 of its body (``sha256``) that :meth:`load` checks.

        ``arrays`` are written first, to ``<key>.npz``, so that a JSON file that exists
        always has its arrays beside it.
        """
        path = self.path(key)
        for entry in (path, self.arrays_path(key)):
            self._check_kind(entry)  # a folder there is named, not "Is a directory"
        body = {k: v for k, v in record.items()
                if k not in ("sha256", "arrays", "arrays_sha256")}
        body["format"] = FORMAT
        body["key"] = key
        if arrays:
            body["arrays"] = sorted(arrays)
            buf = io.BytesIO()
            np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
            body["arrays_sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
            self._write_atomic(self.arrays_path(key), buf.getvalue(), ".npz")
        body = json.loads(canonical_json(to_jsonable(body), name="record"))
        body["sha256"] = _body_sha256(body)
        text = canonical_json(body, name="record")
        self._write_atomic(path, text.encode("utf-8"), ".json")

    def _check_kind(self, path: Path) -> None:
        """Raise :class:`CacheEntryError` when ``path`` exists and is not a regular file:
        reading a folder failed as "cannot write to <out>: Is a directory", and a named
        pipe would block the sweep for ever."""
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return  # absent, or unreadable: reading it says which
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise CacheEntryError(f"cache entry {path} is {what}, where a point's record "
                                  "belongs: remove it (its point is then recomputed)")

    def _write_atomic(self, path: Path, data: bytes, suffix: str) -> None:
        tmp = self.folder / f".tmp-{os.getpid()}-{os.urandom(6).hex()}{suffix}"
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
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
        for p in self.folder.glob(".tmp-*"):
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


__all__ = ["FINGERPRINT_POINTS", "FORMAT", "CacheEntryError", "PointCache",
           "activation_fingerprint", "canonical_json", "code_version", "graph_digest",
           "point_key", "user_modules"]
