"""A network compiled from a networkx DAG: parameters, forward, VJP, JVP, Jacobian.

Model (Zhu, Liu & Belkin 2022): every non-input neuron ``v`` computes
``z_v = s_v * sum_{u in in(v)} w_uv a_u`` and ``a_v = sigma_v(z_v)``; inputs carry the
data (``a = x``). With ``parameterization="ntk"`` (the paper's), ``s_v = fan_in(v)^{-1/2}``
and every weight is drawn N(0, 1); with ``"standard"``, ``s_v = 1`` and the weights into
``v`` are drawn N(0, 1/fan_in(v)). For one seed both compute the same function at
initialisation; they differ in the scale of the parameters, so gradients are
``sqrt(fan_in)`` and Hessian entries ``fan_in`` times larger in standard
parameterisation (which is why its Hessian norm does not decay with width). Fan-ins are
counted in neurons. There are no biases.

Examples
--------
>>> import numpy as np
>>> from specproof.dag_nets import compile, mlp
>>> net = compile(mlp(32, depth=2, d_in=3), activation="erf", seed=0)
>>> net.n_params, net.forward(np.ones((2, 3))).shape
(1152, (2, 1))
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ResourceLimitError,
    as_array,
    as_choice,
    as_generator,
    as_matrix,
    as_vector,
    did_you_mean,
    first_nonfinite,
)
from specproof.dag_nets.activations import Activation, get_activation
from specproof.dag_nets.engines import Block, BlockEngine, SparseEngine
from specproof.dag_nets.errors import (
    ActivationError,
    InputShapeError,
    NotSmoothError,
    WeightsError,
)
from specproof.dag_nets.structure import analyse

PARAMETERIZATIONS = ("ntk", "standard")
ENGINES = ("auto", "sparse", "blocks")
DEFAULT_MAX_MEMORY = 1 << 30


class DagNet:
    """A compiled DAG network (build it with :func:`compile`).

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
    ) -> None:
        st = analyse(graph, inputs, outputs)
        self.graph = graph
        self.parameterization = as_choice(parameterization, PARAMETERIZATIONS, "parameterization")
        engine = as_choice(engine, ENGINES, "engine")
        default = get_activation(activation, "activation")
        self.inputs, self.outputs = st.inputs, st.outputs
        self.sizes, self.fan_in = st.sizes, st.fan_in
        self.activations: dict[Hashable, Activation] = {}
        outs = set(st.outputs)
        for v in graph.nodes:
            attr = graph.nodes[v].get("activation")
            if v in set(st.inputs):
                act = get_activation("identity") if attr is None else get_activation(
                    attr, f"activation of input node {v!r}"
                )
                if not act.identity:
                    raise ActivationError(
                        f"input node {v!r} has activation {act.name!r}; inputs carry the data "
                        "unchanged (put the activation on a node after it)"
                    )
            elif attr is not None:
                act = get_activation(attr, f"activation of node {v!r}")
            else:
                act = get_activation("identity") if v in outs else default
            self.activations[v] = act
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
        fan = np.ones(row)
        for v in graph.nodes:
            if v not in set(st.inputs):
                fan[self.start[v] : self.start[v] + st.sizes[v]] = st.fan_in[v]
        self.scale = fan**-0.5 if self.parameterization == "ntk" else np.ones(row)
        self._init_std = np.ones(row) if self.parameterization == "ntk" else fan**-0.5
        # Blocks in flat order: by target row, then source row.
        self.blocks: list[Block] = []
        gen_blocks: list[list[Block]] = [[]]
        off = 0
        for gen in ordered[1:]:
            gb = []
            for v in sorted(gen, key=self.start.__getitem__):
                for u in sorted(graph.predecessors(v), key=self.start.__getitem__):
                    su, sv = self.start[u], self.start[v]
                    b = Block(u, v, (su, su + st.sizes[u]), (sv, sv + st.sizes[v]), off)
                    off += b.size
                    gb.append(b)
            gen_blocks.append(gb)
            self.blocks.extend(gb)
        self.n_params = off
        self._block_index = {(b.u, b.v): i for i, b in enumerate(self.blocks)}
        neuron_level = all(m == 1 for m in st.sizes.values())
        if engine == "auto":
            engine = "sparse" if neuron_level else "blocks"
        if engine == "sparse" and not neuron_level:
            big = [v for v, m in st.sizes.items() if m != 1][:5]
            raise ArgumentError(
                f"engine='sparse' needs a neuron-level graph (every size 1); nodes {big} are "
                "blocks (use to_neurons(graph) or engine='blocks')"
            )
        if engine == "sparse":
            gen_edges = [(np.zeros(0, int), np.zeros(0, int), 0)]
            for gb in gen_blocks[1:]:
                tgt = np.array([b.dst[0] for b in gb], dtype=np.intp)
                src = np.array([b.src[0] for b in gb], dtype=np.intp)
                gen_edges.append((tgt, src, gb[0].off if gb else 0))
            self._engine: BlockEngine | SparseEngine = SparseEngine(self.gen_rows, gen_edges)
        else:
            self._engine = BlockEngine(self.gen_rows, gen_blocks)
        self.engine = self._engine.kind
        self._w = self.init_params(seed)

    # ----------------------------------------------------------------- parameters
    def init_params(self, seed: Any = None) -> np.ndarray:
        """A fresh flat parameter vector drawn as the parameterisation prescribes.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1), seed=0)
        >>> bool(np.allclose(net.init_params(0), net.params))
        True
        """
        rng = as_generator(seed)
        w = rng.standard_normal(self.n_params)
        if self.parameterization == "standard":
            for b in self.blocks:
                w[b.off : b.off + b.size] *= self._init_std[b.dst[0]]
        return w

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector (a read-only view; set it with :meth:`set_params`)."""
        v = self._w.view()
        v.flags.writeable = False
        return v

    @params.setter
    def params(self, value: Any) -> None:
        self.set_params(value)

    def block_name(self, u: Hashable, v: Hashable) -> str:
        """The name ``"W[u->v]"`` of the weight block on edge ``(u, v)``."""
        return f"W[{u}->{v}]"

    @property
    def block_shapes(self) -> dict[str, tuple[int, int]]:
        """Block names ``"W[u->v]"`` in flat order, with shapes ``(size(u), size(v))``.

        Entry ``[i, j]`` of ``W[u->v]`` multiplies neuron ``i`` of ``u`` into neuron ``j``
        of ``v``; the flat vector is the concatenation of the blocks, each row-major.
        """
        return {self.block_name(b.u, b.v): b.shape for b in self.blocks}

    def params_dict(self, params: Any = None) -> dict[str, np.ndarray]:
        """The parameters as named blocks ``{"W[u->v]": array of shape (m_u, m_v)}``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> {k: v.shape for k, v in compile(mlp(3, depth=1, d_in=2)).params_dict().items()}
        {'W[x->h1]': (2, 3), 'W[h1->y]': (3, 1)}
        """
        w = self._params(params)
        return {
            self.block_name(b.u, b.v): w[b.off : b.off + b.size].reshape(b.shape).copy()
            for b in self.blocks
        }

    def _resolve_block(self, key: Any) -> Block:
        if isinstance(key, tuple) and len(key) == 2 and key in self._block_index:
            return self.blocks[self._block_index[key]]
        if not hasattr(self, "_name_index"):
            names: dict[str, int] = {}
            for i, b in enumerate(self.blocks):
                names.setdefault(self.block_name(b.u, b.v), i)
            self._name_index = names
        if isinstance(key, str) and key in self._name_index:
            return self.blocks[self._name_index[key]]
        hint = did_you_mean(str(key), list(self._name_index)) if isinstance(key, str) else ""
        raise WeightsError(f"weights has a block {key!r} that is not an edge of the graph{hint}")

    def set_params(self, values: Any) -> DagNet:
        """Set the parameters from a flat vector or from a dict of blocks; returns ``self``.

        A dict maps ``"W[u->v]"`` (or the edge tuple ``(u, v)``) to an array of shape
        ``(size(u), size(v))`` (a scalar is accepted for a 1 x 1 block) and must give every
        block exactly once.

        Raises
        ------
        WeightsError
            Naming a missing, unknown or wrongly shaped block, or a non-finite entry.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(3, depth=1, d_in=2), seed=0)
        >>> net.set_params({"W[x->h1]": np.ones((2, 3)), "W[h1->y]": np.ones(3)})
        Traceback (most recent call last):
        ...
        specproof.dag_nets.errors.WeightsError: block W[h1->y] must have shape (3, 1), got (3,)
        """
        if isinstance(values, Mapping):
            w = np.empty(self.n_params)
            seen: dict[int, Any] = {}
            for key, arr in values.items():
                b = self._resolve_block(key)
                i = self._block_index[(b.u, b.v)]
                name = self.block_name(b.u, b.v)
                if i in seen:
                    raise WeightsError(f"weights gives block {name} twice ({seen[i]!r}, {key!r})")
                seen[i] = key
                try:
                    a = np.asarray(arr, dtype=np.float64)
                except (TypeError, ValueError) as exc:
                    raise WeightsError(f"block {name} is not a numeric array: {exc}") from exc
                if a.shape != b.shape and not (a.shape == () and b.shape == (1, 1)):
                    raise WeightsError(f"block {name} must have shape {b.shape}, got {a.shape}")
                bad = ~np.isfinite(a)
                if bad.any():
                    idx = tuple(int(t) for t in np.argwhere(bad)[0]) if a.ndim else ()
                    raise WeightsError(f"block {name} has a non-finite entry at index {idx}")
                w[b.off : b.off + b.size] = a.reshape(-1)
            missing = [self.block_name(b.u, b.v) for i, b in enumerate(self.blocks)
                       if i not in seen]
            if missing:
                more = f" ({len(missing)} in all)" if len(missing) > 8 else ""
                raise WeightsError(f"weights is missing blocks {missing[:8]}{more}")
            self._w = w
        else:
            try:
                self._w = as_vector(values, self.n_params, "params").copy()
            except (ArgumentError, ArgumentTypeError) as exc:
                raise WeightsError(str(exc)) from exc
        return self

    def _params(self, params: Any) -> np.ndarray:
        if params is None:
            return self._w
        if isinstance(params, np.ndarray) and params.shape == (self.n_params,) and \
                params.dtype == np.float64:
            first_nonfinite(params, "params")
            return params
        return as_vector(params, self.n_params, "params")

    # ----------------------------------------------------------------- inputs
    def _batch(self, X: Any, name: str = "X") -> np.ndarray:
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
        return X

    def _target(self, output: Any, preactivation: bool) -> tuple[int, bool]:
        if output is None:
            if self.n_outputs != 1:
                raise ArgumentError(
                    f"the network has {self.n_outputs} output neurons; pass output=i to "
                    "choose one (0-based, in the order of net.outputs)"
                )
            return int(self.out_rows[0]), bool(preactivation)
        if isinstance(output, tuple) and len(output) == 2 and output[0] in self.start:
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
        raise ArgumentTypeError(
            f"output must be None, an output index or a (node, neuron) pair, got {output!r}"
        )

    def require_smooth(self) -> None:
        """Raise :class:`NotSmoothError` naming nodes whose activation is not twice
        differentiable (the paper's assumption; ReLU is the common case)."""
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
        A = np.empty((self.n_neurons, B))
        Z = np.empty((self.n_neurons, B))
        A[: self.n_inputs] = X.T
        Z[: self.n_inputs] = X.T
        eng, s = self._engine, self.scale
        for g in range(1, len(self.gen_rows)):
            p, q = self.gen_rows[g]
            z = eng.lin_fwd(g, w, A)
            z *= s[p:q, None]
            Z[p:q] = z
            for act, lo, hi in self.runs[g]:
                A[lo:hi] = Z[lo:hi] if act.identity else act.f(Z[lo:hi])
        return A, Z

    def _d(self, Z: np.ndarray, g: int, order: int) -> np.ndarray:
        p, q = self.gen_rows[g]
        out = np.empty((q - p, Z.shape[1]))
        for act, lo, hi in self.runs[g]:
            out[lo - p : hi - p] = (act.d1 if order == 1 else act.d2)(Z[lo:hi])
        return out

    def _backward(
        self,
        w: np.ndarray,
        Z: np.ndarray,
        seed_rows: np.ndarray,
        seed_vals: np.ndarray,
        pre: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Reverse pass from cotangents ``seed_vals`` on rows ``seed_rows`` (of ``a``, or of
        ``z`` when ``pre``). Returns ``G`` (cotangent of ``a``) and ``Yh = s * delta``."""
        B = Z.shape[1]
        G = np.zeros((self.n_neurons, B))
        Yh = np.zeros((self.n_neurons, B))
        if not pre:
            np.add.at(G, seed_rows, seed_vals)
        eng, s = self._engine, self.scale
        for g in range(len(self.gen_rows) - 1, 0, -1):
            p, q = self.gen_rows[g]
            D = self._d(Z, g, 1)
            D *= G[p:q]
            if pre:
                m = (seed_rows >= p) & (seed_rows < q)
                if m.any():
                    np.add.at(D, seed_rows[m] - p, seed_vals[m])
            D *= s[p:q, None]
            Yh[p:q] = D
            if g > 1 or self._need_input_grads:
                eng.lin_bwd_add(g, w, D, G)
        return G, Yh

    _need_input_grads = False

    def _outer(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        out = np.empty(self.n_params)
        for g in range(1, len(self.gen_rows)):
            self._engine.outer_sum(g, pairs, out)
        return out

    # ----------------------------------------------------------------- public maps
    def forward(self, X: Any, params: Any = None) -> np.ndarray:
        """The outputs ``f(X)``, shape ``(n, n_outputs)``, for a batch ``X`` of shape
        ``(n, n_inputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(8, depth=2, d_in=2), seed=0)
        >>> net.forward([[0.0, 0.0]])  # erf(0) = 0 and no biases
        array([[0.]])
        """
        A, _ = self._forward(self._params(params), self._batch(X))
        return A[self.out_rows].T.copy()

    __call__ = forward

    def activations_of(
        self, X: Any, params: Any = None, preactivation: bool = False
    ) -> dict[Hashable, np.ndarray]:
        """Every node's activations (or pre-activations), each ``(n, size(v))``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> compile(mlp(5, depth=1, d_in=2), seed=0).activations_of(np.ones((3, 2)))["h1"].shape
        (3, 5)
        """
        A, Z = self._forward(self._params(params), self._batch(X))
        M = Z if preactivation else A
        return {v: M[self.start[v] : self.start[v] + self.sizes[v]].T.copy() for v in self.start}

    def vjp(self, X: Any, cotangent: Any, params: Any = None) -> np.ndarray:
        """``sum_i cotangent[i] . df(x_i)/dw``: a flat vector of length ``n_params``.

        ``cotangent`` has the shape of the outputs, ``(n, n_outputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> net.vjp(np.ones((3, 2)), np.ones((3, 1))).shape
        (12,)
        """
        w = self._params(params)
        X = self._batch(X)
        C = as_array(cotangent, "cotangent", ndim=2)
        if C.shape != (X.shape[0], self.n_outputs):
            raise ArgumentError(
                f"cotangent must have shape {(X.shape[0], self.n_outputs)}, got {C.shape}"
            )
        A, Z = self._forward(w, X)
        _, Yh = self._backward(w, Z, self.out_rows, C.T)
        return self._outer([(A, Yh)])

    def grad(self, X: Any, output: Any = None, params: Any = None,
             preactivation: bool = False) -> np.ndarray:
        """Gradient of ``sum_i f_t(x_i)`` for one output (or neuron) ``t``, flat.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> x = np.ones((1, 2)); e = 1e-6 * np.eye(net.n_params)[0]
        >>> fd = (net.forward(x, net.params + e) - net.forward(x, net.params - e)) / 2e-6
        >>> bool(abs(fd[0, 0] - net.grad(x)[0]) < 1e-8)
        True
        """
        w = self._params(params)
        X = self._batch(X)
        row, pre = self._target(output, preactivation)
        A, Z = self._forward(w, X)
        _, Yh = self._backward(w, Z, np.array([row]), np.ones((1, X.shape[0])), pre)
        return self._outer([(A, Yh)])

    def loss_and_grad(self, X: Any, Y: Any, params: Any = None) -> tuple[float, np.ndarray]:
        """Square loss ``L = 1/2 sum_i ||f(x_i) - y_i||^2`` (a sum, not a mean) and its
        gradient, flat.

        With this normalisation gradient descent on the outputs follows
        ``f <- f - lr K (f - y)``, so ``lr < 2 / lambda_max(K)`` is stable.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.ones((3, 2)); L, g = net.loss_and_grad(X, net.forward(X))
        >>> L, float(np.abs(g).max())
        (0.0, 0.0)
        """
        w = self._params(params)
        X = self._batch(X)
        Y = as_array(Y, "Y")
        if Y.ndim == 1 and self.n_outputs == 1:
            Y = Y[:, None]
        if Y.shape != (X.shape[0], self.n_outputs):
            raise ArgumentError(f"Y must have shape {(X.shape[0], self.n_outputs)}, "
                                f"got {Y.shape}")
        A, Z = self._forward(w, X)
        R = A[self.out_rows] - Y.T
        _, Yh = self._backward(w, Z, self.out_rows, R)
        return 0.5 * float(np.sum(R * R)), self._outer([(A, Yh)])

    def _rforward(self, w, V, A, Z) -> tuple[np.ndarray, np.ndarray]:
        eng, s = self._engine, self.scale
        RA = np.zeros_like(A)
        RZ = np.zeros_like(Z)
        for g in range(1, len(self.gen_rows)):
            p, q = self.gen_rows[g]
            rz = eng.lin_fwd(g, V, A)
            if g > 1:
                rz += eng.lin_fwd(g, w, RA)
            rz *= s[p:q, None]
            RZ[p:q] = rz
            RA[p:q] = self._d(Z, g, 1) * rz
        return RA, RZ

    def jvp(self, X: Any, tangent: Any, params: Any = None) -> np.ndarray:
        """Directional derivative ``df(x_i)/dw . tangent`` for each row, ``(n, n_outputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.ones((1, 2)); t = np.arange(net.n_params) / 10
        >>> bool(np.isclose(net.jvp(X, t)[0, 0], net.grad(X) @ t))
        True
        """
        w = self._params(params)
        X = self._batch(X)
        V = as_vector(tangent, self.n_params, "tangent")
        A, Z = self._forward(w, X)
        RA, _ = self._rforward(w, V, A, Z)
        return RA[self.out_rows].T.copy()

    def jacobian(
        self,
        X: Any,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        max_memory: int = DEFAULT_MAX_MEMORY,
    ) -> np.ndarray:
        """Per-example gradients ``J[i] = df_t(x_i)/dw``, shape ``(n, n_params)``.

        Computed in chunks of examples; refuses (before any work) a Jacobian larger than
        ``max_memory`` bytes, since :meth:`ntk` never needs it.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.random.default_rng(0).standard_normal((3, 2))
        >>> J = net.jacobian(X)
        >>> bool(np.allclose(J @ J.T, net.ntk(X)))
        True
        """
        w = self._params(params)
        X = self._batch(X)
        need = 8 * X.shape[0] * self.n_params
        if need > max_memory:
            raise ResourceLimitError(
                f"the Jacobian would take {need / 2**20:.0f} MiB (> max_memory="
                f"{max_memory / 2**20:.0f} MiB); use ntk(), vjp() or jvp() instead, or raise "
                "max_memory"
            )
        row, pre = self._target(output, preactivation)
        out = np.empty((X.shape[0], self.n_params))
        chunk = max(1, min(X.shape[0], (1 << 24) // max(self.n_params, 1)))
        for lo in range(0, X.shape[0], chunk):
            Xc = X[lo : lo + chunk]
            A, Z = self._forward(w, Xc)
            _, Yh = self._backward(w, Z, np.array([row]), np.ones((1, Xc.shape[0])), pre)
            for g in range(1, len(self.gen_rows)):
                self._engine.per_example(g, A, Yh, out[lo : lo + chunk])
        return out

    # Implemented in ntk.py and hessian.py (kept there to keep modules small).
    from specproof.dag_nets.hessian import hessian_norm, hessian_operator, hvp  # noqa: E402
    from specproof.dag_nets.ntk import ntk  # noqa: E402

    def __repr__(self) -> str:
        return (
            f"DagNet({self.graph.number_of_nodes()} nodes, {self.n_neurons} neurons, "
            f"{self.n_params} params, engine={self.engine!r}, "
            f"parameterization={self.parameterization!r})"
        )


def compile(  # noqa: A001 - the natural name; dag_nets users call sp.dag_nets.compile
    graph: nx.DiGraph,
    activation: Any = "erf",
    parameterization: str = "ntk",
    seed: Any = None,
    inputs: Sequence[Hashable] | None = None,
    outputs: Sequence[Hashable] | None = None,
    engine: str = "auto",
) -> DagNet:
    """Compile a networkx DAG into a :class:`DagNet` with freshly drawn weights.

    Parameters
    ----------
    graph : networkx.DiGraph
        Nodes are neurons, or blocks of ``size`` neurons; an optional node attribute
        ``activation`` overrides ``activation`` (inputs and outputs default to identity).
    activation : str or Activation
        Activation of hidden nodes without their own (default ``"erf"``).
    parameterization : {"ntk", "standard"}
        ``"ntk"``: ``z_v = fan_in^{-1/2} sum w a``, weights N(0, 1) (the paper's).
        ``"standard"``: ``z_v = sum w a``, weights N(0, 1/fan_in).
    seed : int or numpy.random.Generator, optional
        Seeds the initial weights.
    inputs, outputs : sequence of nodes, optional
        Explicit roles (default: in-degree 0 and out-degree 0 nodes, in graph order).
    engine : {"auto", "sparse", "blocks"}
        ``"auto"``: sparse products for neuron-level graphs (all sizes 1), dense blocks
        otherwise.

    Examples
    --------
    >>> from specproof.dag_nets import compile, random_dag
    >>> net = compile(random_dag(50, min_in_degree=3, n_inputs=4, seed=1), seed=0)
    >>> net.engine, net.n_inputs
    ('sparse', 4)
    """
    return DagNet(graph, activation, parameterization, seed, inputs, outputs, engine)
