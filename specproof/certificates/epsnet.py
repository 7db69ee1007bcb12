"""A rigorous bracket on ``||X||_{2->q}`` for tiny d by an epsilon-net of the sphere.

Bound. Let N be a set of unit vectors such that every unit v has some u in N with
``||v - u||_2 <= eps`` or ``||v + u||_2 <= eps`` (v and -v give the same value). Then

    ||X v||_q <= ||X u||_q + ||X (v -+ u)||_q <= max_N ||X u||_q + eps ||X||_{2->q},

and taking the sup over v: ``||X||_{2->q} <= max_N ||X u||_q / (1 - eps)`` (eps < 1).
The lower bound is the best net point itself.

Net. For unit v let ``w = v / ||v||_inf`` (a point of the cube surface, on the face
``w_j = +-1``; flip the sign so ``w_j = +1``). The face grid has ``m`` equally spaced
values per free coordinate, spacing ``h = 2/(m-1)``, so some grid point g has
``||w - g||_2 <= (h/2) sqrt(d-1)``. Radial projection onto the sphere is the metric
projection onto the unit ball for points outside it, hence 1-Lipschitz, and
``||w||, ||g|| >= 1``: so ``||v - g/||g|| || <= (h/2) sqrt(d-1)``. We pick m so that this
is <= eps. The net has ``d m^{d-1}`` points (about 6e4 for d = 3, eps = 0.01).

Floating point (rigorous, any magnitude): the data are rescaled by ``2^-e`` (largest
entry in ``[1/2, 1)``, exact). For a computed net point ``p`` (not exactly unit:
``| ||p|| - 1 | <= gamma_{d+3}``), ``||X_s p||_q <= v_hat (1 + eps) + gamma_{d+2}
||X_s||_F + 8 d n^{1/q} ETA`` where ``v_hat`` is the computed value and ``eps`` the
relative error of the norm evaluation (module :mod:`~specproof.certificates.rigorous`);
the normalised points ``p/||p||`` cover the sphere within ``eps_net + 2 gamma_{d+3} +
2 sqrt(d) u`` (the grid values of ``linspace`` are off by an ulp). The bound divides by
``1 - that radius`` and by ``1 - gamma_{d+3}``, rounds up and scales back by ``2^e``.
The lower bound is the best point's certified value
(:func:`~specproof.certificates.rigorous.lq_ratio_bounds`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ResourceLimitError, as_float, as_int, as_matrix
from specproof.certificates.bounds import NormBounds, zero_bounds
from specproof.certificates.constants import ETA, UNIT
from specproof.certificates.rigorous import (
    _lq_with_error,
    frobenius_sq_upper,
    gamma,
    lq_ratio_bounds,
    pow2_scale,
    scale_up,
    up,
)
from specproof.certificates.validation import as_q

MAX_NET_POINTS = 2_000_000


@dataclass(frozen=True)
class EpsNetCertificate:
    """How an epsilon-net bracket was obtained: eps, the grid, the number of points.

    Examples
    --------
    >>> EpsNetCertificate(eps=0.1, grid=21, points=42, covering_radius=0.1).to_dict()["points"]
    42
    """

    eps: float
    grid: int
    points: int
    covering_radius: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "eps": self.eps,
            "grid": self.grid,
            "points": self.points,
            "covering_radius": self.covering_radius,
            "bound": "||X||_{2->q} <= max_net ||Xu||_q / (1 - eps)",
        }


def as_eps(eps: Any) -> float:
    """The net radius ``eps`` as a float in ``(0, 1)``; bools and text are refused
    (``eps=True`` was read as 1.0, ``"0.1"`` as 0.1).

    Examples
    --------
    >>> as_eps(0.25)
    0.25
    >>> as_eps(1)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: eps must lie in (0, 1), got 1.0
    """
    value = as_float(eps, "eps")
    if not 0.0 < value < 1.0:
        raise ArgumentError(f"eps must lie in (0, 1), got {value}")
    return value


def sphere_net(d: int, eps: float) -> tuple[np.ndarray, int, float]:
    """Unit vectors (rows) covering the sphere up to sign within ``eps``.

    Returns ``(points, m, covering_radius)`` with covering radius ``(h/2) sqrt(d-1) <= eps``.

    Examples
    --------
    >>> P, m, r = sphere_net(2, 0.1)
    >>> P.shape, r <= 0.1
    ((22, 2), True)
    """
    if d == 1:
        return np.ones((1, 1)), 1, 0.0
    # (h/2) sqrt(d-1) <= eps with h = 2/(m-1)  <=>  m - 1 >= sqrt(d-1)/eps
    m = int(math.ceil(math.sqrt(d - 1) / eps)) + 1
    h = 2.0 / (m - 1)
    radius = (h / 2) * math.sqrt(d - 1)
    total = d * m ** (d - 1)
    if total > MAX_NET_POINTS:
        raise ResourceLimitError(
            f"an eps-net with eps={eps} in d={d} needs {total} points (limit "
            f"{MAX_NET_POINTS}); use a larger eps or another method"
        )
    grid = np.linspace(-1.0, 1.0, m)
    mesh = np.stack(np.meshgrid(*([grid] * (d - 1)), indexing="ij"), axis=-1).reshape(-1, d - 1)
    faces = []
    for j in range(d):
        P = np.empty((mesh.shape[0], d))
        P[:, j] = 1.0
        P[:, [c for c in range(d) if c != j]] = mesh
        faces.append(P)
    P = np.concatenate(faces)
    return P / np.linalg.norm(P, axis=1, keepdims=True), m, radius


def epsnet_two_to_q(X: Any, q: Any = 4, eps: float = 0.01, max_d: int = 3) -> NormBounds:
    """Bracket ``||X||_{2->q}`` by brute force over an eps-net of the unit sphere.

    Parameters
    ----------
    X : array_like (n, d), d <= max_d
    q : float or "inf"
    eps : float in (0, 1)
        Covering radius; the bracket has ``upper / lower <= 1 / (1 - eps)`` (+ ~1e-14).
    max_d : int
        Largest dimension accepted (3 by default; the net grows like eps^{1-d}).

    Returns
    -------
    NormBounds
        ``lower`` = best net point (its witness), ``upper = lower/(1-eps)``,
        ``upper_method = "epsnet"``, certificate an :class:`EpsNetCertificate`; for
        ``X = 0``, ``lower = upper = 0`` exactly (``upper_method = "zero-matrix"``).

    Examples
    --------
    >>> b = epsnet_two_to_q(np.diag([2.0, 1.0]), q=4, eps=0.01)
    >>> round(b.lower, 12), round(b.upper, 6)
    (2.0, 2.020202)
    """
    X = as_matrix(X)
    q = as_q(q)
    eps = as_eps(eps)
    max_d = as_int(max_d, "max_d", minimum=1)
    n, d = X.shape
    if not np.any(X):  # the norm is 0 exactly, whatever the net's size would be
        return zero_bounds(d, q)
    if d > max_d:
        raise ArgumentError(f"epsnet_two_to_q needs d <= {max_d} columns, got d = {d}")
    P, m, radius = sphere_net(d, eps)
    Xs, e = pow2_scale(X)
    best, arg, eps_nu = -1.0, 0, 0.0
    chunk = max(1, 4_000_000 // max(n, 1))
    for s in range(0, P.shape[0], chunk):
        Y = Xs @ P[s : s + chunk].T
        vals, eps_nu = _lq_with_error(Y, q)
        k = int(np.argmax(vals))
        if vals[k] > best:
            best, arg = float(vals[k]), s + k
    w = P[arg]
    root_n = 1.0 if math.isinf(q) else n ** (1.0 / q) * 1.01
    err = gamma(d + 2) * math.sqrt(frobenius_sq_upper(Xs)) * 1.01 + 8 * d * ETA * root_n
    g_unit = gamma(d + 3)
    r_eff = radius + 2 * g_unit + 2 * math.sqrt(d) * UNIT if d > 1 else 2 * g_unit
    upper_s = (best * (1 + eps_nu) + err) / (1 - g_unit) / (1 - r_eff) * (1 + 8 * UNIT)
    upper = scale_up(up(upper_s), e)
    lower = float(lq_ratio_bounds(X, w, q)[0][0])
    cert = EpsNetCertificate(eps=eps, grid=m, points=P.shape[0], covering_radius=radius)
    return NormBounds(
        q=q,
        lower=lower,
        witness=w,
        upper=upper,
        upper_method="epsnet",
        lower_method="epsnet",
        certificate=cert,
    )
