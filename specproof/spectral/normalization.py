"""Spectral normalisation: torch's power iteration, exact SN, BSN, the global scale c.

- :class:`PowerIterationSN` reproduces ``torch.nn.utils.parametrizations.spectral_norm``:
  the weight is reshaped to ``(shape[dim], -1)`` (``dim`` moved to the front, then
  flattened); persistent ``u`` and ``v`` start as normalised standard normals and get 15
  iterations at registration; each training call runs ``n_power_iterations`` steps of
  ``u <- normalize(W v)``, then ``v <- normalize(W^T u)``, with
  ``normalize(x) = x / max(||x||, eps)``, ``eps = 1e-12``; then ``sigma = u . (W v)`` and
  the weight is divided by ``sigma``. A 1-D weight is simply normalised.
- :func:`exact_sigma` / :func:`spectral_normalize`: the same with the exact top singular
  value of the reshaped weight, times a global scale ``c``.
- :func:`bsn_sigmas` / :func:`bsn_normalize`: BSN (Lin, Sekar, Fanti 2021): ``sigma_1`` from
  the kernel reshaped ``(k k c_in) x c_out``, ``sigma_2`` from ``(k k c_out) x c_in``,
  the weight divided by their mean, times ``c``; :class:`BSNPowerIteration` does the same
  with two persistent power iterations.
- :func:`conv_operator_normalize`: divide a convolution kernel by (a certified upper bound
  on) the true operator norm of the convolution it defines.

A weight with ``sigma = 0`` cannot be normalised: that is an error, never a NaN.

Examples
--------
>>> import numpy as np
>>> W = np.diag([3.0, 1.0])
>>> spectral_normalize(W, c=2.0)
array([[2.        , 0.        ],
       [0.        , 0.66666667]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ComputationError,
    as_choice,
    as_float,
    as_generator,
    as_int,
    as_positive_int,
)
from specproof.certificates import NormBounds, as_kernel, conv_operator_norm, spectral_norm
from specproof.spectral.dtypes import NATIVE_DTYPES, as_native_array, mixed_dtype_error

TORCH_INIT_ITERATIONS = 15
DEFAULT_EPS = 1e-12


def _weight(weight: Any, name: str = "weight") -> np.ndarray:
    if hasattr(weight, "detach") and hasattr(weight, "cpu"):
        weight = weight.detach().cpu().numpy()
    if isinstance(weight, np.ndarray) and weight.dtype in NATIVE_DTYPES and weight.size:
        # a sum is finite only if every entry is (NaN and inf propagate); it is one
        # allocation-free pass, against isfinite's boolean array. An overflowing sum of
        # finite entries falls through to the full check, which then accepts it.
        with np.errstate(invalid="ignore", over="ignore"):
            total = float(np.sum(weight))
        if math.isfinite(total):
            return weight
    # float32 stays float32 (computed, stored and returned so); the rest becomes float64
    return as_native_array(weight, name)


_SN_RULE = "spectral normalisation runs in the registered weight's dtype"


def weight_to_matrix(weight: Any, dim: int = 0) -> np.ndarray:
    """torch's reshape: move axis ``dim`` to the front and flatten the rest.

    Examples
    --------
    >>> weight_to_matrix(np.zeros((4, 3, 3, 3))).shape
    (4, 27)
    >>> weight_to_matrix(np.zeros((4, 3, 3, 3)), dim=1).shape
    (3, 36)
    """
    W = _weight(weight)
    if W.ndim < 2:
        raise ArgumentError(f"weight must have at least 2 dimensions, got shape {W.shape}")
    dim = as_int(dim, "dim", minimum=-W.ndim, maximum=W.ndim - 1) % W.ndim
    if dim != 0:
        W = np.moveaxis(W, dim, 0)
    return W.reshape(W.shape[0], -1)


def _normalize(x: np.ndarray, eps: float) -> np.ndarray:
    return x / max(float(np.linalg.norm(x)), eps)


def _nonzero_sigma(sigma: float, what: str) -> float:
    if not sigma > 0.0:
        raise ArgumentError(
            f"weight has spectral norm {sigma:g} ({what}): spectral normalisation W / sigma "
            "is undefined for a zero weight"
        )
    return sigma


def power_iteration(
    W: Any,
    u: Any,
    v: Any,
    n_iterations: int = 1,
    eps: float = DEFAULT_EPS,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Run torch's power iteration on a matrix from ``(u, v)``; return ``(u, v, sigma)``.

    Each step is ``u <- normalize(W v)`` then ``v <- normalize(W^T u)``; ``sigma`` is
    ``u . (W v)`` for the final pair, as in torch's forward.

    Examples
    --------
    >>> W = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> u, v, s = power_iteration(W, np.ones(2) / 2**0.5, np.ones(2) / 2**0.5, 30)
    >>> round(s, 12)
    2.0
    """
    M = _weight(W, "W")
    if M.ndim != 2:
        raise ArgumentError(f"W must be a 2-D array, got shape {M.shape}")
    rule = "the iteration runs in W's dtype"
    u = as_native_array(u, "u", ndim=1, like=M.dtype, like_name="W", rule=rule).copy()
    v = as_native_array(v, "v", ndim=1, like=M.dtype, like_name="W", rule=rule).copy()
    if u.shape[0] != M.shape[0] or v.shape[0] != M.shape[1]:
        raise ArgumentError(
            f"u and v must have lengths {M.shape}, got {u.shape[0]} and {v.shape[0]}"
        )
    n_iterations = as_int(n_iterations, "n_iterations", minimum=0)
    eps = as_float(eps, "eps", minimum=0.0, strict_minimum=True)
    for _ in range(n_iterations):
        u = _normalize(M @ v, eps)
        v = _normalize(M.T @ u, eps)
    return u, v, float(u @ (M @ v))


