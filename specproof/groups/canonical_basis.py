"""One orthonormal basis per subspace: the projected standard basis, orthonormalised in order.

An SVD returns *an* orthonormal basis of a null space; which one depends on the LAPACK
build, and the Reynolds route's depends on its random probes. A layer initialised from
seeded coefficients in that basis was then a different layer on another machine. The
canonical basis depends only on the subspace (its projector ``P``): Gram-Schmidt applied
to ``P e_1, P e_2, ...`` in index order, skipping a vector whose part outside the span
of those before it is small (under :data:`PIVOT_RATIO` times the largest such part, so
that the basis stays well conditioned). Row ``i`` is then zero at the pivots of the rows
before it and positive at its own. Two machines agree on it to rounding, except where a part sits
within rounding of that ratio.
"""

from __future__ import annotations

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError

# a column is a pivot when its part outside the span so far is at least this fraction of
# the largest one; an irrational-looking ratio, so that the structured (often rational)
# norms of group problems do not tie with it
PIVOT_RATIO = 0.2983

# the orthonormality check allows |B B^* - I| <= max(100 sqrt(k) eps, this) (plus numpy's
# default rtol 1e-5 on the diagonal), eps of the basis' dtype (float64 for integers)
ORTHONORMAL_ATOL = 1e-8


def canonical_basis(basis: np.ndarray) -> np.ndarray:
    """The canonical orthonormal basis of the span of ``basis`` (rows of shape ``(k, ...)``).

    ``basis`` must have Frobenius-orthonormal rows (matrices); the result spans the same
    space, has the same shape, and is the same for every orthonormal basis of that space
    (up to rounding): row ``i`` is ``P e_{j_i}`` orthonormalised against rows ``< i``, for
    the pivots ``j_1 < j_2 < ...`` chosen in index order.

    Parameters
    ----------
    basis : ndarray, shape (k, ...)
        Orthonormal (real or complex) basis, one flattened vector per row.

    Returns
    -------
    ndarray
        Same shape and dtype (float64 for integer input).

    Examples
    --------
    >>> import numpy as np
    >>> c, s = np.cos(0.3), np.sin(0.3)
    >>> rotated = np.array([[c, s, 0.0], [-s, c, 0.0]])   # spans e_1, e_2 in another basis
    >>> canonical_basis(rotated).round(12) + 0.0
    array([[1., 0., 0.],
           [0., 1., 0.]])
    """
    basis = np.asarray(basis)
    if basis.ndim < 2:
        raise ArgumentError(f"basis must have shape (k, ...) with k vectors, got {basis.shape}")
    if basis.dtype.kind in "biu":
        basis = basis.astype(np.float64)  # integer rows orthonormalised in place failed
    elif basis.dtype.kind not in "fc":
        raise ArgumentTypeError(f"basis must be numeric, got dtype {basis.dtype}")
    elif basis.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise ArgumentTypeError(  # LAPACK's QR has neither float16 nor long double
            f"basis has dtype {basis.dtype}: use float32 or float64 (complex64, complex128)")
    k = basis.shape[0]
    if k == 0:
        return basis.copy()
    B = basis.reshape(k, -1)
    gram = B @ B.conj().T
    # the tolerance follows the dtype: a fixed 1e-8 refused every float32 basis (its Gram
    # matrix is off by ~1e-7); 1e-8 stays the floor for float64, as before
    eps = float(np.finfo(basis.dtype).eps)
    tol = max(100.0 * np.sqrt(k) * eps, ORTHONORMAL_ATOL)
    if not np.allclose(gram, np.eye(k), atol=tol):
        defect = float(np.max(np.abs(gram - np.eye(k))))
        raise ArgumentError(
            "basis must have orthonormal rows (Frobenius inner product): its Gram matrix "
            f"is off the identity by {defect:.3g} > {tol:.3g} (for dtype {basis.dtype})")
    # P e_j = V conj(B[:, j]) with V = B^T: Gram-Schmidt in the k coordinates
    coords = B.conj()
    pivots = _pivots(coords.copy())
    Q, R = np.linalg.qr(coords[:, pivots])
    # R's diagonal made positive real: a basis fixed up to these phases would not be canonical
    d = np.diagonal(R)
    phase = d / np.abs(d)
    Q = Q * (phase if np.iscomplexobj(Q) else np.sign(d))[None, :]
    rows = Q.T @ B
    return rows.reshape(basis.shape).astype(basis.dtype, copy=False)


def _pivots(residual: np.ndarray) -> list[int]:
    """The pivot columns, in index order (``residual`` is overwritten)."""
    k = residual.shape[0]
    norms = np.linalg.norm(residual, axis=0)
    pivots: list[int] = []
    while len(pivots) < k:
        largest = float(norms.max())
        if not largest > 0.0:
            raise ArgumentError("basis rows are not linearly independent")
        j = int(np.flatnonzero(norms >= PIVOT_RATIO * largest)[0])
        q = residual[:, j] / norms[j]
        pivots.append(j)
        # twice (classical Gram-Schmidt, reorthogonalised): the remaining parts stay accurate
        for _ in range(2):
            residual -= np.outer(q, q.conj() @ residual)
        norms = np.linalg.norm(residual, axis=0)
        norms[pivots] = 0.0
    return sorted(pivots)


__all__ = ["PIVOT_RATIO", "canonical_basis"]
