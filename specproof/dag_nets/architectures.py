"""The architectures a width sweep takes: named builders, GraphML files and user builders.

``config["arch"]`` is one of :data:`ARCHITECTURES`, a path ending in ``.graphml``, or a
builder ``"module:function"`` / ``"path/to/file.py:function"``: a function
``function(width) -> networkx.DiGraph`` (the API also takes the function itself, see
:func:`arch_spec`). :func:`build_graph` builds the graph of a configuration at its width,
in whichever process measures the point.

Examples
--------
>>> arch_spec("densenet"), arch_label("runs/net.graphml"), arch_label("my.nets:ladder")
('densenet', 'net', 'ladder')
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, as_choice
from specproof.dag_nets.builders import bottleneck, densenet, mlp, read_graphml, resnet
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.point_keys import graph_digest
from specproof.dag_nets.structure import analyse

#: Architecture names (a GraphML path or a builder ``module:function`` is also accepted).
ARCHITECTURES = ("mlp", "resnet", "densenet", "bottleneck", "random")

#: Default depth per named architecture.
DEPTHS = {"mlp": 2, "resnet": 4, "densenet": 3, "bottleneck": 3}

#: The configuration entry that carries a GraphML file's bytes (base64) read once, at the
#: start of a sweep (:func:`freeze_graphml`), in place of reading the file at every point.
GRAPHML_DATA = "_graphml_base64"

#: The configuration entry that pins a builder's graph at one width: the digest
#: (:func:`~specproof.dag_nets.point_keys.graph_digest`) of the graph it gave when the
#: sweep started (:func:`freeze_graphml`), which keys the point; :func:`build_graph`
#: refuses to hand a point any other graph.
GRAPH_SHA256 = "_graph_sha256"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def is_graphml(arch: str) -> bool:
    """Whether ``arch`` names a GraphML file."""
    return str(arch).lower().endswith(".graphml")


def is_builder(arch: str) -> bool:
    """Whether ``arch`` is a builder ``module:function`` or ``file.py:function``.

    Examples
    --------
    >>> is_builder("pkg.mod:make"), is_builder("nets/my.py:make"), is_builder("mlp")
    (True, True, False)
    """
    where, sep, name = str(arch).rpartition(":")
    if not sep or not _IDENT.match(name):
        return False
    return where.endswith(".py") or bool(_IDENT.match(where))


def arch_spec(arch: Any) -> str:
    """The text that names ``arch`` in a configuration: a name, a GraphML path, or
    ``"module:function"`` for a module-level builder function.

    A function defined in the script being run (``__main__``) is named by the script's
    path, so worker processes can import it (guard the script's own work with
    ``if __name__ == "__main__":``).

    Examples
    --------
    >>> from specproof.dag_nets.builders import mlp
    >>> arch_spec(mlp)
    'specproof.dag_nets.builders:mlp'
    """
    if isinstance(arch, (str, Path)):
        return str(arch)
    if not callable(arch):
        raise ArgumentTypeError(f"arch must be a name, a GraphML path or a builder function "
                                f"width -> networkx.DiGraph, got {type(arch).__name__}")
    module = getattr(arch, "__module__", None)
    qualname = getattr(arch, "__qualname__", "")
    if not module or "<" in qualname or "." in qualname:
        raise ArgumentError(f"a builder must be a module-level function (workers import it "
                            f"by name), got {arch!r}")
    if module == "__main__":
        path = getattr(sys.modules["__main__"], "__file__", None)
        if not path:
            raise ArgumentError(
                f"builder {qualname!r} is defined interactively; worker processes cannot "
                "import it: put it in a module or a .py file")
        return f"{Path(path).resolve()}:{qualname}"
    return f"{module}:{qualname}"


def arch_label(arch: str) -> str:
    """A short name for figures: the file stem of a GraphML path, the builder's name."""
    arch = str(arch)
    if is_graphml(arch):
        return Path(arch).stem
    if is_builder(arch):
        return arch.rpartition(":")[2]
    return arch


