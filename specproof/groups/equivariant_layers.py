"""Equivariant layers: linear maps from an intertwiner basis, and lifting / group
convolutions on image grids for C4 and D4 (and C1, C2, D1, D2).

Layouts (channels first, no batch axis; stack calls for batches):

- an image is ``(c, H, W)``; ``G`` acts by :class:`~specproof.groups.GridAction`
  on the last two axes (``r`` = ``np.rot90``, ``s`` = left-right mirror, ``r^k s^j`` =
  rotate after flipping);
- a function on ``G x grid`` is ``(c, |G|, H, W)``; ``G`` acts by
  :class:`GroupGridAction`: ``[g.F](h, p) = F(g^-1 h, g^-1 p)``.

Both convolutions are cross-correlations (``out[p] = sum_u k[u] x[p + u]``, the deep-
learning convention) with a filter moved by every group element:

- lifting: ``out[o, g] = sum_c (x[c] * (g.k)[o, c])``, ``(g.k)(u) = k(g^-1 u)``;
- group: ``out[o, g] = sum_{c, h} (F[c, h] * (g.k)[o, c, h])`` with ``g`` acting on the
  ``(|G|, kh, kw)`` axes of the filter as on a function on ``G x grid``.

Since rot90 and mirrors map the pixel grid onto itself, both are exactly equivariant,
on rectangular images too (a quarter turn exchanges H and W on inputs and outputs
alike); the only error is floating-point summation order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    as_generator,
    as_positive_int,
    first_nonfinite,
)
from specproof.groups._repdata import rep_data
from specproof.groups.actions import Action, GridAction
from specproof.groups.arrays import numeric_array
from specproof.groups.finite import FiniteGroup
from specproof.groups.intertwiners import intertwiners


def _as_input(x: Any, name: str, real: bool) -> np.ndarray:
    """``x`` as a numeric array with finite entries; complex refused when ``real`` (it was
    cast to float, dropping the imaginary part with only numpy's ComplexWarning)."""
    arr = numeric_array(x, name)
    if real and arr.dtype.kind == "c":
        raise ArgumentTypeError(
            f"{name} must be real, got dtype {arr.dtype}: the convolutions are real (pass "
            "the real and imaginary parts separately)")
    first_nonfinite(arr, name)
    return arr


class EquivariantLinear:
    """A linear map ``W = sum_k c_k B_k`` on an intertwiner basis ``B`` of Hom_G(rho_in, rho_out).

    Parameters
    ----------
    rho_in, rho_out : Representation
        Representations of the same group.
    seed : int, Generator or None
        Randomness of the coefficients ``c_k ~ N(0, 1 / d_in)``.
    method : {"nullspace", "reynolds"}
        How to compute the basis (see :func:`~specproof.groups.intertwiners`).
    bias : bool
        Add an invariant bias ``b`` with ``rho_out(g) b = b`` (a basis of
        Hom_G(trivial, rho_out)); zero-dimensional when rho_out has no fixed vectors.

    Attributes
    ----------
    basis : ndarray (k, d_out, d_in)
    coefficients : ndarray (k,)
    weight : ndarray (d_out, d_in)
    bias_vector : ndarray (d_out,)

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(4)
    >>> R = G.regular_representation()
    >>> layer = EquivariantLinear(R, R, seed=0)
    >>> layer.basis.shape, layer(np.ones(8)).shape
    ((8, 8, 8), (8,))
    """

    def __init__(
        self,
        rho_in: Any,
        rho_out: Any,
        seed: np.random.Generator | int | None = None,
        method: str = "nullspace",
        bias: bool = False,
    ) -> None:
        rng = as_generator(seed)
        self.rho_in, self.rho_out = rho_in, rho_out
        # the basis gets a generator of its own (one draw): the Reynolds probes, or the
        # elements a large group's check samples, must not shift the coefficients, so that
        # both methods make the same layer from one seed
        basis_rng = np.random.default_rng(int(rng.integers(2**63)))
        self.basis = intertwiners(rho_in, rho_out, method=method, rng=basis_rng)
        d_out, d_in = rep_data(rho_out, "rho_out").dim, rep_data(rho_in, "rho_in").dim
        self.coefficients = rng.standard_normal(len(self.basis)) / np.sqrt(max(d_in, 1))
        self.weight = np.einsum("k,kij->ij", self.coefficients, self.basis).reshape(d_out, d_in)
        self.bias_vector = np.zeros(d_out)
        if bias:
            data = rep_data(rho_out, "rho_out")
            ones = np.ones((data.order, 1, 1))
            # rho_out itself: its group (if any) checks the generators on the Cayley table
            fixed = intertwiners(ones, rho_out)
            self.bias_vector = np.einsum("k,kij->i", rng.standard_normal(len(fixed)), fixed)

    @classmethod
    def from_coefficients(cls, basis: np.ndarray, coefficients: Any) -> EquivariantLinear:
        """The layer with given basis and coefficients (no randomness).

        Examples
        --------
        >>> layer = EquivariantLinear.from_coefficients(np.eye(2)[None], [3.0])
        >>> layer.weight.tolist()
        [[3.0, 0.0], [0.0, 3.0]]
        """
        basis = np.asarray(basis)
        c = _as_input(coefficients, "coefficients", real=True).astype(float)
        if basis.ndim != 3 or c.shape != (basis.shape[0],):
            raise ArgumentError(
                f"coefficients must have shape ({basis.shape[0]},) to match basis of shape "
                f"{basis.shape}, got shape {c.shape}"
            )
        self = cls.__new__(cls)
        self.rho_in = self.rho_out = None
        self.basis, self.coefficients = basis, c
        self.weight = np.einsum("k,kij->ij", c, basis)
        self.bias_vector = np.zeros(basis.shape[1])
        return self

    def __call__(self, x: Any) -> np.ndarray:
        """``W x + b`` on the last axis of ``x`` (shape ``(..., d_in)``)."""
        x = _as_input(x, "x", real=False)  # a complex x is mapped linearly, exactly
        d_out, d_in = self.weight.shape
        if x.ndim == 0 or x.shape[-1] != d_in:
            raise ArgumentError(f"x must have shape (..., {d_in}), got shape {x.shape}")
        return x @ self.weight.T + self.bias_vector

    def __repr__(self) -> str:
        return f"EquivariantLinear(d_in={self.weight.shape[1]}, d_out={self.weight.shape[0]}, " \
               f"basis={len(self.basis)})"


class GroupGridAction(Action):
    """``G`` acting on functions on ``G x grid``, arrays ``(..., |G|, H, W)``:
    ``[g.F](h, p) = F(g^-1 h, g^-1 p)``. Grids may be rectangular (``size=(H, W)``).

    Examples
    --------
    >>> from specproof.groups import cyclic, verify_action
    >>> verify_action(GroupGridAction(cyclic(4), size=3), samples=1, rng=0).ok
    True
    """

    linear = True

    def __init__(self, group: FiniteGroup, size: int | tuple[int, int] = 5,
                 channels: int = 1) -> None:
        self.grid = GridAction(group, size=size, axes=(-2, -1))
        self.group = group
        self.shape = self.grid.shape
        self.size = self.shape[0]
        self.channels = int(channels)
        self.name = "functions on G x grid"

    def act(self, g: int, x: Any) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < 3 or x.shape[-3] != self.group.order:
            raise ArgumentError(
                f"x must have shape (..., |G|, H, W) = (..., {self.group.order}, H, W), "
                f"got shape {x.shape}"
            )
        moved = np.take(x, self.group.table[self.group.inverses[g]], axis=-3)
        return self.grid.act(g, moved)

    def random_point(self, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((self.channels, self.group.order, *self.shape))


def correlate2d(x: Any, kernels: Any, padding: str = "valid") -> np.ndarray:
    """Multi-channel 2-D cross-correlation ``out[o, p] = sum_{c,u} k[o, c, u] x[c, p + u]``.

    Parameters
    ----------
    x : ndarray (c_in, H, W)
    kernels : ndarray (c_out, c_in, kh, kw)
    padding : {"valid", "same"}
        ``"same"`` zero-pads ``(k - 1) / 2`` on each side (odd kernels only, so that the
        padding is symmetric and commutes with rotations and mirrors).

    Examples
    --------
    >>> correlate2d(np.ones((1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[4.0, 4.0], [4.0, 4.0]]]
    """
    x = _as_input(x, "x", real=True).astype(float)
    kernels = _as_input(kernels, "kernels", real=True).astype(float)
    if x.ndim != 3:
        raise ArgumentError(f"x must have shape (c_in, H, W), got shape {x.shape}")
    if kernels.ndim != 4 or kernels.shape[1] != x.shape[0]:
        raise ArgumentError(
            f"kernels must have shape (c_out, c_in, kh, kw) with c_in = {x.shape[0]} "
            f"(from x of shape {x.shape}), got shape {kernels.shape}"
        )
    kh, kw = kernels.shape[2:]
    if padding == "same":
        if kh % 2 == 0 or kw % 2 == 0:
            raise ArgumentError(f"padding='same' needs odd kernel sizes, got {(kh, kw)}")
        x = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)))
    elif padding != "valid":
        raise ArgumentError(f"padding must be 'valid' or 'same', got {padding!r}")
    if x.shape[1] < kh or x.shape[2] < kw:
        raise ArgumentError(f"x of shape {x.shape} is smaller than the kernel {(kh, kw)}")
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))  # (c, H', W', kh, kw)
    return np.einsum("cijuv,ocuv->oij", windows, kernels, optimize=True)


