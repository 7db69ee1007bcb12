"""The Taylor machinery behind Pion's exponential, for numpy arrays and torch tensors alike.

``exp(B) X`` for a dense normal (skew) ``B`` is the Taylor series over ``p`` substeps,
cut when a bound on all the remaining terms (from ``r >= ||B|| / p``, twice a
power-iteration estimate) falls below the unit roundoff of the dtype relative to the sum;
the factor ``exp(B)`` is the Taylor polynomial of the degree the same bound asks for, on
``B / 2^j`` (norm <= 1/2), by Paterson-Stockmeyer, squared ``j`` times; ``x' = C x + R``
(the low-rank core) is integrated by the same series with a two-term stopping rule.
:mod:`specproof.spectral.optimizers.skew_kernels` applies these to Pion's factors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError
from specproof.spectral.optimizers.skew_even_odd import (
    _even_odd_action,
    action_costs,
    even_odd_applies,
)
from specproof.spectral.optimizers.skew_numerics import (
    MAX_TERMS,
    _fro,
    _is_numpy,
    norm2_estimate,
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
    late_powers_bound`), whose float32 rounding stays an eighth of the float64 rounding
    of ``x`` itself. With a workspace ``ws`` (numpy) the terms and the sum are its arrays,
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
        # the norms of the last term and the sum, each taken once per term
        w_norm, x_norm = (_fro(w), _fro(x)) if mixed else (0.0, 0.0)
        for k in range(2, MAX_TERMS + 1):
            if mixed and _late_terms_bound(h, k, norm, w_norm) < x_norm * _FLOAT32_SHARE:
                w = terms.term32(w, h / k)
            else:
                w = terms.term(w, h / k)
            x = terms.add(x, w)
            w_norm, x_norm = _fro(w), _fro(x)
            small = w_norm <= tol * x_norm
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


# float32's share of a float64 sum: terms whose bound is below (u64 / u32) / 8 of ||x||
# round in float32 to an eighth of the float64 rounding of x itself
_FLOAT32_SHARE = (2.0**-53 / 2.0**-24) / 8.0


def _late_terms_bound(h: float, k: int, norm: float, w_norm: float) -> float:
    """A bound on what ``w_k = (h / k) C w_(k-1)`` and the later terms add to ``x(1)``, for
    ``||w_(k-1)||_F = w_norm`` and ``||C||_2`` estimated by ``norm`` (doubled, as the
    series' other bounds double it); the later terms, each at most ``2 h norm / (k + 1)``
    times the one before, at most double it while that ratio is below 1/2 (else inf:
    no float32).

    Examples
    --------
    >>> _late_terms_bound(1.0, 7, 0.18, 8.9e-10) < _FLOAT32_SHARE   # Pion, 4096 x 1024
    True
    >>> _late_terms_bound(1.0, 6, 0.18, 8.8e-8) < _FLOAT32_SHARE
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


def taylor_degree(r: float, tol: float) -> int:
    """The smallest ``m`` with ``r^(m+1) / (m+1)! / (1 - r / (m+2)) <= tol`` (``r <= 1/2``).

    For ``||B|| <= r`` that bounds ``||exp(B) - sum_(k <= m) B^k / k!||``.

    Examples
    --------
    >>> taylor_degree(0.5, 2.0**-53), taylor_degree(0.5, 2.0**-24), taylor_degree(0.0, 1e-16)
    (14, 8, 0)
    """
    m, term = 0, 1.0
    while True:
        term *= r / (m + 1)
        if term <= (1.0 - r / (m + 2)) * tol:
            return m
        m += 1
        if m > MAX_TERMS:
            raise ComputationError(f"no Taylor degree reaches {tol:.3g} at ||B|| <= {r:.3g}")


def _add_power(out: Any, power: Any, c: float, tmp: Any | None = None) -> None:
    """``out += c power`` in place (``add_`` for torch; for numpy through ``tmp``, an array
    of ``out``'s shape, when given).

    Not BLAS ``axpy``: that is scipy's OpenBLAS, the products here numpy's, and a call into
    one while the other's threads still spin after its last call runs at about one
    thread's speed (at two threads the exponential of a 1024 x 1024 generator took 132 ms
    with scipy's axpy between numpy's products, 67 ms without; measured).
    """
    if not _is_numpy(out):
        out.add_(power, alpha=c)
        return
    out += np.multiply(power, c, out=tmp) if tmp is not None else c * power


def _add_identity(out: Any, c: float) -> None:
    """``out += c I`` in place."""
    if _is_numpy(out):
        np.einsum("ii->i", out)[...] += c  # a writable view of the diagonal
    else:
        out.diagonal().add_(c)


def _taylor_polynomial(C: Any, m: int, ws: Workspace | None = None) -> Any:
    """``sum_(k <= m) C^k / k!`` by Paterson-Stockmeyer: about ``2 sqrt(m)`` products.

    Each chunk ``c_0 I + c_1 C + ... + c_(q-1) C^(q-1)`` is added into the Horner sum in
    place, a power at a time. With a workspace ``ws`` (numpy) the powers, sums and the
    term ``c C^k`` are its arrays, and so is the result: at d = 1024 fresh temporaries
    cost about a third of the products' time (measured, one thread).
    """
    coef = [1.0 / math.factorial(k) for k in range(m + 1)]
    q = max(1, math.isqrt(m) + (0 if math.isqrt(m) ** 2 == m else 1))
    pooled = ws is not None and _is_numpy(C)

    def product(a: Any, b: Any, name: str) -> Any:
        if not pooled:
            return a @ b
        return np.matmul(a, b, out=ws.array(name, (a.shape[0], b.shape[1]), C.dtype))

    powers = [C]
    for k in range(2, q + 1):
        powers.append(product(powers[-1], C, f"taylor_power_{k}"))
    chunks = [coef[i : i + q] for i in range(0, m + 1, q)]

    tmp = ws.array("taylor_term", C.shape, C.dtype) if pooled else None

    def add_chunk(out: Any, cs: list[float]) -> Any:
        for power, c in zip(powers, cs[1:]):
            _add_power(out, power, c, tmp)
        _add_identity(out, cs[0])
        return out

    last = chunks[-1]
    # the last chunk starts from c_1 C (or 0): C itself is never written
    if pooled:
        P = np.multiply(C, last[1] if len(last) > 1 else 0.0,
                        out=ws.array("taylor_sum_0", C.shape, C.dtype))
    else:
        P = powers[0] * last[1] if len(last) > 1 else 0.0 * C
    for power, c in zip(powers[1:], last[2:]):
        _add_power(P, power, c, tmp)
    _add_identity(P, last[0])
    for n, cs in enumerate(reversed(chunks[:-1])):
        # the sums alternate between two arrays (a product cannot overwrite its input)
        P = add_chunk(product(P, powers[-1], f"taylor_sum_{(n + 1) % 2}"), cs)
    return P


def expm_skew(B: Any, ws: Workspace | None = None) -> Any:
    """``exp(B)`` for a (skew-symmetric) square ``B``: Taylor on ``B / 2^j``, squared j times.

    ``B / 2^j`` has norm at most 1/2 (twice the power-iteration estimate, taken as the
    bound); the Taylor degree is the smallest whose remainder is below the unit roundoff
    (:func:`taylor_degree`), evaluated by Paterson-Stockmeyer. With a workspace ``ws``
    (numpy) the temporaries and the result are its arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.linalg as sla
    >>> B = np.array([[0.0, 2.0], [-2.0, 0.0]])
    >>> bool(np.abs(expm_skew(B) - sla.expm(B)).max() < 1e-15)
    True
    """
    rho = 2.0 * norm2_estimate(B)
    substeps(rho, "exp(B)")  # the same limit as the action's
    j = max(0, math.ceil(math.log2(rho / 0.5))) if rho > 0.5 else 0
    degree = taylor_degree(rho * 0.5**j, unit_roundoff(B))
    if ws is None or not _is_numpy(B):
        E = _taylor_polynomial(B * (0.5**j), degree)
        for _ in range(j):
            E = E @ E
        return E
    E = _taylor_polynomial(np.multiply(B, 0.5**j, out=ws.array("expm_scaled", B.shape, B.dtype)),
                           degree, ws)
    for n in range(j):
        E = np.matmul(E, E, out=ws.array(f"expm_square_{n % 2}", B.shape, B.dtype))
    return E


def _taylor_action(
    B: Any, X: Any, BX: Any | None = None, s: float = 1.0, norm: float | None = None
) -> Any:
    """``exp(sB) X`` for a normal (skew) ``B``: Taylor series over substeps, cut by a tail bound.

    With ``r >= ||sB||_2 / p`` (twice the power-iteration estimate, ``p`` substeps making
    ``r <= 1/2``) the terms ``w_k = (sB/p)^k X / k!`` of a substep satisfy
    ``||w_(j+1)|| <= r / (j + 1) ||w_j||`` (``B`` normal), so after term ``k`` everything
    left is at most ``||w_k|| q / (1 - q)``, ``q = r / (k + 1)``; the series stops once
    that is below the unit roundoff relative to ``||X||`` (``= ||exp(sB) X||``, the factor
    being orthogonal). ``BX = B @ X``, when known, gives the first term of the first
    substep. ``s`` scales the vectors, never ``B`` (a copy of a d x d matrix saved);
    ``norm``, when known, is ``norm2_estimate(B)``.
    """
    tol = unit_roundoff(X) * _fro(X)
    rho = 2.0 * abs(s) * (norm2_estimate(B) if norm is None else norm)
    p = substeps(rho)
    h = s / p
    r = rho / p
    x = X
    for step in range(p):
        w = BX if step == 0 and BX is not None else B @ x
        w = w * h  # a new array: X (and BX) are never written
        x = x + w
        k = 1
        while True:
            q = r / (k + 1)
            if _fro(w) * q <= (1.0 - q) * tol:
                break
            k += 1
            if k > MAX_TERMS:
                raise ComputationError(
                    f"the Taylor series of exp did not converge in {MAX_TERMS} terms "
                    f"(||B|| estimated {rho / 2:.3g}); please report this matrix"
                )
            w = B @ w
            w *= h / k
            x += w
    return x


def expm_apply(A: Any, s: float, X: Any, AX: Any | None = None) -> Any:
    """``exp(sA) X`` for a skew ``A``: the action (d > columns of X) or the factor times X.

    The action is a Taylor series (:func:`_taylor_action`), or, for numpy arrays where it
    needs fewer flops (a high expected degree, as in float64 at ``||sA||`` above about
    0.06, and ``X`` not too narrow against ``A``), the even/odd series
    (:func:`_even_odd_action`).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.linalg as sla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((6, 6)); A = A - A.T
    >>> X = rng.standard_normal((6, 2))
    >>> bool(np.abs(expm_apply(A, 0.3, X) - sla.expm(0.3 * A) @ X).max() < 1e-14)
    True
    """
    if X.shape[1] >= A.shape[0]:
        return expm_skew(s * A) @ X
    norm = norm2_estimate(A)
    if not math.isfinite(abs(s) * norm):
        raise ArgumentError(
            f"exp(sA) X needs a finite step s and a finite A: s = {s!r}, ||A|| estimated "
            f"{norm!r}"
        )
    if even_odd_applies(A, X, norm):
        taylor_cost, even_odd_cost = action_costs(A.shape[0], X.shape[1], abs(s) * norm,
                                                  unit_roundoff(X))
        if even_odd_cost < taylor_cost - (AX is not None):
            return _even_odd_action(A, X, s, norm)
    return _taylor_action(A, X, AX, s, norm)


__all__ = ["expm_apply", "expm_skew", "taylor_degree"]
