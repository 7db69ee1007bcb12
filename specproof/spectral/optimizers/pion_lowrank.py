"""One Pion side's low-rank generator ``A = U V^T - V U^T``, kept in factored form.

With transported momentum and no second moment the generators are exactly low rank
(``A_out = W M^T - M W^T``); :class:`LowRankGenerator` holds the factors and their Gram
blocks, shared by the first-order term (for Pion's ``alpha``) and the factor ``T(sA)``
(:func:`~specproof.spectral.optimizers.skew_kernels.apply_lowrank`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof.spectral.optimizers.skew_kernels import apply_lowrank, apply_lowrank_right
from specproof.spectral.optimizers.workspace import Workspace


class LowRankGenerator:
    """One side's generator ``A = U V^T - V U^T`` from ``W`` and the transported moment ``M``.

    Out side (tall W): ``U = W, V = M`` (d_out x d_in); in side (wide W): ``U = M^T,
    V = W^T`` (d_in x d_out). The Gram blocks are computed once and shared by the
    first-order term (for alpha) and the factor.
    """

    def __init__(self, W: Any, M: Any, side: str) -> None:
        self.side = side
        self.U, self.V = (W, M) if side == "out" else (M.T, W.T)
        U, V = self.U, self.V
        self.grams = (U.T @ U, V.T @ V, V.T @ U)
        UU, VV, VU = self.grams
        # ||A||_F^2 = 2 (<UU, VV> - <VU, VU^T>); kappa = ||U|| ||V|| / ||A|| measures how
        # much the factors cancel (the factored route loses up to about kappa^2 u relative
        # to ||sA|| ||X||, measured); above kappa^2 = 1e3 the dense route is used
        big = float((UU * VV).sum())
        a2 = 2.0 * (big - float((VU * VU.T).sum()))
        self.well_conditioned = a2 >= 2e-3 * big
        self.fro = math.sqrt(max(a2, 0.0))  # ||A||_F, for the rotation bound

    @property
    def AW(self) -> Any:
        """``A_out W``: W is U, so U^T W and V^T W are Gram blocks."""
        return self.a_times_w()

    def a_times_w(self, ws: Workspace | None = None) -> Any:
        """:attr:`AW`, into arrays of the numpy workspace ``ws`` when given (the same
        operations: equal bit for bit; fresh d x k arrays page-fault through their memory,
        32 MB each at 4096 x 1024)."""
        UU, _, VU = self.grams
        if ws is None or not isinstance(self.U, np.ndarray):
            return self.U @ VU - self.V @ UU
        shape, dtype = (self.U.shape[0], VU.shape[1]), self.U.dtype
        AW = np.matmul(self.U, VU, out=ws.array("lowrank_aw", shape, dtype))
        VUU = np.matmul(self.V, UU, out=ws.array("lowrank_vuu", shape, dtype))
        return np.subtract(AW, VUU, out=AW)

    @property
    def WA(self) -> Any:
        """``W A_in = -(A_in W^T)^T``: W^T is V, so U^T W^T and V^T W^T are Gram blocks."""
        _, VV, VU = self.grams
        return -(self.U @ VV - self.V @ VU.T).T

    def left(self, s: float, transform: str, out: Any | None = None,
             ws: Workspace | None = None) -> Any:
        UU, _, VU = self.grams
        numpy = isinstance(self.U, np.ndarray)
        return apply_lowrank(self.U, self.V, s, self.U, transform, self.grams, (UU, VU),
                             out=out if numpy else None, ws=ws if numpy else None)

    def right(self, X: Any, s: float, transform: str, X_is_W: bool,
              ws: Workspace | None = None) -> Any:
        _, VV, VU = self.grams
        proj = (VU.T, VV) if X_is_W else None
        return apply_lowrank_right(X, self.U, self.V, s, transform, self.grams, proj,
                                   ws=ws if isinstance(self.U, np.ndarray) else None)


__all__ = ["LowRankGenerator"]
