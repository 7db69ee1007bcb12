"""ConvNorm (Liu et al., NeurIPS 2021): the per-channel Fourier preconditioner of a convolution.

For a kernel ``K[o, c, a, b]`` and a grid ``N_h x N_w``, output channel ``o`` is filtered by

    V_o(w) = (sum_c |K_hat_{o,c}(w)|^2)^{-1/2},   K_hat = DFT of K zero-padded to the grid,

which makes every output channel's row block ``B_o = P_o [K_{o,1} ... K_{o,C_in}]`` an
isometry on its rows in the circular case (``B_o B_o^T = I``).

Two forms:

- **circular** (the theory): circular stride-1 convolution on ``n x n``, then ``V_o`` on the
  same grid: :func:`convnorm_operator` with ``form="circular"``.
- **code** (the official ``PreConv`` forward): full linear convolution (padding ``k - 1``,
  output ``N = n + k - 1``), ``irfft2(rfft2(y_o) V_o)`` on that ``N x N`` grid, crop
  ``k - 1 - padding`` on each side, subsample by the stride; then a depthwise ``k x k``
  affine convolution with bias (and, in the official module, BatchNorm, which is not
  reproduced). :class:`~specproof.spectral.convnorm_layer.ConvNorm` holds the depthwise
  affine and the running ``V`` as plain arrays; :func:`convnorm_operator` with
  ``form="code"`` is the linear part (no affine).

:func:`convnorm_report` gives each channel's block norm and the layer's spectral norm
before and after: on the code path ``||B_o|| <= 1`` and ``||B||_2 <= sqrt(C_out)``.
The filter ``V`` is computed in :mod:`specproof.spectral.convnorm_fourier`, the report's
norms in :mod:`specproof.spectral.convnorm_norms`.

Examples
--------
>>> import numpy as np
>>> K = np.random.default_rng(0).standard_normal((3, 2, 3, 3))
>>> r = convnorm_report(K, 6)
>>> r.ok, bool(r.channel_norms_after.max() <= 1 + 1e-12), bool(r.layer_norm_after <= 3**0.5)
(True, True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.sparse.linalg import LinearOperator

from specproof._core import (
    ArgumentError,
    ComputationError,
    Result,
    as_array,
    as_choice,
    as_float,
    as_int,
)
from specproof.certificates import as_kernel, conv2d_operator, conv_geometry
from specproof.certificates.convolution import _pair, correlate
from specproof.spectral.convnorm_fourier import _apply_filter, _crop_stride, convnorm_filter
from specproof.spectral.convnorm_norms import DENSE_MAX as DENSE_MAX
from specproof.spectral.convnorm_norms import _embed as _embed
from specproof.spectral.convnorm_norms import _norms
from specproof.spectral.dtypes import as_native_array

FORMS = ("code", "circular")


@dataclass(frozen=True)
class _Plan:
    form: str
    kernel: np.ndarray
    input_shape: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    grid: tuple[int, int]
    output_shape: tuple[int, int]
    conv: Any = field(repr=False)


def _plan(kernel: Any, input_shape: Any, stride: Any, padding: Any, form: str) -> _Plan:
    form = as_choice(form, FORMS, "form")
    K = as_kernel(kernel)
    kh, kw = K.shape[2:]
    if form == "circular":
        conv = conv2d_operator(K, input_shape, mode="circular")
        g = conv.geometry
        # as every shape argument: an int or a pair (stride=[1, 1] was refused as "not 1")
        if _pair(stride, "stride", minimum=1) != (1, 1):
            raise ArgumentError("form='circular' is the stride-1 circular layer: stride must be 1")
        if _pair(padding, "padding", minimum=0) != (0, 0):
            # the circular layer pads periodically by its geometry; padding=7 was ignored
            raise ArgumentError(
                f"form='circular' pads periodically (the layer's own geometry): padding must "
                f"be 0, got {padding!r}")
        return _Plan(form, K, g.input_shape, (1, 1), g.padding, g.input_shape, g.input_shape, conv)
    g0 = conv_geometry(K.shape, input_shape, stride=stride, padding=padding, mode="zeros")
    ph, pw = g0.padding
    if ph > kh - 1 or pw > kw - 1:
        raise ArgumentError(
            f"padding {(ph, pw)} must be at most kernel_size - 1 = {(kh - 1, kw - 1)} on the "
            "ConvNorm code path (the crop is kernel_size - 1 - padding)"
        )
    conv = conv2d_operator(K, input_shape, padding=(kh - 1, kw - 1), mode="zeros")
    N = conv.geometry.output_shape
    return _Plan(form, K, g0.input_shape, g0.stride, g0.padding, N, g0.output_shape, conv)


class ConvNormOperator(LinearOperator):
    """The preconditioned convolution (no affine) as a LinearOperator; see
    :func:`convnorm_operator`."""

    def __init__(self, plan: _Plan, V: np.ndarray) -> None:
        self.plan = plan
        self.V = V
        c_out, c_in = plan.kernel.shape[:2]
        self.c_out, self.c_in = c_out, c_in
        h, w = plan.input_shape
        ho, wo = plan.output_shape
        super().__init__(dtype=np.float64, shape=(c_out * ho * wo, c_in * h * w))

    def _start(self) -> tuple[int, int]:
        kh, kw = self.plan.kernel.shape[2:]
        return kh - 1 - self.plan.padding[0], kw - 1 - self.plan.padding[1]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the operator to a batch ``(B, c_in, h, w)`` in the batch's working dtype.

        A float32 batch is computed in float32 (the kernel and ``V`` rounded to float32);
        every other real batch (float64, integers, float16) in float64.

        Examples
        --------
        >>> op = convnorm_operator(np.ones((1, 1, 1, 1)), 2)
        >>> op.forward(np.ones((1, 1, 2, 2), dtype=np.float32)).dtype
        dtype('float32')
        """
        p = self.plan
        # float32 stays float32, anything else (integers, float16) is computed in float64:
        # in the batch's own dtype an integer batch truncated the kernel and V to integers
        # and returned zeros
        x = as_native_array(x, "x", ndim=4)
        if x.shape[1:] != (self.c_in, *p.input_shape):
            raise ArgumentError(f"x must have shape (B, {self.c_in}, {p.input_shape[0]}, "
                                f"{p.input_shape[1]}), got {x.shape}")
        dt = x.dtype
        # ConvNorm's output does not depend on the kernel's scale (the convolution scales
        # by t > 0, V by 1/t): the kernel is used at max|K| in [1/2, 1), an exact power of
        # two 2^-e, and V times 2^e, which is exact and leaves every other result bit for
        # bit as it was. Unscaled, a float32 kernel of 1e-39 had V ~ 6e38 = inf in float32
        # (NaN output), and one of 1e37 overflowed the float32 convolution.
        hi = float(np.abs(p.kernel).max())
        e = math.frexp(hi)[1] if hi > 0.0 else 0
        Ks = np.ldexp(p.kernel, -e).astype(dt, copy=False)
        with np.errstate(over="ignore", invalid="ignore"):
            Vs = np.ldexp(self.V, e).astype(dt, copy=False)
            Y = _apply_filter(correlate(Ks, x, p.conv.geometry), Vs)
        if p.form == "code":
            Y = _crop_stride(Y, self._start(), p.stride)
        if not np.isfinite(Y).all():
            info = np.finfo(dt)
            raise ComputationError(
                f"ConvNorm's output overflows {dt}: x has entries up to "
                f"{float(np.abs(x).max()):.3g}, and its convolution with the kernel (taken at "
                "max |kernel| in [1/2, 1): the output does not depend on the kernel's scale) "
                f"or the Fourier filter V (up to {float(Vs.max()):.3g} at that scale) leaves "
                f"{dt}'s range ({info.max:.3g}); scale x down, or compute in float64")
        return Y

    def _matmat(self, X: np.ndarray) -> np.ndarray:
        p = self.plan
        x = np.asarray(X, dtype=float).T.reshape(-1, self.c_in, *p.input_shape)
        Y = self.forward(x)
        return Y.reshape(Y.shape[0], -1).T

    def _rmatmat(self, Yf: np.ndarray) -> np.ndarray:
        p = self.plan
        Y = np.asarray(Yf, dtype=float).T.reshape(-1, self.c_out, *p.output_shape)
        if p.form == "code":
            full = np.zeros((Y.shape[0], self.c_out, *p.grid))
            (sh, sw), (st_h, st_w) = self._start(), p.stride
            region = full[..., sh : p.grid[0] - sh, sw : p.grid[1] - sw]
            region[..., ::st_h, ::st_w] = Y
            Y = full
        # the filter is a real symmetric circulant per channel: V(w) = V(-w)
        Y = _apply_filter(Y, self.V)
        return p.conv.T @ Y.reshape(Y.shape[0], -1).T

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._matmat(np.reshape(x, (-1, 1)))[:, 0]

    def _rmatvec(self, y: np.ndarray) -> np.ndarray:
        return self._rmatmat(np.reshape(y, (-1, 1)))[:, 0]

    def _adjoint(self) -> LinearOperator:
        return LinearOperator(
            shape=(self.shape[1], self.shape[0]), matvec=self._rmatvec, rmatvec=self._matvec,
            matmat=self._rmatmat, rmatmat=self._matmat, dtype=np.float64,
        )

    def dense(self) -> np.ndarray:
        """The operator as a dense matrix (small sizes).

        Examples
        --------
        >>> convnorm_operator(np.ones((1, 1, 1, 1)), 2).dense()    # V = 1: the identity
        array([[1., 0., 0., 0.],
               [0., 1., 0., 0.],
               [0., 0., 1., 0.],
               [0., 0., 0., 1.]])
        """
        return self._matmat(np.eye(self.shape[1]))

    def channel_rows(self, o: int) -> slice:
        """The rows of output channel ``o`` (its row block ``B_o``).

        Examples
        --------
        >>> convnorm_operator(np.ones((2, 1, 1, 1)), 4).channel_rows(1)
        slice(16, 32, None)
        """
        o = as_int(o, "o", minimum=0, maximum=self.c_out - 1)
        n = self.plan.output_shape[0] * self.plan.output_shape[1]
        return slice(o * n, (o + 1) * n)


