"""Is a solver's ``SoS_4`` value an upper bound? Its Gram matrix read as a certificate.

:func:`specproof.certificates.solve_sos` returns a value ``t`` and a Gram matrix ``G``
with ``t ||v||^4 - sum_i <x_i, v>^4 ~ z^T G z``. Only together do they say that ``t``
bounds ``||X||_{2->4}^4``: a value that was never certified (an early stop, an
infeasible iterate, a lower bound such as the power-method value) can sit inside every
bracket of lower bounds. The norm claims therefore judge ``(t, G)`` with the package's
rigorous float checker (:func:`specproof.certificates.check_numeric.gram_margin`, the
margin ``check_numeric`` accepts a certificate by) on two counts:

- the polynomial identity at the returned ``t``: its largest coefficient residual,
  relative to ``t``, at most :data:`IDENTITY_TOL` (per solver: the residual the solver
  leaves at its own value);
- ``G`` PSD: the rigorous bound ``t + max(0, N rho - lambda_min(G))`` on
  ``||X||_{2->4}^4`` that ``(t, G)`` proves (``gram_margin``'s ``required - lambda_lower``,
  valid for the full degree-2 basis) exceeds ``t`` by at most a relative tolerance the
  claim states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from specproof.certificates import SoSResult
from specproof.certificates.check_numeric import gram_margin

# The largest coefficient residual of the identity at the solver's own value, relative
# to that value, that a solver's answer may leave. Interior point (Clarabel, MOSEK)
# meets the equalities to rounding: measured at most 1e-11 over 560 solves (d = 2..8,
# Gaussian and Student-t rows, n = 3d, seeds 0..39), so 1e-10. SCS (first order, eps
# 1e-9 on the scaled problem; the solver "auto" picks from d = 9) left up to 2.6e-10 over
# 80 solves at d = 9, so 1e-8. A value moved off
# its Gram matrix by more shows here: the power-method value in place of SoS_4 (which
# equals it to ~1e-10 where SoS_4 is tight) left a residual above 1e-10 on 84-93% of the
# d <= 3 instances, above 1e-11 on 96-100%.
IDENTITY_TOL = {"scs": 1e-8}
DEFAULT_IDENTITY_TOL = 1e-10
#: the identity tolerances as the claims' expected lines state them
IDENTITY_TEXT = r"relative $10^{-10}$ ($10^{-8}$ for SCS)"


@dataclass(frozen=True)
class SoSValidity:
    """What the Gram matrix of one SoS solve certifies about its value.

    Attributes
    ----------
    identity_residual : float
        Largest coefficient residual of ``t ||v||^4 - sum <x_i,v>^4 - z^T G z``, over ``t``.
    identity_tol : float
        The residual the solver may leave (:data:`IDENTITY_TOL`).
    lambda_min : float
        ``lambda_min(G) / t`` as computed.
    certified_excess : float
        ``(U - t) / t`` for the rigorous bound ``U >= ||X||_{2->4}^4`` that ``(t, G)``
        proves (``inf`` if it proves none).
    """

    identity_residual: float
    identity_tol: float
    lambda_min: float
    certified_excess: float

    def certifies(self, tol: float) -> bool:
        """The identity holds at ``t`` (to :attr:`identity_tol`) and ``t (1 + tol)`` is a
        proved upper bound (NaN-safe: a NaN certifies nothing)."""
        return bool(self.identity_residual <= self.identity_tol
                    and self.certified_excess <= tol)


def sos_validity(X: np.ndarray, res: SoSResult) -> SoSValidity:
    """Judge ``(res.value, res.gram)`` as a certificate of ``||X||_{2->4}^4 <= res.value``.

    Parameters
    ----------
    X : numpy.ndarray (n, d)
        The rows the SoS relaxation was solved for.
    res : SoSResult
        The solve (``q = 4``).

    Returns
    -------
    SoSValidity
    """
    t = float(res.value)
    tol = IDENTITY_TOL.get(res.solver, DEFAULT_IDENTITY_TOL)
    if not (res.q == 4 and math.isfinite(t) and t > 0):
        return SoSValidity(math.inf, tol, math.nan, math.inf)
    # gram_margin wants entries of X at most 1: scale by a power of two (exact), with t
    # and G by its 4th power, as check_numeric does; the statement is homogeneous
    e = math.frexp(float(np.max(np.abs(X))))[1]
    G = np.asarray(res.gram, dtype=np.float64)
    G = (G + G.T) / 2  # z^T G z sees only the symmetric part
    ts = math.ldexp(t, -4 * e)
    m = gram_margin(np.ldexp(np.asarray(X, dtype=np.float64), -e), ts,
                    np.ldexp(G, -4 * e), res.basis, 4)
    # gram_margin: t + max(0, required - lambda_lower) bounds ||X||^4 for the full basis;
    # a monomial the basis lacks (unrepresentable) proves nothing
    gap = m.required - m.lambda_lower  # NaN stays NaN (max(0, NaN) would be 0)
    excess = math.inf if m.unrepresentable is not None else 0.0 if gap <= 0 else gap / ts
    return SoSValidity(float(m.residual_max / ts), tol, float(m.lambda_computed / ts),
                       float(excess))
