"""The inputs every point of a sweep measures on, and the analytic kernel it compares with.

Shared by the measurements (:mod:`specproof.dag_nets.measures`) and the checks they run
before any point (:mod:`specproof.dag_nets.preflight`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import as_choice
from specproof.dag_nets.architectures import is_builder, is_graphml
from specproof.dag_nets.cache import canonical_json, graph_digest
from specproof.dag_nets.limit import infinite_width_ntk, nngp_kernel

__all__ = ["limit_kernel", "sweep_inputs"]


def sweep_inputs(config: Mapping[str, Any], n_in: int) -> np.ndarray:
    """The inputs of every point of ``config``: ``n_inputs`` standard normal rows of
    ``n_in`` features, drawn from ``data_seed`` (and the feature count) only."""
    rng = np.random.default_rng([int(config.get("data_seed", 0)), int(n_in)])
    return rng.standard_normal((int(config.get("n_inputs", 6)), int(n_in)))


def limit_kernel(graph: nx.DiGraph, X: np.ndarray, config: Mapping[str, Any]) -> np.ndarray:
    """The analytic infinite-width kernel of ``graph`` on ``X`` that the kernel measures
    compare with: the NTK, or the NNGP when ``config["kernel"] == "nngp"`` (a wrong limit,
    for the negative control). Every hidden block grows with the proportions it has in
    ``graph`` (see :func:`specproof.dag_nets.infinite_width_ntk`)."""
    which = as_choice(config.get("kernel", "ntk"), ("ntk", "nngp"), "kernel")
    activation = config.get("activation", "erf")
    # every seed of a width has the same graph and inputs, and a quadrature limit (tanh)
    # takes seconds: computed once per process and width, not once per point
    arch = str(config.get("arch", ""))
    # a named architecture is fixed by its configuration (hashing the random DAG's
    # millions of edges would cost more than it saves); a file or builder by its contents
    shape = (graph_digest(graph) if is_graphml(arch) or is_builder(arch)
             else canonical_json({k: v for k, v in config.items() if k != "kernel"}))
    bias = float(config.get("bias", 0.0))
    # the bias is part of the key: a file's bias=0.5 sweep was measured against the
    # bias-0 limit of the sweep before it (20x off, and stored in the point cache)
    key = (shape, hashlib.sha256(np.ascontiguousarray(X).tobytes()).hexdigest(),
           X.shape, str(activation), which, bias)
    if key not in _LIMITS:
        fn = infinite_width_ntk if which == "ntk" else nngp_kernel
        if len(_LIMITS) >= 8:
            _LIMITS.pop(next(iter(_LIMITS)))
        _LIMITS[key] = fn(graph, X, activation=activation, bias=bias)
    return _LIMITS[key].copy()


_LIMITS: dict[tuple, np.ndarray] = {}
