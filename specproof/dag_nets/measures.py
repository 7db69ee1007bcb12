"""Measurements for width sweeps: picklable functions ``measure(config, seed)``.

Each builds the architecture named in ``config["arch"]`` at ``config["width"]``, compiles
it with weights drawn from ``seed`` and returns ``{"value": ..., extras}``. The inputs
come from ``config["data_seed"]`` only, so every width and seed sees the same data (the
random DAG, whose input size is the width, draws its data per width from that seed).

========================  =====================================================
``hessian``               ``||H_f(w_0)||`` at ``x_0`` (Lanczos on exact HVPs)
``ntk-change``            ``||K_T - K_0||_F / ||K_0||_F`` after gradient descent
``kernel-error``          ``||K_0 - Theta||_F / ||Theta||_F`` (``Theta`` the analytic
                          infinite-width NTK of the same graph)
``ntk``                   the same distance to the limit, with the kernel ``K_0``
                          itself kept (``arrays["K"]``, an ``.npz`` in the cache) for
                          :func:`kernel_spread` (distance to the width's mean kernel)
``linearization``         ``max |f(w) - f_lin(w)|`` over directions on the sphere
                          ``||w - w_0|| = R`` (top Hessian eigenvector and gradient,
                          both signs)
========================  =====================================================

Every measurement carries ``freeze`` (a GraphML file read once, at the start), ``check``
and ``key_config`` (:mod:`specproof.dag_nets.preflight`):
:func:`~specproof.dag_nets.width_sweep` validates the configuration before any point runs,
and keys the cache by the graph's contents.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.linalg import eigsh

from specproof._core import ArgumentError, ComputationError, as_choice, did_you_mean
from specproof.dag_nets.architectures import (
    ARCHITECTURES,
    DEPTHS,
    GRAPH_SHA256,
    GRAPHML_DATA,
    arch_spec,
    build_graph,
    freeze_graphml,
    is_builder,
    is_graphml,
    random_layered_dag,
)
from specproof.dag_nets.network import compile
from specproof.dag_nets.preflight import check_config, key_config
from specproof.dag_nets.structure import analyse, width
from specproof.dag_nets.sweep_kernels import (
    SPREAD,
    KernelSpreadSweep,
    limit_kernel,
    require_one_output,
    sweep_inputs,
    sweep_targets,
)
from specproof.dag_nets.sweep_result import SweepPoint, WidthSweep
from specproof.dag_nets.training import train

__all__ = ["ARCHITECTURES", "DEFAULTS", "MEASURES", "MEASURE_DEFAULTS", "build_graph",
           "kernel_spread", "limit_kernel", "measurement_config", "random_layered_dag",
           "sweep_inputs", "sweep_targets"]

#: Defaults shared by every measurement (a config overrides any of them).
DEFAULTS: dict[str, Any] = {
    "activation": "erf",
    "parameterization": "ntk",
    "output_activation": None,
    "depth": None,  # per architecture, see _DEPTH
    "d_in": 10,
    "n_inputs": 6,
    "data_seed": 0,
    "bottleneck": 8,
    "bias": 0.0,  # beta: biases beta * N(0, 1) on every non-input neuron (0: the paper's)
}

#: Extra defaults per measurement.
MEASURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "hessian": {"tol": 1e-8},
    "ntk-change": {"steps": 200, "lr_scale": 1.0},
    "kernel-error": {"kernel": "ntk"},
    "ntk": {},
    "linearization": {"radius": 1.0, "tol": 1e-8},
}


def measurement_config(measure: str, arch: Any = "mlp", **options: Any) -> dict[str, Any]:
    """The full configuration of a measurement: defaults, then ``options``.

    ``arch`` is a name from :data:`~specproof.dag_nets.architectures.ARCHITECTURES`, a
    GraphML path, ``"module:function"`` / ``"file.py:function"``, or a module-level
    builder function ``width -> networkx.DiGraph`` itself (stored by name). Unknown
    option names are refused (a typo would otherwise silently key a new cache).

    Examples
    --------
    >>> cfg = measurement_config("hessian", arch="resnet")
    >>> cfg["arch"], cfg["depth"], cfg["tol"]
    ('resnet', 4, 1e-08)
    >>> from specproof.dag_nets import densenet
    >>> measurement_config("ntk", arch=densenet)["arch"]
    'specproof.dag_nets.builders:densenet'
    """
    measure = as_choice(measure, sorted(MEASURE_DEFAULTS), "measure")
    allowed = {**DEFAULTS, **MEASURE_DEFAULTS[measure]}
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ArgumentError(f"unknown option {unknown[0]!r} for measure {measure!r}; "
                            f"options: {sorted(allowed)}")
    cfg = {**allowed, **options, "arch": arch_spec(arch)}
    a = cfg["arch"]
    if cfg["depth"] is None and not (is_graphml(a) or is_builder(a) or a == "random"):
        cfg["depth"] = DEPTHS[as_choice(a, ARCHITECTURES, "arch")]
    return cfg


def _setup(config: Mapping[str, Any], seed: int):
    g = build_graph(config)
    net = compile(g, activation=config.get("activation", "erf"),
                  parameterization=config.get("parameterization", "ntk"), seed=int(seed),
                  bias=float(config.get("bias", 0.0)))
    require_one_output(net.outputs, net.sizes, config["arch"])
    return g, net, sweep_inputs(config, net.n_inputs)


def _extras(g: nx.DiGraph, net) -> dict[str, Any]:
    try:
        w = width(g)
    except ValueError:  # fewer than 2 hidden layers: the paper's width is undefined
        w = None
    return {"paper_width": w, "n_params": int(net.n_params)}


def hessian(config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``||H_f(w_0)||`` at the first input, with the Lanczos residual and HVP count.

    Examples
    --------
    >>> r = hessian({**measurement_config("hessian"), "width": 16}, 0)
    >>> r["value"] > 0 and r["residual"] < 1e-6
    True
    """
    g, net, X = _setup(config, seed)
    h = net.hessian_norm(X[0], tol=float(config.get("tol", 1e-8)), seed=int(seed))
    if not h.ok:
        raise ComputationError(f"Hessian norm did not converge: {h.reason}")
    return {"value": h.value, "residual": h.residual, "n_hvp": h.n_hvp, **_extras(g, net)}


