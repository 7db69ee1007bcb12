"""Spectral normalisation: torch's power iteration, exact SN, the global scale c.

- :class:`PowerIterationSN` reproduces ``torch.nn.utils.parametrizations.spectral_norm``:
  the weight is reshaped to ``(shape[dim], -1)`` (``dim`` moved to the front, then
  flattened); persistent ``u`` and ``v`` start as normalised standard normals and get 15
  iterations at registration; each training call runs ``n_power_iterations`` steps of
  ``u <- normalize(W v)``, then ``v <- normalize(W^T u)``, with
  ``normalize(x) = x / max(||x||, eps)``, ``eps = 1e-12``; then ``sigma = u . (W v)`` and
  the weight is divided by ``sigma``. A 1-D weight is simply normalised.
- :func:`exact_sigma` / :func:`spectral_normalize`: the same with the exact top singular
  value of the reshaped weight, times a global scale ``c``.
- BSN and the operator-norm normalisation of a convolution kernel are in
  :mod:`specproof.spectral.kernel_normalization`.
- The norms and divisions safe from over- and underflow are in
  :mod:`specproof.spectral.sn_numerics`.

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
    as_flag,
    as_float,
    as_generator,
    as_int,
    as_positive_int,
    tensor_to_numpy,
)
from specproof.certificates import spectral_norm
from specproof.spectral.dtypes import NATIVE_DTYPES, as_native_array, mixed_dtype_error
from specproof.spectral.sn_numerics import (
    _below_eps,
    _check_c,
    _divide,
    _eps_at_scale,
    _eps_hint,
    _in_range,
    _ldexp,
    _nonzero_sigma,
    _norm,
    _normalize,
)
from specproof.spectral.sn_numerics import _plain_norm_holds as _plain_norm_holds

#: the iterations of torch's ``_SpectralNorm`` constructor (``spectral_norm`` adds the
#: ``n_power_iterations`` of the forward that registration runs)
TORCH_INIT_ITERATIONS = 15
DEFAULT_EPS = 1e-12


def _weight(weight: Any, name: str = "weight") -> np.ndarray:
    if hasattr(weight, "detach") and hasattr(weight, "cpu"):
        weight = tensor_to_numpy(weight, name)
    # a plain array only: np.sum skips a masked array's hidden entries (which sigma then
    # read), and np.matrix multiplies otherwise
    if type(weight) is np.ndarray and weight.dtype in NATIVE_DTYPES and weight.size:
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
    M, e = _in_range(M)
    eps_s = _eps_at_scale(eps, e)
    for _ in range(n_iterations):
        u = _normalize(M @ v, eps_s)
        v = _normalize(M.T @ u, eps_s)
    sigma = _ldexp(float(u @ (M @ v)), e)
    norms = (_norm(u), _norm(v))
    if all(abs(n - 1.0) <= 1e-6 for n in norms):
        return u, v, sigma
    if not n_iterations:
        # sigma = u . (W v) is read off the given vectors: with u = v = ones(2) it reported
        # 2 for the identity (checked after iterations only, before)
        raise ArgumentError(
            f"u and v must be unit vectors when n_iterations = 0 (sigma = u . (W v) is read "
            f"off them as given), got norms {norms[0]:.6g} and {norms[1]:.6g}: normalise "
            "them, or run at least one iteration")
    if np.any(M):
        raise _collapsed(_ldexp(_norm(M), e), eps, sigma)
    return u, v, sigma


def _collapsed(fro: float, eps: float, sigma: float) -> ArgumentError:
    """The error for a power iteration whose ``u`` or ``v`` stopped being a unit vector
    although the weight (of Frobenius norm ``fro``) is not zero."""
    if fro > 1e6 * eps:
        # lowering eps cannot help a weight this far above it: W v itself is 0
        return ArgumentError(
            f"the power iteration's ||W v|| fell below eps = {eps:g} although the weight's "
            f"Frobenius norm is {fro:.3g}: the start vectors u, v are zero or lie in W's null "
            "spaces (W v = 0 or W^T u = 0), from where the iteration cannot leave; start "
            "from other u, v (or a seed)")
    # ||W v|| fell below eps: torch's x / max(||x||, eps) stops making unit vectors and
    # sigma collapses (3.7e-23 for a weight whose sigma is 3e-13)
    return ArgumentError(
        f"the power iteration's ||W v|| fell below eps = {eps:g} (the weight's Frobenius "
        f"norm is {fro:.3g}): torch's normalisation x / max(||x||, eps) then stops making "
        f"unit vectors and sigma is wrong (it would be {sigma:.3g}); {_eps_hint(fro)}")


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
        module's ``_u`` and ``_v`` *before* its registration iterations.
    init_iterations : int, optional
        Iterations run at registration. Default ``15 + n_power_iterations``, what
        ``torch.nn.utils.parametrizations.spectral_norm`` runs: 15 in its
        ``_SpectralNorm`` constructor, then one training forward when
        ``register_parametrization`` evaluates the new parametrization (with 15 alone,
        ``u`` was one step behind torch's after registration, 4e-5 apart on a 10 x 6
        weight); ``15`` matches a bare ``_SpectralNorm(W)``.

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
        init_iterations: int | None = None,
    ) -> None:
        W = _weight(weight)
        if W.ndim == 0:
            raise ArgumentError(
                f"weight must have at least 1 dimension (a vector or an array that reshapes "
                f"to a matrix), got a scalar: {W!r}")
        self.n_power_iterations = as_positive_int(n_power_iterations, "n_power_iterations")
        self.eps = as_float(eps, "eps", minimum=0.0, strict_minimum=True)
        self.dim = as_int(dim, "dim", minimum=-W.ndim, maximum=max(W.ndim - 1, 0)) % W.ndim
        self.shape = W.shape
        self.dtype = W.dtype
        self.sigma: float | None = None
        self._scaled_sigma: tuple[float, int] | None = None
        if W.ndim == 1:
            self.u = self.v = None
            return
        M, e = _in_range(weight_to_matrix(W, self.dim))
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
        first = (TORCH_INIT_ITERATIONS + self.n_power_iterations if init_iterations is None
                 else as_int(init_iterations, "init_iterations", minimum=0))
        self._iterate(M, first, _eps_at_scale(self.eps, e))

    def _iterate(self, M: np.ndarray, n: int, eps: float) -> None:
        u, v = self.u, self.v
        if u.shape[0] != M.shape[0] or v.shape[0] != M.shape[1]:
            raise ArgumentError(
                f"u and v must have lengths {M.shape}, got {u.shape[0]} and {v.shape[0]}"
            )
        for _ in range(n):
            u = _normalize(M @ v, eps)
            v = _normalize(M.T @ u, eps)
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
        # training="no" ran a training step
        training = as_flag(training, "training", "True: iterate first; False: use the "
                           "stored vectors")
        W = _weight(weight)
        if W.shape != self.shape:
            raise ArgumentError(f"weight must have shape {self.shape}, got {W.shape}")
        if W.dtype != self.dtype:
            raise mixed_dtype_error("weight", W.dtype, "the registered weight", self.dtype,
                                    _SN_RULE)
        if W.ndim == 1:
            # a zero vector raises like a zero matrix (torch's normalize would return it)
            norm = _nonzero_sigma(_norm(W), "vector norm")
            if norm < self.eps:
                raise _below_eps("the weight's norm", norm, self.eps)
            self.sigma = norm
            return _divide(W, max(norm, self.eps))
        M, e = _in_range(weight_to_matrix(W, self.dim))
        u0, v0 = self.u, self.v
        try:
            # the floor eps applies to the norms of the unscaled vectors
            sigma = self._sigma(M, training, _eps_at_scale(self.eps, e))
            if np.any(M) and not all(abs(_norm(x) - 1.0) <= 1e-6 for x in (self.u, self.v)):
                # ||W v|| fell below the floor eps (a zero u of a nonzero weight is the
                # same collapse, carried to underflow): u and v stop being unit vectors
                # and sigma collapses geometrically (7e-50 for a weight of norm 3e-13,
                # whose "normalised" weight then had norm 4e36); torch's parametrization too
                raise _collapsed(_ldexp(_norm(M), e), self.eps, _ldexp(sigma, e))
            _nonzero_sigma(sigma, "power iteration")
            self.sigma = _nonzero_sigma(_ldexp(sigma, e), "power iteration")
        except Exception:
            self.u, self.v = u0, v0  # a refused call changes nothing
            raise
        # the sigma at the iteration's scale, for BSN's mean of two of them
        self._scaled_sigma = (sigma, e)
        # divided at the iteration's scale: W 2^-e / sigma, not W / (sigma rounded)
        return _divide(W, sigma, e)

    def _sigma(self, M: np.ndarray, training: bool, eps: float) -> float:
        sigma = None
        if training:
            self._iterate(M, self.n_power_iterations - 1, eps)
            u = _normalize(M @ self.v, eps)
            wtu = M.T @ u
            norm = _norm(wtu)
            self.u, self.v = u, _normalize(wtu, eps)
            if norm > eps:
                # v = W^T u / ||W^T u||, so u . (W v) = ||W^T u||: one matvec fewer than
                # torch's forward, equal up to rounding
                sigma = norm
        if sigma is None:
            sigma = float(self.u @ (M @ self.v))
        return sigma

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
        return _norm(W)
    M = weight_to_matrix(W, dim)
    hi = float(np.abs(M).max())
    if hi == 0.0:
        return 0.0
    # an exact power-of-two scaling first, so that the Gram below neither underflows nor
    # overflows; specproof.certificates.spectral_norm takes the small Gram for tall
    # matrices (4x cheaper than an SVD, sigma_max to relative ~u); present M tall
    e = math.frexp(hi)[1]
    Ms = np.ldexp(M, -e)
    sigma = _ldexp(float(spectral_norm(Ms.T if Ms.shape[0] < Ms.shape[1] else Ms).value), e)
    if not math.isfinite(sigma):
        # spectral_normalize and circular_singular_values raise here; inf was returned
        raise ComputationError(
            f"the weight's spectral norm is beyond float64's range (largest entry {hi:.3g})")
    return sigma


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
    c = _check_c(c, W.dtype)
    # a tiny weight is scaled up by an exact power of two first: its sigma, rounded into
    # the subnormals, would keep a few digits (a norm-1 result off by 1.7e-4 at 1e-321)
    hi = float(np.abs(W).max()) if W.size else 0.0
    if 0.0 < hi < math.sqrt(float(np.finfo(W.dtype).tiny)):
        W = np.ldexp(W, -math.frexp(hi)[1]).astype(W.dtype, copy=False)
    return c * _divide(W, _nonzero_sigma(exact_sigma(W, dim), "exact SVD"))


__all__ = [
    "DEFAULT_EPS",
    "TORCH_INIT_ITERATIONS",
    "PowerIterationSN",
    "exact_sigma",
    "power_iteration",
    "spectral_normalize",
    "weight_to_matrix",
]
