"""Linear representations ρ: G → GL(d) of finite groups, stored as one matrix per element.

A :class:`Representation` is validated on construction: ``ρ(e) = I`` and
``ρ(a)ρ(b) = ρ(a·b)`` to a tolerance derived from the dtype. Direct sums are written
``rho1 + rho2``; the standard constructions (trivial, sign, permutation, regular, direct
sums, tensor products) live in :mod:`specproof.groups.constructions`, which builds on
this module.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ComputationError,
    as_matrix,
    first_nonfinite,
)
from specproof.groups.cayley import CayleyGroup, as_group
from specproof.groups.errors import NotAHomomorphismError

# Full pair check while n² (d³ + 64) stays below this (d³ flops and a fixed overhead per
# product); beyond it, every generator against every element (equivalent in exact
# arithmetic, by induction on word length), every element against its inverse and itself,
# and a sample of pairs of this cost.
_FULL_CHECK_COST = 2e6
# Products formed at once by homomorphism_error (entries of a slab of ρ(a)ρ(b)).
_SLAB_ENTRIES = 2e6


def default_tolerance(dtype: Any, dim: int, scale: float = 1.0) -> float:
    """Tolerance for products of ``dim × dim`` matrices with entries of size ``scale``.

    ``64 · dim · eps(dtype) · max(1, scale)²``: a matrix product adds at most ``dim``
    rounding errors of relative size ``eps`` per entry; the factor 64 leaves room for the
    matrices themselves being rounded (e.g. cosines of angles up to 2π).

    Examples
    --------
    >>> default_tolerance(np.float64, 2) < 1e-13
    True
    """
    eps = float(np.finfo(np.dtype(dtype)).eps)
    return 64.0 * max(1, dim) * eps * max(1.0, float(scale)) ** 2


def entry_tolerances(matrices: np.ndarray) -> np.ndarray:
    """Per-entry tolerances ``64 · d · eps · R_i · C_j`` for ``ρ(a)ρ(b) − ρ(ab)``.

    ``R_i = max(1, max_{g,k} |ρ(g)_ik|)`` and ``C_j = max(1, max_{g,k} |ρ(g)_kj|)`` are the
    largest entries of row ``i`` and column ``j`` over the group. Entry ``(i, j)`` of a
    product is ``Σ_k ρ(a)_ik ρ(b)_kj``, whose terms are at most ``R_i C_j``; so ``d eps
    R_i C_j`` bounds its rounding, and a representation in a skewed basis ``P ρ P⁻¹``
    (rows scaled by ``P``, columns by ``P⁻¹``) gets the room its rounding needs entry by
    entry. The global ``64 d eps max|ρ|²`` (:func:`default_tolerance`) is the same bound
    with every row and column given the largest scale, which let one entry of 1e8 hide an
    error of 1.25 in an entry of size 1.

    Examples
    --------
    >>> m = np.array([np.eye(2), [[1.0, 1e8], [0.0, -1.0]]])
    >>> t = entry_tolerances(m)
    >>> bool(t[1, 0] < 1e-13 < 1.0 < t[0, 1])  # row 1 and column 0 stay at scale 1
    True
    """
    d = matrices.shape[1]
    eps = float(np.finfo(matrices.dtype).eps)
    mags = np.abs(matrices)
    rows = np.maximum(1.0, mags.max(axis=(0, 2))) if mags.size else np.ones(d)
    cols = np.maximum(1.0, mags.max(axis=(0, 1))) if mags.size else np.ones(d)
    return 64.0 * max(1, d) * eps * np.outer(rows, cols)


def _as_matrices(matrices: Any, n: int) -> np.ndarray:
    try:
        m = np.asarray(matrices)
    except (ValueError, TypeError) as exc:
        raise ArgumentTypeError(
            f"matrices must be a numeric array of shape (|G|, d, d) = ({n}, d, d): {exc}"
        ) from None
    if m.dtype.kind not in "biufc":
        raise ArgumentTypeError(f"matrices must be numeric, got dtype {m.dtype}")
    if m.ndim != 3 or m.shape[1] != m.shape[2] or m.shape[0] != n:
        raise ArgumentError(
            f"matrices must have shape (|G|, d, d) = ({n}, d, d), got shape {m.shape}"
        )
    if m.dtype in (np.longdouble, np.clongdouble) and m.dtype not in (
            np.float64, np.complex128):
        # LAPACK (every intertwiner, decomposition and Fourier routine) has no long double
        raise ArgumentTypeError(
            f"matrices has dtype {m.dtype}, which the linear algebra of specproof.groups "
            "does not support: convert with .astype(np.float64) (complex: np.complex128)")
    if m.dtype.kind == "c":
        m = m.astype(np.complex128) if m.dtype.itemsize < 16 else m
    elif m.dtype.kind != "f":
        m = m.astype(np.float64)
    first_nonfinite(m, "matrices")
    return m


class Representation:
    """A representation of a finite group: ``matrices[g] = ρ(g)``.

    Parameters
    ----------
    group : FiniteGroup
        The group.
    matrices : array_like, shape (|G|, d, d)
        One matrix per element index. Real input is stored as float64 (float32 is kept;
        float16 is refused with a :class:`~specproof.ComputationError`, too coarse for
        any check, and long double with an :class:`~specproof.ArgumentTypeError`, as
        LAPACK has no routines for either);
        complex input is allowed (e.g. complex irreps for Fourier transforms).
    name : str, optional
        Readable name.
    check : {"auto", "all", "generators", "none"}
        How to validate the homomorphism property: every pair, every generator against
        every element (equivalent in exact arithmetic), ``"auto"`` (all pairs when cheap),
        or not at all (for internal constructions known to be exact).
    atol : float, optional
        Tolerance for the check; default :func:`default_tolerance`.

    Raises
    ------
    NotAHomomorphismError
        Naming the worst pair ``(a, b)`` and the error ``max|ρ(a)ρ(b) − ρ(ab)|``.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> G = cyclic(2)
    >>> rho = Representation(G, [[[1.0]], [[-1.0]]], name="alt")
    >>> rho.dim, rho.character().tolist()
    (1, [1.0, -1.0])
    """

    def __init__(
        self,
        group: CayleyGroup,
        matrices: Any,
        name: str | None = None,
        check: str = "auto",
        atol: float | None = None,
    ) -> None:
        group = as_group(group, "group")
        if check not in ("auto", "all", "generators", "none"):
            raise ArgumentError(
                f"check must be 'auto', 'all', 'generators' or 'none', got {check!r}"
            )
        m = _as_matrices(matrices, group.order)
        if m.dtype == np.float16:
            # the dtype tolerance 64 d eps (0.5 for d = 8) could not fail: a map off by
            # 0.39 was accepted, and LAPACK then failed with numpy's TypeError
            tol16 = default_tolerance(m.dtype, int(m.shape[1]))
            raise ComputationError(
                f"{name if name is not None else 'matrices'}: float16 is too coarse to "
                "decide irreducibility, or even whether the matrices form a "
                f"representation (rounding alone allows errors of {tol16:.2g}), and "
                "linear algebra (LAPACK) has no float16; give the matrices in float32 "
                "or float64")
        m.setflags(write=False)
        self.group: CayleyGroup = group
        self.matrices: np.ndarray = m
        self.dim: int = int(m.shape[1])
        self.name: str = name if name is not None else f"rep{self.dim}"
        if check != "none":
            if atol is None:
                # per-entry tolerance 64 d eps R_i C_j (see entry_tolerances): a global
                # 64 d eps max|ρ|² let one entry of 1e8 hide ρ(r)² = diag(2.25, 1, 1)
                tols = entry_tolerances(m)
                ratio, pair, err, tol = _scaled_homomorphism_error(group, m, tols, check)
                failed = ratio > 1.0
            else:
                tol = float(atol)
                err, pair = homomorphism_error(group, m, mode=check)
                failed = err > tol
            if failed and not np.isfinite(tol):
                raise NotAHomomorphismError(
                    f"{self.name}: entries up to {float(np.abs(m).max()):.3g} are too large "
                    "to check: the rounding tolerance 64 d eps R_i C_j of a product "
                    "(R_i, C_j: the largest entries of row i and column j) overflows "
                    f"{m.dtype}; a representation of a finite group in a basis this skewed "
                    "is not checked (scale the basis)")
            if failed:
                a, b = pair
                if a < 0:
                    raise NotAHomomorphismError(
                        f"{self.name}: ρ(identity) is not the identity matrix "
                        f"(max error {err:.3e} > tol {tol:.3e})"
                    )
                ab = int(group.table[a, b])
                raise NotAHomomorphismError(
                    f"{self.name}: ρ(a)ρ(b) ≠ ρ(ab) for the pair (a, b) = ({a}, {b}) "
                    f"[{group.labels[a]}·{group.labels[b]} = {group.labels[ab]}]: "
                    f"max error {err:.3e} > tol {tol:.3e}"
                )

    @cached_property
    def entry_scale(self) -> float:
        """``max |ρ(g)_ij|`` over all elements (0 for dimension 0); computed once, the
        matrices being read-only.

        Examples
        --------
        >>> from specproof.groups import cyclic
        >>> cyclic(3).regular_representation().entry_scale
        1.0
        """
        return float(np.max(np.abs(self.matrices))) if self.matrices.size else 0.0

    def __call__(self, g: int | str) -> np.ndarray:
        """``ρ(g)`` for an element index or label."""
        return self.matrices[self.group._check_element(g, "g")]

    def character(self) -> np.ndarray:
        """``χ(g) = tr ρ(g)`` for every element, shape (|G|,).

        Examples
        --------
        >>> from specproof.groups import cyclic
        >>> cyclic(3).regular_representation().character().tolist()
        [3.0, 0.0, 0.0]
        """
        return np.trace(self.matrices, axis1=1, axis2=2).copy()

    @property
    def is_orthogonal(self) -> bool:
        """Whether every ``ρ(g)`` is orthogonal (unitary for complex), to the dtype tolerance.

        Examples
        --------
        >>> from specproof.groups import cyclic
        >>> rho = cyclic(3).regular_representation()
        >>> rho.is_orthogonal, rho.change_of_basis(np.diag([1.0, 2.0, 3.0])).is_orthogonal
        (True, False)
        """
        m = self.matrices
        gram = np.conj(np.swapaxes(m, 1, 2)) @ m
        err = float(np.max(np.abs(gram - np.eye(self.dim)))) if m.size else 0.0
        return err <= default_tolerance(m.dtype, self.dim)

    @property
    def is_real(self) -> bool:
        """Whether the matrices are real."""
        return self.matrices.dtype.kind == "f"

    def change_of_basis(self, P: Any, name: str | None = None) -> Representation:
        """The equivalent representation ``g ↦ P ρ(g) P⁻¹``.

        Raises :class:`~specproof.ArgumentError` if ``P`` is not ``d × d``, has a NaN or
        infinite entry (its index is named) or is singular (condition > 1/eps).

        Examples
        --------
        >>> from specproof.groups import cyclic
        >>> rho = cyclic(3).regular_representation()
        >>> P = np.array([[1.0, 1, 0], [0, 1, 0], [0, 0, 2]])
        >>> np.allclose(rho.change_of_basis(P).character(), rho.character())
        True
        """
        shape = np.shape(P)
        if shape != (self.dim, self.dim):
            raise ArgumentError(
                f"P must have shape ({self.dim}, {self.dim}) to act on {self.name}, "
                f"got shape {shape}"
            )
        P = as_matrix(P, "P")
        cond = np.linalg.cond(P)
        if not np.isfinite(cond) or cond * np.finfo(np.float64).eps > 1e-2:
            raise ArgumentError(f"P must be invertible; its condition number is {cond:.3e}")
        new = P @ self.matrices @ np.linalg.inv(P)
        scale = np.linalg.norm(P, 2) * np.linalg.norm(np.linalg.inv(P), 2)
        tol = default_tolerance(new.dtype, self.dim, scale) * max(1.0, scale)
        return Representation(self.group, new, name=name or f"P·{self.name}·P⁻¹", atol=tol)

    def __add__(self, other: Representation) -> Representation:
        """Direct sum ``self ⊕ other`` (block diagonal)."""
        if not isinstance(other, Representation):
            return NotImplemented
        return block_diagonal_sum([self, other], "direct_sum")

    def __repr__(self) -> str:
        return f"Representation({self.name}, group={self.group.name}, dim={self.dim})"


def same_group(reps: Any, what: str) -> CayleyGroup:
    """The common group of ``reps`` (a non-empty sequence of representations), or an error
    naming the first argument of another group."""
    reps = list(reps)
    if not reps:
        raise ArgumentError(f"{what} needs at least one representation")
    for i, r in enumerate(reps):
        if not isinstance(r, Representation):
            raise ArgumentTypeError(f"{what}: argument {i} must be a Representation, "
                                    f"got {type(r).__name__}")
    G = reps[0].group
    for i, r in enumerate(reps[1:], start=1):
        if r.group is not G and r.group != G:
            raise ArgumentError(
                f"{what}: argument {i} is a representation of {r.group.name}, "
                f"argument 0 of {G.name}"
            )
    return G


def block_diagonal_sum(reps: Any, what: str = "direct_sum",
                       name: str | None = None) -> Representation:
    """Block-diagonal direct sum of representations of one group (exact, so unchecked).

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> rho = cyclic(3).regular_representation()
    >>> block_diagonal_sum([rho, rho]).dim
    6
    """
    reps = list(reps)
    G = same_group(reps, what)
    d = sum(r.dim for r in reps)
    dtype = np.result_type(*[r.matrices.dtype for r in reps])
    out = np.zeros((G.order, d, d), dtype=dtype)
    k = 0
    for r in reps:
        out[:, k:k + r.dim, k:k + r.dim] = r.matrices
        k += r.dim
    return Representation(G, out, name=name or " ⊕ ".join(r.name for r in reps), check="none")


def homomorphism_error(
    group: CayleyGroup, matrices: np.ndarray, mode: str = "auto"
) -> tuple[float, tuple[int, int]]:
    """Largest ``max|ρ(a)ρ(b) − ρ(ab)|`` and its pair; pair ``(-1, -1)`` flags ``ρ(e) ≠ I``.

    ``mode="generators"`` lets ``a`` run over the group's generators only; ``"auto"``
    checks all pairs when that is cheap.

    Examples
    --------
    >>> from specproof.groups import cyclic
    >>> M = np.array([[[1.0]], [[1.0]], [[-1.0]]])
    >>> homomorphism_error(cyclic(3), M)
    (2.0, (1, 1))
    """
    d = matrices.shape[1]
    ratio, pair, _, _ = _scaled_homomorphism_error(group, matrices, np.ones((d, d)), mode)
    return ratio, pair


def _ratios(diff: np.ndarray, tols: np.ndarray) -> np.ndarray:
    """``diff / tols``, infinite wherever it decides nothing: a tolerance that overflowed
    (entries past ~1e154, where ``R_i C_j`` exceeds float64: every error then passed, and
    ``ρ(e) = 1e300`` was a representation of C2) or an error that is NaN or infinite."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        r = diff / tols
    bad = ~np.isfinite(r) | ~np.isfinite(np.broadcast_to(tols, r.shape))
    if bad.any():
        r = np.where(bad, np.inf, r)
    return r