def _check_grid_group(G: FiniteGroup) -> GridAction:
    if not isinstance(G, FiniteGroup):
        raise ArgumentTypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    return GridAction(G, axes=(-2, -1))  # raises for groups without an exact grid action


def _check_conv_args(c_in: Any, c_out: Any, kernel_size: Any, padding: Any,
                     kernel: Any) -> None:
    """Validate a convolution's sizes and padding at construction, not at the first call
    (kernel_size=0 or -1 and c_in=0 failed there with numpy's reshape errors)."""
    if kernel is None:
        for what, v in (("c_in", c_in), ("c_out", c_out), ("kernel_size", kernel_size)):
            as_positive_int(v, what)
    if padding not in ("valid", "same"):
        raise ArgumentError(f"padding must be 'valid' or 'same', got {padding!r}")


def _check_kernel(kernel: np.ndarray, padding: str) -> None:
    """Refuse an empty or non-finite kernel, and an even one with ``padding="same"``."""
    if kernel.size == 0:
        raise ArgumentError(f"kernel must have no empty axis, got shape {kernel.shape}")
    first_nonfinite(kernel, "kernel")
    ks = kernel.shape[-1]
    if padding == "same" and ks % 2 == 0:
        # symmetric zero padding needs an odd kernel (it must commute with rot90/mirrors)
        raise ArgumentError(f"padding='same' needs an odd kernel_size, got {ks}")


