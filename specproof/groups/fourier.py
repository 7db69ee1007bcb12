"""Group Fourier transform over the real irreps, and the spectral norm of equivariant maps.

Convention (one, used everywhere here)
-------------------------------------
For a function ``f`` on ``G`` with values ``f(g)`` (scalars or ``a x b`` matrices) and a
real irrep ``psi`` (orthogonal matrices, type R/C/H, ``c_psi = dim End_G(psi)``):

    f^(psi) = sum_g f(g) (x) psi(g)                    (Kronecker, channels first)
    f(g)    = (1/|G|) sum_psi (d_psi / c_psi) tr_psi[(I (x) psi(g))^T f^(psi)]
    sum_g ||f(g)||_F^2 = (1/|G|) sum_psi (d_psi / c_psi) ||f^(psi)||_F^2   (Plancherel)

Both identities hold for every type because ``sum_psi (d_psi / c_psi) chi_psi`` is the
regular character ``|G| delta_e``.

Equivariant maps on the regular representation: with the right-regular representation
``(R_h f)(g) = f(g h)`` (:func:`~specproof.groups.right_regular_representation`) and a
filter ``w: G -> R^{c_out x c_in}``,

    W = sum_h w(h) (x) R(h),    (W f)(g) = sum_h w(h) f(g h)     ("gh" indexing)

commutes with the left regular action, and in the isotypic basis of ``R`` it is
block-diagonal with blocks ``w^(psi) = sum_h w(h) (x) psi(h)`` (each repeated
``d_psi / c_psi`` times), so ``||W||_2 = max_psi ||w^(psi)||_2``. With ``"gh^-1"``
indexing, ``(W f)(g) = sum_h w(h) f(g h^-1)``, i.e. ``W = sum_h w(h) (x) R(h^-1)``, and the
blocks are ``sum_h w(h) (x) psi(h^-1)``. Using ``psi(h^-1)`` where ``psi(h)`` belongs is a
real error on non-abelian groups: it takes a partial transpose of each block. For
cyclic groups the formula is the FFT rule for block-circulant matrices.

Every function here that takes an ``irreps`` list uses it only after
:func:`~specproof.groups.check_irreps` accepts it: irreps of another group, duplicated or
isomorphic irreps, a wrong declared type, a reducible "irrep", an incomplete list or
irreps in a non-orthogonal basis each give a wrong norm or a wrong transform without an
error, so they are refused (:class:`~specproof.groups.InvalidIrrepsError`, with a
``code``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    as_choice,
    first_nonfinite,
)
from specproof.groups.arrays import numeric_array
from specproof.groups.cayley import as_group
from specproof.groups.constructions import right_regular_representation
from specproof.groups.finite import FiniteGroup
from specproof.groups.irrep import Irrep
from specproof.groups.irrep_lists import as_irreps
from specproof.groups.irreps import irreps as _irreps

INDEXINGS = ("gh", "gh^-1")


def as_finite_group(G: Any) -> FiniteGroup:
    """``G`` if it is a FiniteGroup (the Fourier functions need its irreps), else an error."""
    G = as_group(G)
    if not isinstance(G, FiniteGroup):
        raise ArgumentTypeError(f"G must be a FiniteGroup, got {type(G).__name__}")
    return G


def _as_filter(w: Any, G: FiniteGroup, name: str = "w") -> np.ndarray:
    arr = numeric_array(w, name)
    if arr.ndim == 1:
        arr = arr[:, None, None]
    elif arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[0] != G.order:
        raise ArgumentError(
            f"{name} must have shape (|G|,), (|G|, a) or (|G|, a, b) with |G| = {G.order}, "
            f"got shape {np.shape(w)}"
        )
    first_nonfinite(arr, name)
    return arr.astype(np.result_type(arr, float))


def fourier_irreps(G: FiniteGroup, irreps: Any) -> list[Irrep]:
    """The library's irreps of G, or the user's list once
    :func:`~specproof.groups.check_irreps` accepts it (orthonormal bases required)."""
    return _irreps(G) if irreps is None else as_irreps(G, irreps, orthogonal=True)


def _indexing(indexing: Any) -> str:
    return as_choice(indexing, INDEXINGS, "indexing", case_sensitive=True)


def group_fourier_transform(f: Any, G: FiniteGroup, irreps: Any = None) -> dict[str, np.ndarray]:
    """``f^(psi) = sum_g f(g) (x) psi(g)`` for every real irrep ``psi`` of ``G``.

    Parameters
    ----------
    f : array_like, shape (|G|,), (|G|, a) or (|G|, a, b)
        Values ``f(g)`` (a vector value is a column ``a x 1``).
    G : FiniteGroup
    irreps : list of Irrep, optional
        Default :func:`~specproof.groups.irreps` of ``G``; a list given here must be the
        complete real irreps of ``G`` (:func:`~specproof.groups.check_irreps`).

    Returns
    -------
    dict
        Irrep name -> ``(a d_psi, b d_psi)`` array.

    Raises
    ------
    InvalidIrrepsError
        If ``irreps`` is not the complete list of real irreps of ``G``.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> fh = group_fourier_transform(np.array([1.0, 2.0, 3.0]), cyclic(3))
    >>> float(fh["trivial"][0, 0])
    6.0
    """
    G = as_finite_group(G)
    arr = _as_filter(f, G, "f")
    blocks, e = _scaled_blocks(arr, fourier_irreps(G, irreps))
    return {name: _unscale(b, e, f"f^({name})", "f") for name, b in blocks.items()}


def _kron_sum(w: np.ndarray, mats: np.ndarray) -> np.ndarray:
    a, b, d = w.shape[1], w.shape[2], mats.shape[1]
    return np.einsum("hab,hij->aibj", w, mats).reshape(a * d, b * d)


def _exponent(*arrays: np.ndarray) -> int:
    """``e`` with ``max|x| < 2^e`` over the arrays (0 for all zeros): scaling by ``2^-e``
    is exact and keeps sums of ``|G|`` terms far from overflow (and from underflow)."""
    big = max((float(np.max(np.abs(x))) for x in arrays if x.size), default=0.0)
    return math.frexp(big)[1] if big > 0.0 else 0


def _ldexp(x: np.ndarray, e: int) -> np.ndarray:
    """``x * 2^e`` exactly (for complex ``x`` too), inf where it overflows."""
    with np.errstate(over="ignore"):
        if np.iscomplexobj(x):
            out = np.empty_like(x)
            out.real, out.imag = np.ldexp(x.real, e), np.ldexp(x.imag, e)
            return out
        return np.ldexp(x, e)


def _unscale(block: np.ndarray, e: int, what: str, name: str) -> np.ndarray:
    """``block * 2^e``, refusing an entry beyond float64 with a ComputationError."""
    out = _ldexp(block, e)
    if not np.all(np.isfinite(out)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        size = math.log10(float(np.abs(block[idx]))) + e * math.log10(2.0)
        raise ComputationError(
            f"{what} has an entry of about 10^{size:.2f} at index {idx}, beyond float64 "
            f"(max {np.finfo(np.float64).max:.3g}): the transform of {name} overflows; "
            f"rescale {name} (the transform is linear in it)")
    return out


def _scaled_blocks(arr: np.ndarray, irs: list[Irrep], inverse_of: Any = None,
                   ) -> tuple[dict[str, np.ndarray], int]:
    """The blocks of ``arr * 2^-e`` (``psi(h^-1)`` when ``inverse_of`` is the group) and
    ``e``: the filter scaled into [1/2, 1) before summing, so that no partial sum
    overflows (8 entries of 1e308 gave inf, and the spectral norm NaN)."""
    e = _exponent(arr)
    scaled = _ldexp(arr, -e)
    out = {}
    for p in irs:
        mats = p.matrices if inverse_of is None else p.matrices[inverse_of.inverses]
        out[p.name] = _kron_sum(scaled, mats)
    return out, e


def inverse_group_fourier_transform(
    fhat: dict[str, np.ndarray], G: FiniteGroup, irreps: Any = None
) -> np.ndarray:
    """Invert :func:`group_fourier_transform`; returns ``f`` with shape ``(|G|, a, b)``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(3)
    >>> f = np.arange(6.0)
    >>> np.allclose(inverse_group_fourier_transform(group_fourier_transform(f, G), G)[:, 0, 0], f)
    True
    """
    G = as_finite_group(G)
    irs = fourier_irreps(G, irreps)
    if not isinstance(fhat, dict):
        raise ArgumentTypeError(
            f"fhat must be a dict irrep name -> block, got {type(fhat).__name__}")
    missing = [p.name for p in irs if p.name not in fhat]
    if missing:
        raise ArgumentError(f"fhat lacks the irreps {missing} of {G.name}")
    extra = sorted(str(k) for k in fhat if k not in {p.name for p in irs})
    if extra:
        raise ArgumentError(
            f"fhat has blocks {extra} that are not irreps of {G.name} "
            f"({[p.name for p in irs]}): they would be silently dropped")
    blocks = {}
    for p in irs:
        d = p.dim
        block = np.asarray(fhat[p.name])
        if block.dtype.kind not in "biufc":
            raise ArgumentTypeError(
                f"fhat[{p.name!r}] must be numeric, got dtype {block.dtype}")
        first_nonfinite(block, f"fhat[{p.name!r}]")
        if block.ndim != 2 or block.shape[0] % d or block.shape[1] % d:
            raise ArgumentError(
                f"fhat[{p.name!r}] must have shape (a*{d}, b*{d}), got shape {block.shape}"
            )
        blocks[p.name] = block.astype(np.result_type(block, float))
    # summed at the scale 2^-e (exact), so that no partial sum overflows
    e = _exponent(*blocks.values())
    out = None
    for p in irs:
        d, block = p.dim, _ldexp(blocks[p.name], -e)
        a, b = block.shape[0] // d, block.shape[1] // d
        part = np.einsum("gij,aibj->gab", p.matrices, block.reshape(a, d, b, d))
        part = part * (d / p.endomorphism_dim)
        if out is None:
            out = part
        elif out.shape != part.shape:
            raise ArgumentError(f"fhat blocks disagree on the value shape: {out.shape[1:]} vs "
                             f"{part.shape[1:]} at {p.name!r}")
        else:
            out = out + part
    return _unscale(out / G.order, e, "the inverse transform", "fhat")


def equivariant_matrix(w: Any, G: FiniteGroup, indexing: str = "gh") -> np.ndarray:
    """Dense ``W = sum_h w(h) (x) R(h)`` (``"gh"``) or ``sum_h w(h) (x) R(h^-1)`` (``"gh^-1"``).

    Shape ``(c_out |G|, c_in |G|)``; index ``(channel, g)`` channel-major.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> equivariant_matrix(np.array([0.0, 1.0, 0.0]), cyclic(3)).tolist()
    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    G = as_finite_group(G)
    arr = _as_filter(w, G)
    indexing = _indexing(indexing)
    R = right_regular_representation(G).matrices
    if indexing == "gh^-1":
        R = R[G.inverses]
    c_out, c_in, n = arr.shape[1], arr.shape[2], G.order
    return np.einsum("hab,hij->aibj", arr, R).reshape(c_out * n, c_in * n)


