"""What a sweep checks before its first point: the configuration, the graph, the memory.

Each built-in measurement carries ``check(config, widths)`` and ``key_config(config)``
(see :mod:`specproof.dag_nets.sweep`), made here: a usage problem (an activation the
quantity cannot differentiate, a cyclic or unreadable GraphML file, a builder that does
not import, a width whose point would not fit in memory) is one clear error before any
work, not a failure after the first points ran; and the cache key holds the graph's
contents, not its path or the builder's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from specproof._core import (
    ArgumentError,
    ComputationError,
    ResourceLimitError,
    as_float,
    as_int,
)
from specproof.dag_nets.architectures import (
    GRAPH_SHA256,
    GRAPHML_DATA,
    build_graph,
    check_arch,
    is_builder,
    is_graphml,
)
from specproof.dag_nets.params import format_bytes, memory_limit, physical_memory
from specproof.dag_nets.point_keys import graph_digest
from specproof.dag_nets.structure import analyse
from specproof.dag_nets.sweep_kernels import limit_kernel, sweep_inputs

#: Measurements that differentiate twice (Hessian-vector products).
SMOOTH_MEASURES = ("hessian", "linearization")
#: Measurements that compare with the analytic infinite-width kernel.
KERNEL_MEASURES = ("kernel-error", "ntk")

#: The most hidden layers a named architecture takes: a point's time grows with the depth
#: (about a second at depth 1000 and width 8), and a deeper one only hung the sweep.
MAX_DEPTH = 1000

#: Measurements that hold ``n_inputs x n_inputs`` kernels (the empirical one, its limit or
#: its value after training, and their difference).
_GRAM_MEASURES = ("ntk-change", "kernel-error", "ntk")

#: Floats of ``n_params`` one point of each measurement keeps at once (weights,
#: gradients, Lanczos vectors: ``eigsh`` on all weights keeps ~20 of them).
_PARAM_COPIES = {"hessian": 4, "ntk-change": 6, "kernel-error": 2, "ntk": 2,
                 "linearization": 26}


_size = format_bytes

# the radii whose square (the linearization gap's scale) is a normal float64
RADIUS_RANGE = (1e-150, 1e150)


def point_size(config: Mapping[str, Any], width: int) -> tuple[int, int]:
    """``(weights, neurons)`` of the network of ``config`` at ``width``, without building
    the weights (the random DAG's edges are estimated: ``1.25 m`` in-edges per neuron).

    Examples
    --------
    >>> point_size({"arch": "mlp", "depth": 2, "d_in": 10}, 100)
    (11100, 211)
    """
    m = int(width)
    d_in = int(config.get("d_in", 10))
    if config["arch"] == "random":
        depth = int(config.get("depth") or 3)
        return d_in * m + int((depth - 1) * 1.25 * m * m) + 2 * m, d_in + depth * m + 1
    g = build_graph({**config, "width": m})
    sizes = {v: int(g.nodes[v].get("size", 1)) for v in g.nodes}
    return sum(sizes[u] * sizes[v] for u, v in g.edges), sum(sizes.values())


def _point_bytes(measure: str, config: Mapping[str, Any], width: int) -> tuple[int, int]:
    """``(bytes, weights)`` one point of ``measure`` on ``config`` at ``width`` needs."""
    params, neurons = point_size(config, width)
    n_in = int(config.get("n_inputs", 6))
    need = 8 * (_PARAM_COPIES.get(measure, 4) * params + 6 * n_in * neurons)
    if measure in _GRAM_MEASURES:
        need += 8 * 3 * n_in * n_in
    return need, params


#: The data sizes that can make even the narrowest point too large: (config key, flag,
#: default, what to choose instead).
_DATA_SIZES = (("d_in", "--d-in", 10, "fewer input features"),
               ("n_inputs", "--n-inputs", 6, "fewer inputs"))


def _data_culprits(measure: str, config: Mapping[str, Any], width: int,
                   limit: int) -> list[tuple[str, str, int, str]]:
    """The data sizes above their defaults whose default makes the point at ``width``
    fit: the cause to name, since narrower widths alone cannot help then."""
    big = [d for d in _DATA_SIZES if int(config.get(d[0], d[2])) > d[2]]
    alone = [d for d in big
             if _point_bytes(measure, {**config, d[0]: d[2]}, width)[0] <= limit]
    if alone:
        return alone
    every = {**config, **{d[0]: d[2] for d in big}}
    return big if big and _point_bytes(measure, every, width)[0] <= limit else []


def check_memory(measure: str, config: Mapping[str, Any], widths: Sequence[int],
                 limit: int | None = None) -> None:
    """Refuse, with :class:`~specproof.ResourceLimitError`, a width whose point would need
    more than ``limit`` bytes (default: half of the physical memory).

    The message names what to change: the widths, or ``d_in`` / ``n_inputs`` when even
    the narrowest point is too large because of them.

    Examples
    --------
    >>> check_memory("hessian", {"arch": "mlp", "depth": 2, "d_in": 10}, [16, 10**7],
    ...              limit=2**30)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ResourceLimitError: width 10000000: one hessian point on mlp needs about 2.8 PiB (1.0e+14 weights); the limit is 1.0 GiB: choose smaller widths
    >>> check_memory("hessian", {"arch": "mlp", "depth": 2, "d_in": 10**9}, [8, 16],
    ...              limit=2**30)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ResourceLimitError: width 8: one hessian point on mlp needs about 506.6 GiB (8.0e+09 weights); the limit is 1.0 GiB: d_in=1000000000 (--d-in) makes it that large: choose fewer input features
    """  # noqa: E501
    found = memory_limit(limit)
    if found is None:
        return
    limit, where = found
    widest = max(widths)
    need, params = _point_bytes(measure, config, widest)
    if need <= limit:
        return  # the widest point is the largest
    narrowest = min(widths)
    low, low_params = _point_bytes(measure, config, narrowest)
    culprits = _data_culprits(measure, config, narrowest, limit) if low > limit else []
    if culprits:  # narrower widths cannot help: name what does
        need, params, widest = low, low_params, narrowest
    text = (f"width {widest}: one {measure} point on {config['arch']} needs about "
            f"{_size(need)} ({params:.1e} weights); the limit is {where}: ")
    if not culprits:
        raise ResourceLimitError(text + "choose smaller widths")
    names = " and ".join(f"{key}={int(config[key])} ({flag})" for key, flag, _, _ in culprits)
    verb = "makes" if len(culprits) == 1 else "make"
    advice = " and ".join(what for _, _, _, what in culprits)
    raise ResourceLimitError(f"{text}{names} {verb} it that large: choose "
                             f"{advice}")


def check_takes_width(config: Mapping[str, Any], widths: Sequence[int]) -> None:
    """Refuse a GraphML file or builder whose network does not grow with the width (no
    hidden node, or every hidden node ``fixed_size``): every width would measure the same
    network, and the fitted slope would only be noise around zero.

    Examples
    --------
    >>> check_takes_width({"arch": "mlp"}, [8, 16])  # named architectures always grow
    """
    arch = str(config["arch"])
    if not (is_graphml(arch) or is_builder(arch)):
        return
    a, b = sorted(widths)[:2]
    if point_size(config, a) != point_size(config, b):
        return
    why = "nothing in the network takes the swept width, so every width would measure the " \
          "same network"
    if is_builder(arch):
        raise ArgumentError(f"--arch: builder {arch!r} returns networks of the same size at "
                            f"widths {a} and {b}: {why}")
    g = build_graph({**config, "width": a})
    s = analyse(g)
    hidden = set(g.nodes) - set(s.inputs) - set(s.outputs)
    if not hidden:
        raise ArgumentError(f"--arch: GraphML file {arch!r} has no hidden node (only inputs "
                            f"and outputs): {why}")
    raise ArgumentError(f"--arch: every hidden node of GraphML file {arch!r} has "
                        f"fixed_size=true: {why}; drop fixed_size from the nodes that "
                        "should grow")


def fixed_hidden_nodes(config: Mapping[str, Any], widths: Sequence[int]) -> list[str]:
    """The hidden blocks of a block-level network that keep their size as the width grows.

    The kernel measurements compare the kernel with the limit of the graph of the point,
    in which every block grows; a block that the swept family keeps fixed (the
    ``bottleneck`` layer, a GraphML node with ``fixed_size``) keeps that distance from
    vanishing. A neuron-level graph (``random``: other nodes at other widths) has none.

    Examples
    --------
    >>> fixed_hidden_nodes({"arch": "bottleneck", "depth": 3, "d_in": 10}, [16, 32])
    ['h1']
    >>> fixed_hidden_nodes({"arch": "mlp", "depth": 2, "d_in": 10}, [16, 32])
    []
    """
    if len(set(widths)) < 2 or config.get("arch") == "random":
        # random is neuron-level: its graphs at two widths share no blocks, and building
        # them (millions of edges at width 1024) would cost what a point costs
        return []
    a, b = sorted(set(widths))[:2]
    ga, gb = (build_graph({**config, "width": w}) for w in (a, b))
    if set(ga.nodes) != set(gb.nodes):
        return []
    s = analyse(ga)
    hidden = set(ga.nodes) - set(s.inputs) - set(s.outputs)
    return sorted((str(v) for v in hidden
                   if ga.nodes[v].get("size") == gb.nodes[v].get("size")), key=str)


def check_config(measure: str, config: Mapping[str, Any], widths: Sequence[int]) -> None:
    """Every check of a built-in measurement's configuration, before any point runs.

    Raises ``ArgumentError`` (bad value, architecture or graph, with the graph's own
    message: a cycle names it), ``ActivationError`` / ``NotSmoothError`` (an unknown
    activation, ReLU where a Hessian is measured), ``ResourceLimitError`` (memory).

    Examples
    --------
    >>> from specproof.dag_nets.measures import measurement_config
    >>> check_config("hessian", measurement_config("hessian", activation="relu"), [8, 16])
    Traceback (most recent call last):
    ...
    specproof.dag_nets.errors.NotSmoothError: the hessian measure differentiates twice, and activation 'relu' is not twice differentiable (at node(s) h1, h2); use erf, tanh, softplus, gelu or sigmoid
    """  # noqa: E501
    from specproof.dag_nets.activations import get_activation
    from specproof.dag_nets.errors import NotSmoothError
    from specproof.dag_nets.network import compile

    check_arch(config["arch"])
    get_activation(config.get("activation", "erf"))
    for key in ("d_in", "n_inputs"):
        as_int(config.get(key, 1), key, minimum=1)
    if config.get("depth") is not None:
        as_int(config["depth"], "depth", minimum=1, maximum=MAX_DEPTH)
    as_int(config.get("data_seed", 0), "data_seed", minimum=0)
    if "bottleneck" in config:
        # int() in the builder truncated 2.5 to 2 while the results recorded 2.5
        as_int(config["bottleneck"], "bottleneck", minimum=1)
    if "steps" in config:
        as_int(config["steps"], "steps", minimum=1)
    as_float(config.get("bias", 0.0), "bias", minimum=0.0)
    for key in ("lr_scale", "tol", "radius"):
        if key in config:
            as_float(config[key], key, minimum=0.0, strict_minimum=True)
    if "radius" in config:
        R = float(config["radius"])
        if not RADIUS_RANGE[0] <= R <= RADIUS_RANGE[1]:
            # the gap is R^2 ||H|| / 2: beyond these it under- or overflows float64 (at
            # 1e-320 the sweep ran, then its plot refused "y spans 1e-320 to 1e-320")
            raise ArgumentError(
                f"radius must be in [{RADIUS_RANGE[0]:g}, {RADIUS_RANGE[1]:g}], got {R:g}: the "
                "linearization gap grows like radius**2, which float64 cannot hold beyond")
    if config.get("parameterization", "ntk") not in ("ntk", "standard"):
        raise ArgumentError(f"parameterization must be 'ntk' or 'standard', got "
                            f"{config.get('parameterization')!r}")
    check_takes_width(config, widths)
    # before anything is built at a size the data or the depth make huge (the random
    # DAG builds one node per input feature)
    check_memory(measure, config, widths)
    small = min(widths)
    g = build_graph({**config, "width": small})  # a cycle, an unreadable file: now
    net = compile(g, activation=config.get("activation", "erf"),
                  parameterization=config.get("parameterization", "ntk"), seed=0,
                  bias=float(config.get("bias", 0.0)))
    if measure in SMOOTH_MEASURES:
        rough = {str(v): a.name for v, a in net.activations.items() if not a.smooth}
        if rough:
            names = ", ".join(repr(a) for a in sorted(set(rough.values())))
            nodes = ", ".join(list(rough)[:8]) + (", ..." if len(rough) > 8 else "")
            raise NotSmoothError(
                f"the {measure} measure differentiates twice, and activation {names} is not "
                f"twice differentiable (at node(s) {nodes}); use erf, tanh, softplus, gelu "
                "or sigmoid")
    if measure in KERNEL_MEASURES:
        if config.get("parameterization", "ntk") != "ntk":
            raise ArgumentError(
                f"the {measure} measure compares with the infinite-width kernel of the NTK "
                "parameterisation; parameterization 'standard' has no such limit")
        try:  # what the limit refuses or cannot compute (quadrature that does not
            # converge, a non-linear output): now, as a usage error
            limit_kernel(g, sweep_inputs(config, net.n_inputs), {**config, "width": small})
        except ComputationError as exc:
            raise ArgumentError(
                f"the {measure} measure needs the infinite-width kernel of activation "
                f"{config.get('activation', 'erf')!r}, which cannot be computed here: "
                f"{exc}") from exc


def key_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` as it keys the cache: a GraphML path or a builder name is replaced by the
    SHA-256 of the graph it gives at this width
    (:func:`~specproof.dag_nets.point_keys.graph_digest`), so an edited file or builder is
    a new point, and a moved file the same point.

    Examples
    --------
    >>> key_config({"arch": "mlp", "width": 8})
    {'arch': 'mlp', 'width': 8}
    """
    arch = str(config.get("arch", ""))
    if not (is_graphml(arch) or is_builder(arch)):
        return dict(config)
    # the file's bytes (freeze_graphml) key the point through the graph they give; a
    # builder's graph pinned at the start of the sweep is the graph its points must build
    public = {k: v for k, v in config.items() if k not in (GRAPHML_DATA, GRAPH_SHA256)}
    digest = config.get(GRAPH_SHA256) or graph_digest(build_graph(config))
    return {**public, "arch": "graph-sha256:" + digest}


__all__ = ["MAX_DEPTH", "check_config", "check_memory", "check_takes_width", "key_config",
           "physical_memory", "point_size"]