def _kernel_or_random(kernel: Any, seed: np.random.Generator | int | None,
                      shape: tuple[int, ...]) -> np.ndarray:
    """``kernel`` as floats, or a Gaussian one of ``shape`` scaled by 1/sqrt(fan-in), the
    fan-in being every axis after the output channels."""
    if kernel is None:
        rng = as_generator(seed)
        kernel = rng.standard_normal(shape) * (1.0 / np.sqrt(int(np.prod(shape[1:]))))
    return _as_input(kernel, "kernel", real=True).astype(float)


class LiftingConv:
    """Lifting convolution: images ``(c_in, H, W)`` -> functions on ``G x grid``
    ``(c_out, |G|, H', W')``, ``out[o, g] = x * (g.k)[o]``.

    Parameters
    ----------
    G : FiniteGroup
        ``cyclic(N)`` or ``dihedral(N)`` with N in {1, 2, 4}.
    c_in, c_out, kernel_size : int
    seed : int, Generator or None
        Randomness of the filter ``k`` (shape ``(c_out, c_in, ks, ks)``).
    padding : {"valid", "same"}

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> layer = LiftingConv(dihedral(4), c_in=2, c_out=3, kernel_size=3, seed=0)
    >>> layer(np.ones((2, 7, 7))).shape
    (3, 8, 5, 5)
    """

    def __init__(self, G: FiniteGroup, c_in: int, c_out: int, kernel_size: int = 3,
                 seed: np.random.Generator | int | None = None, padding: str = "valid",
                 kernel: Any = None) -> None:
        self.grid = _check_grid_group(G)
        _check_conv_args(c_in, c_out, kernel_size, padding, kernel)
        self.group, self.padding = G, padding
        self.kernel = _kernel_or_random(kernel, seed, (c_out, c_in, kernel_size, kernel_size))
        if self.kernel.ndim != 4 or self.kernel.shape[2] != self.kernel.shape[3]:
            raise ArgumentError(
                f"kernel must have shape (c_out, c_in, k, k), got {self.kernel.shape}")
        _check_kernel(self.kernel, padding)

    def filter_bank(self) -> np.ndarray:
        """The moved filters ``(g.k)``, shape ``(c_out * |G|, c_in, k, k)`` (o major)."""
        bank = np.stack([self.grid.act(g, self.kernel) for g in range(self.group.order)], 1)
        return bank.reshape(-1, *self.kernel.shape[1:])

    def __call__(self, x: Any) -> np.ndarray:
        x = _as_input(x, "x", real=True)
        c_in = self.kernel.shape[1]
        if x.ndim != 3 or x.shape[0] != c_in:
            # name x, not correlate2d's internal kernels
            raise ArgumentError(f"x must have shape (c_in, H, W) = ({c_in}, H, W), "
                                f"got shape {x.shape}")
        out = correlate2d(x, self.filter_bank(), self.padding)
        return out.reshape(self.kernel.shape[0], self.group.order, *out.shape[1:])

    def input_action(self) -> GridAction:
        """How ``G`` acts on the inputs (for :func:`check_equivariance`)."""
        return self.grid

    def output_action(self) -> GroupGridAction:
        """How ``G`` acts on the outputs."""
        return GroupGridAction(self.group)


