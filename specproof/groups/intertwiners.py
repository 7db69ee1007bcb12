"""Bases of the intertwiner space Hom_G(rho_in, rho_out) = {W : rho_out(g) W = W rho_in(g)}.

Two independent methods, which the tests and the benchmark cross-check:

``"nullspace"``
    Stack, over the *generators* only, the constraints
    ``[rho_out(g) (x) I - I (x) rho_in(g)^T] vec(W) = 0`` (row-major ``vec``) and take the
    nullspace by SVD with a *relative* threshold. Generators suffice because
    ``rho(ab) = rho(a) rho(b)``: commuting with the generators is commuting with all.
    The constraints are intersected one generator at a time (the nullspace of the
    first, then the nullspace of the next restricted to it), which is the same space as
    one SVD of the stacked matrix but costs one big SVD instead of one twice as tall.
    When every generator acts by a permutation matrix on both sides (regular and
    other permutation representations) the same constraints say that W is constant on
    the orbits of index pairs, and the nullspace is read off from connected components
    exactly, in O(|gens| d_out d_in) (``structure="auto"``; ``"dense"`` forces the SVD).

``"reynolds"``
    The Reynolds operator ``S(W) = (1/|G|) sum_g rho_out(g)^{-1} W rho_in(g)`` is a
    projector onto Hom_G; its rank is ``tr S = <chi_in, chi_out>``. We apply S to
    ``rank + 8`` random Gaussian matrices (all group elements, ``O(|G| k d^3)``), and take
    the range of the result by SVD with the same relative threshold.

Both return an orthonormal basis in the Frobenius inner product, as an array ``(k, d_out,
d_in)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.linalg import subspace_angles
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from specproof._core import ArgumentError, as_generator, first_nonfinite
from specproof.groups._repdata import check_same_group, is_permutation, rep_data
from specproof.groups.canonical_basis import canonical_basis
from specproof.groups.intertwiner_args import checked_generators
from specproof.groups.intertwiner_checks import _check_basis, _check_dimension

DEFAULT_RTOL = float(np.sqrt(np.finfo(float).eps))
"""Relative singular-value threshold, ``sqrt(eps) ~ 1.5e-8``.

