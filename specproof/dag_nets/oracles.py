"""Closed forms to test the empirical quantities against.

* The infinite-width NNGP and NTK of a layered MLP in the NTK parameterisation (no
  biases, N(0, 1) weights, linear output), for erf and ReLU (REFERENCES §2), written as
  the layer recursion: an independent check of the node-by-node recursion of
  :mod:`specproof.dag_nets.limit` on chains (the Gaussian expectations are shared,
  :func:`specproof.dag_nets.kernels.dual`):

      Sigma^1 = Theta^1 = x.x'/d
      Sigma^{l+1} = E[sigma(u) sigma(u')]
      Theta^{l+1} = Sigma^{l+1} + Theta^l E[sigma'(u) sigma'(u')]

  with ``(u, u') ~ N(0, Sigma^l)``; after L hidden layers the output's kernels are
  ``Sigma^{L+1}`` (NNGP) and ``Theta^{L+1}`` (NTK).
* The exact Hessian norm of the two-layer network ``f = m^{-1/2} sum_i v_i sigma(z_i)``,
  ``z_i = d^{-1/2} w_i . x``: the Hessian is block diagonal over hidden units, each block
  ``[[a_i, b_i], [b_i, 0]]`` on (``x/||x||`` in ``w_i``, ``v_i``), so
  ``||H|| = max_i (|a_i| + sqrt(a_i^2 + 4 b_i^2)) / 2`` with
  ``a_i = v_i sigma''(z_i) ||x||^2 / (d sqrt(m))`` and ``b_i = sigma'(z_i) ||x|| / sqrt(d m)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ComputationError,
    as_choice,
    as_int,
    as_matrix,
    as_vector,
)
from specproof.dag_nets.activations import get_activation
from specproof.dag_nets.kernels import _dual

KERNEL_ACTIVATIONS = ("erf", "relu")


def _kernels(X: Any, X2: Any, depth: int, activation: str) -> tuple[np.ndarray, np.ndarray]:
    X = as_matrix(X, "X")
    Y = X if X2 is None else as_matrix(X2, "X2")
    if Y.shape[1] != X.shape[1]:
        raise ArgumentError(f"X2 has {Y.shape[1]} features, X has {X.shape[1]}")
    L = as_int(depth, "depth", minimum=1)
    act = as_choice(activation, KERNEL_ACTIVATIONS, "activation")
    d = X.shape[1]
    S = X @ Y.T / d
    s1 = np.einsum("ij,ij->i", X, X) / d
    s2 = np.einsum("ij,ij->i", Y, Y) / d
    T = S.copy()
    for _ in range(L):
        r = _dual(act, S, s1, s2, rounded=True)
        T = r.e + T * r.ed
        S, s1, s2 = r.e, r.da, r.db
    return S, T


def mlp_nngp_kernel(
    X: Any, X2: Any = None, depth: int = 2, activation: str = "erf"
) -> np.ndarray:
    """The infinite-width NNGP kernel ``E[f(x) f(x')]`` at initialisation.

    For the network ``mlp(width, depth, d_in)`` compiled with the NTK parameterisation and
    ``activation`` in ``{"erf", "relu"}`` (linear output, no biases), as width -> infinity.

    Examples
    --------
    >>> X = np.eye(2)
    >>> mlp_nngp_kernel(X, depth=1, activation="relu")  # (1/d) / 2 on the diagonal
    array([[0.25      , 0.07957747],
           [0.07957747, 0.25      ]])
    """
    return _kernels(X, X2, depth, activation)[0]


def mlp_infinite_width_ntk(
    X: Any, X2: Any = None, depth: int = 2, activation: str = "erf"
) -> np.ndarray:
    """The infinite-width (analytic) NTK of the same network as :func:`mlp_nngp_kernel`.

    Examples
    --------
    >>> K = mlp_infinite_width_ntk(np.eye(2), depth=1, activation="relu")
    >>> float(K[0, 0])  # Sigma^2 + Sigma^1 * 1/2 = 1/4 + 1/4
    0.5
    """
    return _kernels(X, X2, depth, activation)[1]


# The names this module's MLP oracles had before the graph versions existed
# (specproof.dag_nets.nngp_kernel / infinite_width_ntk take a graph; see limit.py).
nngp_kernel = mlp_nngp_kernel
infinite_width_ntk = mlp_infinite_width_ntk


def two_layer_hessian_norm(W: Any, v: Any, x: Any, activation: Any = "erf") -> float:
    """Exact ``||H||`` of ``f = m^{-1/2} sum_i v_i sigma(d^{-1/2} w_i . x)`` w.r.t. ``(W, v)``.

    ``W`` is ``(m, d)`` (row ``i`` is ``w_i``) and ``v`` has length ``m``. In
    :func:`specproof.dag_nets.mlp` ``(m, depth=1, d_in=d)`` with the NTK parameterisation,
    ``W[x->h1] = W.T`` and ``W[h1->y] = v[:, None]``.

    Examples
    --------
    >>> W = np.zeros((3, 2)); v = np.ones(3); x = np.array([1.0, 0.0])
    >>> round(two_layer_hessian_norm(W, v, x, "erf"), 10)  # erf''(0) = 0: b only
    0.460658866
    """
    W = as_matrix(W, "W")
    m, d = W.shape
    v = as_vector(v, m, "v")
    x = as_vector(x, d, "x")
    act = get_activation(activation)
    z = W @ x / np.sqrt(d)
    # ||x|| / sqrt(d) without squaring x (x . x underflowed to 0 at scale 1e-170 and
    # overflowed at 1e160), and the 2 x 2 eigenvalue formula scaled by max(|a|, 2|b|)
    big = float(np.max(np.abs(x))) if x.size else 0.0
    r = big * float(np.linalg.norm(x / big)) / np.sqrt(d) if big > 0.0 else 0.0
    with np.errstate(over="ignore"):
        a = (v * act.d2(z) * r) * r / np.sqrt(m)
        b = act.d1(z) * r / np.sqrt(m)
        t = np.maximum(np.abs(a), 2.0 * np.abs(b))
        safe = np.where(t > 0.0, t, 1.0)
        lam = np.where(t > 0.0, (np.abs(a) + t * np.hypot(a / safe, 2.0 * b / safe)) / 2, 0.0)
    value = float(np.max(lam))
    if not math.isfinite(value):
        raise ComputationError(f"the Hessian norm overflows float64 at |x| = {big:.3g}: "
                               "it is beyond the float range")
    return value
