"""The low-rank core's series: ``x(1)`` for ``x' = C x + R`` (numpy arrays and torch tensors).

Pion's factored route (:func:`~specproof.spectral.optimizers.skew_kernels.apply_lowrank`)
applies ``exp(sA)`` through its 2r x 2r core ``C``: ``exp(sA) X = X + Y x(1)`` with ``x``
the solution of ``x' = C x + R``, ``x(0) = 0``. :func:`_integrate` sums its Taylor series
over substeps; in float64 numpy its last terms may run in float32 (the dense series'
rule), and with a :class:`~specproof.spectral.optimizers.workspace.Workspace` the terms
are written in place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError
from specproof.spectral.optimizers.skew_numerics import (
    FLOAT32_SHARE,
    MAX_TERMS,
    _fro,
    _is_numpy,
    column_norms,
    column_ratio,
    substeps,
    unit_roundoff,
)
from specproof.spectral.optimizers.workspace import Workspace, scratch


def _integrate(C: Any, x: Any | None, R: Any | None, rate: float,
               norm: float | None = None, ws: Workspace | None = None) -> Any:
    """``x(1)`` for ``x' = C x + R`` from ``x(0) = x``, by Taylor series over substeps.

    ``rate`` estimates ``||C^2||^(1/2)``: the terms ``w_k = h^k C^(k-1) (C x + R) / k!``
    shrink as ``||w_(k+2)|| <= (h rate)^2 / ((k+1)(k+2)) ||w_k||``. (``||C||`` itself can be
    far larger, for the non-normal core of a low-rank generator whose factors nearly
    cancel, so it does not set the substeps.) With ``p >= 2 rate`` substeps that factor is
    below 1/2 from the start; once two consecutive terms are below the unit roundoff
    times the sum, the rest of the series is smaller than them.

    ``x = None`` starts from zero (the first product, with zero, is skipped). ``norm``, an
    estimate of ``||C||_2``, lets a float64 numpy series form its last terms in float32
    where their bound (:func:`_late_terms_bound`) is below float32's share of the sum: the
    rule of the dense series (:func:`~specproof.spectral.optimizers.skew_even_odd.
    late_powers_bound`), whose float32 rounding stays at the float64 rounding of ``x``
    itself. With a workspace ``ws`` (numpy) the terms and the sum are its arrays,
    written in place by the same operations (the result is its array ``"integrate_x"``,
    overwritten by the next call).
    """
    if x is None and R is None:
        raise ArgumentError("_integrate needs x(0) or R")
    start = R if x is None else x
    tol = unit_roundoff(start)
    p = substeps(rate, "the low-rank core's exp")
    h = 1.0 / p
    q = (2.0 * rate * h) ** 2  # doubled estimate of ||(hC)^2||
    mixed = (norm is not None and math.isfinite(norm) and _is_numpy(C)
             and C.dtype == np.float64 and start.dtype == np.float64)
    terms = (_TermsInPlace(C, start, ws) if ws is not None and _is_numpy(C) and _is_numpy(start)
             else _Terms(C))
    if x is not None:
        x = terms.start(x)  # the caller's x(0) is never written
    for step in range(p):
        if step == 0 and x is None:
            # C x(0) = 0: the first term is h R
            w = terms.first(R, h)
            x = terms.start(w)
        else:
            w = terms.restart(x, R, h)
            x = terms.add(x, w)
        last_small = False
        # the last term's size against the sum, column by column (column_ratio: against
        # ||x||_F a column the generator rotates among many it leaves alone came out with
        # the rounding of the whole block, 4.3e-13 of its size with float32 terms)
        w_ratio = column_ratio(column_norms(w), column_norms(x), tol) if mixed else 0.0
        for k in range(2, MAX_TERMS + 1):
            if mixed and _late_terms_bound(h, k, norm, w_ratio) < FLOAT32_SHARE:
                w = terms.term32(w, h / k)
            else:
                w = terms.term(w, h / k)
            x = terms.add(x, w)
            w_ratio = column_ratio(column_norms(w), column_norms(x), tol)
            small = w_ratio <= tol
            if small and last_small and q / ((k + 1) * (k + 2)) <= 0.5:
                break
            last_small = small
        else:
            raise ComputationError(
                f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                f"(||C^2||^(1/2) estimated {rate:.3g}); please report this matrix"
            )
    return x


class _Terms:
    """The series' operations on new arrays (torch, or numpy without a workspace); ``x``
    and the terms are never written in place."""

    def __init__(self, C: Any) -> None:
        self.C = C
        self.C32: tuple[Any, int] | None = None

    def first(self, R: Any, h: float) -> Any:
        return h * R

    def start(self, w: Any) -> Any:
        return w

    def restart(self, x: Any, R: Any | None, h: float) -> Any:
        w = self.C @ x
        if R is not None:
            w = w + R
        return h * w

    def add(self, x: Any, w: Any) -> Any:
        return x + w

    def term(self, w: Any, c: float) -> Any:
        return c * (self.C @ w)

    def term32(self, w: Any, c: float) -> Any:
        if self.C32 is None:
            self.C32 = _float32_scaled(self.C)
        return _float32_term(self.C32, w, c)


class _TermsInPlace(_Terms):
    """The same operations into a numpy workspace's arrays: the sum ``"integrate_x"`` and
    two term arrays taken in turn (a product cannot overwrite its input). Fresh arrays of
    2r x k cost their page faults on every step (at Pion's 4096 x 1024 a float32 term took
    0.147 s instead of 0.058 s)."""

    def __init__(self, C: Any, like: Any, ws: Workspace) -> None:
        super().__init__(C)
        self.ws = ws
        shape, dtype = like.shape, like.dtype
        self.x = ws.array("integrate_x", shape, dtype)
        self.terms = [ws.array(f"integrate_w{i}", shape, dtype) for i in (0, 1)]

    def _other(self, w: Any) -> Any:
        return self.terms[1] if w is self.terms[0] else self.terms[0]

    def first(self, R: Any, h: float) -> Any:
        return np.multiply(R, h, out=self.terms[0])

    def start(self, w: Any) -> Any:
        np.copyto(self.x, w)
        return self.x

    def restart(self, x: Any, R: Any | None, h: float) -> Any:
        w = np.matmul(self.C, x, out=self.terms[0])
        if R is not None:
            np.add(w, R, out=w)
        return np.multiply(w, h, out=w)

    def add(self, x: Any, w: Any) -> Any:
        return np.add(x, w, out=x)

    def term(self, w: Any, c: float) -> Any:
        out = np.matmul(self.C, w, out=self._other(w))
        return np.multiply(out, c, out=out)

    def term32(self, w: Any, c: float) -> Any:
        if self.C32 is None:
            self.C32 = _float32_scaled(self.C, self.ws)
        return _float32_term(self.C32, w, c, out=self._other(w), ws=self.ws)


def _late_terms_bound(h: float, k: int, norm: float, w_norm: float) -> float:
    """A bound on what ``w_k = (h / k) C w_(k-1)`` and the later terms add to ``x(1)``, for
    ``||w_(k-1)|| = w_norm`` (relative to the sum: the series passes the largest ratio of a
    column of ``w_(k-1)`` to its column of the sum) and ``||C||_2`` estimated by ``norm``
    (doubled, as the series' other bounds double it); the later terms, each at most
    ``2 h norm / (k + 1)`` times the one before, at most double it while that ratio is
    below 1/2 (else inf: no float32).

    Examples
    --------
    >>> _late_terms_bound(1.0, 7, 0.18, 8.9e-10) < FLOAT32_SHARE   # Pion, 4096 x 1024
    True
    >>> _late_terms_bound(1.0, 6, 0.18, 8.8e-8) < FLOAT32_SHARE
    False
    """
    ratio = 2.0 * h * norm / (k + 1)
    if ratio > 0.5:
        return math.inf
    return 2.0 * (2.0 * h * norm / k) * w_norm


def _float32_scaled(C: Any, ws: Workspace | None = None) -> tuple[Any, int]:
    """``(C 2^-e, e)`` as float32, ``2^e`` just above ``||C||_F`` (no entry overflows, and
    only entries below ``2^-126`` of it fall into float32's subnormals)."""
    e = math.frexp(_fro(C))[1]
    C32 = scratch(ws, "integrate_c32", C.shape, np.float32)
    # one rounding, to float32: C 2^-e is exact in float64
    np.ldexp(C, -e, out=C32, casting="same_kind")
    return C32, e


def _float32_term(C32: tuple[Any, int], w: Any, c: float, out: Any | None = None,
                  ws: Workspace | None = None) -> Any:
    """``c C w`` from the scaled float32 ``C`` of :func:`_float32_scaled`, as float64 (into
    ``out`` when given, which must not be ``w``)."""
    M, e = C32
    if out is None:
        out = np.empty(w.shape, dtype=np.float64)
    bound = _fro(w)
    if bound == 0.0:
        out[...] = 0.0
        return out
    f = math.frexp(bound)[1]
    w32 = scratch(ws, "integrate_w32", w.shape, np.float32)
    np.ldexp(w, -f, out=w32, casting="same_kind")
    product = np.matmul(M, w32, out=scratch(ws, "integrate_p32", w.shape, np.float32))
    # in float64 (a float32 product times a Python float would be float32 arithmetic)
    np.multiply(product, math.ldexp(c, e + f), out=out, dtype=np.float64)
    return out


__all__ = ["_integrate"]