Rounding puts the singular values of a true null direction near ``kappa * eps * ||K||``
(``kappa``: condition number of the representation's basis); genuinely nonzero ones are
at least the smallest eigenvalue gap of the generators (``~2 pi / N`` for rotations by
``2 pi / N``). ``sqrt(eps)`` splits the two on a log scale with a margin of ~1e8 either way.
"""


def _rtol(rtol: float | None) -> float:
    if rtol is None:
        return DEFAULT_RTOL
    # numpy floating scalars too (np.float32(1e-6) was refused); bools and ints never
    if not (isinstance(rtol, (float, np.floating)) and 0 < rtol < 1):
        raise ArgumentError(f"rtol must be a float in (0, 1), got {rtol!r}")
    return float(rtol)


def constraint_matrix(a_out: np.ndarray, a_in: np.ndarray) -> np.ndarray:
    """The matrix ``A_out (x) I - I (x) A_in^T`` acting on row-major ``vec(W)``.

    Examples
    --------
    >>> import numpy as np
    >>> a, w = np.array([[0.0, 1.0], [1.0, 0.0]]), np.eye(2)
    >>> float(np.abs(constraint_matrix(a, a) @ w.ravel()).max())
    0.0
    """
    d_out, d_in = a_out.shape[0], a_in.shape[0]
    return np.kron(a_out, np.eye(d_in)) - np.kron(np.eye(d_out), a_in.T)


def nullspace_basis(
    gens_out: np.ndarray, gens_in: np.ndarray, rtol: float | None = None, structure: str = "auto"
) -> np.ndarray:
    """Intertwiner basis from the generator constraints (plain-array kernel).

    Parameters
    ----------
    gens_out, gens_in : ndarray, shapes (m, d_out, d_out) and (m, d_in, d_in)
        The matrices of the same m generators under rho_out and rho_in.
    rtol : float, optional
        Relative singular-value threshold (default :data:`DEFAULT_RTOL`).
    structure : {"auto", "dense"}
        ``"auto"`` uses the exact orbit solver when all matrices are permutations.

    Returns
    -------
    ndarray, shape (k, d_out, d_in)
        Frobenius-orthonormal basis.

    Examples
    --------
    >>> import numpy as np
    >>> swap = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    >>> nullspace_basis(swap, swap, structure="dense").shape
    (2, 2, 2)
    """
    tol = _rtol(rtol)
    if structure not in ("auto", "dense"):
        raise ArgumentError(f"structure must be 'auto' or 'dense', got {structure!r}")
    gens_out, gens_in = np.asarray(gens_out), np.asarray(gens_in)
    if gens_out.ndim != 3 or gens_in.ndim != 3 or len(gens_out) != len(gens_in):
        raise ArgumentError(
            "gens_out and gens_in must be stacks (m, d, d) of the same m generators, got "
            f"shapes {gens_out.shape} and {gens_in.shape}"
        )
    d_out, d_in = gens_out.shape[1], gens_in.shape[1]
    if d_out * d_in == 0:  # Hom from or to the zero space is {0}
        return np.zeros((0, d_out, d_in), dtype=np.result_type(gens_out, gens_in, float))
    if structure == "auto" and is_permutation(gens_out) and is_permutation(gens_in):
        return _orbit_basis(gens_out, gens_in)
    dtype = np.result_type(gens_out, gens_in, float)
    n = d_out * d_in
    basis = np.eye(n, dtype=dtype)  # columns span the current solution space
    # Threshold relative to the operator scale ||A_out|| + ||A_in|| >= ||K||.
    scale = 1.0
    for a, b in zip(gens_out, gens_in, strict=True):
        scale = max(scale, float(np.linalg.norm(a, 2) + np.linalg.norm(b, 2)))
    for a_out, a_in in zip(gens_out, gens_in, strict=True):
        if basis.shape[1] == 0:
            break
        k = constraint_matrix(a_out, a_in) @ basis
        _, s, vh = np.linalg.svd(k, full_matrices=True)
        # Threshold relative to the operator scale, not to s.max(): once the space is
        # small, s.max() of the restricted constraint can itself be tiny.
        rank = int(np.sum(s > tol * scale))
        basis = basis @ vh[rank:].conj().T
    return basis.T.reshape(-1, d_out, d_in).copy()


def _orbit_basis(gens_out: np.ndarray, gens_in: np.ndarray) -> np.ndarray:
    # For permutation matrices, P W Q^T = W says W[a, b] = W[pi^{-1} a, sigma^{-1} b]:
    # W is constant on connected components of the pair graph.
    d_out, d_in = gens_out.shape[1], gens_in.shape[1]
    n = d_out * d_in
    rows, cols = [], []
    idx = np.arange(n).reshape(d_out, d_in)
    for p, q in zip(gens_out, gens_in, strict=True):
        # (P W Q^T)[a, b] = W[i, j] with P[a, i] = 1 and Q[b, j] = 1
        pa = np.argmax(p, axis=1)
        qb = np.argmax(q, axis=1)
        rows.append(idx.ravel())
        cols.append(idx[pa][:, qb].ravel())
    if rows:
        r, c = np.concatenate(rows), np.concatenate(cols)
        graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
        n_comp, labels = connected_components(graph, directed=True, connection="weak")
    else:
        n_comp, labels = n, np.arange(n)
    # components numbered by their smallest index: the order of canonical_basis
    first = np.full(n_comp, n)
    np.minimum.at(first, labels, np.arange(n))
    labels = np.argsort(np.argsort(first))[labels]
    sizes = np.bincount(labels, minlength=n_comp)
    basis = np.zeros((n_comp, n))
    basis[labels, np.arange(n)] = 1.0 / np.sqrt(sizes[labels])
    return basis.reshape(n_comp, d_out, d_in)


def reynolds_operator(
    w: np.ndarray, mats_out_inv: np.ndarray, mats_in: np.ndarray
) -> np.ndarray:
    """``S(W) = (1/|G|) sum_g rho_out(g)^{-1} W rho_in(g)``, batched over leading axes of w.

    Examples
    --------
    >>> import numpy as np
    >>> mats = np.stack([np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])])
    >>> reynolds_operator(np.array([[1.0, 0.0], [0.0, 0.0]]), mats, mats)
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    w = np.asarray(w)
    shape = w.shape[:-2] + (mats_out_inv.shape[1], mats_in.shape[1])
    out = np.zeros(shape, dtype=np.result_type(w, mats_out_inv, mats_in))
    for a, b in zip(mats_out_inv, mats_in, strict=True):
        out += a @ w @ b
    return out / len(mats_in)