def fourier_blocks(
    w: Any, G: FiniteGroup, indexing: str = "gh", irreps: Any = None
) -> dict[str, np.ndarray]:
    """The blocks of ``W`` (see :func:`equivariant_matrix`) per real irrep.

    ``"gh"``: ``sum_h w(h) (x) psi(h)``; ``"gh^-1"``: ``sum_h w(h) (x) psi(h^-1)``.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> sorted(fourier_blocks(np.ones((6, 2, 2)), dihedral(3)))
    ['flip', 'rot_1', 'trivial']
    """
    blocks, e = _fourier_blocks_scaled(w, G, indexing, irreps)
    return {name: _unscale(b, e, f"the block {name!r}", "w") for name, b in blocks.items()}


def _fourier_blocks_scaled(w: Any, G: Any, indexing: Any, irreps: Any,
                           ) -> tuple[dict[str, np.ndarray], int]:
    G = as_finite_group(G)
    arr = _as_filter(w, G)
    indexing = _indexing(indexing)
    return _scaled_blocks(arr, fourier_irreps(G, irreps), None if indexing == "gh" else G)


@dataclass(frozen=True)
class SpectralNorm:
    """Result of :func:`spectral_norm_equivariant`.

    Attributes
    ----------
    value : float
        ``||W||_2``.
    irrep : str
        Name of the irrep whose block attains it.
    block_norms : dict of str to float
        ``||block_psi||_2`` per irrep.
    indexing : str
        The convention used (``"gh"`` or ``"gh^-1"``).
    """

    value: float
    irrep: str
    block_norms: dict[str, float] = field(repr=False)
    indexing: str = "gh"

    def __float__(self) -> float:
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "irrep": self.irrep,
                "block_norms": dict(self.block_norms), "indexing": self.indexing}


