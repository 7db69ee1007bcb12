"""The core of a compiled network: layout, parameters, forward and backward passes.

Model (Zhu, Liu & Belkin 2022): every non-input neuron ``v`` computes
``z_v = s_v * sum_{u in in(v)} w_uv a_u`` and ``a_v = sigma_v(z_v)``; inputs carry the
data (``a = x``). With ``parameterization="ntk"`` (the paper's), ``s_v = fan_in(v)^{-1/2}``
and every weight is drawn N(0, 1); with ``"standard"``, ``s_v = 1`` and the weights into
``v`` are drawn N(0, 1/fan_in(v)). For one seed both compute the same function at
initialisation; they differ in the scale of the parameters, so gradients are
``sqrt(fan_in)`` and Hessian entries ``fan_in`` times larger in standard
parameterisation (which is why its Hessian norm does not decay with width). Fan-ins are
counted in neurons. There are no biases unless ``bias=beta > 0``: then
``z_v += beta b_v`` (NTK; standard: ``z_v += b_v``, ``b_v ~ N(0, beta^2)``), the biases
after the weights in the flat parameters. Everything is computed in the network's dtype
(float64, or float32 with ``compile(..., dtype=np.float32)``); an array of the other
floating dtype is refused with :class:`~specproof.dag_nets.errors.DtypeError`.

Examples
--------
>>> import numpy as np
>>> from specproof.dag_nets import compile, mlp
>>> net = compile(mlp(32, depth=2, d_in=3), activation="erf", seed=0)
>>> net.n_params, net.forward(np.ones((2, 3))).shape
(1152, (2, 1))
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    as_choice,
    as_float,
    as_matrix,
)
from specproof.dag_nets.activations import (
    Activation,
    checked_values,
    node_activations,
    trusted,
)
from specproof.dag_nets.dtypes import DTYPES, as_dtype, cast_finite
from specproof.dag_nets.engines import Block, BlockEngine, SparseEngine
from specproof.dag_nets.errors import (
    DtypeError,
    InputShapeError,
    NotSmoothError,
)
from specproof.dag_nets.maps import MapsMixin
from specproof.dag_nets.output_pairs import bad_pair_node, is_node
from specproof.dag_nets.params import ParamsMixin, check_network_memory
from specproof.dag_nets.structure import analyse

PARAMETERIZATIONS = ("ntk", "standard")
ENGINES = ("auto", "sparse", "blocks")

class NetworkCore(ParamsMixin, MapsMixin):
    """The compiled network without its measurements: layout, parameters, passes.

    :class:`specproof.dag_nets.DagNet` (built by :func:`specproof.dag_nets.compile`) adds
    the NTK and Hessian methods; the modules that measure a network
    (:mod:`~specproof.dag_nets.ntk`, :mod:`~specproof.dag_nets.hessian`) take a
    ``NetworkCore``, so nothing here imports them.

    Attributes
    ----------
    graph : networkx.DiGraph
        The architecture (not copied; do not mutate it after compiling).
    parameterization : {"ntk", "standard"}
    engine : {"sparse", "blocks"}
    inputs, outputs : tuple
        Input and output nodes; input features follow ``inputs`` (each node's ``size``
        consecutive features), network outputs follow ``outputs``.
    n_inputs, n_outputs, n_params, n_neurons : int
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        activation: Any = "erf",
        parameterization: str = "ntk",
        seed: Any = None,
        inputs: Sequence[Hashable] | None = None,
        outputs: Sequence[Hashable] | None = None,
        engine: str = "auto",
        require_smooth: bool = False,
        dtype: Any = np.float64,
        bias: float = 0.0,
    ) -> None:
        self.dtype = as_dtype(dtype)
        self.bias = as_float(bias, "bias", minimum=0.0)
        st = analyse(graph, inputs, outputs)
        self._roles = (inputs, outputs)
        self.graph = graph
        self.parameterization = as_choice(parameterization, PARAMETERIZATIONS, "parameterization")
        # sized before any array is: an oversized graph (a node of size 1e11) was numpy's
        # raw MemoryError, and sizes whose products pass 2^63 would wrap in intp arrays
        n_neurons = sum(st.sizes.values())
        n_weights = (graph.number_of_edges() if all(k == 1 for k in st.sizes.values())
                     else sum(st.sizes[u] * st.sizes[v] for u, v in graph.edges))
        check_network_memory(
            n_weights + (n_neurons - sum(st.sizes[v] for v in st.inputs)
                         if self.bias > 0 else 0),
            n_neurons, graph.number_of_edges(), self.dtype.itemsize,
            self.parameterization == "standard")
        engine = as_choice(engine, ENGINES, "engine")
        self.inputs, self.outputs = st.inputs, st.outputs
        self.sizes, self.fan_in = st.sizes, st.fan_in
        self.activations: dict[Hashable, Activation] = node_activations(
            graph, st.inputs, st.outputs, activation
        )
        # Layout: generation by generation; inside one, nodes grouped by activation so
        # each activation is applied to one contiguous run of rows.
        first = {n: i for i, n in enumerate(graph.nodes)}
        ordered = [list(st.inputs)] + [
            sorted(g, key=lambda n: (self.activations[n].name, first[n]))
            for g in st.generations[1:]
        ]
        self.start: dict[Hashable, int] = {}
        self.gen_rows: list[tuple[int, int]] = []
        self.runs: list[list[tuple[Activation, int, int]]] = []
        row = 0
        for gen in ordered:
            p = row
            runs: list[tuple[Activation, int, int]] = []
            for v in gen:
                self.start[v] = row
                m = st.sizes[v]
                act = self.activations[v]
                if runs and runs[-1][0] is act and runs[-1][2] == row:
                    runs[-1] = (act, runs[-1][1], row + m)
                else:
                    runs.append((act, row, row + m))
                row += m
            self.gen_rows.append((p, row))
            self.runs.append(runs)
        self.n_neurons = row
        self.n_inputs = self.gen_rows[0][1]
        self.out_rows = np.concatenate(
            [np.arange(self.start[v], self.start[v] + st.sizes[v]) for v in st.outputs]
        )
        self.n_outputs = int(self.out_rows.size)
        inputs_set = set(st.inputs)
        fan = np.ones(row)
        for v in graph.nodes:
            if v not in inputs_set:
                fan[self.start[v] : self.start[v] + st.sizes[v]] = st.fan_in[v]
        self.scale = (fan**-0.5 if self.parameterization == "ntk" else np.ones(row)).astype(
            self.dtype
        )
        # Edges in flat order: by target row, then source row (vectorised: neuron-level
        # graphs have 1e5 edges and more).
        nodes = sorted(self.start, key=self.start.__getitem__)
        idx = {v: i for i, v in enumerate(nodes)}
        starts = np.array([self.start[v] for v in nodes], dtype=np.intp)
        sizes = np.array([st.sizes[v] for v in nodes], dtype=np.intp)
        m = graph.number_of_edges()
        eu = np.fromiter((idx[u] for u, _ in graph.edges), np.intp, m)
        ev = np.fromiter((idx[v] for _, v in graph.edges), np.intp, m)
        order = np.lexsort((starts[eu], starts[ev]))
        eu, ev = eu[order], ev[order]
        su, sv, mu, mv = starts[eu], starts[ev], sizes[eu], sizes[ev]
        bsize = mu * mv
        offs = np.concatenate([[0], np.cumsum(bsize)]).astype(np.intp)
        # Biases (bias > 0): one per non-input neuron, after the weights, in row order;
        # z_v gains bias_scale * b_v. NTK parameterisation: b ~ N(0, 1) scaled by beta;
        # standard: b ~ N(0, beta^2) unscaled (the same function at initialisation).
        self.n_weights = int(offs[-1])
        self.n_biases = row - self.n_inputs if self.bias > 0 else 0
        self.n_params = self.n_weights + self.n_biases
        ntk_param = self.parameterization == "ntk"
        self.bias_scale = self.bias if ntk_param else 1.0
        self._edges = (nodes, eu, ev, su, sv, mu, mv, offs[:-1])
        self._param_std = None
        if not ntk_param:
            self._param_std = np.concatenate(
                [np.repeat(fan[sv] ** -0.5, bsize), np.full(self.n_biases, self.bias)]
            )
        gstarts = np.array([p for p, _ in self.gen_rows])
        bounds = np.searchsorted(sv, gstarts).tolist() + [m]
        neuron_level = all(k == 1 for k in st.sizes.values())
        if engine == "auto":
            engine = "sparse" if neuron_level else "blocks"
        if engine == "sparse" and not neuron_level:
            big = [v for v, k in st.sizes.items() if k != 1][:5]
            raise ArgumentError(
                f"engine='sparse' needs a neuron-level graph (every size 1); nodes {big} are "
                "blocks (use to_neurons(graph) or engine='blocks')"
            )
        self._blocks: list[Block] | None = None
        if engine == "sparse":
            gen_edges = [(np.zeros(0, np.intp), np.zeros(0, np.intp), 0)]
            for g in range(1, len(self.gen_rows)):
                lo, hi = bounds[g], bounds[g + 1]
                gen_edges.append((sv[lo:hi], su[lo:hi], int(offs[lo])))
            self._engine: BlockEngine | SparseEngine = SparseEngine(self.gen_rows, gen_edges)
        else:
            blocks = self.blocks
            self._engine = BlockEngine(
                self.gen_rows,
                [blocks[bounds[g] : bounds[g + 1]] for g in range(len(self.gen_rows))],
            )
        self.engine = self._engine.kind
        self._w = self.init_params(seed)
        if require_smooth:
            self.require_smooth()

    @property
    def width(self) -> int:
        """The paper's width of the graph (see :func:`specproof.dag_nets.width`).

        Examples
        --------
        >>> from specproof.dag_nets import compile, bottleneck
        >>> compile(bottleneck(64, bottleneck=5, depth=3)).width
        5
        """
        from specproof.dag_nets.structure import width

        return width(self.graph, *self._roles)

    # ----------------------------------------------------------------- inputs
    def _same_dtype(self, value: Any, name: str) -> None:
        """Refuse a floating array of the other dtype (float32 given to a float64 network
        or the reverse) instead of computing silently in one of the two."""
        dt = getattr(value, "dtype", None)
        if dt is not None and np.dtype(dt).kind == "f" and np.dtype(dt) != self.dtype:
            # suggest compiling in the array's dtype only where compile accepts it
            alt = (f", or compile with dtype=np.{np.dtype(dt).name}"
                   if np.dtype(dt).name in DTYPES else
                   f" (compile accepts dtype {' or '.join(DTYPES)} only)")
            raise DtypeError(
                f"{name} has dtype {np.dtype(dt).name} but the network computes in "
                f"{self.dtype.name}; pass {name}.astype(np.{self.dtype.name}){alt}"
            )

    def _array(self, value: Any, name: str, convert) -> np.ndarray:
        """``convert(value, ...)`` (a validating ``as_*``) in the network's dtype."""
        self._same_dtype(value, name)
        return np.ascontiguousarray(cast_finite(convert(value), self.dtype, name))

    def _batch(self, X: Any, name: str = "X") -> np.ndarray:
        self._same_dtype(X, name)
        arr = np.asarray(X) if not isinstance(X, np.ndarray) else X
        if arr.ndim == 1 and self.n_inputs != 1 and arr.size == self.n_inputs:
            raise InputShapeError(
                f"{name} must be a batch of shape (n, {self.n_inputs}); got one input of "
                f"shape {arr.shape} (use {name}[None, :])"
            )
        X = as_matrix(X, name)
        if X.shape[1] != self.n_inputs:
            desc = ", ".join(f"{u!r}: {self.sizes[u]}" for u in self.inputs[:6])
            raise InputShapeError(
                f"{name} has {X.shape[1]} features per row but the network has "
                f"{self.n_inputs} input neurons ({desc})"
            )
        return cast_finite(X, self.dtype, name)

    def _target(self, output: Any, preactivation: bool) -> tuple[int, bool]:
        if output is None:
            if self.n_outputs != 1:
                raise ArgumentError(
                    f"the network has {self.n_outputs} output neurons; pass output=i to "
                    "choose one (0-based, in the order of net.outputs)"
                )
            return int(self.out_rows[0]), bool(preactivation)
        if isinstance(output, tuple) and len(output) == 2 and is_node(output[0], self.start):
            node, j = output
            m = self.sizes[node]
            if not isinstance(j, (int, np.integer)) or not 0 <= j < m:
                raise ArgumentError(f"output {output!r}: neuron index must be in [0, {m})")
            if node in set(self.inputs):
                raise ArgumentError(f"output {output!r} is an input neuron (no parameters "
                                    "reach it)")
            return self.start[node] + int(j), bool(preactivation)
        if isinstance(output, (int, np.integer)) and not isinstance(output, bool):
            if not 0 <= output < self.n_outputs:
                raise ArgumentError(f"output must be in [0, {self.n_outputs}), got {output}")
            return int(self.out_rows[output]), bool(preactivation)
        if isinstance(output, tuple) and len(output) == 2:
            raise ArgumentError(bad_pair_node(output, [v for v in self.start
                                                        if v not in set(self.inputs)],
                                               self.start, "inputs hold no parameters"))
        raise ArgumentTypeError(
            f"output must be None, an output index or a (node, neuron) pair, got {output!r}"
        )

    def require_smooth(self) -> None:
        """Raise :class:`NotSmoothError` naming nodes whose activation is not twice
        differentiable (the paper's assumption; ReLU is the common case).

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> compile(mlp(3), activation="relu").require_smooth()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        specproof.dag_nets.errors.NotSmoothError: activation ['relu'] of nodes ['h1', 'h2'] ...
        """
        rough = [v for v, a in self.activations.items() if not a.smooth]
        if rough:
            acts = sorted({self.activations[v].name for v in rough})
            raise NotSmoothError(
                f"activation {acts} of nodes {rough[:8]} is not twice differentiable; the "
                "Hessian needs a smooth activation (erf, tanh, softplus, gelu, sigmoid) "
                "or allow_nonsmooth=True for the almost-everywhere Hessian"
            )

    # ----------------------------------------------------------------- passes
    def _forward(self, w: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Activations and pre-activations, both ``(n_neurons, batch)``."""
        B = X.shape[0]
        A = np.empty((self.n_neurons, B), dtype=self.dtype)
        Z = np.empty((self.n_neurons, B), dtype=self.dtype)
        A[: self.n_inputs] = X.T
        Z[: self.n_inputs] = X.T
        eng, s = self._engine, self.scale
        for g in range(1, len(self.gen_rows)):
            p, q = self.gen_rows[g]
            eng.lin_fwd(g, w, A, out=Z[p:q])
            Z[p:q] *= s[p:q, None]
            self._add_bias(w, Z, p, q)
            for act, lo, hi in self.runs[g]:
                if act.identity:
                    A[lo:hi] = Z[lo:hi]
                elif not trusted(act):
                    A[lo:hi] = checked_values(act, act.f, Z[lo:hi], "f")
                elif isinstance(act.f, np.ufunc):  # erf, tanh, sigmoid: no temporary
                    act.f(Z[lo:hi], out=A[lo:hi])
                else:
                    A[lo:hi] = act.f(Z[lo:hi])
        return A, Z

    def _d(
        self,
        Z: np.ndarray,
        g: int,
        order: int,
        A: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        p, q = self.gen_rows[g]
        if out is None:
            out = np.empty((q - p, Z.shape[1]), dtype=Z.dtype)
        for act, lo, hi in self.runs[g]:
            if order == 1 and A is not None and act.d1_of_output is not None:
                if trusted(act):
                    out[lo - p : hi - p] = act.d1_of_output(A[lo:hi])
                else:
                    out[lo - p : hi - p] = checked_values(act, act.d1_of_output, A[lo:hi],
                                                          "d1_of_output")
            elif order == 1 and act.identity:
                out[lo - p : hi - p] = 1.0
            elif trusted(act):
                out[lo - p : hi - p] = (act.d1 if order == 1 else act.d2)(Z[lo:hi])
            else:
                fn, which = (act.d1, "d1") if order == 1 else (act.d2, "d2")
                out[lo - p : hi - p] = checked_values(act, fn, Z[lo:hi], which)
        return out

    def _backward(
        self,
        w: np.ndarray,
        Z: np.ndarray,
        seed_rows: np.ndarray,
        seed_vals: np.ndarray,
        pre: bool = False,
        A: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reverse pass from cotangents ``seed_vals`` on rows ``seed_rows`` (of ``a``, or of
        ``z`` when ``pre``). Returns ``G`` (cotangent of ``a``) and ``Yh = s * delta``."""
        B = Z.shape[1]
        G = np.zeros((self.n_neurons, B), dtype=self.dtype)
        Yh = np.zeros((self.n_neurons, B), dtype=self.dtype)
        if not pre:
            np.add.at(G, seed_rows, seed_vals)
        eng, s = self._engine, self.scale
        for g in range(len(self.gen_rows) - 1, 0, -1):
            p, q = self.gen_rows[g]
            D = self._d(Z, g, 1, A, out=Yh[p:q])
            D *= G[p:q]
            if pre:
                m = (seed_rows >= p) & (seed_rows < q)
                if m.any():
                    np.add.at(D, seed_rows[m] - p, seed_vals[m])
            D *= s[p:q, None]
            if g > 1 or self._need_input_grads:
                eng.lin_bwd_add(g, w, D, G)
        return G, Yh

    _need_input_grads = False

    def _add_bias(self, w: np.ndarray, Z: np.ndarray, p: int, q: int) -> None:
        """``Z[p:q] += bias_scale * b`` for the rows ``p:q`` (the biases, or a direction's
        bias part, are ``w[n_weights:]``); nothing without biases."""
        if self.n_biases:
            n_in, nw = self.n_inputs, self.n_weights
            Z[p:q] += self.bias_scale * w[nw + p - n_in : nw + q - n_in, None]

    def _bias_part(self, Y: np.ndarray) -> np.ndarray:
        """``df/db`` summed over the batch from scaled signals ``Y = s delta``:
        ``bias_scale * delta`` per non-input neuron (one row per neuron)."""
        n_in = self.n_inputs
        return self.bias_scale * (Y[n_in:] / self.scale[n_in:, None])

    def _outer(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``sum_pairs sum_batch A_u Y_v^T`` per weight block, and the biases' part from
        the first pair's ``Y`` (the others, ``(R a, y)`` in a Hessian product, do not
        reach a bias: its input is the constant 1)."""
        out = np.empty(self.n_params, dtype=self.dtype)
        self._engine.outer_all(pairs, out[: self.n_weights])
        if self.n_biases:
            out[self.n_weights :] = self._bias_part(pairs[0][1]).sum(axis=1)
        return out

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.graph.number_of_nodes()} nodes, "
            f"{self.n_neurons} neurons, "
            f"{self.n_params} params, engine={self.engine!r}, "
            f"parameterization={self.parameterization!r}"
            + (f", bias={self.bias}" if self.bias else "")
            + (f", dtype={self.dtype.name!r})" if self.dtype != np.float64 else ")")
        )
