"""The result of an SoS solve for ``||X||_{2->q}^q``, and what can be read off it soundly.

:class:`SoSResult` holds the solver's bound, Gram matrix and pseudo-moments;
:func:`coefficient_sums` gives the coefficients of ``z^T G z`` and
:func:`sound_upper_bound` turns an approximate solution into a rigorous float bound.
The solves themselves are in :mod:`specproof.certificates.sos`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import as_matrix
from specproof.certificates.monomials import (
    Exponent,
    PairMap,
    gram_basis,
    norm_power_coefficients,
    pair_structure,
    power_sum_coefficients,
)


@dataclass(frozen=True)
class SoSResult:
    """A solved SoS relaxation (or a fixed-bound Gram search) for ``||X||_{2->q}^q``.

    Attributes
    ----------
    q : int
        Even degree.
    value : float
        The SoS bound on ``||X||_{2->q}^q`` (for a fixed-bound search: the bound ``C``).
    gram : ndarray (N, N)
        Gram matrix ``G`` with ``value ||v||^q - sum_i <x_i,v>^q ~= z^T G z``.
    basis : tuple of tuple
        Exponent tuples of ``z`` (monomials of degree q/2).
    pseudo_moments : ndarray (N, N) or None
        ``M_ab = E~[z_a z_b]`` from the dual, normalised to ``E~||v||^q = 1``.
    moments : ndarray or None
        ``E~[v^alpha]`` for the exponents ``exponents(d, q)``.
    status : str
        Solver status (``"optimal"`` unless accept_inaccurate was given).
    solver : str
        ``"clarabel"``, ``"scs"`` or ``"mosek"``.
    solve_time : float
        Wall-clock seconds of the solve (formulation included).
    lam : float or None
        For the fixed-bound search: the certified margin ``lambda_min(G)`` maximised.
    residual : float
        Largest absolute violation of the coefficient equalities by ``gram``.
    choice : dict or None
        The solver choice: requested, chosen, the measured-model estimate and the reason
        (:class:`~specproof.certificates.solver_choice.SolverChoice`).
    scale_exponent : int
        ``e`` when the solver saw the data rescaled to ``X 2^-e`` (as ``two_to_q`` does);
        ``value``, ``gram``, ``lam`` and ``residual`` are then scaled back exactly by
        ``2^(q e)`` to the units of ``X`` (``in_user_units``) unless that leaves the
        float range, where they stay in the solver's units.
    in_user_units : bool
        Whether ``value``, ``gram``, ``lam`` and ``residual`` are in the units of ``X``.
    """

    q: int
    value: float
    gram: np.ndarray = field(repr=False)
    basis: tuple[tuple[int, ...], ...] = field(repr=False)
    pseudo_moments: np.ndarray | None = field(repr=False, default=None)
    moments: np.ndarray | None = field(repr=False, default=None)
    status: str = "optimal"
    solver: str = "clarabel"
    solve_time: float = 0.0
    lam: float | None = None
    residual: float = 0.0
    choice: dict[str, Any] | None = field(repr=False, default=None)
    scale_exponent: int = 0
    in_user_units: bool = True

    @property
    def d(self) -> int:
        return len(self.basis[0])

    def __repr__(self) -> str:
        extra = f", lam={self.lam:.3g}" if self.lam is not None else ""
        return (
            f"SoSResult(q={self.q}, d={self.d}, value={self.value:.10g}, N={len(self.basis)}, "
            f"status={self.status!r}, solver={self.solver!r}, "
            f"solve_time={self.solve_time:.3f}s, residual={self.residual:.2e}{extra})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "d": self.d,
            "value": self.value,
            "gram": self.gram.tolist(),
            "basis": [list(b) for b in self.basis],
            "pseudo_moments": None if self.pseudo_moments is None else self.pseudo_moments.tolist(),
            "status": self.status,
            "solver": self.solver,
            "solve_time": self.solve_time,
            "lam": self.lam,
            "residual": self.residual,
            "choice": self.choice,
            "scale_exponent": self.scale_exponent,
            "in_user_units": self.in_user_units,
        }


def sos_structure(d: int, q: int) -> tuple[list[Exponent], PairMap]:
    """The Gram basis and the map ``alpha -> S_alpha`` (ordered index pairs).

    This is :func:`specproof.certificates.monomials.gram_basis`, re-exported for
    certificate code: ``sum_{(a,b) in S_alpha} G_ab`` is the coefficient of ``v^alpha``
    in ``z^T G z``.

    Examples
    --------
    >>> basis, S = sos_structure(2, 4)
    >>> len(basis), len(S), sum(len(p) for p in S.values())
    (3, 5, 9)
    """
    return gram_basis(d, q)


def coefficient_sums(G: np.ndarray, pair_rows: np.ndarray, m: int) -> np.ndarray:
    """``(sum_{(a,b) in S_alpha} G_ab)_alpha``: the coefficients of ``z^T G z``.

    Examples
    --------
    >>> rows, m = pair_structure(1, 2)
    >>> coefficient_sums(np.array([[2.0]]), rows, m)
    array([2.])
    """
    return np.bincount(pair_rows, weights=np.asarray(G, dtype=np.float64).ravel(), minlength=m)


def _residual(G: np.ndarray, pair_rows: np.ndarray, m: int, rhs: np.ndarray) -> float:
    return float(np.max(np.abs(coefficient_sums(G, pair_rows, m) - rhs))) if rhs.size else 0.0


def sound_upper_bound(X: Any, result: SoSResult) -> float:
    """A rigorous upper bound on ``||X||_{2->q}^q`` from an approximate SoS solution.

    The solver's ``value`` t and Gram matrix G satisfy the identity only up to a
    residual polynomial r and G may be slightly indefinite. For a unit v,
    ``sum_i <x_i,v>^q = t - z^T G z - r(v) <= t + max(0, -lambda_min(G)) + sum |r_alpha|``
    because ``||z||^2 <= ||v||^q = 1`` (every square ``v^(2 beta)`` appears in the
    expansion of ``(sum v_i^2)^(q/2)`` with coefficient >= 1) and ``|v^alpha| <= 1``. A
    margin of ``4 N eps ||G||`` covers the rounding of the eigenvalue computation, and
    ``1e-12 t`` that of the residual.

    Examples
    --------
    >>> from specproof.certificates.sos import solve_sos
    >>> X = np.eye(2)
    >>> ub = sound_upper_bound(X, solve_sos(X, 4))
    >>> 1.0 <= ub < 1.0 + 1e-6
    True
    """
    X = as_matrix(X)
    d, q = X.shape[1], result.q
    pair_rows, m = pair_structure(d, q)
    N = len(result.basis)
    G = (result.gram + result.gram.T) / 2
    rhs = result.value * norm_power_coefficients(d, q) - power_sum_coefficients(X, q)
    r_sum = float(np.sum(np.abs(coefficient_sums(G, pair_rows, m) - rhs)))
    eigs = np.linalg.eigvalsh(G)
    slack = max(0.0, -float(eigs[0])) + 4 * N * np.finfo(float).eps * float(np.abs(eigs).max())
    return float(result.value + slack + r_sum + 1e-12 * abs(result.value))


__all__ = ["SoSResult", "coefficient_sums", "sos_structure", "sound_upper_bound"]
