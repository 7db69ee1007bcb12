"""ConvNorm's Fourier filter: ``V_o(w) = (sum_c |K_hat_{o,c}(w)|^2)^{-1/2}`` from a kernel,
its application per channel on a grid, and the crop and stride of the code path."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError
from specproof.certificates import as_kernel, conv_geometry

# V is refused where the energy's square root is within this factor of its rounding bound
_V_DIGITS = 1e8


def convnorm_filter(kernel: Any, grid: Any, onesided: bool = True) -> np.ndarray:
    """``V_o(w) = (sum_c |K_hat_{o,c}(w)|^2)^{-1/2}`` on a ``grid``.

    Parameters
    ----------
    kernel : array_like or torch.Tensor
        ``(c_out, c_in, k_h, k_w)``.
    grid : int or (int, int)
        The DFT grid ``(N_h, N_w)`` (the kernel is zero-padded at the end, as in the
        official code).
    onesided : bool
        ``rfft2`` layout ``(c_out, N_h, N_w // 2 + 1)`` (default) or the full
        ``(c_out, N_h, N_w)``.

    Raises
    ------
    ArgumentError
        If some output channel has no energy at some frequency (``V`` would be infinite);
        the channel and the frequency are named. Also if ``V`` leaves float64's normal
        range (a kernel too small or too large; the output does not depend on its scale).

    Examples
    --------
    >>> K = np.ones((1, 2, 1, 1))          # V = (1 + 1)^{-1/2} at every frequency
    >>> convnorm_filter(K, 2)
    array([[[0.70710678, 0.70710678],
            [0.70710678, 0.70710678]]])
    """
    K = as_kernel(kernel)
    g = conv_geometry(K.shape, grid, mode="circular")
    f = np.fft.rfft2 if onesided else np.fft.fft2
    # scale by an exact power of two first: V(2^-e K) = 2^e V(K), and squares of tiny or
    # huge entries would underflow or overflow
    hi = float(np.abs(K).max())
    e = math.frexp(hi)[1] if hi > 0 else 0
    Ks = np.ldexp(K, -e)
    energy = np.sum(np.abs(f(Ks, s=g.input_shape, axes=(2, 3))) ** 2, axis=1)
    # the FFT rounds each K_hat by up to ~log2(N) u ||K_o||_2 (a normwise bound): an energy
    # within _V_DIGITS times that of zero gives V with fewer than 8 correct digits (an
    # energy of 1e-32 from rounding gave V = 1.8e16 for a true 7.6e15, the layer and its
    # report following it)
    u = float(np.finfo(energy.dtype).eps) / 2
    fft_error = (2.0 * math.log2(g.input_shape[0] * g.input_shape[1] + 1) * u
                 * np.sqrt(np.sum(Ks.astype(energy.dtype) ** 2, axis=(1, 2, 3))))
    floor = (_V_DIGITS * fft_error) ** 2
    unresolved = ~(energy > floor[:, None, None])
    if unresolved.any():
        o, i, j = (int(v) for v in np.argwhere(unresolved)[0])
        if not energy[o, i, j] > 0:
            raise ArgumentError(
                f"kernel output channel {o} has zero Fourier energy at frequency {(i, j)} of "
                f"the {g.input_shape} grid: ConvNorm's V = (sum_c |K_hat|^2)^(-1/2) is "
                "infinite there")
        raise ArgumentError(
            f"kernel output channel {o} has Fourier energy {float(energy[o, i, j]) * 4.0**e:.3g}"
            f" at frequency {(i, j)} of the {g.input_shape} grid: |K_hat| there is below "
            f"{_V_DIGITS:.0e} times the FFT's rounding bound "
            f"{float(fft_error[o]) * 2.0**e:.3g} of it, so ConvNorm's V = "
            "(sum_c |K_hat|^2)^(-1/2) would have fewer than 8 correct digits")
    V = np.ldexp(energy**-0.5, -e)
    if not np.all(np.isfinite(V)):
        raise ArgumentError("kernel is too small: ConvNorm's V overflows float64")
    if float(V.min()) < float(np.finfo(np.float64).tiny):
        # rounded into the subnormals, V (and every output through it) lost digits
        raise ArgumentError(
            f"kernel is too large (max |kernel| = {hi:.3g}): ConvNorm's V falls below "
            "float64's smallest normal number and would lose digits; ConvNorm's output "
            "does not depend on the kernel's scale: scale the kernel down")
    return V


def _apply_filter(y: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``irfft2(rfft2(y) * V)`` per channel, on ``y``'s own grid; ``y`` is ``(B, C, H, W)``."""
    H, W = y.shape[-2:]
    return np.fft.irfft2(np.fft.rfft2(y, axes=(2, 3)) * V, s=(H, W), axes=(2, 3))


def _crop_stride(y: np.ndarray, start: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    sh, sw = start
    H, W = y.shape[-2:]
    y = y[..., sh : H - sh, sw : W - sw]
    return y[..., :: stride[0], :: stride[1]]