def spectral_norm_equivariant(
    w: Any, G: FiniteGroup, indexing: str = "gh", irreps: Any = None
) -> SpectralNorm:
    """``||W||_2`` for ``W = sum_h w(h) (x) R(h)`` from the Fourier blocks, without forming W.

    Parameters
    ----------
    w : array_like, shape (|G|, c_out, c_in) (or (|G|,) for one channel)
        The filter.
    G : FiniteGroup
    indexing : {"gh", "gh^-1"}
        Which map ``w`` defines (module docstring): ``(Wf)(g) = sum_h w(h) f(gh)`` or
        ``sum_h w(h) f(g h^-1)``.
    irreps : list of Irrep, optional
        The complete list of real irreps of ``G`` (default: the library's); any other
        list is refused (:func:`~specproof.groups.check_irreps`) since it gives a wrong
        norm.

    Returns
    -------
    SpectralNorm
        ``value = max_psi ||block_psi||_2`` with the maximising irrep.

    Examples
    --------
    >>> from specproof.groups import dihedral
    >>> G = dihedral(4)
    >>> w = np.random.default_rng(0).standard_normal((8, 3, 2))
    >>> dense = np.linalg.norm(equivariant_matrix(w, G), 2)
    >>> bool(abs(spectral_norm_equivariant(w, G).value - dense) < 1e-12)
    True
    """
    # the norm is homogeneous: computed for w / 2^e (entries in [1/2, 1)), then scaled back
    # exactly; 3e307 everywhere gave NaN, 1e308 numpy's LinAlgError
    blocks, e = _fourier_blocks_scaled(w, G, indexing, irreps)
    scaled = {name: float(np.linalg.norm(b, 2)) if b.size else 0.0
              for name, b in blocks.items()}
    best = max(scaled, key=scaled.__getitem__)
    try:
        norms = {name: math.ldexp(v, e) for name, v in scaled.items()}
    except OverflowError:
        size = math.log10(scaled[best]) + e * math.log10(2.0)
        raise ComputationError(
            f"the spectral norm of the map defined by w is about 10^{size:.2f}, beyond "
            f"float64 (max {np.finfo(np.float64).max:.3g}): it overflows; rescale w (the "
            "norm is homogeneous in it)") from None
    return SpectralNorm(value=norms[best], irrep=best, block_norms=norms,
                        indexing=_indexing(indexing))


__all__ = [
    "SpectralNorm",
    "equivariant_matrix",
    "fourier_blocks",
    "group_fourier_transform",
    "inverse_group_fourier_transform",
    "spectral_norm_equivariant",
]
