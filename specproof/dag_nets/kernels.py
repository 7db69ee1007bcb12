"""Gaussian expectations of activations: the building blocks of infinite-width kernels.

For ``(u, u') ~ N(0, [[a, c], [c, b]])`` every infinite-width recursion needs

    E[sigma(u) sigma(u')],     E[sigma'(u) sigma'(u')]      and      E[sigma(u)^2].

:func:`dual` returns them entrywise for a kernel ``c`` (shape ``(n1, n2)``) with
diagonals ``a`` (``n1``) and ``b`` (``n2``):

* **closed forms** for ``identity``, ``erf`` (Williams 1997), ``relu`` (the arc-cosine
  kernels of Cho & Saul 2009) and ``leaky_relu`` (ReLU's written for ``relu(z) -
  s relu(-z)``), with ``relu'(0) = 0``;
* **Gauss-Hermite quadrature** for every other activation (tanh, softplus, gelu,
  sigmoid, user activations): ``u = sqrt(a) xi_1``, ``u' = sqrt(b) (rho xi_1 +
  sqrt(1 - rho^2) xi_2)`` with ``rho = c / sqrt(a b)``, and a tensor rule of ``n``
  points in each of ``xi_1, xi_2`` (exact for polynomials of degree ``2n - 1`` in each).
  The integrand varies on the scale ``1 / sqrt(variance)`` in ``xi``, so the error grows
  with the variance: on erf (whose closed form is known) 64 nodes give 1e-13 at variance
  1 but 2e-6 at variance 3, 128 nodes 2e-9 there. The rule therefore doubles ``n`` from
  32 until two successive rules agree to ``tol`` (default 1e-10) in every entry, and
  reports that difference as its error estimate (the finer rule is the one returned, and
  is typically far more accurate than the estimate); beyond ``max_nodes`` it raises.
  Cost: ``n1 n2 n^2`` activation evaluations per rule, in chunks of bounded memory.

Examples
--------
>>> import numpy as np
>>> c = np.array([[0.5]]); a = b = np.array([1.0])
>>> exact, quad = dual("erf", c, a, b), dual("erf", c, a, b, method="quadrature")
>>> bool(abs(exact.e - quad.e).max() < 1e-12), quad.nodes, quad.error < 1e-10
(True, 128, True)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy import special

from specproof._core import ArgumentError, ComputationError, as_choice, as_float, as_int
from specproof.dag_nets.activations import Activation, get_activation

#: Closed forms exist for these activations (by name).
CLOSED_FORM = ("identity", "erf", "relu", "leaky_relu")

#: Quadrature starts with this many Gauss-Hermite nodes per dimension and doubles.
START_NODES = 32
#: Default agreement asked of two successive rules (the returned error estimate).
DEFAULT_TOL = 1e-10
#: Default largest rule tried.
MAX_NODES = 1024


class Dual(NamedTuple):
    """The expectations :func:`dual` returns (see there)."""

    e: np.ndarray
    ed: np.ndarray
    da: np.ndarray
    db: np.ndarray
    error: float
    nodes: int

_CHUNK = 1 << 21  # (entries x nodes^2) evaluated at once


def _outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a_i b_j`` over the last axis, batched over the leading ones."""
    return a[..., :, None] * b[..., None, :]


