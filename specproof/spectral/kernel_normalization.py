"""Normalising a convolution kernel: BSN's two reshapes, and the true operator norm.

- :func:`bsn_sigmas` / :func:`bsn_normalize`: BSN (Lin, Sekar, Fanti 2021): ``sigma_1`` from
  the kernel reshaped ``(k k c_in) x c_out``, ``sigma_2`` from ``(k k c_out) x c_in``,
  the weight divided by their mean, times ``c``; :class:`BSNPowerIteration` does the same
  with two persistent power iterations (torch's, :class:`PowerIterationSN`).
- :func:`conv_operator_normalize`: divide a convolution kernel by (a certified upper bound
  on) the true operator norm of the convolution it defines.

A kernel with ``sigma = 0`` cannot be normalised: that is an error, never a NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ComputationError, as_choice, as_flag, as_float, as_generator
from specproof.certificates import NormBounds, as_kernel, conv_operator_norm
from specproof.spectral.normalization import (
    DEFAULT_EPS,
    PowerIterationSN,
    _nonzero_sigma,
    _weight,
    exact_sigma,
)
from specproof.spectral.sn_numerics import _check_c, _divide, _ldexp


def bsn_sigmas(kernel: Any) -> tuple[float, float]:
    """BSN's two sigmas of a kernel: ``(k k c_in) x c_out`` and ``(k k c_out) x c_in``.

    A 2-D weight ``(out, in)`` is treated as a 1 x 1 kernel (then both are ``||W||_2``).

    Examples
    --------
    >>> K = np.zeros((2, 1, 1, 2)); K[0, 0, 0, 0] = K[1, 0, 0, 1] = 1.0
    >>> bsn_sigmas(K)   # reshaped 2 x 2 identity, and a 1 x 4 row
    (1.0, 1.4142135623730951)
    """
    K = _as_kernel_or_matrix(kernel)
    return exact_sigma(K, dim=0), exact_sigma(K, dim=1)


def bsn_normalize(kernel: Any, c: float = 1.0) -> np.ndarray:
    """``c * K / ((sigma_1 + sigma_2) / 2)`` (BSN with the exact sigmas), in K's shape.

    A 2-D weight (a linear layer) gets plain SN times ``c``. The division is exact in
    scale: a tiny kernel is scaled up by a power of two first, and a sigma beyond the
    kernel's dtype is divided by in float64 (``spectral_normalize``'s arithmetic).

    Examples
    --------
    >>> K = np.zeros((2, 1, 1, 2)); K[0, 0, 0, 0] = K[1, 0, 0, 1] = 1.0
    >>> round(float(bsn_normalize(K)[0, 0, 0, 0]), 12)    # 1 / ((1 + sqrt 2) / 2)
    0.828427124746
    """
    c = as_float(c, "c", minimum=0.0, strict_minimum=True)
    W = _weight(kernel, "kernel")
    K = _as_kernel_or_matrix(W)
    c = _check_c(c, K.dtype)
    # a tiny kernel is scaled up by an exact power of two first: its sigmas, rounded into
    # the subnormals, kept a few digits ([[7, 1], [0, 5]] x 5e-324 gave 1, not 0.98)
    hi = float(np.abs(K).max())
    if 0.0 < hi < math.sqrt(float(np.finfo(K.dtype).tiny)):
        K = np.ldexp(K, -math.frexp(hi)[1]).astype(K.dtype, copy=False)
    s1, s2 = bsn_sigmas(K)
    sigma = _nonzero_sigma(0.5 * s1 + 0.5 * s2, "BSN mean of the two reshapes")
    # _divide: a sigma beyond the dtype (4e38 for a float32 kernel of 2e38) is not first
    # rounded to inf (which made the kernel all zeros)
    return (c * _divide(K, sigma)).reshape(W.shape)


def _as_kernel_or_matrix(kernel: Any) -> np.ndarray:
    K = _weight(kernel, "kernel")
    if K.ndim == 2:
        return K[:, :, None, None]
    if K.ndim != 4:
        as_kernel(K)  # raises its error for the wrong number of dimensions
    return K  # finite and non-empty already; a float32 kernel stays float32


class BSNPowerIteration:
    """BSN with two persistent power iterations (one per reshape), times a scale ``c``.

    Examples
    --------
    >>> K = np.random.default_rng(0).standard_normal((8, 4, 3, 3))
    >>> bsn = BSNPowerIteration(K, seed=0, c=1.0, n_power_iterations=200)
    >>> bool(np.allclose(bsn(K), bsn_normalize(K), rtol=1e-6))
    True
    """

    def __init__(
        self,
        kernel: Any,
        c: float = 1.0,
        n_power_iterations: int = 1,
        eps: float = DEFAULT_EPS,
        seed: Any = None,
    ) -> None:
        K = _as_kernel_or_matrix(kernel)
        rng = as_generator(seed)
        self.c = _check_c(as_float(c, "c", minimum=0.0, strict_minimum=True), K.dtype)
        self.sn1 = PowerIterationSN(K, n_power_iterations, dim=0, eps=eps, seed=rng)
        self.sn2 = PowerIterationSN(K, n_power_iterations, dim=1, eps=eps, seed=rng)
        self.sigma: float | None = None

    def __call__(self, kernel: Any, training: bool = True) -> np.ndarray:
        """``c K / ((sigma_1 + sigma_2) / 2)`` after a power-iteration step on each reshape,
        in the shape of ``kernel``. A refused call changes neither iteration.

        Examples
        --------
        >>> K = np.ones((2, 2, 1, 1))
        >>> float(BSNPowerIteration(K, seed=0)(K)[0, 0, 0, 0])   # sigma_1 = sigma_2 = 2
        0.5
        """
        training = as_flag(training, "training", "True: iterate first; False: use the "
                           "stored vectors")
        W = _weight(kernel, "kernel")
        K = _as_kernel_or_matrix(W)
        saved = [(sn.u, sn.v, sn.sigma, sn._scaled_sigma) for sn in (self.sn1, self.sn2)]
        try:
            self.sn1(K, training)
            self.sn2(K, training)
        except Exception:
            for sn, (u, v, sigma, scaled) in zip((self.sn1, self.sn2), saved):
                sn.u, sn.v, sn.sigma, sn._scaled_sigma = u, v, sigma, scaled
            raise
        # the mean of the two sigmas at the iterations' scale 2^e, and K divided at that
        # scale: the sigmas rounded to float64 lost digits for a subnormal kernel, and
        # K / sigma in float32 made a kernel of 2e38 all zeros (sigma 4e38 rounded to inf)
        (s1, e1), (s2, e2) = self.sn1._scaled_sigma, self.sn2._scaled_sigma
        e = max(e1, e2)
        scaled = 0.5 * _ldexp(s1, e1 - e) + 0.5 * _ldexp(s2, e2 - e)
        self.sigma = _ldexp(scaled, e)
        return (self.c * _divide(K, scaled, e)).reshape(W.shape)


def conv_operator_normalize(
    kernel: Any,
    input_shape: Any,
    stride: Any = 1,
    padding: Any = None,
    mode: str = "zeros",
    c: float = 1.0,
    bound: str = "upper",
) -> tuple[np.ndarray, NormBounds]:
    """Divide a kernel by the operator norm of its convolution (item of Sedghi et al.).

    Parameters
    ----------
    kernel, input_shape, stride, padding, mode
        The convolution, as in :func:`specproof.certificates.conv2d_operator`.
    c : float
        Global scale applied after normalising.
    bound : {"upper", "lower"}
        Divide by the certified upper bound, times ``1 + 32u`` (then ``||conv(K_n)|| <= c``
        is guaranteed, and so is the upper bound certified for ``K_n``; for circular
        stride-1 convolutions the result's norm is ``c`` to within ~1e-14) or by the
        Lanczos lower bound (the norm estimate).

    Returns
    -------
    (ndarray, NormBounds)
        The normalised kernel and the bracket of the original operator's norm.

    Examples
    --------
    >>> K = np.random.default_rng(0).standard_normal((4, 3, 3, 3))
    >>> Kn, b = conv_operator_normalize(K, 8, mode="circular")
    >>> from specproof.certificates import circular_singular_values
    >>> bool(abs(circular_singular_values(Kn, 8)[0] - 1.0) < 1e-12)
    True
    """
    bound = as_choice(bound, ("upper", "lower"), "bound")
    c = as_float(c, "c", minimum=0.0, strict_minimum=True)
    K = as_kernel(kernel)
    # as spectral_normalize: a subnormal c (1e-310) left ||conv(K_n)|| above c by 1e-13
    c = _check_c(c, K.dtype)
    b = conv_operator_norm(K, input_shape, stride=stride, padding=padding, mode=mode)
    sigma = b.upper if bound == "upper" else b.lower
    _nonzero_sigma(sigma, f"convolution operator norm, {bound} bound")
    if not math.isfinite(sigma):
        raise ComputationError("the operator norm is not finite")
    with np.errstate(over="ignore"):  # an overflow is named below
        if bound == "lower":
            Kn = c * (K / sigma)
        else:
            # the three roundings of c (K / sigma) can lift the norm by up to 3u over c,
            # and the bound certified for K_n again by a few u more (6u measured): divided
            # by 1 + 32u on top, ||conv(K_n)|| <= c and its certified upper bound <= c (18
            # of 60 random kernels were certified above c before, by up to 6u)
            Kn = c * ((K / sigma) / _UPPER_MARGIN)
    if not np.all(np.isfinite(Kn)):
        # taps that read only zero padding do not enter the norm: one of 1e300 beside a
        # live tap of 1e-300 became inf, and a convolution with it reads inf * 0 = NaN
        bad = int(np.count_nonzero(~np.isfinite(Kn)))
        dead = int(getattr(b.certificate, "dead_taps", 0) or 0)
        why = (f"taps that read only zero padding (certificate.dead_taps = {dead}) do not "
               "enter the norm: set them to 0 first (the operator is the same)" if dead
               else f"use a smaller c (c = {c:.3g})")
        raise ComputationError(
            f"the normalised kernel overflows float64 in {bad} entr{'y' if bad == 1 else 'ies'}"
            f": the operator's norm is {sigma:.3g}, and the largest tap is "
            f"{float(np.max(np.abs(K))):.3g}; {why}")
    return Kn, b


# the division's margin in the upper mode (see conv_operator_normalize)
_UPPER_MARGIN = 1.0 + 32.0 * 2.0**-53


__all__ = ["BSNPowerIteration", "bsn_normalize", "bsn_sigmas", "conv_operator_normalize"]
