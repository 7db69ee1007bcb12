"""The ConvNorm layer's forward on plain arrays: preconditioned conv, running V, affine.

The official ``PreConv`` module (Liu et al. 2021) without its BatchNorm: the linear part
is :func:`specproof.spectral.convnorm.convnorm_operator` (``form="code"``); this module
adds the running average of ``V`` and the depthwise ``k x k`` affine convolution.

Examples
--------
>>> import numpy as np
>>> layer = ConvNorm(np.random.default_rng(0).standard_normal((2, 3, 3, 3)), padding=1)
>>> layer(np.ones((1, 3, 6, 6))).shape
(1, 2, 6, 6)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError, as_flag, as_float, as_int
from specproof.certificates import as_kernel
from specproof.certificates.convolution import _pair
from specproof.spectral.convnorm import convnorm_operator
from specproof.spectral.dtypes import as_native_array

_LAYER_RULE = "the layer runs in the kernel's dtype"

RAMPDOWN_LENGTH = 40000  # the official cosine ramp-down of the running-V average


def depthwise_affine(x: Any, weight: Any, bias: Any) -> np.ndarray:
    """The depthwise ``k x k`` affine convolution (zero padding ``(k - 1) // 2``, with bias).

    Parameters
    ----------
    x : array_like
        ``(B, C, h, w)``.
    weight : array_like
        ``(C, k, k)`` (torch's ``(C, 1, k, k)`` is accepted too).
    bias : array_like
        ``(C,)``.

    Examples
    --------
    >>> w = np.zeros((1, 3, 3)); w[0, 1, 1] = 2.0           # 2 x identity
    >>> depthwise_affine(np.ones((1, 1, 2, 2)), w, [0.5])[0, 0]
    array([[2.5, 2.5],
           [2.5, 2.5]])
    """
    X = as_native_array(x, "x", ndim=4)
    rule = "the affine runs in x's dtype"
    Wt = as_native_array(weight, "weight", like=X.dtype, like_name="x", rule=rule)
    if Wt.ndim == 4 and Wt.shape[1] == 1:
        Wt = Wt[:, 0]
    C = X.shape[1]
    if Wt.ndim != 3 or Wt.shape[0] != C:
        raise ArgumentError(f"weight must have shape ({C}, k_h, k_w), got {Wt.shape}")
    b = as_native_array(bias, "bias", ndim=1, like=X.dtype, like_name="x", rule=rule)
    if b.shape != (C,):
        raise ArgumentError(f"bias must have shape ({C},), got {b.shape}")
    kh, kw = Wt.shape[1:]
    h, w = X.shape[2:]
    ph, pw = (kh - 1) // 2, (kw - 1) // 2
    Xp = np.pad(X, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1
    if ho < 1 or wo < 1:
        # an empty array was returned, as no layer would
        raise ArgumentError(
            f"weight's {kh} x {kw} filter is larger than x's {h} x {w} grid padded by "
            f"{(ph, pw)}: the affine has no output")
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, naming the cause
        out = _affine_sum(Xp, Wt, b, ho, wo)
    if not np.all(np.isfinite(out)):
        raise ComputationError(
            f"the depthwise affine overflows {out.dtype} (max |x| = "
            f"{float(np.max(np.abs(X))):.3g}, max |weight| = {float(np.max(np.abs(Wt))):.3g})")
    return out


def _affine_sum(Xp: np.ndarray, Wt: np.ndarray, b: np.ndarray, ho: int, wo: int) -> np.ndarray:
    """The affine's sum over the filter taps on the padded ``Xp``, then the bias."""
    kh, kw = Wt.shape[1:]
    out = np.zeros((Xp.shape[0], Xp.shape[1], ho, wo), dtype=Xp.dtype)
    for a in range(kh):
        for bb in range(kw):
            out += Wt[None, :, a, bb, None, None] * Xp[:, :, a : a + ho, bb : bb + wo]
    out += b[None, :, None, None]
    return out


def cosine_rampdown(step: int, length: int = RAMPDOWN_LENGTH) -> float:
    """The official running-average factor ``0.5 (cos(pi t / L) + 1)`` for ``t`` in [0, L].

    Examples
    --------
    >>> cosine_rampdown(0), cosine_rampdown(40000)
    (1.0, 0.0)
    """
    # a count of steps: (1, 0) divided by zero, "a" and nan passed to float()
    step = as_int(step, "step")
    length = as_int(length, "length", minimum=1)
    t = min(max(step, 0), length)  # the official schedule clamps t to [0, L]
    return float(0.5 * (math.cos(math.pi * t / length) + 1.0))


class ConvNorm:
    """The official ConvNorm layer's forward (without BatchNorm) on plain arrays.

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        ``(c_out, c_in, k, k)``.
    stride, padding : int or (int, int)
        As in the layer (stride at least 1, padding from 0 to ``k - 1``); checked here.
    affine_weight, affine_bias : array_like, optional
        The depthwise affine ``(c_out, k, k)`` and ``(c_out,)``; default the identity
        (a centred delta, which is exact for odd ``k``) and 0. ``affine=False`` skips it.
    momentum : float, optional
        Running-V update factor; ``None`` uses the official cosine ramp-down
        ``max(cosine_rampdown(t), 0.01)`` of the number of training calls ``t``.

    Attributes
    ----------
    running_V : ndarray
        Starts as ``0`` (as the official buffer) and is updated by every training call.

    A float32 kernel makes a float32 layer: inputs must be float32 (another float dtype
    is an error naming both), and the output, ``running_V`` and the affine are float32.
    ``V`` itself is computed in float64 from the float32 kernel and then rounded.

    Examples
    --------
    >>> K = np.random.default_rng(0).standard_normal((4, 3, 3, 3))
    >>> layer = ConvNorm(K, padding=1)
    >>> layer(np.ones((2, 3, 8, 8))).shape
    (2, 4, 8, 8)
    """

    def __init__(
        self,
        kernel: Any,
        stride: Any = 1,
        padding: Any = 0,
        affine: bool = True,
        affine_weight: Any = None,
        affine_bias: Any = None,
        momentum: float | None = None,
    ) -> None:
        raw = as_native_array(kernel, "kernel")
        dt = raw.dtype
        self.kernel = as_kernel(raw).astype(dt, copy=False)
        c_out, _, kh, kw = self.kernel.shape
        # checked here, not at the first call: a layer built with stride=0 or padding=k
        # would only fail deep inside training
        self.stride = _pair(stride, "stride", minimum=1)
        self.padding = _pair(padding, "padding", minimum=0)
        if self.padding[0] > kh - 1 or self.padding[1] > kw - 1:
            raise ArgumentError(
                f"padding {self.padding} must be at most kernel_size - 1 = {(kh - 1, kw - 1)}"
                " (the ConvNorm code path crops kernel_size - 1 - padding)")
        self.affine = as_flag(affine, "affine", "True: apply the depthwise affine; False: "
                              "skip it")  # affine="no" was True
        # momentum 0 would keep the zero buffer forever: evaluation would output zeros
        self.momentum = None if momentum is None else as_float(
            momentum, "momentum", 0.0, 1.0, strict_minimum=True)
        if affine_weight is None:
            affine_weight = np.zeros((c_out, kh, kw), dtype=dt)
            affine_weight[:, (kh - 1) // 2, (kw - 1) // 2] = 1.0
        self.affine_weight = as_native_array(affine_weight, "affine_weight", like=dt,
                                             like_name="kernel", rule=_LAYER_RULE)
        self.affine_bias = as_native_array(
            np.zeros(c_out, dtype=dt) if affine_bias is None else affine_bias, "affine_bias",
            ndim=1, like=dt, like_name="kernel", rule=_LAYER_RULE,
        )
        aw = self.affine_weight
        if aw.ndim == 4 and aw.shape[1] == 1:  # torch's depthwise layout (C, 1, k, k)
            aw = aw[:, 0]
        if aw.shape != (c_out, kh, kw):
            # another filter size was taken as it came: an even one shrank the output grid
            raise ArgumentError(
                f"affine_weight must have shape ({c_out}, {kh}, {kw}) (one k_h x k_w filter "
                f"per output channel, the kernel's size), got {self.affine_weight.shape}")
        self.affine_weight = aw
        if self.affine_bias.shape != (c_out,):
            raise ArgumentError(
                f"affine_bias must have shape ({c_out},), got {self.affine_bias.shape}")
        self.running_V: np.ndarray = np.zeros(1, dtype=dt)
        self.num_batches_tracked = 0

    def _next_running(self, V: np.ndarray) -> tuple[np.ndarray, int]:
        """``(running V, batches tracked)`` after a training call with this batch's ``V``;
        nothing is assigned here (a refused call changes nothing)."""
        if self.num_batches_tracked and self.running_V.shape != V.shape:
            # a running average over two grids means neither (and broadcasting could
            # accept some pairs)
            raise ArgumentError(
                f"this training input's V has shape {V.shape} (rfft2 layout) but the "
                f"running V was estimated for shape {self.running_V.shape}: train on "
                "inputs of one grid size"
            )
        dt = self.kernel.dtype
        info = np.finfo(dt)
        lo, hi = float(V.min()), float(V.max())
        if hi > float(info.max) or lo < float(info.tiny):
            # a float32 kernel of 1e-39 has V ~ 6e38: the running V became inf
            top = float(np.abs(self.kernel).max())
            raise ComputationError(
                f"kernel: ConvNorm's filter V = (sum_c |K_hat|^2)^(-1/2) of this kernel (max "
                f"|kernel| = {top:.3g}) ranges over [{lo:.3g}, {hi:.3g}], outside the normal "
                f"{dt} numbers [{info.tiny:.3g}, {info.max:.3g}], and the running V is kept "
                "in the kernel's dtype. ConvNorm's output does not depend on the kernel's "
                f"scale: multiply the kernel by 2**{-math.frexp(top)[1]}, or use float64")
        count = self.num_batches_tracked + 1
        if self.momentum is None:
            f = max(cosine_rampdown(count), 1e-2)
        else:
            f = self.momentum
        with np.errstate(over="ignore"):
            new = f * V.astype(dt) + (1.0 - f) * self.running_V
        if not np.isfinite(new).all():
            raise ComputationError(f"kernel: the running V overflows {dt}")
        return new, count

    def __call__(self, x: Any, training: bool = True) -> np.ndarray:
        """Forward a batch ``(B, c_in, h, w)``; training updates and uses this batch's V.

        ``training`` must be a bool. The running V and the count of training calls change
        only once the output has been computed and found finite.
        """
        # training="no" was taken as True
        training = as_flag(training, "training", "True: use and update this batch's V; "
                           "False: use the running V")
        X = as_native_array(x, "x", ndim=4, like=self.kernel.dtype, like_name="kernel",
                            rule=_LAYER_RULE)
        if X.shape[1] != self.kernel.shape[1]:
            raise ArgumentError(
                f"x must have {self.kernel.shape[1]} channels (axis 1), got shape {X.shape}"
            )
        if training:
            op = convnorm_operator(self.kernel, X.shape[2:], self.stride, self.padding)
            running = self._next_running(op.V)
        else:
            if self.num_batches_tracked == 0:
                raise ArgumentError(
                    "training=False needs a running V: call the layer in training mode "
                    "first (the official layer would silently output only the affine bias)"
                )
            want = self._v_shape(X)
            if self.running_V.shape != want:
                raise ArgumentError(
                    f"x has grid {X.shape[2:]} but the running V was estimated for shape "
                    f"{self.running_V.shape} (rfft2 layout); expected {want}: evaluate on "
                    "inputs of the training size"
                )
            op = convnorm_operator(self.kernel, X.shape[2:], self.stride, self.padding,
                                   V=self.running_V)
        Y = op.forward(X)
        if self.affine:
            aw = self.affine_weight
            ph, pw = (aw.shape[1] - 1) // 2, (aw.shape[2] - 1) // 2
            Yp = np.pad(Y, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
            ho, wo = Yp.shape[2] - aw.shape[1] + 1, Yp.shape[3] - aw.shape[2] + 1
            with np.errstate(over="ignore", invalid="ignore"):
                # validated at construction; overflow is named below, with the layer's terms
                Y = _affine_sum(Yp, aw, self.affine_bias, ho, wo)
            if not np.isfinite(Y).all():
                raise ComputationError(
                    f"ConvNorm's depthwise affine overflows {Y.dtype}: affine_weight has "
                    f"entries up to {float(np.abs(self.affine_weight).max()):.3g}; nothing "
                    "was changed")
        if training:
            self.running_V, self.num_batches_tracked = running
        return Y

    def _v_shape(self, X: np.ndarray) -> tuple[int, int, int]:
        kh, kw = self.kernel.shape[2:]
        N = (X.shape[2] + kh - 1, X.shape[3] + kw - 1)
        return self.kernel.shape[0], N[0], N[1] // 2 + 1


__all__ = [
    "RAMPDOWN_LENGTH",
    "ConvNorm",
    "cosine_rampdown",
    "depthwise_affine",
]