class PowerIterationSN:
    """Spectral normalisation by persistent power iteration, step for step as in torch.

    Parameters
    ----------
    weight : array_like
        The weight at registration (its shape fixes ``u`` and ``v``).
    n_power_iterations : int
        Iterations per training call (torch's default 1).
    dim : int
        The axis that becomes the rows (torch: 0, or 1 for transposed convolutions).
    eps : float
        The normalisation floor (torch's 1e-12).
    seed : int, Generator or None
        Draws the initial ``u`` and ``v`` (standard normal, then normalised).
    u, v : array_like, optional
        Start from these vectors instead (normalised as torch does), e.g. a torch
        module's ``_u`` and ``_v`` *before* its 15 registration iterations.
    init_iterations : int
        Iterations run at registration (torch: 15).

    Examples
    --------
    >>> W = np.random.default_rng(0).standard_normal((6, 4))
    >>> sn = PowerIterationSN(W, seed=0)
    >>> Wn = sn(W)
    >>> bool(abs(np.linalg.norm(Wn, 2) - 1.0) < 1e-6)
    True
    """

    def __init__(
        self,
        weight: Any,
        n_power_iterations: int = 1,
        dim: int = 0,
        eps: float = DEFAULT_EPS,
        seed: Any = None,
        u: Any = None,
        v: Any = None,
        init_iterations: int = TORCH_INIT_ITERATIONS,
    ) -> None:
        W = _weight(weight)
        self.n_power_iterations = as_positive_int(n_power_iterations, "n_power_iterations")
        self.eps = as_float(eps, "eps", minimum=0.0, strict_minimum=True)
        self.dim = as_int(dim, "dim", minimum=-W.ndim, maximum=max(W.ndim - 1, 0)) % W.ndim
        self.shape = W.shape
        self.dtype = W.dtype
        self.sigma: float | None = None
        if W.ndim == 1:
            self.u = self.v = None
            return
        M = weight_to_matrix(W, self.dim)
        rng = as_generator(seed)
        # the draws are float64 (the same stream for both dtypes), rounded to W's dtype
        dt = self.dtype
        if u is None:
            u0 = rng.standard_normal(M.shape[0]).astype(dt)
        else:
            u0 = as_native_array(u, "u", ndim=1, like=dt, like_name="weight", rule=_SN_RULE)
        if v is None:
            v0 = rng.standard_normal(M.shape[1]).astype(dt)
        else:
            v0 = as_native_array(v, "v", ndim=1, like=dt, like_name="weight", rule=_SN_RULE)
        self.u = _normalize(u0, self.eps)
        self.v = _normalize(v0, self.eps)
        self._iterate(M, as_int(init_iterations, "init_iterations", minimum=0))

    def _iterate(self, M: np.ndarray, n: int) -> None:
        u, v = self.u, self.v
        if u.shape[0] != M.shape[0] or v.shape[0] != M.shape[1]:
            raise ArgumentError(
                f"u and v must have lengths {M.shape}, got {u.shape[0]} and {v.shape[0]}"
            )
        for _ in range(n):
            u = _normalize(M @ v, self.eps)
            v = _normalize(M.T @ u, self.eps)
        self.u, self.v = u, v

    def __call__(self, weight: Any, training: bool = True) -> np.ndarray:
        """The normalised weight ``W / sigma`` (iterating first when ``training``).

        Examples
        --------
        >>> sn = PowerIterationSN(np.diag([4.0, 1.0]), seed=0)
        >>> np.round(sn(np.diag([4.0, 1.0])), 6)
        array([[1.  , 0.  ],
               [0.  , 0.25]])
        """
        W = _weight(weight)
        if W.shape != self.shape:
            raise ArgumentError(f"weight must have shape {self.shape}, got {W.shape}")
        if W.dtype != self.dtype:
            raise mixed_dtype_error("weight", W.dtype, "the registered weight", self.dtype,
                                    _SN_RULE)
        if W.ndim == 1:
            norm = float(np.linalg.norm(W))
            self.sigma = norm
            return W / max(norm, self.eps)
        M = weight_to_matrix(W, self.dim)
        sigma = None
        if training:
            self._iterate(M, self.n_power_iterations - 1)
            u = _normalize(M @ self.v, self.eps)
            wtu = M.T @ u
            norm = float(np.linalg.norm(wtu))
            self.u, self.v = u, wtu / max(norm, self.eps)
            if norm > self.eps:
                # v = W^T u / ||W^T u||, so u . (W v) = ||W^T u||: one matvec fewer than
                # torch's forward, equal up to rounding
                sigma = norm
        if sigma is None:
            sigma = float(self.u @ (M @ self.v))
        self.sigma = _nonzero_sigma(sigma, "power iteration")
        return W / self.sigma

    def state_dict(self) -> dict[str, Any]:
        """``u``, ``v`` (copies) and the settings.

        Examples
        --------
        >>> sorted(PowerIterationSN(np.eye(2), seed=0).state_dict())
        ['dim', 'eps', 'n_power_iterations', 'u', 'v']
        """
        return {
            "u": None if self.u is None else self.u.copy(),
            "v": None if self.v is None else self.v.copy(),
            "dim": self.dim,
            "eps": self.eps,
            "n_power_iterations": self.n_power_iterations,
        }


