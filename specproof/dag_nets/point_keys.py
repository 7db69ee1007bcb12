"""What keys a sweep point: canonical JSON, the code version, graph and activation digests.

A point of a width sweep is stored under the SHA-256 of everything that defines it
(:func:`point_key`): the measurement's name, a version of the code that computes it
(:func:`code_version`), its configuration with the graph's *contents* in place of a path
or builder name (:func:`graph_digest`) and the seed. The folder that stores the points
is :class:`specproof.dag_nets.cache.PointCache`, which re-exports these names.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import numbers
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable
from specproof.dag_nets.source_deps import user_modules

#: Bumped when the record layout changes, so old files are not misread: it is part of
#: every key (3: records carry the SHA-256 of their body, checked when read).
FORMAT = 3


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
    installed package's upgrade, data files the measurement reads, and code reached only
    dynamically (``importlib.import_module(name)``, ``exec``). These are the files *on
    disk*: a sweep with a cache first checks that the code in memory is that code, and
    refuses a measurement without a source file
    (:func:`specproof.dag_nets.live_code.check_live_code`).

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


# what the default object repr holds: a memory address, another in every process
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _stable_repr(x: Any, what: str) -> str:
    """``repr(x)`` that is the same in every process: a set's members sorted (their order
    follows the per-process string hash seed), an address refused."""
    if isinstance(x, (set, frozenset)):
        return "{" + ", ".join(sorted(_stable_repr(v, what) for v in x)) + "}"
    text = repr(x)
    if _ADDRESS.search(text):
        raise ArgumentError(
            f"{what} {text} has no stable repr (the default one holds a memory address, "
            "another in every process, so the sweep could never find its points in the "
            "cache again and took its network for an edited one): give its class a "
            "__repr__ of its contents, or use plain values (str, int, tuples)")
    return text


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
        return _stable_repr(value, "the attribute value")


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
        "nodes": [[type(n).__name__, _stable_repr(n, "the node"), attrs(d)]
                  for n, d in graph.nodes(data=True)],
        "edges": [[_stable_repr(u, "the node"), _stable_repr(v, "the node"), attrs(d)]
                  for u, v, d in graph.edges(data=True)],
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


__all__ = ["FINGERPRINT_POINTS", "FORMAT", "activation_fingerprint", "canonical_json",
           "code_version", "graph_digest", "point_key", "user_modules"]