def _scaled_homomorphism_error(
    group: CayleyGroup, matrices: np.ndarray, tols: np.ndarray, mode: str = "auto"
) -> tuple[float, tuple[int, int], float, float]:
    """Worst ``|ρ(a)ρ(b) − ρ(ab)|_ij / tols_ij`` (and ``|ρ(e) − I|_ij / tols_ij``).

    Returns ``(ratio, pair, error, tol)``: the worst ratio, its pair (``(-1, -1)`` for
    ``ρ(e) ≠ I``), and the absolute error and tolerance of that entry.
    """
    n, d = matrices.shape[0], matrices.shape[1]
    if d == 0:
        return 0.0, (0, 0), 0.0, 0.0
    id_ratios = _ratios(np.abs(matrices[group.identity] - np.eye(d)), tols)
    k = int(np.argmax(id_ratios))
    id_ratio = float(id_ratios.flat[k])
    id_entry = (float(np.abs(matrices[group.identity] - np.eye(d)).flat[k]),
                float(tols.flat[k]))
    if mode == "auto":
        mode = "all" if n * n * (d**3 + 64) <= _FULL_CHECK_COST else "generators"
    rows = np.arange(n) if mode == "all" else np.asarray(group.generators, dtype=np.int64)
    worst, pair, entry = -1.0, (0, 0), (0.0, 0.0)
    if rows.size == 0:
        worst = 0.0
    # a slab of rows a at a time: all products ρ(a)ρ(b) at once, bounded memory
    step = max(1, int(_SLAB_ENTRIES // max(1, n * d * d)))
    for start in range(0, rows.size, step):
        a = rows[start:start + step]
        with np.errstate(over="ignore", invalid="ignore"):
            diff = np.abs(np.matmul(matrices[a][:, None], matrices[None])
                          - matrices[group.table[a]])
        ratios = _ratios(diff, tols)
        errs = np.max(ratios, axis=(2, 3))
        i, b = np.unravel_index(int(np.argmax(errs)), errs.shape)
        if errs[i, b] > worst:
            worst, pair = float(errs[i, b]), (int(a[i]), int(b))
            flat = int(np.argmax(ratios[i, b]))
            entry = (float(diff[i, b].flat[flat]), float(tols.flat[flat]))
    if mode == "generators" and n > 1:
        # the generators check proves a homomorphism only up to one tolerance per letter
        # of a word, so the error can grow with the word's length (one rounding of drift
        # per step on C_4000 passed, with rho(r^2000)^2 off by 1400 tolerances): every
        # element is also checked against its inverse and itself, and a sample of pairs
        a_all = np.arange(n)
        sample = np.random.default_rng(0).integers(
            n, size=(2, min(n * n, max(1, int(_FULL_CHECK_COST // (d**3 + 64))))))
        lefts = np.concatenate([a_all, a_all, sample[0]])
        rights = np.concatenate([group.inverses, a_all, sample[1]])
        per_slab = max(1, int(_SLAB_ENTRIES // (d * d)))
        for start in range(0, lefts.size, per_slab):
            a, b = lefts[start:start + per_slab], rights[start:start + per_slab]
            with np.errstate(over="ignore", invalid="ignore"):
                diff = np.abs(np.matmul(matrices[a], matrices[b])
                              - matrices[group.table[a, b]])
            ratios = _ratios(diff, tols)
            errs = np.max(ratios, axis=(1, 2))
            i = int(np.argmax(errs))
            if errs[i] > worst:
                worst, pair = float(errs[i]), (int(a[i]), int(b[i]))
                flat = int(np.argmax(ratios[i]))
                entry = (float(diff[i].flat[flat]), float(tols.flat[flat]))
    if id_ratio > worst:
        return id_ratio, (-1, -1), *id_entry
    return max(worst, 0.0), pair, *entry


__all__ = [
    "Representation",
    "default_tolerance",
    "entry_tolerances",
    "homomorphism_error",
]
