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

from specproof._core import ComputationError, as_choice, as_float, as_generator
from specproof.certificates import NormBounds, as_kernel, conv_operator_norm
from specproof.spectral.normalization import (
    DEFAULT_EPS,
    PowerIterationSN,
    _nonzero_sigma,
    _weight,
    exact_sigma,
)


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
    """``c * K / ((sigma_1 + sigma_2) / 2)`` (BSN with the exact sigmas).

    Examples
    --------
    >>> K = np.zeros((2, 1, 1, 2)); K[0, 0, 0, 0] = K[1, 0, 0, 1] = 1.0
    >>> round(float(bsn_normalize(K)[0, 0, 0, 0]), 12)    # 1 / ((1 + sqrt 2) / 2)
    0.828427124746
    """
    c = as_float(c, "c", minimum=0.0, strict_minimum=True)
    K = _as_kernel_or_matrix(kernel)
    s1, s2 = bsn_sigmas(K)
    return c * (K / _nonzero_sigma(0.5 * (s1 + s2), "BSN mean of the two reshapes"))


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
        self.c = as_float(c, "c", minimum=0.0, strict_minimum=True)
        self.sn1 = PowerIterationSN(K, n_power_iterations, dim=0, eps=eps, seed=rng)
        self.sn2 = PowerIterationSN(K, n_power_iterations, dim=1, eps=eps, seed=rng)
        self.sigma: float | None = None

    def __call__(self, kernel: Any, training: bool = True) -> np.ndarray:
        """``c K / ((sigma_1 + sigma_2) / 2)`` after a power-iteration step on each reshape.

        Examples
        --------
        >>> K = np.ones((2, 2, 1, 1))
        >>> float(BSNPowerIteration(K, seed=0)(K)[0, 0, 0, 0])   # sigma_1 = sigma_2 = 2
        0.5
        """
        K = _as_kernel_or_matrix(kernel)
        self.sn1(K, training)
        self.sn2(K, training)
        self.sigma = 0.5 * (self.sn1.sigma + self.sn2.sigma)
        return self.c * (K / self.sigma)


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
        Divide by the certified upper bound (then ``||conv(K_n)|| <= c`` is guaranteed;
        for circular stride-1 convolutions it is the exact norm up to ~1e-15) or by the
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
    b = conv_operator_norm(K, input_shape, stride=stride, padding=padding, mode=mode)
    sigma = b.upper if bound == "upper" else b.lower
    _nonzero_sigma(sigma, f"convolution operator norm, {bound} bound")
    if not math.isfinite(sigma):
        raise ComputationError("the operator norm is not finite")
    return c * (K / sigma), b


__all__ = ["BSNPowerIteration", "bsn_normalize", "bsn_sigmas", "conv_operator_normalize"]
