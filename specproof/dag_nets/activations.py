"""Activations with their first and second derivatives.

The paper's theory needs ``sigma`` twice differentiable with Lipschitz ``sigma'`` and
``sigma''`` (erf, tanh, softplus, GELU, sigmoid, identity). ReLU is accepted for forward
passes, gradients and NTKs (``relu'(0) = 0``) but it is marked ``smooth=False``:
Hessian computations refuse it unless asked to use its almost-everywhere Hessian.

Examples
--------
>>> act = get_activation("erf")
>>> float(act.d1(np.array(0.0)))  # 2 / sqrt(pi)
1.1283791670955126
>>> get_activation("tanhh")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specproof.dag_nets.errors.ActivationError: ... got 'tanhh' (did you mean 'tanh'?)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from specproof._core import ArgumentError, did_you_mean
from specproof.dag_nets.errors import ActivationError

Fn = Callable[[np.ndarray], np.ndarray]

_SQRT_2_OVER_PI = 2.0 / np.sqrt(np.pi)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``f`` with derivatives ``d1`` and ``d2``.

    ``smooth`` says whether ``f`` is twice differentiable with Lipschitz ``f'`` and
    ``f''`` (the paper's assumption); ``identity`` marks the linear activation.
    """

    name: str
    f: Fn
    d1: Fn
    d2: Fn
    smooth: bool = True
    identity: bool = False
    d1_of_output: Fn | None = None
    """``f'`` as a function of ``f(z)`` where that is cheaper (tanh: ``1 - a^2``)."""
    slope: float | None = None
    """The negative slope of a leaky ReLU (None for every other activation)."""

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def __reduce__(self):
        # built-ins pickle by name (their functions are lambdas), so compiled networks
        # can be sent to worker processes
        if ACTIVATIONS.get(self.name) is self:
            return (get_activation, (self.name,))
        return super().__reduce__()


#: Beyond this |z| every Gaussian factor ``exp(-z^2 / 2)`` (and ``exp(-z^2)``) is 0 in
#: float64 (``exp(-800)`` underflows) and so is each derivative that carries one.
_GAUSS_ZERO = 40.0


def _gauss_factor(z: np.ndarray, fn: Fn) -> np.ndarray:
    """``fn(z)`` for a term that carries a Gaussian factor, as its exact limit 0 where
    ``|z| > _GAUSS_ZERO``.

    ``fn`` runs on ``z`` clipped to that range: at |z| near 1e154 ``z * z`` overflows and
    ``exp(-inf) * (2 - inf)`` was ``0 * -inf = NaN`` (GELU's second derivative, erf's at
    1e308). NaN inputs stay NaN.
    """
    z = np.asarray(z)
    out = np.asarray(fn(np.clip(z, -_GAUSS_ZERO, _GAUSS_ZERO)))
    return np.where(np.abs(z) > _GAUSS_ZERO, np.zeros((), out.dtype), out)


def _erf_d1(z: np.ndarray) -> np.ndarray:
    return _gauss_factor(z, lambda t: _SQRT_2_OVER_PI * np.exp(-t * t))


def _erf_d2(z: np.ndarray) -> np.ndarray:
    return _gauss_factor(z, lambda t: -2.0 * t * (_SQRT_2_OVER_PI * np.exp(-t * t)))


def _tanh_d1(z: np.ndarray) -> np.ndarray:
    t = np.tanh(z)
    return 1.0 - t * t


def _tanh_d2(z: np.ndarray) -> np.ndarray:
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def _sig_d1(z: np.ndarray) -> np.ndarray:
    s = special.expit(z)
    return s * (1.0 - s)


def _sig_d2(z: np.ndarray) -> np.ndarray:
    s = special.expit(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


def _gelu(z: np.ndarray) -> np.ndarray:
    return z * special.ndtr(z)


def _gelu_d1(z: np.ndarray) -> np.ndarray:
    # Phi(z) is exactly 0 or 1 out there; only the Gaussian term is cut
    return special.ndtr(z) + _gauss_factor(
        z, lambda t: t * _INV_SQRT_2PI * np.exp(-0.5 * t * t))


def _gelu_d2(z: np.ndarray) -> np.ndarray:
    return _gauss_factor(z, lambda t: _INV_SQRT_2PI * np.exp(-0.5 * t * t) * (2.0 - t * t))


def _leaky(z: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0, z, slope * z)


def _leaky_d1(z: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0, 1.0, slope)


def leaky_relu(slope: float = 0.2) -> Activation:
    """The leaky ReLU ``max(z, slope z)`` (``0 <= slope < 1``); not twice differentiable.

    ``"leaky_relu"`` by name is ``leaky_relu(0.2)``, the slope GAN discriminators use.

    Examples
    --------
    >>> act = leaky_relu(0.1)
    >>> act.f(np.array([-2.0, 3.0])), act.smooth
    (array([-0.2,  3. ]), False)
    """
    from functools import partial

    from specproof._core import as_float

    slope = as_float(slope, "slope", minimum=0.0)
    if slope >= 1.0:
        # slope 1 is the identity (smooth, unlike a leaky ReLU) and a slope above 1 is
        # not a leaky ReLU at all
        raise ArgumentError(f"slope must be in [0, 1), got {slope} (slope 1 is the "
                            "activation 'identity')")
    return Activation(
        "leaky_relu" if slope == 0.2 else f"leaky_relu({slope:g})",
        partial(_leaky, slope=slope),
        partial(_leaky_d1, slope=slope),
        np.zeros_like,
        smooth=False,
        slope=slope,
    )


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation(
        "identity", lambda z: z, np.ones_like, np.zeros_like, smooth=True, identity=True
    ),
    "erf": Activation("erf", special.erf, _erf_d1, _erf_d2),
    "tanh": Activation("tanh", np.tanh, _tanh_d1, _tanh_d2, d1_of_output=lambda a: 1.0 - a * a),
    "softplus": Activation("softplus", lambda z: np.logaddexp(0.0, z), special.expit, _sig_d1),
    "sigmoid": Activation(
        "sigmoid", special.expit, _sig_d1, _sig_d2, d1_of_output=lambda a: a * (1.0 - a)
    ),
    "gelu": Activation("gelu", _gelu, _gelu_d1, _gelu_d2),
    "relu": Activation(
        "relu",
        lambda z: np.maximum(z, 0.0),
        lambda z: (z > 0).astype(z.dtype),
        np.zeros_like,
        smooth=False,
    ),
    "leaky_relu": leaky_relu(0.2),
}
"""The built-in activations by name."""

