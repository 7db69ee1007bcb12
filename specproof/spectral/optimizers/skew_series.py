"""The Taylor machinery behind Pion's exponential, for numpy arrays and torch tensors alike.

``exp(B) X`` for a dense normal (skew) ``B`` is the Taylor series over ``p`` substeps,
cut when a bound on all the remaining terms (from ``r >= ||B|| / p``, twice a
power-iteration estimate) falls below the unit roundoff of the dtype relative to the sum;
the factor ``exp(B)`` is the Taylor polynomial of the degree the same bound asks for, on
``B / 2^j`` (norm <= 1/2), by Paterson-Stockmeyer, squared ``j`` times; ``x' = C x + R``
(the low-rank core) is integrated by the same series with a two-term stopping rule, in
:mod:`specproof.spectral.optimizers.skew_core_series`.
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
    _is_numpy,
    column_norms,
    column_ratio,
    norm2_estimate,
    substeps,
    unit_roundoff,
)
from specproof.spectral.optimizers.workspace import Workspace


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
    that is below the unit roundoff relative to each column of ``x`` (``= ||exp(sB) x_j||``,
    the factor being orthogonal; :func:`column_ratio`: relative to ``||X||_F`` a column
    the generator rotates among 300 it leaves alone came out 7e-14 off). ``BX = B @ X``,
    when known, gives the first term of the first substep. ``s`` scales the vectors,
    never ``B`` (a copy of a d x d matrix saved); ``norm``, when known, is
    ``norm2_estimate(B)``.
    """
    u = unit_roundoff(X)
    rho = 2.0 * abs(s) * (norm2_estimate(B) if norm is None else norm)
    p = substeps(rho)
    h = s / p
    r = rho / p
    x = X
    for step in range(p):
        x_cols = column_norms(x)
        w = BX if step == 0 and BX is not None else B @ x
        w = w * h  # a new array: X (and BX) are never written
        x = x + w
        k = 1
        while True:
            q = r / (k + 1)
            if column_ratio(column_norms(w), x_cols, u) * q <= (1.0 - q) * u:
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