def _rho(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    nrm = np.sqrt(_outer(a, b))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(nrm > 0, c / np.where(nrm > 0, nrm, 1.0), 0.0)
    return np.clip(rho, -1.0, 1.0), nrm


def _erf(c, a, b):
    P = _outer(1 + 2 * a, 1 + 2 * b)
    e = (2 / np.pi) * np.arcsin(np.clip(2 * c / np.sqrt(P), -1.0, 1.0))
    ed = (4 / np.pi) / np.sqrt(np.maximum(P - 4 * c * c, 0.0))
    da = (2 / np.pi) * np.arcsin(2 * a / (1 + 2 * a))
    db = (2 / np.pi) * np.arcsin(2 * b / (1 + 2 * b))
    return e, ed, da, db


def _leaky(c, a, b, s: float):
    # leaky(z) = relu(z) - s relu(-z); E[relu(u) relu(-u')] is ReLU's kernel at -rho
    rho, nrm = _rho(c, a, b)
    th = np.arccos(rho)
    j1 = (np.sin(th) + (np.pi - th) * np.cos(th)) / (2 * np.pi)
    # at -rho: theta -> pi - theta
    j1m = (np.sin(th) - th * np.cos(th)) / (2 * np.pi)
    e = nrm * ((1 + s * s) * j1 - 2 * s * j1m)
    # a zero variance gives u = 0 a.s., where relu'(0) = 0 and leaky'(0) = s
    pos = (np.pi - th) / (2 * np.pi)
    ed = np.where(nrm > 0, (1 + s * s) * pos + 2 * s * th / (2 * np.pi), 0.0)
    if s:
        za = (a == 0)[..., :, None]
        zb = (b == 0)[..., None, :]
        # u = 0: sigma'(u) = s; then E = s E[sigma'(u')] = s (1 + s) / 2, or s^2 if both
        ed = np.where(za & zb, s * s, np.where(za | zb, s * (1 + s) / 2, ed))
    return e, ed, (1 + s * s) * a / 2, (1 + s * s) * b / 2


def _gauss_hermite(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    # scipy's rule stays accurate for large n (numpy's hermegauss overflows near 200);
    # nodes whose weight underflows to 0 contribute nothing and are dropped
    x, w = special.roots_hermitenorm(nodes)
    keep = w > 0
    return x[keep], w[keep] / np.sqrt(2 * np.pi)


def _quad_pair(f, g, c, a, b, x, w) -> np.ndarray:
    """``E[f(u) g(u')]`` entrywise by the tensor Gauss-Hermite rule (nodes ``x``, ``w``)."""
    if c.ndim == 3:
        return np.stack([_quad_pair(f, g, ci, ai, bi, x, w) for ci, ai, bi in zip(c, a, b)])
    rho, _ = _rho(c, a, b)
    n1, n2 = c.shape
    k = x.size
    out = np.empty((n1, n2))
    ra, rb = np.sqrt(a), np.sqrt(b)
    F = f(np.multiply.outer(ra, x))  # (n1, k): f(sqrt(a_i) x_k)
    step = max(1, _CHUNK // max(1, n2 * k * k))
    for lo in range(0, n1, step):
        hi = min(n1, lo + step)
        r = rho[lo:hi, :, None, None]
        arg = r * x[None, None, :, None] + np.sqrt(1 - r * r) * x[None, None, None, :]
        G = g(rb[None, :, None, None] * arg)  # (rows, n2, k, k)
        inner = G @ w  # sum over xi_2
        out[lo:hi] = np.einsum("ijk,ik->ij", inner * w, F[lo:hi])
    return out


def _quad_diag(f, a, x, w) -> np.ndarray:
    v = f(np.sqrt(a)[..., None] * x)
    return (v * v) @ w


def dual(
    activation: Any,
    c: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    method: str = "auto",
    tol: float = DEFAULT_TOL,
    max_nodes: int = MAX_NODES,
) -> Dual:
    """``E[s(u)s(u')]``, ``E[s'(u)s'(u')]``, ``E[s(u)^2]`` and ``E[s(u')^2]`` entrywise.

    Parameters
    ----------
    activation : str or Activation
    c : numpy.ndarray, shape (n1, n2) or (k, n1, n2)
        Covariances ``E[u u']`` (optionally a stack of ``k`` kernels).
    a, b : numpy.ndarray, shapes (n1,), (n2,) (or (k, n1), (k, n2))
        Variances of ``u`` (rows) and ``u'`` (columns).
    method : {"auto", "closed", "quadrature"}
        ``"auto"``: the closed form when there is one, quadrature otherwise.
    tol : float
        Quadrature only: the node count doubles (from 32) until two successive rules
        agree to ``tol`` in every entry; that difference is returned as ``error``.
    max_nodes : int
        Quadrature only: give up (``ComputationError``) beyond this many nodes per
        dimension.

    Returns
    -------
    Dual
        ``(e, ed, da, db, error, nodes)``: ``E[s s']``, ``E[s' s']``, the two diagonals,
        the quadrature error estimate (0.0 for closed forms) and the nodes used (0 for
        closed forms).

    Examples
    --------
    >>> import numpy as np
    >>> r = dual("relu", np.array([[0.0]]), np.ones(1), np.ones(1))
    >>> float(r.e[0, 0]), float(r.ed[0, 0]), float(r.da[0])  # 1/(2 pi), 1/4, 1/2
    (0.15915494309189535, 0.25, 0.5)
    """
    act: Activation = get_activation(activation)
    method = as_choice(method, ("auto", "closed", "quadrature"), "method")
    closed = act.name in CLOSED_FORM or act.slope is not None
    if method == "closed" and not closed:
        raise ArgumentError(
            f"activation {act.name!r} has no closed-form Gaussian expectation (closed forms: "
            f"{list(CLOSED_FORM)}); use method='quadrature'"
        )
    if method != "quadrature" and closed:
        if act.identity:
            return Dual(c.copy(), np.ones_like(c), a.copy(), b.copy(), 0.0, 0)
        if act.name == "erf":
            return Dual(*_erf(c, a, b), 0.0, 0)
        return Dual(*_leaky(c, a, b, 0.0 if act.name == "relu" else float(act.slope)), 0.0, 0)
    if not act.smooth and method == "auto":
        raise ArgumentError(
            f"activation {act.name!r} is not smooth and has no closed form here; "
            "Gauss-Hermite quadrature converges slowly on kinks (pass method='quadrature' "
            "to use it anyway)"
        )
    tol = as_float(tol, "tol", minimum=0.0)
    max_nodes = as_int(max_nodes, "max_nodes", minimum=2)
    prev = None
    n = START_NODES
    while True:
        x, w = _gauss_hermite(n)
        cur = (
            _quad_pair(act.f, act.f, c, a, b, x, w),
            _quad_pair(act.d1, act.d1, c, a, b, x, w),
            _quad_diag(act.f, a, x, w),
            _quad_diag(act.f, b, x, w),
        )
        if prev is not None:
            err = max(float(np.max(np.abs(p - q), initial=0.0)) for p, q in zip(prev, cur))
            if err <= tol:
                return Dual(*cur, err, n)
            if 2 * n > max_nodes:
                big = float(max(np.max(a, initial=0.0), np.max(b, initial=0.0)))
                raise ComputationError(
                    f"Gauss-Hermite quadrature of the {act.name} expectations did not reach "
                    f"tol={tol:g} with {n} nodes per dimension (successive rules differ by "
                    f"{err:.2e}; largest variance {big:.3g}: large variances make "
                    f"{act.name}(u) vary on a scale the rule resolves only with many nodes); "
                    "raise max_nodes or tol"
                )
        prev = cur
        n *= 2