def convnorm_operator(
    kernel: Any,
    input_shape: Any,
    stride: Any = 1,
    padding: Any = 0,
    form: str = "code",
    V: Any = None,
) -> ConvNormOperator:
    """The ConvNorm-preconditioned convolution ``x -> P K x`` (without the affine).

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        ``(c_out, c_in, k_h, k_w)``.
    input_shape : int or (int, int)
        The input grid.
    stride, padding : int or (int, int)
        The layer's stride and padding (``form="code"``; padding at most ``k - 1``).
    form : {"code", "circular"}
        The official forward (full conv, filter on the ``n + k - 1`` grid, crop, stride)
        or the circular stride-1 layer on ``n x n``.
    V : array_like, optional
        A filter to use instead of the kernel's own (e.g. a running average), in
        ``rfft2`` layout ``(c_out, N_h, N_w // 2 + 1)``: real, finite and positive. Any real
        dtype is accepted and held in float64 (a float32 ``V`` converts exactly).

    Examples
    --------
    >>> K = np.random.default_rng(1).standard_normal((2, 3, 3, 3))
    >>> B = convnorm_operator(K, 5, form="circular").dense()
    >>> B0 = B[:25]                                          # channel 0's row block
    >>> bool(np.abs(B0 @ B0.T - np.eye(25)).max() < 1e-12)
    True
    """
    plan = _plan(kernel, input_shape, stride, padding, form)
    c_out = plan.kernel.shape[0]
    want = (c_out, plan.grid[0], plan.grid[1] // 2 + 1)
    if V is None:
        V = convnorm_filter(plan.kernel, plan.grid)
    else:
        V = as_array(V, "V")
        if V.shape != want:
            raise ArgumentError(f"V must have shape {want} (rfft2 layout), got {V.shape}")
        # ConvNorm's filter is (energy)^(-1/2) > 0; a zero or negative entry would silently
        # flip or erase a channel's frequency, an operator no ConvNorm layer computes
        bad = np.argwhere(~(V > 0))
        if bad.size:
            where = tuple(int(i) for i in bad[0])
            raise ArgumentError(
                f"V must be positive everywhere (a ConvNorm filter is energy^(-1/2)); "
                f"V{list(where)} = {float(V[where])!r}"
            )
    return ConvNormOperator(plan, V)


@dataclass(frozen=True)
class ConvNormReport(Result):
    """Each channel's block norm and the layer norm, before and after ConvNorm.

    ``ok`` is the code-path guarantee: every ``||B_o|| <= 1`` and ``||B|| <= sqrt(C_out)``
    (with a relative tolerance ``tol``); codes ``channel_norm_exceeds_one`` and
    ``layer_norm_exceeds_sqrt_c_out``.

    Examples
    --------
    >>> r = convnorm_report(np.ones((1, 1, 1, 1)), 3)
    >>> r.ok, round(float(r.layer_norm_after), 12)
    (True, 1.0)
    """

    form: str = "code"
    channel_norms_before: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    channel_norms_after: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    layer_norm_before: float = 0.0
    layer_norm_after: float = 0.0
    sqrt_c_out: float = 0.0
    method: str = "dense-svd"
    tol: float = 1e-10


def convnorm_report(
    kernel: Any,
    input_shape: Any,
    stride: Any = 1,
    padding: Any = 0,
    form: str = "code",
    tol: float = 1e-10,
    seed: int = 0,
) -> ConvNormReport:
    """Block norms ``||B_o||`` and the layer norm ``||B||_2`` before and after ConvNorm.

    "Before" is the plain convolution with the same geometry (zero padding ``padding`` and
    the stride for ``form="code"``; circular for ``form="circular"``). Norms come from a
    dense SVD when the input dimension is at most 2048, otherwise from Lanczos
    (``method="lanczos-estimate"``: estimates, not bounds), or from the power iteration
    where ARPACK breaks down on a flat spectrum (``"power-estimate"``; an isometric
    channel block after ConvNorm is one).

    Examples
    --------
    >>> K = np.random.default_rng(0).standard_normal((4, 3, 3, 3))
    >>> r = convnorm_report(K, 6, stride=2, padding=1)
    >>> r.ok, bool(r.layer_norm_after < r.layer_norm_before)
    (True, True)
    """
    tol = as_float(tol, "tol", minimum=0.0)
    after = convnorm_operator(kernel, input_shape, stride, padding, form)
    plan = after.plan
    if form == "circular":
        before = plan.conv
    else:
        before = conv2d_operator(plan.kernel, plan.input_shape, stride=plan.stride,
                                 padding=plan.padding)
    c_out = plan.kernel.shape[0]
    rows = plan.output_shape[0] * plan.output_shape[1]
    nb, lb, method = _norms(before, c_out, rows, seed)
    na, la, _ = _norms(after, c_out, rows, seed)
    sq = math.sqrt(c_out)
    common = dict(form=plan.form, channel_norms_before=nb, channel_norms_after=na,
                  layer_norm_before=lb, layer_norm_after=la, sqrt_c_out=sq, method=method,
                  tol=tol)
    if na.max() > 1.0 + tol:
        o = int(np.argmax(na))
        return ConvNormReport(ok=False, code="channel_norm_exceeds_one",
                              reason=f"||B_{o}|| = {na[o]:.17g} > 1", **common)
    if la > sq * (1.0 + tol):
        return ConvNormReport(ok=False, code="layer_norm_exceeds_sqrt_c_out",
                              reason=f"||B|| = {la:.17g} > sqrt(C_out) = {sq:.17g}", **common)
    return ConvNormReport(ok=True, **common)


__all__ = [
    "FORMS",
    "ConvNormOperator",
    "ConvNormReport",
    "convnorm_filter",
    "convnorm_operator",
    "convnorm_report",
]
