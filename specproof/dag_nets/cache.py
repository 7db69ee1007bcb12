"""A folder of small JSON files, one per finished sweep point, written atomically.

Each point is stored under the SHA-256 of everything that defines it: the measurement's
name, a version of the code that computes it (:func:`code_version`: a digest of the
measurement's module and of ``specproof.dag_nets``), its whole configuration with the
graph's *contents* in place of a path or builder name (:func:`graph_digest`), and the
seed. A sweep that is killed and rerun finds every point it finished and recomputes only
the others; an edited GraphML file, builder or measurement is a new point, never an old
one read back. Arrays a point returns (a kernel) sit beside its JSON file as
``<key>.npz``, written first, so a JSON file always has its arrays. A file is first
written to a temporary name in the same folder and then renamed with
:func:`os.replace`, which is atomic on POSIX and Windows: a reader sees either no file
or the whole file, never half of one.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import math
import numbers
import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable
from specproof.dag_nets.source_deps import user_modules

#: Bumped when the record layout changes, so old files are not misread.
FORMAT = 2

_TMP = re.compile(r"^\.tmp-(\d+)-[0-9a-f]+\.(json|npz)$")
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


def point_key(measure: str, config: Mapping[str, Any], seed: int, code: str = "") -> str:
    """The SHA-256 hex digest that names a point's cache file.

    ``config`` is the point's configuration as it keys the cache (with a graph's digest
    in place of its path, see :func:`graph_digest`); ``code`` the
    :func:`code_version` of the measurement.

    Examples
    --------
    >>> k = point_key("m.f", {"width": 64}, 0)
    >>> len(k), k == point_key("m.f", {"width": 64}, 0), k == point_key("m.f", {"width": 64}, 1)
    (64, True, False)
    >>> k == point_key("m.f", {"width": 64}, 0, code="v2")
    False
    """
    body = {"format": FORMAT, "measure": str(measure), "config": _strict(config, "config"),
            "seed": int(seed), "code": str(code)}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode("utf-8") + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


def code_version(measure: Any) -> str:
    """A version of the code that computes ``measure``: the SHA-256 of the source of its
    module, of every module of ``specproof.dag_nets`` (which builds, compiles and
    measures), and of every user module it depends on (:func:`user_modules`: helper
    modules it imports, transitively, wherever they live, outside the standard library
    and installed packages; found from the ``import`` statements of the sources).

    Any edit there (a fix, a new default, an edited helper module) makes every point new;
    a point is recomputed too often rather than read back stale. Not covered: an
    installed package's upgrade, data files the measurement reads, code reached only
    dynamically (``importlib.import_module(name)``, ``exec``), and a measurement defined
    where there is no source file (an interactive session).

    Examples
    --------
    >>> from specproof.dag_nets.sweep import demo_power_law
    >>> v = code_version(demo_power_law)
    >>> len(v), v == code_version(demo_power_law)
    (64, True)
    """
    package = sorted(Path(__file__).resolve().parent.glob("*.py"))
    try:
        own = inspect.getsourcefile(measure)
    except TypeError:  # a builtin or C function: its module has no source to read
        own = None
    files = package + ([Path(own).resolve()] if own else [])
    # a helper module the measurement imports: editing it changed the results while the
    # cache kept serving the old ones (only the measurement's own file was hashed)
    listed = set(files)
    files += [p for p in user_modules(measure) if p not in listed]
    return _digest_files(files)


#: Where :func:`activation_fingerprint` evaluates an activation: 33 points over [-6, 6]
#: (where pre-activations live), a few off that grid, and large ones (where a clipped or
#: saturating variant differs).
FINGERPRINT_POINTS = np.concatenate([
    np.linspace(-6.0, 6.0, 33),
    [-2.718281828459045, -0.1, 0.0123, 1.4142135623730951, 4.2],
    [-1e3, -100.0, -30.0, -10.0, 10.0, 30.0, 100.0, 1e3],
]).astype(np.float64)


def _evaluations(fn: Any, z: np.ndarray) -> bytes:
    """The exact bytes of ``fn(z)``, or a description of how it failed."""
    if fn is None:
        return b"<none>"
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = np.asarray(fn(z.copy()), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - raising is part of what it computes
        return f"<raises {type(exc).__name__}>".encode()
    # every NaN made the same NaN: its payload bits are not part of what it computes
    out = np.where(np.isnan(out), np.nan, out)
    return repr(out.shape).encode() + b":" + np.ascontiguousarray(out).tobytes()


def activation_fingerprint(act: Any) -> str:
    """The SHA-256 of what an :class:`~specproof.dag_nets.activations.Activation`
    computes: its name and flags, and the exact float64 values of ``f``, ``d1``, ``d2``
    (and ``d1_of_output`` at ``f``'s values) at :data:`FINGERPRINT_POINTS`.

    Hashing the values rather than the code sees an edit anywhere it computes from: a
    module-level constant, a closure, a function it calls. A function that raises or
    returns NaN or inf there is fingerprinted by that. (The analytic limit's dual
    kernels are chosen by the name, which is part of the fingerprint.)

    Examples
    --------
    >>> from specproof.dag_nets.activations import Activation, get_activation
    >>> fp = activation_fingerprint(get_activation("tanh"))
    >>> len(fp), fp == activation_fingerprint(get_activation("tanh"))
    (64, True)
    >>> doubled = Activation("tanh", lambda z: 2 * np.tanh(z), np.ones_like, np.zeros_like)
    >>> fp == activation_fingerprint(doubled)
    False
    """
    z = FINGERPRINT_POINTS
    h = hashlib.sha256()
    head = {"name": str(act.name), "smooth": bool(act.smooth), "identity": bool(act.identity),
            "slope": None if act.slope is None else float(act.slope)}
    h.update(json.dumps(head, sort_keys=True).encode("utf-8"))
    for part in ("f", "d1", "d2"):
        h.update(b"\0" + part.encode() + b"=" + _evaluations(getattr(act, part), z))
    try:
        with np.errstate(all="ignore"):
            a = np.asarray(act.f(z.copy()), dtype=np.float64)
    except Exception:  # noqa: BLE001 - already fingerprinted as raising above
        a = z
    h.update(b"\0d1_of_output=" + _evaluations(act.d1_of_output, a))
    return h.hexdigest()


def _value_key(value: Any, seen: dict[int, Any]) -> Any:
    """A JSON stand-in for a non-JSON attribute value: an activation by its fingerprint
    (its repr is only its name), anything else by its repr."""
    from specproof.dag_nets.activations import Activation

    if isinstance(value, Activation):
        if id(value) not in seen:  # one activation object on many nodes: evaluated once
            seen[id(value)] = {"activation": value.name,
                               "sha256": activation_fingerprint(value)}
        return seen[id(value)]
    try:
        return json.loads(canonical_json(value, name="attribute"))
    except (ArgumentError, ArgumentTypeError):
        return repr(value)


def graph_digest(graph: Any) -> str:
    """The SHA-256 of a networkx graph's contents: its nodes and edges *in order*, with
    their attributes (the order fixes how weights are drawn from a seed).

    An attribute that is not plain JSON is keyed by its repr, except an
    :class:`~specproof.dag_nets.activations.Activation`, which is keyed by what it
    computes (:func:`activation_fingerprint`): a builder's edited custom activation is a
    new graph even when its name is the same.

    Examples
    --------
    >>> import networkx as nx
    >>> a = nx.DiGraph([("x", "h"), ("h", "y")])
    >>> b = nx.DiGraph([("x", "h"), ("h", "y")])
    >>> graph_digest(a) == graph_digest(b)
    True
    >>> b.nodes["h"]["size"] = 8
    >>> graph_digest(a) == graph_digest(b)
    False
    """
    seen: dict[int, Any] = {}

    def attrs(d: Mapping[str, Any]) -> Any:
        try:
            return json.loads(canonical_json(dict(d), name="attributes"))
        except (ArgumentError, ArgumentTypeError):
            return {str(k): _value_key(v, seen)
                    for k, v in sorted(d.items(), key=lambda kv: str(kv[0]))}

    body = {
        "directed": bool(graph.is_directed()),
        "nodes": [[type(n).__name__, repr(n), attrs(d)] for n, d in graph.nodes(data=True)],
        "edges": [[repr(u), repr(v), attrs(d)] for u, v, d in graph.edges(data=True)],
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
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

    def arrays_path(self, key: str) -> Path:
        """The ``.npz`` file of the arrays of the point ``key`` (when it has any)."""
        return self.path(key).with_suffix(".npz")

    def get_arrays(self, key: str) -> dict[str, np.ndarray]:
        """The arrays stored with ``key`` (empty when it has none or they are unreadable)."""
        try:
            with np.load(self.arrays_path(key), allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (FileNotFoundError, OSError, ValueError):
            return {}

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
        if record.get("arrays"):
            try:
                data = self.arrays_path(key).read_bytes()
            except OSError:
                return None  # its arrays are missing: recompute
            if hashlib.sha256(data).hexdigest() != record.get("arrays_sha256"):
                return None  # replaced by another point's (or edited): recompute
        return record

    def put(self, key: str, record: Mapping[str, Any],
            arrays: Mapping[str, np.ndarray] | None = None) -> None:
        """Write ``record`` for ``key`` atomically (temporary file, fsync, rename).

        ``arrays`` are written first, to ``<key>.npz``, so that a JSON file that exists
        always has its arrays beside it.
        """
        path = self.path(key)
        body = dict(record)
        body["format"] = FORMAT
        body["key"] = key
        if arrays:
            body["arrays"] = sorted(arrays)
            buf = io.BytesIO()
            np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
            body["arrays_sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
            self._write_atomic(self.arrays_path(key), buf.getvalue(), ".npz")
        text = canonical_json(to_jsonable(body), name="record")
        self._write_atomic(path, text.encode("utf-8"), ".json")

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
