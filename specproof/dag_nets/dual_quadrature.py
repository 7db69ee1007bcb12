"""Gaussian expectations of activations without a closed form, by tensor quadrature.

``E[f(u) g(u')]`` for ``u = sqrt(a) xi_1``, ``u' = sqrt(b) (rho xi_1 + sqrt(1 - rho^2)
xi_2)`` is a 2-D integral against the standard Gaussian, taken by a tensor rule of ``n``
nodes per dimension, ``n`` doubling until two successive rules agree.

Two rules, in this order:

* **Gauss-Hermite**, up to :data:`HERMITE_CAP` nodes: exact for polynomials of degree
  ``2n - 1``, and the fastest at small and moderate variances;
* **the trapezoid rule** on ``[-L, L]`` (``L = 10``), where Gauss-Hermite did not converge
  by then. For an integrand analytic in a strip (tanh, sigmoid, softplus, gelu, erf: poles
  at a distance of order 1 in ``u``) its error falls exponentially in ``n``, where
  Gauss-Hermite's falls only like ``exp(-C sqrt(n))``: tanh at variance 7.6 (randn x 2
  inputs with three features) needed 4096 Gauss-Hermite nodes per dimension and 70 s, and
  was refused at the default 1024; 257 to 513 trapezoid nodes agree to 1e-15.

A rule counts only once it resolves the activation's unit scale in ``u`` (node spacing
at most 1 there): two rules that both step over tanh's transition agree on a wrong value.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
from scipy import special

from specproof._core import ComputationError
from specproof.dag_nets.activation_scale import unresolved_scale
from specproof.dag_nets.activations import Activation, checked_values, trusted
from specproof.dag_nets.dual_args import correlations

#: Quadrature starts with this many Gauss-Hermite nodes per dimension and doubles.
START_NODES = 32
#: Default agreement asked of two successive rules, relative to the largest expectation.
DEFAULT_TOL = 1e-10
#: Default largest rule tried.
MAX_NODES = 1024
#: Gauss-Hermite rules go up to this many nodes; the trapezoid rule takes over beyond.
HERMITE_CAP = 256
# the trapezoid rule's half-width in xi (the Gaussian weight beyond: e^-50)
_SPAN = 10.0
_CHUNK = 1 << 21  # (entries x nodes^2) evaluated at once


class Dual(NamedTuple):
    """The expectations :func:`~specproof.dag_nets.kernels.dual` returns (see there)."""

    e: np.ndarray
    ed: np.ndarray
    da: np.ndarray
    db: np.ndarray
    error: float
    nodes: int


def _gauss_hermite(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    # scipy's rule stays accurate for large n (numpy's hermegauss overflows near 200);
    # nodes whose weight underflows to 0 contribute nothing and are dropped
    x, w = special.roots_hermitenorm(nodes)
    keep = w > 0
    return x[keep], w[keep] / np.sqrt(2 * np.pi)


def _trapezoid(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """``nodes`` equally spaced points on ``[-L, L]`` with the Gaussian density times the
    step as weights (the end points' weights are below 1e-22 and taken whole)."""
    x = np.linspace(-_SPAN, _SPAN, nodes)
    w = (x[1] - x[0]) * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return x, w


def _quad_pair(f, g, c, a, b, x, w, pairs=None) -> np.ndarray:
    """``E[f(u) g(u')]`` entrywise by the tensor rule of nodes ``x`` and weights ``w``."""
    rho, sa, sb = correlations(c, a, b, pairs)
    rho = rho.reshape(-1)
    sa = np.broadcast_to(sa, c.shape).reshape(-1)
    sb = np.broadcast_to(sb, c.shape).reshape(-1)
    k = x.size
    out = np.empty(rho.size)
    step = max(1, _CHUNK // (k * k))
    for lo in range(0, rho.size, step):
        hi = min(rho.size, lo + step)
        r = rho[lo:hi, None, None]
        arg = r * x[None, :, None] + np.sqrt(1 - r * r) * x[None, None, :]
        G = g(sb[lo:hi, None, None] * arg)  # (entries, k, k): g at u' for (xi_1, xi_2)
        inner = G @ w  # sum over xi_2
        F = f(sa[lo:hi, None] * x)  # (entries, k): f at u = sqrt(a) xi_1
        out[lo:hi] = np.einsum("ek,ek->e", inner * w, F)
    return out.reshape(c.shape)


def _quad_diag(f, a, x, w) -> np.ndarray:
    v = f(np.sqrt(a)[..., None] * x)
    return (v * v) @ w


class _Rule(NamedTuple):
    name: str
    nodes: Any  # n -> (x, w)
    spacing: Any  # (n, variance) -> the nodes' spacing in u near 0


_HERMITE = _Rule("Gauss-Hermite", _gauss_hermite, lambda n, v: math.pi * math.sqrt(v / n))
_TRAPEZOID = _Rule("trapezoid", _trapezoid, lambda n, v: 2 * _SPAN * math.sqrt(v) / (n - 1))


def _sizes(big: float, max_nodes: int) -> list[tuple[_Rule, int]]:
    """The rules in the order they are tried: Gauss-Hermite doubling from 32 up to the
    cap, then trapezoid rules from the first that resolves the variance (node counts
    ``2^k + 1``: each halves the step of the one before)."""
    out = []
    n = START_NODES
    while n <= min(max_nodes, HERMITE_CAP):
        out.append((_HERMITE, n))
        n *= 2
    if max_nodes > HERMITE_CAP:
        n = HERMITE_CAP + 1
        while n <= max_nodes + 1:
            out.append((_TRAPEZOID, n))
            n = 2 * n - 1
    return out


def gaussian_quadrature(act: Activation, c: np.ndarray, a: np.ndarray, b: np.ndarray,
                        tol: float, max_nodes: int, pairs: Any = None) -> Dual:
    """The :class:`Dual` of ``act`` by the rules above (see the module docstring)."""
    big = float(max(np.max(a, initial=0.0), np.max(b, initial=0.0)))
    f, d1 = act.f, act.d1
    if not trusted(act):
        # a user's function that is not elementwise or not finite is named, not averaged
        f = functools.partial(checked_values, act, act.f, which="f")
        d1 = functools.partial(checked_values, act, act.d1, which="d1")
    prev: tuple | None = None
    prev_rule = None
    last = (None, 0, math.inf, 0.0)  # rule, n, err, size of the last comparison
    for rule, n in _sizes(big, max_nodes):
        x, w = rule.nodes(n)
        cur = (
            _quad_pair(f, f, c, a, b, x, w, pairs),
            _quad_pair(d1, d1, c, a, b, x, w, pairs),
            _quad_diag(f, a, x, w),
            _quad_diag(f, b, x, w),
        )
        # rules of one kind are compared with each other; the first trapezoid rule starts
        # a new comparison
        if prev is not None and prev_rule is rule:
            err = max(float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(prev, cur))
            # relative to the expectations' size: an absolute 1e-10 let 1e-8 tanh(z) stop at
            # 64 nodes 2e-4 off (values ~1e-16) and refused 1e8 tanh(z) at every rule
            size = max(float(np.max(np.abs(q), initial=0.0)) for q in cur)
            # n nodes resolve the activation's unit scale only when they lie at most 1
            # apart in u near 0 (tanh at variance 1e4: 32 and 64 Gauss-Hermite nodes
            # agreed on E[tanh'^2] = 0 for 5.3e-3, "error" 2e-16)
            spacing = rule.spacing(n, big)
            last = (rule, n, err, size)
            if err <= tol * size and spacing <= 1.0:
                if not trusted(act):
                    unresolved_scale(act, big, spacing)
                return Dual(*cur, err, n)
        prev, prev_rule = cur, rule
    rule, n, err, size = last
    if rule is not None and err <= tol * size:
        raise ComputationError(
            f"quadrature of the {act.name} expectations cannot resolve variance {big:.3g} "
            f"with {n} nodes per dimension: the {rule.name} nodes are "
            f"{rule.spacing(n, big):.2g} apart in u, coarser than the activation's unit "
            f"scale, where two rules can agree on a wrong value; raise max_nodes, or scale "
            "the inputs down")
    raise ComputationError(
        f"quadrature of the {act.name} expectations did not reach tol={tol:g} (relative) "
        f"with {n} nodes per dimension (the last two {rule.name if rule else ''} rules "
        f"differ by {err / size if size else err:.2e} of the largest expectation "
        f"{size:.3g}; largest variance {big:.3g}: large variances make {act.name}(u) vary "
        "on a scale the rules resolve only with many nodes); raise max_nodes or tol")


__all__ = ["DEFAULT_TOL", "Dual", "HERMITE_CAP", "MAX_NODES", "START_NODES",
           "gaussian_quadrature"]