def ntk_change(config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Relative NTK change after ``steps`` of gradient descent with
    ``lr = lr_scale / lambda_max(K_0)`` on targets ``y ~ N(0, 1)`` (from the data seed).

    Examples
    --------
    >>> r = ntk_change({**measurement_config("ntk-change", steps=20), "width": 16}, 0)
    >>> 0 < r["value"] < 1 and r["final_loss"] < r["initial_loss"]
    True
    """
    g, net, X = _setup(config, seed)
    Y = sweep_targets(config, net.n_inputs)
    K0 = net.ntk(X)
    lam = float(np.linalg.eigvalsh(K0)[-1])
    run = train(net, X, Y, steps=int(config.get("steps", 200)),
                lr=float(config.get("lr_scale", 1.0)) / lam,
                record_every=max(1, int(config.get("steps", 200))))
    return {"value": run.ntk_change, "weight_change": run.weight_change,
            "initial_loss": run.records[0].loss, "final_loss": run.final.loss,
            "lr": run.lr, **_extras(g, net)}


def kernel_error(config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Relative Frobenius error of the empirical NTK against the analytic kernel.

    ``config["kernel"]`` is ``"ntk"`` (the infinite-width NTK, the right limit) or
    ``"nngp"`` (the NNGP kernel: a wrong limit, for the negative control). Any
    architecture the sweep takes (see :func:`limit_kernel`).

    Examples
    --------
    >>> r = kernel_error({**measurement_config("kernel-error"), "width": 64}, 0)
    >>> 0 < r["value"] < 0.5
    True
    """
    g, net, X = _setup(config, seed)
    K = net.ntk(X)
    T = limit_kernel(g, X, config)
    return {"value": float(np.linalg.norm(K - T) / np.linalg.norm(T)), **_extras(g, net)}


def ntk(config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """The empirical NTK ``K`` on the sweep's inputs, kept as ``arrays["K"]``; the value
    is its relative distance ``||K - Theta||_F / ||Theta||_F`` to the analytic limit.

    :func:`kernel_spread` adds each point's distance to the mean kernel of its width.

    Examples
    --------
    >>> r = ntk({**measurement_config("ntk", arch="densenet"), "width": 64}, 0)
    >>> r["arrays"]["K"].shape, 0 < r["value"] < 0.5
    ((6, 6), True)
    """
    g, net, X = _setup(config, seed)
    K = net.ntk(X)
    T = limit_kernel(g, X, config)
    return {"value": float(np.linalg.norm(K - T) / np.linalg.norm(T)),
            "arrays": {"K": K}, **_extras(g, net)}


def kernel_spread(sweep: WidthSweep) -> KernelSpreadSweep:
    """``sweep`` (of the ``ntk`` measure) with the column ``to_mean``: each point's
    ``||K - Kbar_m||_F / ||Kbar_m||_F``, ``Kbar_m`` the mean kernel over the seeds of its
    width ``m``. It needs no analytic limit: it decays like the limit distance when the
    kernels converge to a deterministic one.

    The seeds of a width share ``Kbar_m``, so their distances are not independent (with
    2 seeds they are equal): the sweep returned fits the slope of ``to_mean`` with one
    observation per width and needs at least 3 widths for it (see
    :class:`~specproof.dag_nets.sweep_kernels.KernelSpreadSweep`); the table still has
    every point's distance.

    Examples
    --------
    >>> from specproof.dag_nets import width_sweep
    >>> cfg = measurement_config("ntk", arch="resnet")
    >>> sw = kernel_spread(width_sweep(MEASURES["ntk"], [16, 64], 3, cfg, progress=False))
    >>> bool(sw.column("to_mean")[-1] < sw.column("to_mean")[0])
    True
    """
    missing = [p for p in sweep.points if "K" not in p.arrays]
    if missing:
        raise ArgumentError(f"kernel_spread needs each point's kernel (the 'ntk' measure); "
                            f"width {missing[0].width}, seed {missing[0].seed} has none")
    means = {}
    for w in sorted({p.width for p in sweep.points}):
        means[w] = np.mean([p.arrays["K"] for p in sweep.points if p.width == w], axis=0)
    points = []
    for p in sweep.points:
        Kbar = means[p.width]
        spread = float(np.linalg.norm(p.arrays["K"] - Kbar) / np.linalg.norm(Kbar))
        points.append(SweepPoint(p.width, p.seed, p.value, {**p.extra, SPREAD: spread},
                                 p.seconds, p.cached, p.arrays))
    return KernelSpreadSweep(sweep.measure, sweep.config, tuple(points), sweep.label)


# a linearization gap below this many ulps of |f| + |f0| + |grad.d| is rounding, not a gap
_GAP_ROUNDING = 2**10


def linearization(config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``max |f(w) - f(w_0) - grad f(w_0).(w - w_0)|`` over ``w = w_0 +- R u`` for the unit
    top eigenvector ``u`` of the Hessian and the unit gradient (Cor. 3.7's ball).

    A lower estimate of the supremum over the ball; along the top eigenvector the gap is
    ``R^2 ||H|| / 2`` to leading order, so it tracks the Hessian norm.

    Examples
    --------
    >>> r = linearization({**measurement_config("linearization"), "width": 16}, 0)
    >>> r["value"] > 0
    True
    """
    g, net, X = _setup(config, seed)
    R = float(config.get("radius", 1.0))
    x = X[:1]
    w0 = np.array(net.params)
    f0 = float(net.forward(x)[0, 0])
    grad = net.grad(x)
    op = net.hessian_operator(x[0])
    start = np.random.default_rng(int(seed)).standard_normal(net.n_params)
    # 12 Lanczos vectors, not scipy's 20: with Hessian-vector products this cheap ARPACK's
    # reorthogonalisation against all of them was most of the time (width 512, 267,776
    # weights: 1.37 s against 0.80 s, the same eigenvalue to 4e-16)
    vals, vecs = eigsh(op, k=1, which="LM", v0=start, tol=float(config.get("tol", 1e-8)),
                       ncv=min(net.n_params, 12))
    dirs = [vecs[:, 0] / np.linalg.norm(vecs[:, 0])]
    gn = float(np.linalg.norm(grad))
    if gn > 0:
        dirs.append(grad / gn)
    gaps, scale = [], 0.0
    for u in dirs:
        for sgn in (1.0, -1.0):
            d = sgn * R * u
            f = float(net.forward(x, params=w0 + d)[0, 0])
            step = float(grad @ d)
            gaps.append(abs(f - f0 - step))
            scale = max(scale, abs(f) + abs(f0) + abs(step))
    floor = _GAP_ROUNDING * np.finfo(float).eps * scale
    if max(gaps) <= floor:
        # at a small radius f - f0 - grad.d cancels to the rounding of the forward passes:
        # the "gap" printed would be noise, whatever its slope
        raise ComputationError(
            f"at radius {R:g} the linearization gap ({max(gaps):.3g}) is within the rounding "
            f"of f(w) itself (about {floor:.3g}): the measurement would be rounding noise; "
            "use a larger radius (--radius)")
    return {"value": max(gaps), "hessian_norm": float(abs(vals[0])),
            "gap_eigvec": max(gaps[:2]), "gap_grad": max(gaps[2:], default=0.0),
            **_extras(g, net)}


#: Measurement functions by the names the command line uses.
MEASURES: dict[str, Callable[[Mapping[str, Any], int], dict[str, Any]]] = {
    "hessian": hessian,
    "ntk-change": ntk_change,
    "kernel-error": kernel_error,
    "ntk": ntk,
    "linearization": linearization,
}


def _check(measure: str, config: Mapping[str, Any], widths: Sequence[int]) -> None:
    """:func:`~specproof.dag_nets.preflight.check_config`, then one output neuron: the
    Hessian measures would otherwise stop at their first point, advising an ``output=``
    that no sweep has. A key the measurement does not read is refused (a misspelt
    ``activaton`` ran with erf, ``kernel`` on the hessian measure was ignored), with a
    did-you-mean, as :func:`measurement_config` refuses it."""
    allowed = {**DEFAULTS, **MEASURE_DEFAULTS[measure], "arch": None,
               GRAPH_SHA256: None, GRAPHML_DATA: None}  # the last two: added by freeze
    unknown = sorted(set(config) - set(allowed))
    if unknown:
        public = sorted(k for k in allowed if not k.startswith("_"))
        hint = did_you_mean(str(unknown[0]), public)
        raise ArgumentError(f"config has a key {unknown[0]!r} that measure {measure!r} does "
                            f"not use{hint}; its keys: {public}")
    check_config(measure, config, widths)
    st = analyse(build_graph({**config, "width": min(widths)}))
    require_one_output(st.outputs, st.sizes, config["arch"])


for _name, _fn in MEASURES.items():
    # what width_sweep calls before any point runs, and how it keys the cache
    _fn.freeze = freeze_graphml
    _fn.check = functools.partial(_check, _name)
    _fn.key_config = key_config
del _name, _fn