ALIASES = {"linear": "identity", "none": "identity"}


def trusted(act: Activation) -> bool:
    """Whether ``act`` is one of the package's own (a built-in or a :func:`leaky_relu`),
    whose values need no checks; a user's :class:`Activation` is checked where it is
    evaluated (:func:`checked_values`).

    Decided by identity, not cached by value: an activation whose function is an
    unhashable callable object (one defining ``__eq__`` only) raised ``TypeError`` from
    a cache keyed on the activation.
    """
    return (any(act is b for b in ACTIVATIONS.values())
            or (isinstance(act.f, functools.partial) and act.f.func is _leaky))


def checked_values(act: Activation, fn: Fn, z: np.ndarray, which: str) -> np.ndarray:
    """``fn(z)`` for the function ``which`` (``"f"``, ``"d1"``, ...) of a user's activation,
    refused when it is not elementwise (another shape: a ``(3,)`` array broadcast into a
    ``(k, 3)`` batch gave zeros silently) or not finite at a finite input (a NaN read as
    "the outputs overflowed", and in a limit as quadrature rules that never agree).

    Examples
    --------
    >>> act = Activation("log1p", np.log1p, lambda z: 1 / (1 + z), lambda z: -1 / (1 + z)**2)
    >>> checked_values(act, act.f, np.array([0.5, -2.0]), "f")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.dag_nets.errors.ActivationError: activation 'log1p': its f returned nan at ...
    """
    with np.errstate(all="ignore"):
        out = fn(z)
    if np.shape(out) != np.shape(z):
        raise ActivationError(
            f"activation {act.name!r}: its {which} returned an array of shape "
            f"{np.shape(out)} for an input of shape {np.shape(z)}; it must act elementwise "
            "(return an array of its input's shape)")
    out = np.asarray(out)
    bad = ~np.isfinite(out)
    if bad.any():
        hit = bad & np.isfinite(z)
        if hit.any():
            i = tuple(int(k) for k in np.argwhere(hit)[0])
            raise ActivationError(
                f"activation {act.name!r}: its {which} returned {out[i]} at the finite input "
                f"z = {float(z[i])!r} (an activation must be finite on every real input the "
                "network or its limit may give it)")
    return out


def get_activation(value: Any, name: str = "activation") -> Activation:
    """The :class:`Activation` for a name (``"erf"``, ...) or an ``Activation`` itself.

    Examples
    --------
    >>> get_activation("linear").identity
    True
    """
    if isinstance(value, Activation):
        return value
    if not isinstance(value, str):
        raise ActivationError(
            f"{name} must be an activation name {sorted(ACTIVATIONS)} or an Activation, "
            f"got {value!r}"
        )
    key = ALIASES.get(value.lower(), value.lower())
    if key not in ACTIVATIONS:
        raise ActivationError(
            f"{name} must be one of {sorted(ACTIVATIONS)}, got {value!r}"
            f"{did_you_mean(key, list(ACTIVATIONS))}"
        )
    return ACTIVATIONS[key]


def node_activations(
    graph: Any, inputs: Any, outputs: Any, default: Any = "erf"
) -> dict[Any, Activation]:
    """Every node's activation, as :func:`specproof.dag_nets.compile` assigns them.

    A node attribute ``activation`` wins; otherwise inputs and outputs get the identity
    and hidden nodes ``default``. An input with a non-identity activation is refused.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("x", "h"), ("h", "y")])
    >>> {v: a.name for v, a in node_activations(g, ["x"], ["y"], "tanh").items()}
    {'x': 'identity', 'h': 'tanh', 'y': 'identity'}
    """
    base = get_activation(default, "activation")
    ins, outs = set(inputs), set(outputs)
    acts: dict[Any, Activation] = {}
    for v in graph.nodes:
        attr = graph.nodes[v].get("activation")
        if v in ins:
            act = ACTIVATIONS["identity"] if attr is None else get_activation(
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
            act = ACTIVATIONS["identity"] if v in outs else base
        acts[v] = act
    return acts