def reynolds_basis(
    mats_out: np.ndarray,
    mats_in: np.ndarray,
    mats_out_inv: np.ndarray | None = None,
    rtol: float | None = None,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Intertwiner basis as the range of the Reynolds projector (plain-array kernel).

    Parameters
    ----------
    mats_out, mats_in : ndarray, shapes (|G|, d_out, d_out) and (|G|, d_in, d_in)
        Matrices of all group elements, in the same element order.
    mats_out_inv : ndarray, optional
        ``rho_out(g)^{-1}``; computed with ``np.linalg.inv`` when omitted.
    rtol : float, optional
        Relative singular-value threshold.
    rng : Generator, int or None
        Source of the random test matrices.

    Examples
    --------
    >>> import numpy as np
    >>> mats = np.stack([np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])])
    >>> reynolds_basis(mats, mats, rng=0).shape
    (2, 2, 2)
    """
    tol = _rtol(rtol)
    rng = as_generator(rng, "rng")
    # bool or integer stacks as float64: the trace of a bool identity read 1 (einsum)
    mats_out, mats_in = (np.asarray(m) for m in (mats_out, mats_in))
    mats_out, mats_in = (m.astype(np.float64) if m.dtype.kind in "biu" else m
                         for m in (mats_out, mats_in))
    if mats_out_inv is None:
        mats_out_inv = np.linalg.inv(mats_out)
    d_out, d_in = mats_out.shape[1], mats_in.shape[1]
    if d_out * d_in == 0:  # Hom from or to the zero space is {0}
        return np.zeros((0, d_out, d_in), dtype=np.result_type(mats_out, mats_in, float))
    # tr S = (1/|G|) sum_g tr(rho_out(g^-1)) tr(rho_in(g)) = dim Hom_G (S is a projector)
    trace = float(np.real(np.einsum("gii->g", mats_out_inv) @ np.einsum("gii->g", mats_in)))
    k_est = int(round(trace / len(mats_in)))
    n_probe = min(d_out * d_in, max(k_est, 0) + 8)
    complex_case = np.iscomplexobj(mats_out) or np.iscomplexobj(mats_in)
    probes = rng.standard_normal((n_probe, d_out, d_in))
    if complex_case:
        probes = probes + 1j * rng.standard_normal((n_probe, d_out, d_in))
    images = reynolds_operator(probes, mats_out_inv, mats_in).reshape(n_probe, -1)
    _, s, vh = np.linalg.svd(images, full_matrices=False)
    scale = max(float(np.linalg.norm(probes.reshape(n_probe, -1), 2)), 1.0)
    rank = int(np.sum(s > tol * scale))
    if rank != k_est:
        # S is a projector of rank tr S for genuine representations of one group; in a
        # skewed basis (D5's rot_1, condition number 1e8) rounding also lifts its zero
        # singular values above the threshold, so the basis is named as a cause too
        scale_in = float(np.max(np.abs(mats_in))) if mats_in.size else 0.0
        scale_out = float(np.max(np.abs(mats_out))) if mats_out.size else 0.0
        raise ArgumentError(
            f"the Reynolds operator has numerical rank {rank} but trace "
            f"{trace / len(mats_in):.12g}: mats_in and mats_out are not representations of "
            "the same group (same element order), or their basis is too ill-conditioned "
            f"for rtol={tol:.3g} (largest entries {scale_in:.3g} and {scale_out:.3g}; an "
            "orthogonal basis has entries <= 1: change_of_basis to one)"
        )
    return vh[:rank].reshape(rank, d_out, d_in).copy()


def intertwiners(
    rho_in: Any,
    rho_out: Any,
    method: str = "nullspace",
    *,
    rtol: float | None = None,
    structure: str = "auto",
    generators: Any = None,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Orthonormal basis of Hom_G(rho_in, rho_out), an array ``(k, d_out, d_in)``.

    Parameters
    ----------
    rho_in, rho_out : Representation or ndarray (|G|, d, d)
        Representations of the same group (arrays: all elements, in the same order).
    method : {"nullspace", "reynolds"}
        Generator constraints + SVD, or the range of the Reynolds projector.
    rtol : float, optional
        Relative singular-value threshold (default ``sqrt(eps)``).
    structure : {"auto", "dense"}
        For ``"nullspace"``: ``"auto"`` solves permutation representations exactly by
        orbits; ``"dense"`` always takes the SVD.
    generators : sequence of int, optional
        Generator indices (default: the group's, or every element for plain arrays);
        they are checked to generate the group.
    rng : Generator, int or None
        Randomness of the Reynolds probes, and of the elements sampled when checking a
        ``"nullspace"`` basis on every element would be too expensive (default: seed 0).

    Returns
    -------
    ndarray, shape (k, d_out, d_in)
        ``k = <chi_in, chi_out>`` matrices, orthonormal in the Frobenius inner product,
        each satisfying ``rho_out(g) B = B rho_in(g)``: the canonical basis of the space
        (:func:`~specproof.groups.canonical_basis.canonical_basis`), the same for both
        methods, every ``rng`` and every LAPACK build, to rounding.

    Raises
    ------
    ArgumentError
        When ``generators`` do not generate the group (on its Cayley table when a side
        is a Representation, else from the products of their matrices, where affordable).
    NotAHomomorphismError
        When a plain array is not a representation of the other side's group.
    ComputationError
        For ``"nullspace"``: when the number of matrices differs from ``<chi_in, chi_out>``
        (both are named), or their intertwining residual over all elements (a random
        sample of them for large groups) exceeds ``rtol``; both happen in
        ill-conditioned bases, where the generator constraints lose rank.

    Examples
    --------
    >>> import numpy as np
    >>> c2 = np.stack([np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])])  # C2 regular
    >>> intertwiners(c2, c2).shape
    (2, 2, 2)
    """
    a = rep_data(rho_in, "rho_in", generators)
    b = rep_data(rho_out, "rho_out", generators)
    check_same_group(a, b, "rho_in", "rho_out")
    if method not in ("nullspace", "reynolds"):
        raise ArgumentError(f"method must be 'nullspace' or 'reynolds', got {method!r}")
    gens, checked_gens = checked_generators(a, b, generators is not None)
    if a.dim == 0 or b.dim == 0:
        # Hom_G from or to the zero space is {0}: dimension 0 (argmax of an empty sequence)
        return np.zeros((0, b.dim, a.dim), dtype=np.result_type(a.matrices, b.matrices, float))
    if method == "reynolds":
        return canonical_basis(
            reynolds_basis(b.matrices, a.matrices, b.inverse_matrices(), rtol=rtol, rng=rng))
    g_out, g_in = b.matrices[list(gens)], a.matrices[list(gens)]
    basis = nullspace_basis(g_out, g_in, rtol=rtol, structure=structure)
    exact = structure == "auto" and is_permutation(g_out) and is_permutation(g_in)
    hint = "" if checked_gens else (
        f"; or generators {list(gens)} do not generate the group (with plain arrays that "
        "was too costly to check; pass every element, the default)")
    if exact and not checked_gens:
        # exact and O(|G| d_out d_in): the orbits under every element
        full = _orbit_basis(b.matrices, a.matrices)
        if len(full) != len(basis):
            raise ArgumentError(
                f"generators {list(gens)} do not generate the group that rho_in and rho_out "
                f"represent: their constraints leave {len(basis)} matrices, every "
                f"element's {len(full)}; pass every element (the default) or a generating set")
    # the count on every path (the orbit solution is exact, but plain arrays are not
    # checked to be representations of one group), from the characters in O(|G| d);
    # positional arguments: tests stub it with *args
    _check_dimension(basis, a, b, exact, hint)
    if exact:
        return basis
    _check_basis(basis, a.matrices, b.matrices, rtol, rng, hint=hint)
    return canonical_basis(basis)


