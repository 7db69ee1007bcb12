"""Fully connected discriminators D(x) = w_L a(... a(w_1 x)) with hand-written backprop.

Used for the gradient-norm bounds of spectrally normalised GANs (Lin, Sekar, Fanti 2021):
for bias-free networks with a positively homogeneous activation,
||dD/dw_t||_F <= ||x|| * prod_{i != t} ||w_i||_2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "leaky_relu", "softplus", "tanh")


def _act(name: str, z: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """Activation value and derivative at ``z`` (derivative 0 for ReLU at exactly 0)."""
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z), np.where(z > 0, 1.0, slope)
    if name == "softplus":
        return np.logaddexp(0.0, z), 0.5 * (1.0 + np.tanh(z / 2))
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {name!r}")


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
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None = None
    activation: str = "relu"
    slope: float = 0.2

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {list(ACTIVATIONS)}, got {self.activation!r}"
            )
        ws = tuple(np.asarray(w, dtype=float) for w in self.weights)
        if not ws:
            raise ValueError("weights must hold at least one layer")
        for t, w in enumerate(ws):
            if w.ndim != 2:
                raise ValueError(f"weights[{t}] must be 2-D, got shape {w.shape}")
            if t and w.shape[1] != ws[t - 1].shape[0]:
                raise ValueError(
                    f"weights[{t}] has shape {w.shape} but weights[{t - 1}] has shape "
                    f"{ws[t - 1].shape}: inner sizes must agree"
                )
            if not np.all(np.isfinite(w)):
                raise ValueError(f"weights[{t}] has a non-finite entry")
        if ws[-1].shape[0] != 1:
            raise ValueError(f"the last layer must have one output, got shape {ws[-1].shape}")
        object.__setattr__(self, "weights", ws)
        if self.biases is not None:
            bs = tuple(np.asarray(b, dtype=float) for b in self.biases)
            if len(bs) != len(ws):
                raise ValueError(f"biases must have {len(ws)} entries, got {len(bs)}")
            for t, (b, w) in enumerate(zip(bs, ws)):
                if b.shape != (w.shape[0],):
                    raise ValueError(
                        f"biases[{t}] must have shape {(w.shape[0],)}, got {b.shape}"
                    )
            object.__setattr__(self, "biases", bs)

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
            raise ValueError(f"sizes must be >= 2 positive ints, got {sizes}")
        rng = np.random.default_rng(seed)
        ws = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in zip(sizes[:-1], sizes[1:])]
        bs = [bias_scale * rng.standard_normal(o) for o in sizes[1:]] if bias_scale else None
        return cls(tuple(ws), None if bs is None else tuple(bs), activation, slope)

    def _forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        acts, derivs = [x], []
        h = x
        last = len(self.weights) - 1
        for t, w in enumerate(self.weights):
            z = w @ h + (self.biases[t] if self.biases is not None else 0.0)
            if t == last:
                h = z
                derivs.append(np.ones_like(z))
            else:
                h, dz = _act(self.activation, z, self.slope)
                derivs.append(dz)
            acts.append(h)
        return acts, derivs

    def __call__(self, x: np.ndarray) -> float:
        """The scalar output D(x)."""
        x = self._check_input(x)
        return float(self._forward(x)[0][-1][0])

    def _check_input(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        d = self.weights[0].shape[1]
        if x.shape != (d,):
            raise ValueError(f"x must have shape ({d},), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"x has a non-finite entry at index {int(np.argmin(np.isfinite(x)))}")
        return x

    def gradients(self, x) -> list[np.ndarray]:
        """dD/dw_t for every layer t, by backpropagation: delta_t a_{t-1}^T."""
        x = self._check_input(x)
        acts, derivs = self._forward(x)
        grads: list[np.ndarray] = [np.empty(0)] * len(self.weights)
        delta = derivs[-1]  # dD/dz_L = 1
        for t in range(len(self.weights) - 1, -1, -1):
            grads[t] = np.outer(delta, acts[t])
            if t:
                delta = (self.weights[t].T @ delta) * derivs[t - 1]
        return grads

    def finite_difference_gradients(self, x, step: float = 1e-6) -> list[np.ndarray]:
        """Central differences of D in every weight (for checking :meth:`gradients`)."""
        x = self._check_input(x)
        out = []
        for t, w in enumerate(self.weights):
            g = np.zeros_like(w)
            for idx in np.ndindex(w.shape):
                vals = []
                for sign in (1.0, -1.0):
                    ws = list(self.weights)
                    wt = w.copy()
                    wt[idx] += sign * step
                    ws[t] = wt
                    vals.append(MLPDiscriminator(tuple(ws), self.biases, self.activation,
                                                 self.slope)(x))
                g[idx] = (vals[0] - vals[1]) / (2 * step)
            out.append(g)
        return out

    def preactivation_margin(self, x) -> float:
        """The smallest |pre-activation| over the hidden layers at ``x``.

        A ReLU network is linear in each weight until a pre-activation changes sign, so
        finite differences whose perturbation moves no pre-activation by more than this
        margin are exact up to rounding.
        """
        x = self._check_input(x)
        h, margin = x, np.inf
        for t, w in enumerate(self.weights[:-1]):
            z = w @ h + (self.biases[t] if self.biases is not None else 0.0)
            margin = min(margin, float(np.min(np.abs(z))))
            h = _act(self.activation, z, self.slope)[0]
        return margin

    def gradient_bounds(self, x) -> np.ndarray:
        """The bound ||x|| * prod_{i != t} ||w_i||_2 for every layer t."""
        x = self._check_input(x)
        norms = np.array([np.linalg.norm(w, 2) for w in self.weights])
        return np.array(
            [np.linalg.norm(x) * np.prod(np.delete(norms, t)) for t in range(len(norms))]
        )
