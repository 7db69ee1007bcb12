"""The gate every irreps list passes before it is used: is it *the* real irreps of G?

A list is accepted only if

1. every entry is an :class:`~specproof.groups.Irrep` of this group (same table), and
   its matrices are a homomorphism of this group's table (re-checked here on generators
   against every element, which is equivalent, whatever ``check`` the irrep was built
   with);
2. every entry is irreducible of its declared type (commutant a division algebra of
   dimension ``c``, and ``⟨χ, χ⟩ = c``; re-checked here);
3. names are distinct and no two entries are isomorphic (``⟨χ_ψ, χ_φ⟩ = 0``);
4. the list is complete: ``Σ_ψ d_ψ² / c_ψ = |G|``;
5. with ``orthogonal=True`` (the Fourier functions ask for it), every ``ψ(g)`` is
   orthogonal: the transform, its inverse and the block norms use ``ψ(g)ᵀ = ψ(g⁻¹)``,
   and a non-orthogonal basis changes the norm of the blocks (``P ψ P⁻¹`` with
   ``P = [[3, 1], [0, 1]]`` took D4's ``rot_1`` block norm from 5.886 to 10.819).

The orthogonality tolerance follows from a stated bound on how far the given matrices
are from exactly orthogonal ones: each entry within ``rounding`` relative of the exact
one (default :func:`rounding_bound`: half an ulp of the dtype, i.e. the exact matrices
rounded once, and at least 16 float64 ulps for matrices computed in float64). For an
orthogonal ψ and ``|E_ij| <= u |ψ_ij|``, ``|(ψ+E)ᵀ(ψ+E) − I|_ij <= 2u + u²`` (the columns
of ψ are unit vectors), plus ``2 d eps₆₄`` for evaluating it in float64. A float32 list
conjugated by ``diag(1 + 1e-5, 1, 1)`` is off by ~2e-5 and refused; the same list
rounded from the exact irreps is off by at most ~1.2e-7 and accepted.

(3) and (4) together with (1)–(2) say it is one irrep from every isomorphism class: the
sum over a proper subset of the classes is smaller than ``|G|``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from specproof._core import ArgumentTypeError, Result
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.characters import integrality_tolerance
from specproof.groups.errors import InvalidIrrepsError
from specproof.groups.irrep import (
    _TYPE_OF,
    TYPES,
    Irrep,
    irreducibility_defect,
    irreducibility_tolerance,
)
from specproof.groups.representations import default_tolerance, homomorphism_error


@dataclass(frozen=True)
class IrrepsCheck(Result):
    """Result of :func:`check_irreps` (the :class:`specproof.Result` convention).

    Attributes
    ----------
    ok, reason, code
        ``code`` is ``"ok"`` or one of ``"not_an_irrep"``, ``"wrong_group"``,
        ``"not_a_homomorphism"``, ``"reducible"``, ``"type_mismatch"``,
        ``"duplicate_name"``, ``"isomorphic_pair"``, ``"incomplete"``,
        ``"not_orthogonal"``.
    group : str
        The group's name.
    n_irreps : int
        Length of the list.
    plancherel_sum : float
        ``Σ d² / c`` over the list (``|G|`` for a complete list).
    culprits : tuple of int
        Positions in the list of the offending entries (empty when ok).
    """

    group: str = ""
    n_irreps: int = 0
    plancherel_sum: float = 0.0
    culprits: tuple[int, ...] = ()


def _describe(i: int, p: Any) -> str:
    name = getattr(p, "name", None)
    return f"irreps[{i}]" + (f" ({name!r})" if isinstance(name, str) else "")


def rounding_bound(dtype: Any) -> float:
    """The default bound on the relative error of a given matrix entry: half an ulp of
    ``dtype`` (one rounding to nearest), and at least 16 float64 ulps.

    Examples
    --------
    >>> rounding_bound(np.float32) == 2.0 ** -24, rounding_bound(np.float64) == 16 * 2.0 ** -52
    (True, True)
    """
    dt = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(np.float64)
    return max(float(np.finfo(dt).eps) / 2, 16 * float(np.finfo(np.float64).eps))


def orthogonality_tolerance(dim: int, rounding: float) -> float:
    """Largest ``max |ψ(g)ᵀψ(g) − I|`` of matrices within ``rounding`` (relative, entry
    by entry) of orthogonal ones, computed in float64 (module docstring).

    Examples
    --------
    >>> 1.1e-7 < orthogonality_tolerance(3, 2.0 ** -24) < 1.3e-7
    True
    """
    eps64 = float(np.finfo(np.float64).eps)
    return (2 * rounding + rounding**2) * (1 + 1e-6) + 2 * dim * eps64 * (1 + rounding) ** 2


def check_irreps(G: CayleyGroup, irreps: Iterable[Any], orthogonal: bool = False,
                 rounding: float | None = None) -> IrrepsCheck:
    """Check that ``irreps`` is the complete list of real irreps of ``G`` (module docstring).

    Parameters
    ----------
    G : FiniteGroup
        The group.
    irreps : iterable of Irrep
        The candidate list.
    orthogonal : bool
        Also require every ``ψ(g)`` to be orthogonal (needed by the Fourier functions).
    rounding : float, optional
        A bound on the relative error of every given entry against the exact, orthogonal
        irrep; the orthogonality tolerance follows from it
        (:func:`orthogonality_tolerance`). Default :func:`rounding_bound` of each irrep's
        dtype: the exact matrices rounded once.

    Returns
    -------
    IrrepsCheck
        ``ok``, or the first failure with its ``code`` and the positions involved.

    Examples
    --------
    >>> from specproof.groups import cyclic, dihedral, irreps
    >>> check_irreps(dihedral(4), irreps(dihedral(4))).ok
    True
    >>> res = check_irreps(dihedral(4), irreps(cyclic(8)))
    >>> res.code, res.culprits
    ('wrong_group', (0,))
    """
    G = as_group(G)
    if isinstance(irreps, (str, bytes)) or not isinstance(irreps, Iterable):
        raise ArgumentTypeError(
            f"irreps must be a list of Irrep objects, got {type(irreps).__name__}")
    items = list(irreps)
    n = len(items)
    sum_d2c = 0.0

    def fail(code: str, reason: str, culprits: tuple[int, ...]) -> IrrepsCheck:
        return IrrepsCheck(ok=False, reason=reason, code=code, group=G.name, n_irreps=n,
                           plancherel_sum=sum_d2c, culprits=culprits)

    for i, p in enumerate(items):
        if not isinstance(p, Irrep):
            return fail("not_an_irrep",
                        f"{_describe(i, p)} is a {type(p).__name__}, not an Irrep (an irrep "
                        "needs its declared type R, C or H)", (i,))
        if p.group is not G and p.group != G:
            return fail("wrong_group",
                        f"{_describe(i, p)} is an irrep of {p.group.name}, not of {G.name}",
                        (i,))
        scale = float(np.max(np.abs(p.matrices))) if p.matrices.size else 1.0
        err, pair = homomorphism_error(G, p.matrices, mode="generators")
        tol = default_tolerance(p.matrices.dtype, p.dim, scale)
        if err > tol:
            where = "ρ(identity) ≠ I" if pair[0] < 0 else f"pair (a, b) = {pair}"
            return fail("not_a_homomorphism",
                        f"{_describe(i, p)} is not a homomorphism of {G.name}: {where}, "
                        f"max error {err:.3e} > tol {tol:.3e}", (i,))
        k, defect = irreducibility_defect(p)
        if k not in _TYPE_OF or defect > irreducibility_tolerance(p):
            return fail("reducible",
                        f"{_describe(i, p)} is reducible (its commutant has dimension {k}"
                        f"{'' if k not in _TYPE_OF else ' but is not a division algebra'})",
                        (i,))
        if k != TYPES[p.type]:
            return fail("type_mismatch",
                        f"{_describe(i, p)} is declared type {p.type} (c = {TYPES[p.type]}) "
                        f"but it is of type {_TYPE_OF[k]} (dim End_G = {k})", (i,))
        if orthogonal:
            m = p.matrices.astype(np.float64)
            err = float(np.max(np.abs(np.swapaxes(m, 1, 2) @ m - np.eye(p.dim))))
            u = rounding_bound(p.matrices.dtype) if rounding is None else float(rounding)
            tol = orthogonality_tolerance(p.dim, u)
            if not err <= tol:
                return fail("not_orthogonal",
                            f"{_describe(i, p)} is not orthogonal (max |ψ(g)ᵀψ(g) − I| = "
                            f"{err:.3e} > {tol:.3e}, what entries within {u:.3g} relative "
                            "of orthogonal matrices allow): the Fourier formulas use "
                            "ψ(g)ᵀ = ψ(g⁻¹), so pass the irrep in an orthonormal basis", (i,))
        sum_d2c += p.dim**2 / TYPES[p.type]
    if n:
        chars = np.stack([np.trace(p.matrices, axis1=1, axis2=2).astype(np.float64)
                          for p in items])
        gram = chars @ chars[:, G.inverses].T / G.order
        for i in range(n):
            c = TYPES[items[i].type]
            tol = integrality_tolerance(items[i])
            if abs(gram[i, i] - c) > tol:
                return fail("type_mismatch",
                            f"{_describe(i, items[i])} has <chi, chi> = {gram[i, i]:.6g}, "
                            f"not c = {c} for its declared type {items[i].type}", (i,))
            for j in range(i):
                if abs(gram[i, j]) > 0.5:
                    return fail("isomorphic_pair",
                                f"{_describe(j, items[j])} and {_describe(i, items[i])} are "
                                f"isomorphic (<chi, chi'> = {gram[i, j]:.6g}, not 0): each "
                                "isomorphism class must appear once", (j, i))
    names = [p.name for p in items]
    for i, name in enumerate(names):
        j = names.index(name)
        if j != i:
            return fail("duplicate_name",
                        f"irreps[{j}] and irreps[{i}] share the name {name!r}; names label "
                        "the Fourier blocks and the multiplicities, so they must be distinct",
                        (j, i))
    if abs(sum_d2c - G.order) > 1e-9 * G.order:
        return fail("incomplete",
                    f"not a complete list of real irreps of {G.name}: "
                    f"sum d^2/c = {sum_d2c:g} != |G| = {G.order}"
                    + (" (some isomorphism classes are missing)" if sum_d2c < G.order else ""),
                    ())
    return IrrepsCheck(ok=True, group=G.name, n_irreps=n, plancherel_sum=sum_d2c)


def as_irreps(G: CayleyGroup, irreps: Iterable[Any], name: str = "irreps",
              orthogonal: bool = False) -> list[Irrep]:
    """``irreps`` as a list if :func:`check_irreps` accepts it, else
    :class:`~specproof.groups.InvalidIrrepsError` with the check's code and reason.

    Examples
    --------
    >>> from specproof.groups import dihedral, irreps
    >>> D4 = dihedral(4)
    >>> as_irreps(D4, irreps(D4) + [irreps(D4)[0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.groups.errors.InvalidIrrepsError: irreps: irreps[0] ('trivial') and irreps[5] ...
    """
    if isinstance(irreps, (str, bytes)) or not isinstance(irreps, Iterable):
        raise ArgumentTypeError(
            f"{name} must be a list of Irrep objects, got {type(irreps).__name__}")
    items = list(irreps)
    res = check_irreps(G, items, orthogonal=orthogonal)
    if not res.ok:
        raise InvalidIrrepsError(f"{name}: {res.reason}", res.code)
    return list(items)


__all__ = ["IrrepsCheck", "check_irreps", "orthogonality_tolerance", "rounding_bound"]