def subspace_gap(basis_a: np.ndarray, basis_b: np.ndarray) -> float:
    """Sine of the largest principal angle between two spans (inf if dimensions differ).

    Examples
    --------
    >>> import numpy as np
    >>> e = np.eye(3)[:2, None, :]
    >>> subspace_gap(e, e[::-1])
    0.0
    """
    basis_a, basis_b = np.asarray(basis_a), np.asarray(basis_b)
    if basis_a.shape != basis_b.shape:
        return float("inf")
    if len(basis_a) == 0:
        return 0.0
    a = basis_a.reshape(len(basis_a), -1).T
    b = basis_b.reshape(len(basis_b), -1).T
    return float(np.sin(np.max(subspace_angles(a, b))))


def intertwiner_residual(basis: np.ndarray, rho_in: Any, rho_out: Any) -> float:
    """``max_{g, k} ||rho_out(g) B_k - B_k rho_in(g)||_F`` over all elements.

    Examples
    --------
    >>> import numpy as np
    >>> c2 = np.stack([np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])])
    >>> intertwiner_residual(intertwiners(c2, c2), c2, c2) < 1e-14
    True
    """
    a = rep_data(rho_in, "rho_in").matrices
    b = rep_data(rho_out, "rho_out").matrices
    basis = np.asarray(basis)
    if len(basis) == 0:
        return 0.0
    if np.issubdtype(basis.dtype, np.number):
        first_nonfinite(basis, "basis")
    # an exact power-of-two scaling: unscaled, the squares in the norm underflowed for a
    # basis of scale 1e-170 (a residual of 1e-170 read 0) or overflowed near 1e154
    big = float(np.max(np.abs(basis)))
    e = math.frexp(big)[1] if big > 0.0 else 0
    basis = np.ldexp(basis, -e) if np.isrealobj(basis) else basis * 2.0**-e
    left = np.einsum("gij,kjl->gkil", b, basis)
    right = np.einsum("kij,gjl->gkil", basis, a)
    residual = float(np.max(np.linalg.norm(left - right, axis=(-2, -1))))
    try:
        return math.ldexp(residual, e)
    except OverflowError:  # beyond float64: the residual is that large
        return math.inf


__all__ = [
    "intertwiner_residual",
    "intertwiners",
    "nullspace_basis",
    "reynolds_basis",
    "subspace_gap",
]