def exact_sigma(weight: Any, dim: int = 0) -> float:
    """The top singular value of the reshaped weight (the fixed point of torch's SN).

    Examples
    --------
    >>> exact_sigma(np.diag([3.0, -5.0]))
    5.0
    """
    W = _weight(weight)
    if W.ndim == 1:
        return float(np.linalg.norm(W))
    M = weight_to_matrix(W, dim)
    hi = float(np.abs(M).max())
    if hi == 0.0:
        return 0.0
    # an exact power-of-two scaling first, so that the Gram below neither underflows nor
    # overflows; specproof.certificates.spectral_norm takes the small Gram for tall
    # matrices (4x cheaper than an SVD, sigma_max to relative ~u); present M tall
    e = math.frexp(hi)[1]
    Ms = np.ldexp(M, -e)
    return math.ldexp(float(spectral_norm(Ms.T if Ms.shape[0] < Ms.shape[1] else Ms).value), e)


def spectral_normalize(weight: Any, c: float = 1.0, dim: int = 0) -> np.ndarray:
    """``c * W / sigma(W)`` with the exact ``sigma`` of the reshaped weight.

    Raises
    ------
    ArgumentError
        If ``sigma = 0`` (a zero weight).

    Examples
    --------
    >>> spectral_normalize(np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: weight has spectral norm 0 (exact SVD): spectral \
normalisation W / sigma is undefined for a zero weight
    """
    c = as_float(c, "c", minimum=0.0, strict_minimum=True)
    W = _weight(weight)
    return c * (W / _nonzero_sigma(exact_sigma(W, dim), "exact SVD"))


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


__all__ = [
    "DEFAULT_EPS",
    "TORCH_INIT_ITERATIONS",
    "BSNPowerIteration",
    "PowerIterationSN",
    "bsn_normalize",
    "bsn_sigmas",
    "conv_operator_normalize",
    "exact_sigma",
    "power_iteration",
    "spectral_normalize",
    "weight_to_matrix",
]
