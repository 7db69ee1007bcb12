"""Whether a user's activation varies on a scale the Gauss-Hermite rules resolve.

The limit's quadrature (:func:`~specproof.dag_nets.kernels.dual`) doubles its rule until two
successive rules agree. That test assumes the activation changes on a scale of about 1:
for ``tanh(300 z)`` both the 32- and the 64-node rules step over its transition, agree on
``E[sigma'^2] = 0`` (true value 160) and the limit NTK came back as 1 for 17213, with an
error estimate of 1e-16. The built-in activations do vary on that scale; a user's is
checked here, after the rules agreed, on a grid four times finer than the returned rule's
nodes near 0: across each step the change of ``f`` must match the trapezoid of ``f'``
(and that of ``f'`` the trapezoid of ``f''``), as it does to about ``h^2 / 12`` of the step
for a function resolved at the step ``h``. A transition between two grid points, or a
spike at one, breaks the match by about the whole change; a feature narrower than the
step that lies between the points of both grids is not seen (:func:`unresolved_scale`).
"""

from __future__ import annotations

import numpy as np

from specproof._core import ComputationError
from specproof.dag_nets.activations import Activation, checked_values

# the grid spans |u| <= this many standard deviations of the largest variance (Gaussian
# weight beyond it: e^-40)
_SPAN = 9.0
# a step is unresolved when the mismatch exceeds this share of its scale
_SHARE = 0.25
# the scale of a step also holds this share of h max|f'| over the grid: near a zero of
# f', the step's own terms vanish while a resolved function's mismatch does not
_FLOOR = 0.1
# a mismatch below this many ulps of max|f| is rounding, whatever the step's scale
_ROUNDING = 64


def _mismatch(F: np.ndarray, D: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """The mismatch of each step between ``F``'s change and the trapezoid of ``D``, and
    the step's scale."""
    change = np.diff(F)
    trapezoid = 0.5 * h * (D[1:] + D[:-1])
    scale = np.abs(change) + 0.5 * h * (np.abs(D[1:]) + np.abs(D[:-1]))
    scale += _FLOOR * h * float(np.max(np.abs(D)))
    return np.abs(change - trapezoid), scale


def _rounding(F: np.ndarray) -> float:
    """What rounding alone may leave of a step's mismatch: at a variance of 1e-16, ``f'`` of
    a hand-written tanh is 1 to the last bit and its change 0, while the trapezoid of its
    ``f''`` is 4e-17 (the built-in's limit was returned, the copy's refused)."""
    return _ROUNDING * float(np.finfo(np.float64).eps) * float(np.max(np.abs(F)))


def _smooth_steps(F: np.ndarray, D: np.ndarray, h: float) -> np.ndarray:
    """Steps where ``F``'s change and the trapezoid of its derivative ``D`` disagree by more
    than a resolved smooth function allows (about ``h^2 / 12`` of the step)."""
    off, scale = _mismatch(F, D, h)
    return (off > _SHARE * scale) & (off > _rounding(F))


def _kinked_steps(F: np.ndarray, D: np.ndarray, h: float) -> np.ndarray:
    """Steps where ``F``'s change lies outside ``h`` times the range of ``D`` at the step's
    ends: a kink between them (a ReLU's) stays inside, a transition that the grid steps
    over (``f'`` about 0 at both ends, ``f`` moving by 2) does not."""
    change = np.diff(F)
    lo = h * np.minimum(D[1:], D[:-1])
    hi = h * np.maximum(D[1:], D[:-1])
    slack = _SHARE * _FLOOR * h * float(np.max(np.abs(D))) + _rounding(F)
    return (change < lo - slack) | (change > hi + slack)


def unresolved_scale(act: Activation, variance: float, spacing: float) -> None:
    """Raise when ``act`` is not resolved by a rule whose nodes are ``spacing`` apart in
    ``u`` near 0, at the largest ``variance`` of the kernels.

    Two grids of step ``spacing / 4`` are read, the second shifted by half a step, so that
    a spike on a point of one lies between points of the other. A smooth activation is
    held to the trapezoid rule (``f`` with ``f'``, ``f'`` with ``f''``); one that is not
    (``smooth=False``, taken by ``method="quadrature"``) to ``f``'s change lying within
    ``h`` times the range of ``f'`` across each step. A feature narrower than the step
    that lies between the points of both grids is not seen (a bump of width 1e-3 added to
    tanh moved ``E[f'^2]`` by 1 % unseen): the check finds transitions, not every detail.

    Examples
    --------
    >>> steep = Activation("steep", lambda z: np.tanh(300 * z),
    ...                    lambda z: 300 / np.cosh(300 * z) ** 2,
    ...                    lambda z: -2 * 300**2 * np.tanh(300 * z) / np.cosh(300 * z) ** 2)
    >>> unresolved_scale(steep, 1.0, np.pi / 8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ComputationError: the limit's quadrature cannot resolve ...
    """
    if not (variance > 0.0 and spacing > 0.0):
        return
    h = spacing / 4.0
    steps = int(np.ceil(_SPAN * float(np.sqrt(variance)) / h))
    base = np.linspace(-steps * h, steps * h, 2 * steps + 1)
    h = float(base[1] - base[0])
    for z in (base, base + h / 2):
        with np.errstate(all="ignore"):
            f = np.asarray(checked_values(act, act.f, z, "f"), dtype=float)
            d1 = np.asarray(checked_values(act, act.d1, z, "d1"), dtype=float)
            pairs = [(f, d1, ("f", "d1"))]
            if act.smooth:
                d2 = np.asarray(checked_values(act, act.d2, z, "d2"), dtype=float)
                pairs.append((d1, d2, ("d1", "d2")))
        for F, D, pair in pairs:
            bad = _smooth_steps(F, D, h) if act.smooth else _kinked_steps(F, D, h)
            if bad.any():
                i = int(np.argmax(bad))
                raise ComputationError(
                    f"the limit's quadrature cannot resolve activation {act.name!r}: between "
                    f"z = {z[i]:.4g} and {z[i + 1]:.4g} its {pair[0]} changes by "
                    f"{F[i + 1] - F[i]:.4g} while the trapezoid of its {pair[1]} gives "
                    f"{0.5 * h * (D[i] + D[i + 1]):.4g}. Either it varies on a scale finer "
                    f"than {h:.2g} (the rule's nodes are {spacing:.2g} apart at variance "
                    f"{variance:.3g}: rules that step over a transition agree on a wrong "
                    f"value), or {pair[1]} is not the derivative of {pair[0]}. The limit's "
                    "quadrature takes activations that vary on a scale of about 1 or more")


__all__ = ["unresolved_scale"]