def check_arch(arch: str) -> str:
    """``arch`` if it names an architecture (a GraphML file that exists, a builder that
    imports), else an :class:`~specproof.ArgumentError` in one line.

    Examples
    --------
    >>> check_arch("mlp")
    'mlp'
    >>> check_arch("no_such_module_xyz:make")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: cannot import builder 'no_such_module_xyz:make': ...
    """
    arch = arch_spec(arch)
    if is_graphml(arch):
        path = Path(arch)
        if not path.is_file():
            # a folder or a FIFO exists: "no such file" sent the user looking for a typo
            what = ("a directory" if path.is_dir() else "not a regular file (a pipe, a "
                    "device or a socket)" if path.exists() else None)
            if what is None:
                raise ArgumentError(f"no such GraphML file {arch!r}")
            raise ArgumentError(f"GraphML file {arch!r} is {what}; give a .graphml file")
        return arch
    if is_builder(arch):
        load_builder(arch)
        return arch
    return as_choice(arch, ARCHITECTURES, "arch")


def load_builder(spec: str) -> Callable[[int], nx.DiGraph]:
    """The builder function named ``"module:function"`` or ``"file.py:function"``.

    A file is imported under a private module name derived from its path (a user's
    ``json.py`` must not replace ``json``), and again when its contents have changed
    since (by their SHA-256: an edit that keeps the size and restores the modification
    time answered from memory with the old builder when (mtime, size) decided).
    """
    where, _, name = str(spec).rpartition(":")
    try:
        if where.endswith(".py"):
            path = Path(where).resolve()
            if not path.is_file():
                raise FileNotFoundError(f"no such file {str(path)!r}")
            mod_name = "_specproof_builder_" + re.sub(r"\W", "_", str(path))
            source = path.read_bytes()
            stamp = hashlib.sha256(source).hexdigest()
            module = sys.modules.get(mod_name)
            # an edited file is imported again: its builder must not answer from memory
            if module is None or getattr(module, "_specproof_sha256", None) != stamp:
                file_spec = importlib.util.spec_from_file_location(mod_name, path)
                module = importlib.util.module_from_spec(file_spec)
                sys.modules[mod_name] = module
                try:
                    # the bytes just hashed, not the file read again: an edit in between
                    # would pair the new code with the old digest
                    exec(compile(source, str(path), "exec", dont_inherit=True), module.__dict__)
                except BaseException:
                    del sys.modules[mod_name]
                    raise
                module._specproof_sha256 = stamp
        else:
            module = _import_from_cwd(where)
        if not hasattr(module, name):
            raise ArgumentError(f"cannot import builder {spec!r}: {where} has no function "
                                f"{name!r}")
        fn = getattr(module, name)
    except ArgumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to import is the user's to see
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise ArgumentError(f"cannot import builder {spec!r}: {type(exc).__name__}: "
                            f"{detail}") from None
    if not callable(fn):
        raise ArgumentError(f"builder {spec!r} is not a function, got {type(fn).__name__}")
    return fn


def _import_from_cwd(name: str):
    """Import ``name``, also from the current folder (which the installed ``specproof``
    command, unlike ``python -m specproof``, does not put on ``sys.path``)."""
    import os

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        cwd = os.getcwd()
        if exc.name != name.split(".")[0] or cwd in sys.path or "" in sys.path:
            raise
        sys.path.append(cwd)  # appended: never shadows an installed module
        return importlib.import_module(name)


