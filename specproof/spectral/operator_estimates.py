"""The largest singular value of a matrix-free operator, estimated (ARPACK, then power).

ARPACK's Lanczos (``scipy.sparse.linalg.svds``) is fast where the top of the spectrum is
separated, but on an operator whose whole spectrum sits at one value — a ConvNorm channel
block is (nearly) an isometry — it broke down ("no shifts could be applied") or ran 1700
iterations for 23-110 s without converging. There the power iteration on ``AᵀA``
converges at once: its Rayleigh value ``‖Ax‖`` (``x`` a unit vector) is a lower bound of
``σ₁`` for every iterate and reaches it as fast as ``(σ₂/σ₁)^(2k)`` shrinks, and a
flat spectrum makes every unit ``x`` a top singular vector.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, svds

# enough for ARPACK on separated spectra (it needed tens of restarts here); beyond it the
# power iteration takes over instead of a run of minutes
ARPACK_MAXITER = 300
POWER_MAXITER = 2000
POWER_RTOL = 1e-13


def top_singular_value(A: LinearOperator, rng: np.random.Generator) -> tuple[float, str]:
    """``(sigma_1 estimate, method)``: ``"lanczos-estimate"`` or ``"power-estimate"``.

    Examples
    --------
    >>> from scipy.sparse.linalg import aslinearoperator
    >>> A = aslinearoperator(np.diag([3.0, 1.0, 1.0]))
    >>> value, how = top_singular_value(A, np.random.default_rng(0))
    >>> round(value, 9), how
    (3.0, 'lanczos-estimate')
    >>> Q = aslinearoperator(np.eye(40))   # a flat spectrum: ARPACK breaks down
    >>> value, how = top_singular_value(Q, np.random.default_rng(0))
    >>> round(value, 12)
    1.0
    """
    try:
        s = svds(A, k=1, v0=rng.standard_normal(min(A.shape)), tol=1e-10,
                 maxiter=ARPACK_MAXITER)[1]
        return float(s[0]), "lanczos-estimate"
    except (ArpackError, ArpackNoConvergence):
        pass
    x = rng.standard_normal(A.shape[1])
    x /= np.linalg.norm(x)
    value = 0.0
    for _ in range(POWER_MAXITER):
        y = A.matvec(x)
        new = float(np.linalg.norm(y))
        z = A.rmatvec(y)
        nz = float(np.linalg.norm(z))
        if nz == 0.0 or not math.isfinite(nz):
            return new, "power-estimate"
        x = np.ravel(z) / nz
        if abs(new - value) <= POWER_RTOL * new:
            return new, "power-estimate"
        value = new
    return value, "power-estimate"


__all__ = ["top_singular_value"]
