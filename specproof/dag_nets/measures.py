"""Measurements for width sweeps: picklable functions ``measure(config, seed)``.

Each builds the architecture named in ``config["arch"]`` at ``config["width"]``, compiles
it with weights drawn from ``seed`` and returns ``{"value": ..., extras}``. The inputs
come from ``config["data_seed"]`` only, so every width and seed sees the same data (the
random DAG, whose input size is the width, draws its data per width from that seed).

========================  =====================================================
``hessian``               ``||H_f(w_0)||`` at ``x_0`` (Lanczos on exact HVPs)
``ntk-change``            ``||K_T - K_0||_F / ||K_0||_F`` after gradient descent
``kernel-error``          ``||K_0 - Theta||_F / ||Theta||_F`` (analytic NTK, MLP only)
``linearization``         ``max |f(w) - f_lin(w)|`` over directions on the sphere
                          ``||w - w_0|| = R`` (top Hessian eigenvector and gradient,
                          both signs)
========================  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse.linalg import eigsh

from specproof._core import ArgumentError, ComputationError, as_choice
from specproof.dag_nets.builders import (
    bottleneck,
    densenet,
    mlp,
    read_graphml,
    resnet,
)
from specproof.dag_nets.limit import infinite_width_ntk, nngp_kernel
from specproof.dag_nets.network import compile
from specproof.dag_nets.structure import analyse, width
from specproof.dag_nets.training import train

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
}

_DEPTH = {"mlp": 2, "resnet": 4, "densenet": 3, "bottleneck": 3}

#: Extra defaults per measurement.
MEASURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "hessian": {"tol": 1e-8},
    "ntk-change": {"steps": 200, "lr_scale": 1.0},
    "kernel-error": {"kernel": "ntk"},
    "linearization": {"radius": 1.0, "tol": 1e-8},
}


def measurement_config(measure: str, arch: str = "mlp", **options: Any) -> dict[str, Any]:
    """The full configuration of a measurement: defaults, then ``options``.

    Unknown option names are refused (a typo would otherwise silently key a new cache).

    Examples
    --------
    >>> cfg = measurement_config("hessian", arch="resnet")
    >>> cfg["arch"], cfg["depth"], cfg["tol"]
    ('resnet', 4, 1e-08)
    """
    measure = as_choice(measure, sorted(MEASURE_DEFAULTS), "measure")
    allowed = {**DEFAULTS, **MEASURE_DEFAULTS[measure]}
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ArgumentError(f"unknown option {unknown[0]!r} for measure {measure!r}; "
                            f"options: {sorted(allowed)}")
    cfg = {**allowed, **options, "arch": str(arch)}
    if cfg["depth"] is None and not cfg["arch"].endswith(".graphml") and cfg["arch"] != "random":
        cfg["depth"] = _DEPTH[as_choice(cfg["arch"], sorted(_DEPTH), "arch")]
    return cfg


def build_graph(config: Mapping[str, Any]) -> nx.DiGraph:
    """The architecture of ``config`` at ``config["width"]``.

    A GraphML architecture gives every hidden node ``size = width`` unless the node has a
    ``fixed_size`` attribute (then ``size`` is kept); inputs and outputs keep theirs.

    Examples
    --------
    >>> g = build_graph({"arch": "densenet", "width": 16, "depth": 3, "d_in": 4})
    >>> g.nodes["h2"]["size"], g.in_degree("h3")
    (16, 3)
    """
    arch, m = str(config["arch"]), int(config["width"])
    depth = config.get("depth")
    d_in = int(config.get("d_in", DEFAULTS["d_in"]))
    if arch == "mlp":
        g = mlp(m, depth=depth, d_in=d_in)
    elif arch == "resnet":
        g = resnet(m, depth=depth, d_in=d_in)
    elif arch == "densenet":
        g = densenet(m, depth=depth, d_in=d_in)
    elif arch == "bottleneck":
        g = bottleneck(m, bottleneck=int(config.get("bottleneck", DEFAULTS["bottleneck"])),
                       depth=depth, d_in=d_in)
    elif arch == "random":
        # the structure is seeded by the width only: every seed re-draws the weights of
        # one DAG, so the scatter over seeds is that of the weights
        g = random_layered_dag(m, depth=3 if depth is None else depth, d_in=d_in,
                               seed=np.random.default_rng([int(config.get("data_seed", 0)), m]))
    elif arch.endswith(".graphml"):
        g = read_graphml(Path(arch))
        s = analyse(g)
        ends = set(s.inputs) | set(s.outputs)
        for v in g.nodes:
            if v not in ends and not g.nodes[v].get("fixed_size"):
                g.nodes[v]["size"] = m
    else:
        raise ArgumentError(f"unknown architecture {arch!r}")
    out_act = config.get("output_activation")
    if out_act:
        for v in analyse(g).outputs:
            g.nodes[v]["activation"] = out_act
    return g


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


def _setup(config: Mapping[str, Any], seed: int):
    g = build_graph(config)
    net = compile(g, activation=config.get("activation", "erf"),
                  parameterization=config.get("parameterization", "ntk"), seed=int(seed))
    rng = np.random.default_rng([int(config.get("data_seed", 0)), net.n_inputs])
    X = rng.standard_normal((int(config.get("n_inputs", 6)), net.n_inputs))
    return g, net, X, rng


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
    g, net, X, _ = _setup(config, seed)
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
    g, net, X, rng = _setup(config, seed)
    Y = rng.standard_normal(X.shape[0])
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
    ``"nngp"`` (the NNGP kernel: a wrong limit, for the negative control), of any
    architecture (:func:`specproof.dag_nets.infinite_width_ntk`).

    Examples
    --------
    >>> r = kernel_error({**measurement_config("kernel-error"), "width": 64}, 0)
    >>> 0 < r["value"] < 0.5
    True
    """
    g, net, X, _ = _setup(config, seed)
    K = net.ntk(X)
    which = as_choice(config.get("kernel", "ntk"), ("ntk", "nngp"), "kernel")
    oracle = infinite_width_ntk if which == "ntk" else nngp_kernel
    T = oracle(g, X, activation=config.get("activation", "erf"))
    return {"value": float(np.linalg.norm(K - T) / np.linalg.norm(T)), **_extras(g, net)}


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
    g, net, X, _ = _setup(config, seed)
    R = float(config.get("radius", 1.0))
    x = X[:1]
    w0 = np.array(net.params)
    f0 = float(net.forward(x)[0, 0])
    grad = net.grad(x)
    op = net.hessian_operator(x[0])
    start = np.random.default_rng(int(seed)).standard_normal(net.n_params)
    vals, vecs = eigsh(op, k=1, which="LM", v0=start, tol=float(config.get("tol", 1e-8)))
    dirs = [vecs[:, 0] / np.linalg.norm(vecs[:, 0])]
    gn = float(np.linalg.norm(grad))
    if gn > 0:
        dirs.append(grad / gn)
    gaps = []
    for u in dirs:
        for sgn in (1.0, -1.0):
            d = sgn * R * u
            f = float(net.forward(x, params=w0 + d)[0, 0])
            gaps.append(abs(f - f0 - float(grad @ d)))
    return {"value": max(gaps), "hessian_norm": float(abs(vals[0])),
            "gap_eigvec": max(gaps[:2]), "gap_grad": max(gaps[2:], default=0.0),
            **_extras(g, net)}


#: Measurement functions by the names the command line uses.
MEASURES = {
    "hessian": hessian,
    "ntk-change": ntk_change,
    "kernel-error": kernel_error,
    "linearization": linearization,
}
