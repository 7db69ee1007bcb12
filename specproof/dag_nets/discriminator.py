"""Fully connected discriminators ``D(x) = w_L a(... a(w_1 x))`` as compiled DAG networks.

Used for the gradient-norm bounds of spectrally normalised GANs (Lin, Sekar, Fanti 2021):
for bias-free networks with a positively homogeneous activation,
``||dD/dw_t||_F <= ||x|| * prod_{i != t} ||w_i||_2``. That product is no bound with
biases or with softplus (at ``x = 0`` it is 0, the gradient is not);
:meth:`MLPDiscriminator.gradient_bounds` returns the product where it holds and a
larger bound that holds otherwise.

The network is a :func:`specproof.dag_nets.mlp` graph compiled with the *standard*
parameterisation (``z = W a``, no 1/sqrt(fan-in) factor), so the layer matrices are the
GAN's weights as they are; forward pass and gradients are the compiled network's (there
is no second implementation of backpropagation). Block ``W[h_{t-1}->h_t]`` of the DAG
network is ``w_t`` transposed (``(in, out)`` against the usual ``(out, in)``). Biases, when
given, are the weights of an extra input node ``"bias"`` that always carries 1 and feeds
every layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from specproof._core import ArgumentError
from specproof.dag_nets.activations import Activation, get_activation, leaky_relu
from specproof.dag_nets.network import DagNet, compile

ACTIVATIONS = ("relu", "leaky_relu", "softplus", "tanh")


def _activation(name: str, slope: float) -> Activation:
    if name == "leaky_relu":
        return leaky_relu(slope)
    return get_activation(name)


@dataclass(frozen=True)
class MLPDiscriminator:
    """A scalar-output MLP: weights ``w[t]`` of shape (out_t, in_t), the last with out = 1.

    Parameters
    ----------
    weights : sequence of ndarray
        Layer matrices, applied in order.
    biases : sequence of ndarray or None
        Optional bias per layer (None: bias-free, the setting of the bound).
    activation : str
        One of ``relu``, ``leaky_relu``, ``softplus``, ``tanh``; not applied after the
        last layer.
    slope : float
        Negative slope of ``leaky_relu``.

    Examples
    --------
    >>> net = MLPDiscriminator.random([3, 5, 1], seed=0)
    >>> x = np.ones(3)
    >>> grads = net.gradients(x)
    >>> [g.shape for g in grads]
    [(5, 3), (1, 5)]
    >>> net.network.parameterization, net.network.engine
    ('standard', 'blocks')
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None = None
    activation: str = "relu"
    slope: float = 0.2
    network: DagNet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ArgumentError(
                f"activation must be one of {list(ACTIVATIONS)}, got {self.activation!r}"
            )
        ws = tuple(np.asarray(w, dtype=float) for w in self.weights)
        if not ws:
            raise ArgumentError("weights must hold at least one layer")
        for t, w in enumerate(ws):
            if w.ndim != 2:
                raise ArgumentError(f"weights[{t}] must be 2-D, got shape {w.shape}")
            if t and w.shape[1] != ws[t - 1].shape[0]:
                raise ArgumentError(
                    f"weights[{t}] has shape {w.shape} but weights[{t - 1}] has shape "
                    f"{ws[t - 1].shape}: inner sizes must agree"
                )
            if not np.all(np.isfinite(w)):
                raise ArgumentError(f"weights[{t}] has a non-finite entry")
        if ws[-1].shape[0] != 1:
            raise ArgumentError(f"the last layer must have one output, got shape {ws[-1].shape}")
        object.__setattr__(self, "weights", ws)
        bs = None
        if self.biases is not None:
            bs = tuple(np.asarray(b, dtype=float) for b in self.biases)
            if len(bs) != len(ws):
                raise ArgumentError(f"biases must have {len(ws)} entries, got {len(bs)}")
            for t, (b, w) in enumerate(zip(bs, ws)):
                if b.shape != (w.shape[0],):
                    raise ArgumentError(
                        f"biases[{t}] must have shape {(w.shape[0],)}, got {b.shape}"
                    )
            object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "network", self._compile(ws, bs))

    def _compile(self, ws, bs) -> DagNet:
        names = ["x", *[f"h{t + 1}" for t in range(len(ws) - 1)], "y"]
        g = nx.DiGraph()
        g.add_node("x", size=ws[0].shape[1])
        for name, w in zip(names[1:], ws):
            g.add_node(name, size=w.shape[0])
        nx.add_path(g, names)
        inputs = ["x"]
        if bs is not None:
            g.add_node("bias", size=1)
            g.add_edges_from(("bias", v) for v in names[1:])
            inputs.append("bias")
        net = compile(g, activation=_activation(self.activation, self.slope),
                      parameterization="standard", inputs=inputs, outputs=["y"])
        blocks = {net.block_name(u, v): w.T for u, v, w in zip(names, names[1:], ws)}
        if bs is not None:
            blocks.update({net.block_name("bias", v): b[None, :] for v, b in zip(names[1:], bs)})
        net.set_params(blocks)
        object.__setattr__(self, "_names", names)
        return net

    @classmethod
    def random(
        cls,
        sizes: Sequence[int],
        seed: int | np.random.Generator | None = None,
        activation: str = "relu",
        bias_scale: float = 0.0,
        slope: float = 0.2,
    ) -> MLPDiscriminator:
        """Gaussian weights N(0, 1/fan_in) for layer sizes ``[d_in, h_1, ..., 1]``.

        ``bias_scale > 0`` adds N(0, bias_scale²) biases.
        """
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ArgumentError(f"sizes must be >= 2 positive ints, got {sizes}")
        rng = np.random.default_rng(seed)
        ws = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
        bs = [bias_scale * rng.standard_normal(o) for o in sizes[1:]] if bias_scale else None
        return cls(tuple(ws), None if bs is None else tuple(bs), activation, slope)

    def _check_input(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        d = self.weights[0].shape[1]
        if x.shape != (d,):
            raise ArgumentError(f"x must have shape ({d},), got {x.shape}")
        if not np.all(np.isfinite(x)):
            bad = int(np.argmin(np.isfinite(x)))
            raise ArgumentError(f"x has a non-finite entry at index {bad}")
        return x if self.biases is None else np.concatenate([x, [1.0]])

    def __call__(self, x: Any) -> float:
        """The scalar output D(x)."""
        return float(self.network.forward(self._check_input(x)[None, :])[0, 0])

    def _layer_blocks(self, flat: np.ndarray) -> list[np.ndarray]:
        blocks = self.network.params_dict(flat)
        names = self._names
        return [blocks[self.network.block_name(u, v)].T for u, v in zip(names, names[1:])]

    def gradients(self, x: Any) -> list[np.ndarray]:
        """dD/dw_t for every layer t (shapes of the weights), by the network's backward pass."""
        g = self.network.grad(self._check_input(x)[None, :])
        return self._layer_blocks(g)

    def finite_difference_gradients(self, x: Any, step: float = 1e-6) -> list[np.ndarray]:
        """Central differences of D in every weight (for checking :meth:`gradients`)."""
        xa = self._check_input(x)[None, :]
        net = self.network
        w0 = np.array(net.params)
        offsets, off = {}, 0
        for name, shape in net.block_shapes.items():
            offsets[name] = (off, shape)
            off += shape[0] * shape[1]
        out = []
        for u, v in zip(self._names, self._names[1:]):
            start, (rows, cols) = offsets[net.block_name(u, v)]
            g = np.zeros((cols, rows))  # (out, in) = the weight's shape
            for j in range(rows):
                for i in range(cols):
                    k = start + j * cols + i
                    vals = []
                    for sign in (1.0, -1.0):
                        w = w0.copy()
                        w[k] += sign * step
                        vals.append(float(net.forward(xa, params=w)[0, 0]))
                    g[i, j] = (vals[0] - vals[1]) / (2 * step)
            out.append(g)
        return out

    def preactivation_margin(self, x: Any) -> float:
        """The smallest |pre-activation| over the hidden layers at ``x``.

        A ReLU network is linear in each weight until a pre-activation changes sign, so
        finite differences whose perturbation moves no pre-activation by more than this
        margin are exact up to rounding.
        """
        pre = self.network.activations_of(self._check_input(x)[None, :], preactivation=True)
        hidden = self._names[1:-1]
        if not hidden:
            return float("inf")
        return float(min(np.abs(pre[v]).min() for v in hidden))

    def gradient_bounds(self, x: Any) -> np.ndarray:
        """A bound on ``||dD/dw_t||_F`` at ``x`` for every layer t.

        ``dD/dw_t`` is the outer product of ``dD/dz_t`` (the gradient in layer t's
        pre-activation) and the layer's input ``h_{t-1}``. Every activation here is
        1-Lipschitz (``|a'| <= 1``; ``leaky_relu`` has slope < 1), so
        ``||dD/dz_t|| <= prod_{i > t} ||w_i||_2`` and ``|a(z)| <= |z| + |a(0)|``, whence

        ``||dD/dw_t||_F <= s_{t-1} * prod_{i > t} ||w_i||_2`` with ``s_0 = ||x||`` and
        ``s_t = ||w_t||_2 s_{t-1} + ||b_t|| + |a(0)| sqrt(n_t)`` (``n_t`` neurons).

        For a bias-free network with ``a(0) = 0`` (relu, leaky_relu, tanh) this is Lin,
        Sekar & Fanti's ``||x|| * prod_{i != t} ||w_i||_2``, computed as that product.
        Biases (``||b_t||``) and softplus (``a(0) = log 2``) add the extra terms: without
        them the product is 0 at ``x = 0`` while the gradient is not.

        Examples
        --------
        >>> net = MLPDiscriminator((np.eye(2), np.ones((1, 2))))
        >>> net.gradient_bounds(np.array([3.0, 4.0]))  # ||x|| ||w_2||, ||x|| ||w_1||
        array([7.07106781, 5.        ])
        >>> biased = MLPDiscriminator((np.eye(2), np.ones((1, 2))),
        ...                           biases=(np.ones(2), np.zeros(1)))
        >>> biased.gradient_bounds(np.zeros(2))  # ||b_1|| ||w_2|| at layer 2
        array([0.        , 1.41421356])
        """
        x = np.asarray(x, dtype=float)
        self._check_input(x)
        norms = np.array([np.linalg.norm(w, 2) for w in self.weights])
        at_zero = abs(float(_activation(self.activation, self.slope).f(np.zeros(1))[0]))
        if self.biases is None and at_zero == 0.0:
            # the paper's bound, computed as its product (the claim compares it to 1e-12)
            return np.array(
                [np.linalg.norm(x) * np.prod(np.delete(norms, t)) for t in range(len(norms))]
            )
        # s[t] bounds ||h_t||, the input of layer t + 1 (h_0 = x): the last layer has no
        # activation, so only the hidden layers add |a(0)| sqrt(n_t)
        s = [float(np.linalg.norm(x))]
        for t, w in enumerate(self.weights[:-1]):
            bias = 0.0 if self.biases is None else float(np.linalg.norm(self.biases[t]))
            s.append(norms[t] * s[-1] + bias + at_zero * np.sqrt(w.shape[0]))
        return np.array([s[t] * np.prod(norms[t + 1:]) for t in range(len(norms))])