class GroupConv:
    """Group convolution: ``(c_in, |G|, H, W)`` -> ``(c_out, |G|, H', W')``,
    ``out[o, g] = sum_{c, h} F[c, h] * (g.k)[o, c, h]``.

    Parameters
    ----------
    G : FiniteGroup
        ``cyclic(N)`` or ``dihedral(N)`` with N in {1, 2, 4}.
    c_in, c_out, kernel_size : int
    seed : int, Generator or None
        Randomness of the filter ``k`` (shape ``(c_out, c_in, |G|, ks, ks)``).
    padding : {"valid", "same"}

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> layer = GroupConv(cyclic(4), c_in=2, c_out=3, kernel_size=3, seed=0)
    >>> layer(np.ones((2, 4, 6, 6))).shape
    (3, 4, 4, 4)
    """

    def __init__(self, G: FiniteGroup, c_in: int, c_out: int, kernel_size: int = 3,
                 seed: np.random.Generator | int | None = None, padding: str = "valid",
                 kernel: Any = None) -> None:
        _check_grid_group(G)
        _check_conv_args(c_in, c_out, kernel_size, padding, kernel)
        self.group, self.padding = G, padding
        self.action = GroupGridAction(G)
        self.kernel = _kernel_or_random(
            kernel, seed, (c_out, c_in, G.order, kernel_size, kernel_size))
        k = self.kernel
        if k.ndim != 5 or k.shape[2] != G.order or k.shape[3] != k.shape[4]:
            raise ArgumentError(
                f"kernel must have shape (c_out, c_in, |G|, k, k) with |G| = {G.order}, "
                f"got {k.shape}"
            )
        _check_kernel(k, padding)

    def filter_bank(self) -> np.ndarray:
        """Moved filters, shape ``(c_out * |G|, c_in * |G|, k, k)``."""
        c_out, c_in, n, ks, _ = self.kernel.shape
        bank = np.stack([self.action.act(g, self.kernel) for g in range(n)], 1)
        return bank.reshape(c_out * n, c_in * n, ks, ks)

    def __call__(self, x: Any) -> np.ndarray:
        x = _as_input(x, "x", real=True)
        n = self.group.order
        if x.ndim != 4 or x.shape[1] != n or x.shape[0] != self.kernel.shape[1]:
            raise ArgumentError(
                f"x must have shape (c_in, |G|, H, W) = ({self.kernel.shape[1]}, {n}, H, W), "
                f"got shape {x.shape}"
            )
        out = correlate2d(x.reshape(-1, *x.shape[2:]), self.filter_bank(), self.padding)
        return out.reshape(self.kernel.shape[0], n, *out.shape[1:])

    def input_action(self) -> GroupGridAction:
        """How ``G`` acts on inputs (and outputs)."""
        return self.action

    output_action = input_action


__all__ = [
    "EquivariantLinear",
    "GroupConv",
    "GroupGridAction",
    "LiftingConv",
    "correlate2d",
]
