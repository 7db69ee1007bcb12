"""Checks of an intertwiner basis from generator constraints (``method="nullspace"``).

In a skewed basis a nonzero singular value of a generator's constraint can fall below
the threshold, and the solve returns too many matrices (C500 in bases of condition
number 1e3: 40 where Hom_G has dimension 38). The count is checked against the
characters, and the intertwining residual over every element (a sample of them for
large groups).
"""

from __future__ import annotations

import math

import numpy as np

from specproof._core import ComputationError, as_generator
from specproof.groups._repdata import RepData

# products the all-element check of a nullspace basis may take (about 1 s); beyond it the
# generators and a random sample of elements are checked within the same budget
_CHECK_FLOPS = 2e9
# elements the sampled check takes at least (besides the generators), whatever the budget
_MIN_SAMPLE = 8
# beyond this the dtype cannot tell <chi_in, chi_out> from a neighbouring integer
_MAX_COUNT_TOL = 0.25


def _check_dimension(basis: np.ndarray, a: RepData, b: RepData, exact: bool = False,
                     hint: str = "") -> None:
    """Refuse a basis whose size is not ``dim Hom_G = <chi_in, chi_out>``.

    The characters cost ``O(|G| d)`` (``chi(g^-1)`` from the inverse table, or, for plain
    arrays, ``O(|G| d^3)`` inverses unless they are permutation matrices) and are
    basis-independent, so this holds even where the all-element residual check is too
    expensive: for C500 in bases of condition number 1e3 the generator constraints gave
    40 matrices where Hom_G has dimension 38. It runs on the exact orbit path too
    (``exact=True``), where only arrays that are no representations of one group can fail
    it (the reason it names then); ``hint`` is appended to the reason.
    """
    k, d_out, d_in = basis.shape
    chi_in = a.characters()
    chi_out_inv = b.inverse_characters()
    # sum_g chi_in(g) chi_out(g^-1) / |G| = dim Hom_G(rho_in, rho_out), also for complex
    # representations (chi(g^-1) = conj chi(g) for a finite group)
    value = complex(np.mean(chi_in * chi_out_inv))
    eps = float(np.finfo(np.result_type(a.matrices.dtype, b.matrices.dtype, float)).eps)
    s_in, s_out = max(1.0, a.entry_scale()), max(1.0, b.entry_scale())
    # a character value is a sum of d rounded entries of size s, and |chi| <= d: the
    # product chi_in chi_out errs by about d_out eps d_in s_in + d_in eps d_out s_out. The
    # product s_in s_out it used to take gave up on the count (tol > 1/4) in a basis of
    # condition number 1e8, where a wrong basis then went out (D5's rot_1: 2 matrices)
    tol = 64.0 * eps * max(1, d_in) * max(1, d_out) * (s_in + s_out)
    if tol > _MAX_COUNT_TOL:
        return  # the precision cannot resolve the count; the residual check still runs
    plain = a.group is None and b.group is None
    not_reps = ("rho_in and rho_out are not representations of one group with the same "
                "element order" + (" (plain arrays are not checked to be homomorphisms; "
                                   "pass Representations to have them checked)"
                                   if plain else ""))
    expected = round(value.real)
    if abs(value.imag) > tol or abs(value.real - expected) > tol:
        raise ComputationError(
            f"<chi_in, chi_out> = {value:.12g} is not an integer (tolerance {tol:.3g}), so "
            f"the dimension of Hom_G cannot be confirmed: {not_reps}, or their basis is "
            f"too ill-conditioned; use float64 and a better-conditioned basis{hint}")
    if k != expected:
        if exact:
            reason = f"{not_reps}{hint}"
        elif plain:
            reason = (f"{not_reps}, or their basis is too ill-conditioned for the generator "
                      f"constraints (use method='reynolds' or an orthogonal basis){hint}")
        else:
            reason = ("the representations' basis is too ill-conditioned for the generator "
                      "constraints; use float64, a better-conditioned (e.g. orthogonal) "
                      f"basis via change_of_basis, or method='reynolds'{hint}")
        raise ComputationError(
            f"the generators' constraints gave {k} basis matrices, but the characters say "
            f"dim Hom_G(rho_in, rho_out) = {expected}: {reason}")


def _check_basis(basis: np.ndarray, mats_in: np.ndarray, mats_out: np.ndarray,
                 rtol: float | None,
                 rng: np.random.Generator | int | None = None, hint: str = "") -> None:
    """Refuse a generator-constraint basis that is not one over every element.

    In a skewed basis (condition number 1e3 and more) a genuinely nonzero singular value
    of a generator's constraint shrinks below the threshold, and that direction was
    returned as an intertwiner (C7's rot_1 -> rot_2, where Hom = 0: a basis of one
    element with residual 1.7); the residual over all elements shows it. Where all
    elements would cost more than :data:`_CHECK_FLOPS`, the check runs on the identity
    and a random sample of elements instead of being skipped (it used to be skipped, and
    a wrong basis of C500 went out unchecked); :func:`_check_dimension` covers the rest.
    """
    k, d_out, d_in = basis.shape
    if k == 0:
        return
    n = len(mats_in)
    per_element = k * d_out * d_in * (d_out + d_in)
    if n * per_element > _CHECK_FLOPS:
        m = max(_MIN_SAMPLE, int(_CHECK_FLOPS // max(1, per_element)))
        if m < n:
            gen = as_generator(0 if rng is None else rng, "rng")
            idx = np.unique(np.concatenate(
                [[0], gen.choice(n, size=m, replace=False)])).astype(np.int64)
            mats_in, mats_out = mats_in[idx], mats_out[idx]
    eps = float(np.finfo(np.result_type(basis.dtype, float)).eps)
    tol = (math.sqrt(eps) if rtol is None else float(rtol))
    scale = max(1.0, max(float(np.linalg.norm(o, 2) + np.linalg.norm(i, 2))
                         for o, i in zip(mats_out, mats_in)))
    left = np.einsum("gij,kjl->gkil", mats_out, basis)
    right = np.einsum("kij,gjl->gkil", basis, mats_in)
    residual = float(np.max(np.linalg.norm(left - right, axis=(-2, -1))))
    if not residual <= tol * scale:
        raise ComputationError(
            f"the generators' constraints gave {len(basis)} basis matrices whose "
            f"intertwining residual over the checked elements is {residual:.3g} (relative "
            f"{residual / scale:.2g} > {tol:.2g}): the representations' basis is too "
            "ill-conditioned for the generator constraints; use method='reynolds', "
            f"hom_dimension, or an orthogonal basis (change_of_basis to one){hint}")