def build_graph(config: Mapping[str, Any]) -> nx.DiGraph:
    """The architecture of ``config`` at ``config["width"]``.

    A GraphML architecture gives every hidden node ``size = width`` unless the node has a
    true ``fixed_size`` attribute (then ``size`` is kept; a boolean, 0 or 1, or the string
    ``"true"``, ``"false"``, ``"1"`` or ``"0"``: anything else is an
    :class:`~specproof.ArgumentError` naming the node); inputs and outputs keep theirs.
    A configuration made by :func:`freeze_graphml` is built from the bytes it holds, not
    from the file.
    A builder is called as ``builder(width)`` and must return a valid network graph: an
    invalid one is refused naming the builder and the width.

    Examples
    --------
    >>> g = build_graph({"arch": "densenet", "width": 16, "depth": 3, "d_in": 4})
    >>> g.nodes["h2"]["size"], g.in_degree("h3")
    (16, 3)
    """
    arch, m = str(config["arch"]), int(config["width"])
    depth = config.get("depth")
    d_in = int(config.get("d_in", 10))
    if arch == "mlp":
        g = mlp(m, depth=depth, d_in=d_in)
    elif arch == "resnet":
        if depth is not None and int(depth) <= 2:
            # resnet() itself returns the plain MLP there (its skip h[l-2] -> h[l] has no
            # room); asked for by name, a run would report an MLP's slopes as a ResNet's
            raise ArgumentError(
                f"depth={depth} leaves arch 'resnet' no skip connection (an edge "
                "h[l-2] -> h[l] needs depth >= 3): it would be the mlp; use depth >= 3, "
                "or arch 'mlp'")
        g = resnet(m, depth=depth, d_in=d_in)
    elif arch == "densenet":
        g = densenet(m, depth=depth, d_in=d_in)
    elif arch == "bottleneck":
        g = bottleneck(m, bottleneck=int(config.get("bottleneck", 8)), depth=depth, d_in=d_in)
    elif arch == "random":
        # the structure is seeded by data_seed and the width, not by the point's seed:
        # every seed re-draws the weights of one DAG, so the scatter over seeds is that
        # of the weights (data_seed, which also draws the inputs, picks another DAG)
        g = random_layered_dag(m, depth=3 if depth is None else depth, d_in=d_in,
                               seed=np.random.default_rng([int(config.get("data_seed", 0)), m]))
    elif is_graphml(arch):
        data = config.get(GRAPHML_DATA)
        g = read_graphml(Path(arch), None if data is None else base64.b64decode(data))
        s = analyse(g)
        ends = set(s.inputs) | set(s.outputs)
        for v in g.nodes:
            if v not in ends and not _fixed_size(g.nodes[v].get("fixed_size"), v, arch):
                g.nodes[v]["size"] = m
    elif is_builder(arch):
        builder = load_builder(arch)
        try:
            g = builder(m)
        except Exception as exc:  # noqa: BLE001 - the user's code: say where it failed
            raise ArgumentError(f"builder {arch!r} failed at width {m}: "
                                f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(g, nx.DiGraph):
            raise ArgumentTypeError(f"builder {arch!r} returned {type(g).__name__} at width "
                                    f"{m}, expected a networkx.DiGraph")
        try:
            analyse(g)
        except GraphError as exc:
            # "node 'b' has size 0" alone names neither the architecture nor the width
            # (several --arch entries, a node 'b' in a GraphML file too)
            raise GraphError(f"builder {arch!r} returned an invalid network at width {m}: "
                             f"{exc}", exc.nodes) from exc
        except ArgumentTypeError as exc:  # a MultiDiGraph
            raise ArgumentTypeError(f"builder {arch!r} returned an invalid network at "
                                    f"width {m}: {exc}") from exc
    else:
        raise ArgumentError(f"unknown architecture {arch!r}")
    out_act = config.get("output_activation")
    if out_act:
        for v in analyse(g).outputs:
            g.nodes[v]["activation"] = out_act
    pinned = config.get(GRAPH_SHA256)
    if pinned is not None and graph_digest(g) != pinned:
        # measuring it would store the values of this network under the key of the one
        # the sweep started with
        raise ArgumentError(
            f"builder {arch!r} now gives another network at width {m} than when the sweep "
            "started (its file, or code it calls, was edited during the sweep, or it is "
            "not deterministic): this point is not measured; rerun the sweep to measure "
            "the builder as it is now")
    return g


def _fixed_size(value: Any, node: Any, arch: str) -> bool:
    """A GraphML ``fixed_size`` as a bool, whatever type the file declared it with: a
    string ``"false"`` is truthy in Python, and must not keep a node's size."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "1", "false", "0"):
            return word in ("true", "1")
    elif isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    raise ArgumentError(f"GraphML file {arch!r}: node {node!r} has fixed_size={value!r}; "
                        "use true or false (or 1 or 0)")


def freeze_graphml(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with what it only names fixed now: a GraphML file's bytes (under
    :data:`GRAPHML_DATA`) and, when ``config`` has a ``"width"``, the digest of a
    builder's graph at that width (under :data:`GRAPH_SHA256`).

    :func:`build_graph` then builds every point from the bytes, not from the file as it
    is when the point runs, and refuses a builder whose graph is no longer the pinned one
    (edited during the sweep: its points would be stored under the key of the old graph).
    Any other configuration is unchanged; a file that cannot be read is left to
    :func:`build_graph` to report.

    Examples
    --------
    >>> freeze_graphml({"arch": "mlp", "width": 8})
    {'arch': 'mlp', 'width': 8}
    >>> pinned = freeze_graphml({"arch": "specproof.dag_nets.builders:mlp", "width": 8})
    >>> len(pinned[GRAPH_SHA256])
    64
    """
    arch = str(config.get("arch", ""))
    if is_builder(arch) and "width" in config and GRAPH_SHA256 not in config:
        return {**config, GRAPH_SHA256: graph_digest(build_graph(config))}
    if not is_graphml(arch) or GRAPHML_DATA in config:
        return dict(config)
    try:
        data = Path(arch).read_bytes()
    except OSError:
        return dict(config)
    return {**config, GRAPHML_DATA: base64.b64encode(data).decode("ascii")}


def random_layered_dag(
    width: int, depth: int = 3, d_in: int = 10, seed: Any = None, spread: float = 0.5
) -> nx.DiGraph:
    """A random neuron-level DAG of minimum in-degree ``width`` and bounded depth.

    ``depth`` groups of ``width`` neurons; the first group sees every input; each neuron of
    a later group draws an in-degree uniformly from ``[width, (1 + spread) width]`` and that
    many distinct predecessors uniformly among *all* earlier neurons (inputs included), so
    skips of every length occur at random. The output draws ``width`` predecessors the
    same way. Unlike :func:`specproof.dag_nets.random_dag` (predecessors among all
    earlier nodes one by one, hence about one generation per node), the number of
    generations stays ``depth + 2``, which keeps wide graphs cheap; the paper's width
    (minimum in-degree over layers 2 ... L-1) is ``width``.

    Examples
    --------
    >>> from specproof.dag_nets.structure import width
    >>> g = random_layered_dag(16, depth=3, d_in=4, seed=0)
    >>> width(g), g.number_of_nodes()
    (16, 53)
    """
    rng = np.random.default_rng(seed)
    m, d_in = int(width), int(d_in)
    g = nx.DiGraph()
    inputs = list(range(d_in))
    g.add_nodes_from(inputs)
    earlier = list(inputs)
    nxt = d_in
    for layer in range(int(depth)):
        group = list(range(nxt, nxt + m))
        nxt += m
        for v in group:
            if layer == 0:
                preds = inputs
            else:
                k = int(rng.integers(m, int((1 + spread) * m) + 1))
                preds = rng.choice(len(earlier), size=min(k, len(earlier)), replace=False)
                preds = [earlier[i] for i in preds]
            g.add_edges_from((u, v) for u in preds)
        earlier += group
    hidden = earlier[d_in:]
    pick = rng.choice(len(hidden), size=min(m, len(hidden)), replace=False)
    g.add_edges_from((hidden[i], nxt) for i in pick)
    # a hidden neuron that feeds nothing would be a dead end: join it to the output
    g.add_edges_from((u, nxt) for u in hidden if g.out_degree(u) == 0)
    return g
