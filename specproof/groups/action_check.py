"""Checking the axioms of a group action: :func:`verify_action`.

``e.x = x`` and ``a.(b.x) = (a·b).x`` are checked on every pair of elements and every
sample point, within the action's own tolerance; the result names the worst pair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, Result, as_generator, as_positive_int
from specproof.groups.actions import Action


@dataclass(frozen=True)
class ActionCheck(Result):
    """Result of :func:`verify_action` (the :class:`specproof.Result` convention).

    Attributes
    ----------
    ok, reason, code
        ``code`` is ``"ok"``, ``"identity_fails"`` or ``"compatibility_fails"``.
    identity_error : float
        ``max |e.x − x|`` over samples.
    max_error : float
        ``max |a.(b.x) − (ab).x|`` over pairs and samples.
    worst_pair : tuple of int
        The pair ``(a, b)`` achieving ``max_error``.
    worst_sample : int
        Index of the sample achieving it.
    n_pairs, n_samples : int
        How much was checked.
    """

    identity_error: float = 0.0
    max_error: float = 0.0
    worst_pair: tuple[int, int] = (0, 0)
    worst_sample: int = 0
    n_pairs: int = 0
    n_samples: int = 0


def _distance(x: Any, y: Any) -> float:
    """``max |x - y|``: NaN when either holds a NaN or the same infinity (never below a
    true difference), in complex arithmetic when either is complex (a cast to float64
    dropped the imaginary parts: an action by i on complex points passed)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape:
        return float("inf")
    if x.size == 0:
        return 0.0
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(y)
    dtype = np.complex128 if complex_ else np.float64
    with np.errstate(invalid="ignore", over="ignore"):
        return float(np.max(np.abs(x.astype(dtype) - y.astype(dtype))))


def _worse(err: float, than: float) -> bool:
    # a NaN error is the worst (max() and > both passed over it: a failure read "error 0")
    return (math.isnan(err) and not math.isnan(than)) or err > than


def _size(err: float) -> str:
    return f"{err:.3e}" if math.isfinite(err) else f"{err} (an image is not finite)"


def verify_action(
    action: Action,
    samples: int | Sequence[Any] = 4,
    rng: np.random.Generator | int | None = None,
) -> ActionCheck:
    """Check ``e.x = x`` and ``a.(b.x) = (a·b).x`` for every pair ``(a, b)`` and sample ``x``.

    Parameters
    ----------
    action : Action
        The action to check.
    samples : int or sequence
        Number of random points (from ``action.random_point``) or the points themselves.
    rng : numpy Generator, int or None
        Randomness for the sample points.

    Returns
    -------
    ActionCheck
        ``ok``, the worst pair and its error. Errors are ``max|·|`` of the difference; for
        actions on finite sets (indices) any nonzero value is a failure, its size carries
        no meaning.

    Examples
    --------
    >>> from specproof.groups import GridAction, dihedral
    >>> verify_action(GridAction(dihedral(4)), samples=2, rng=0).ok
    True
    """
    if not isinstance(action, Action):
        raise ArgumentTypeError(f"action must be an Action, got {type(action).__name__}")
    gen = as_generator(rng, "rng")
    if isinstance(samples, (int, np.integer)) and not isinstance(samples, bool):
        points = [action.random_point(gen)
                  for _ in range(as_positive_int(samples, "samples"))]
    else:
        points = list(samples)
        if not points:
            raise ArgumentError("samples must contain at least one point")
    G = action.group
    n = G.order
    id_err, worst, pair, worst_s = 0.0, 0.0, (G.identity, G.identity), 0
    ok_id, ok_comp = True, True
    for s, x in enumerate(points):
        tol = action.tolerance(x)
        e_err = _distance(action.act(G.identity, x), x)
        if _worse(e_err, id_err):
            id_err = e_err
        ok_id &= e_err <= tol
        images = [action.act(b, x) for b in range(n)]
        for a in range(n):
            for b in range(n):
                err = _distance(action.act(a, images[b]), images[int(G.table[a, b])])
                if _worse(err, worst):
                    worst, pair, worst_s = err, (a, b), s
                ok_comp &= err <= tol
    ok = bool(ok_id and ok_comp)
    reason, code = "", "ok"
    if not ok_id:
        reason, code = f"identity axiom fails: max |e.x - x| = {_size(id_err)}", "identity_fails"
    elif not ok_comp:
        a, b = pair
        code = "compatibility_fails"
        reason = (f"compatibility a.(b.x) = (ab).x fails for (a, b) = ({a}, {b}) "
                  f"[{G.labels[a]}, {G.labels[b]}] on sample {worst_s}: error {_size(worst)}")
    return ActionCheck(ok=ok, reason=reason, code=code, identity_error=id_err,
                       max_error=worst, worst_pair=pair, worst_sample=worst_s,
                       n_pairs=n * n, n_samples=len(points))


__all__ = ["ActionCheck", "verify_action"]
