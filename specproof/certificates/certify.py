"""Produce certificates: one SoS solve, then the slack is spent and the Gram matrix rounded.

Pipeline of :func:`certify` (``docs/certificates.md`` explains each step):

1. the data ``X`` as exact rationals (floats are rationals: by default their exact value);
2. one SoS solve (:func:`specproof.certificates.sos.solve_sos`, ``solver="auto"``): the
   value ``t`` and a Gram matrix ``G`` that is only approximately feasible and PSD (a
   first-order solver's is off by its tolerance, an interior-point one's is singular);
3. ``G`` projected in floating point onto the identity for ``t``; its smallest eigenvalue
   ``mu`` (slightly negative, or ~0) measures how far from PSD it is;
4. ``C = t(1 + delta)`` rounded up to 12 significant digits, with ``delta`` chosen from
   ``mu`` and the floating-point error terms (stated in the provenance), and the slack
   spent: ``G + (C - t) D`` where ``D = diag(k!/beta!)`` is the positive definite Gram
   matrix of ``||v||^q`` (``lambda_min(D) = 1``), so ``lambda_min >= mu + (C - t) > 0``;
5. (exact) round to ``bits`` bits and project exactly onto ``z^T G z = C||v||^q -
   sum_i <x_i,v>^q`` (Peyrl-Parrilo), in integers on one common denominator
   (:mod:`specproof.certificates.rational_gram`); ``bits`` is chosen so that rounding
   and projection move ``G`` by at most a quarter of its margin, so the exact LDL^T
   succeeds at the first precision tried;
6. the matching checker decides; a failed exact PSD test retries with 16 more bits.

No second (fixed-bound) solve is needed. The exact coefficients of step 5 come from
squaring ``<x_i, v>^{q/2}`` (:func:`~specproof.certificates.rational_gram.exact_power_sums`),
a different computation from the checker's multinomial formula, so one bug cannot make
both agree on a wrong polynomial.
"""

from __future__ import annotations

import math
import os
import time
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.certificates.certificate import Certificate, float_copies
from specproof.certificates.certify_inputs import (
    _check_size,
    as_bits_range,
    as_data_bits,
    data_shape,
    estimate_certify_bytes,
    rationalize,
    round_up_decimal,
    writable_output,
)
from specproof.certificates.certify_scaled import certify_scaled
from specproof.certificates.constants import MAX_BITS, MAX_Q
from specproof.certificates.errors import FalseBoundError
from specproof.certificates.peyrl_parrilo import (
    CertificationError,
    expand_target,
    project_gram,
    relax,
    round_gram,
)
from specproof.certificates.refute import as_bound, refute_bound, significant
from specproof.certificates.validation import as_even_q, as_solver

__all__ = ["CertificationError", "certify", "estimate_certify_bytes", "expand_target",
           "project_gram", "rationalize", "relax", "round_gram", "round_up_decimal",
           "writable_output"]


_SCALED_PROVENANCE = ("sos_value", "solver_residual", "projected_lambda_min",
                      "float_error_allowance", "margin")
"""Provenance numbers in the units of ``||X||^q``: scaled back with the certificate."""


# ---------------------------------------------------------------- the pipeline


def _scale_rows(rows, k: int) -> tuple[tuple[Fraction, ...], ...]:
    f = Fraction(2) ** k
    return tuple(tuple(x * f for x in row) for row in rows)


def _unscale(cert: Certificate, e: int, prov: dict[str, Any]) -> Certificate:
    """The certificate for ``X`` from the one for ``X 2^-e`` (exact: p scales by 2^(qe))."""
    q = cert.q
    Xr = _scale_rows(cert.X_rational, e)
    C = cert.C * Fraction(2) ** (q * e)
    Xf = float_copies(Xr)
    if cert.gram_rational is not None:
        Gr = _scale_rows(cert.gram_rational, q * e)
        G = float_copies(Gr)
    else:
        Gr = None
        with np.errstate(over="ignore"):
            G = np.ldexp(cert.gram, q * e)
        back = np.ldexp(G, -q * e)
        if not (np.all(np.isfinite(G)) and np.array_equal(back, cert.gram)):
            raise CertificationError(
                f"the Gram matrix of this certificate scales by 2^{q * e}: beyond the float "
                "range of a numeric certificate file. Use exact=True (rational Gram matrix).")
    return Certificate(q=q, X=Xf, X_rational=Xr, C=C, basis=cert.basis, gram=G,
                       gram_rational=Gr, provenance=prov)


def certify(
    X: Any,
    q: int = 4,
    exact: bool = False,
    solver: str = "auto",
    delta: float | None = None,
    bits: int | None = None,
    max_bits: int = MAX_BITS,
    C: float | Fraction | str | None = None,
    data_bits: int | None = None,
    output: str | os.PathLike | None = None,
) -> Certificate:
    """Certify ``||X||_{2->q}^q <= C`` with an SoS Gram matrix.

    Parameters
    ----------
    X : array_like (n, d)
        The data (floats taken exactly; Fractions and ``"p/q"`` strings accepted).
    q : int
        Even degree, 2, 4 or 6.
    exact : bool
        False: float Gram matrix, projected onto the identity in floating point, checked
        by the numeric checker. True: Peyrl-Parrilo rounding to a rational Gram matrix,
        checked exactly.
    solver : {"auto", "clarabel", "scs", "mosek"}
        Conic solver of the SoS problem (``"auto"``: see
        :mod:`specproof.certificates.solver_choice`; the choice and its reason are in the
        provenance).
    delta : float or None
        Relative slack: ``C = t(1 + delta)`` rounded up to 12 significant digits, ``t``
        the SoS value. None (default): chosen from the solver's residuals as
        ``max(1e-9, 4 need / t)`` with ``need`` the negative part of the smallest
        eigenvalue of the projected Gram matrix plus floating-point error terms; the
        provenance states it. A given ``delta`` smaller than ``need / t`` fails with a
        message saying so. Must be > 0 (a tight ``C`` cannot be rounded).
    bits : int or None
        First rounding precision (exact only). None: chosen so that rounding and the
        exact projection move ``G`` by at most a quarter of its margin.
    max_bits : int
        Precision at which to give up (each retry adds 16 bits).
    C : number, Fraction, "p/q" or None
        Certify this bound (in the units of ``X``) instead of ``t(1 + delta)``. When it
        cannot be certified, a witness is sought: a false bound raises
        :class:`~specproof.certificates.errors.FalseBoundError` ("FALSE: the witness v
        gives ||Xv||_4^4 = 242.66 > C = 240.2", decided in exact arithmetic on the ``X``
        passed, also with ``data_bits``). At most ``2^1000`` times the data's scale
        ``2^(q e)`` (a larger ``C`` is far above ``||X||_F^q``, which bounds the norm).
    data_bits : int or None
        Round float data to the grid ``2^-data_bits`` first (see :func:`rationalize`);
        the certificate is then about the rounded data. None: the floats exactly. A
        ``C`` that no witness shows false for ``X`` but that is false for the rounded
        data is a CertificationError naming ``data_bits``, not a FalseBoundError.
    output : path or None
        Write the certificate here (atomically). Checked *before* any work: a folder,
        a missing folder or an unwritable place is refused at once.

    Before building anything, ``certify`` refuses ``X = 0`` ("nothing to certify"),
    and estimates the memory of its structures (:func:`estimate_certify_bytes`),
    refusing with the need, the limit and the alternatives when it does not fit.
    The data are rescaled by an exact power of two ``2^-e`` (largest entry in
    ``[1/2, 1)``) before the solver sees them, and the certificate scaled back exactly
    (``C`` and ``G`` by ``2^(q e)``): tiny and huge data are certified like any other.

    Returns
    -------
    Certificate
        Already checked by the matching checker.

    Raises
    ------
    ArgumentError
        Bad arguments, ``X = 0``, or an unusable ``output``.
    ResourceLimitError
        The structures would not fit in memory (raised before building them).
    FalseBoundError
        The given ``C`` is false (a CertificationError; ``witness``, ``value``, ``C``).
    CertificationError
        ``C`` below or too close to the SoS value, or rounding failed up to ``max_bits``.
        Every value in the message is in the units of ``X``.

    Examples
    --------
    >>> cert = certify(np.eye(2), q=4, exact=True)
    >>> round(float(cert.C), 5), cert.exact   # ||I_2||_{2->4}^4 = 1
    (1.0, True)
    >>> cert.provenance["solver_choice"]["solver"]
    'clarabel'
    """
    t_start = time.perf_counter()
    out_path = writable_output(output)
    q = as_even_q(q, max_q=MAX_Q)
    solver = as_solver(solver)
    if not isinstance(exact, bool):
        raise ArgumentTypeError(f"exact must be a bool, got {type(exact).__name__}")
    data_bits = as_data_bits(data_bits)  # False would round X to integers: refused
    bits, max_bits = as_bits_range(bits, max_bits)
    C_user = None if C is None else as_bound(C)  # its text and size, before any work
    shape = data_shape(X)
    if len(shape) == 2 and 0 not in shape:
        _check_size(int(shape[0]), int(shape[1]), q, exact)  # before building anything
    Xr = rationalize(X, data_bits)
    n, d = len(Xr), len(Xr[0])
    xmax = max(abs(x) for row in Xr for x in row)
    if xmax == 0:
        if data_bits is not None and rationalize(X) != Xr:
            # the data was not zero: the rounding to the data_bits grid made it so
            raise ArgumentError(
                f"data_bits={data_bits} rounds every entry of X to 0 (each is below half of "
                f"2^-{data_bits} in size): use more data_bits, or scale X up")
        raise ArgumentError(f"X is the zero matrix ({n}x{d}): ||X||_{{2->{q}}} = 0, nothing "
                            "to certify")
    e = xmax.numerator.bit_length() - xmax.denominator.bit_length()
    while xmax < Fraction(2) ** (e - 1):
        e -= 1
    while xmax >= Fraction(2) ** e:
        e += 1
    if not exact and not -960 <= q * e <= 1000:  # G ~ 2^(qe): subnormal or overflowing
        raise ArgumentError(
            f"the largest entry of X is about 2^{e}: the Gram matrix of a certificate scales "
            f"like 2^{q * e}, beyond the float range of a numeric certificate file; use "
            "exact=True (--exact), whose rational Gram matrix has no range limit")
    Cs = None
    if C_user is not None:
        Cs = C_user * Fraction(2) ** (-q * e)
        if abs(Cs) > Fraction(2) ** MAX_SCALED_C_BITS:
            _huge_bound(Xr if data_bits is None else rationalize(X), q, C_user, e)

    def finish(scaled: Certificate) -> Certificate:
        """The certificate for ``X`` itself (exact scaling back), which is what is checked."""
        prov = dict(scaled.provenance, data_bits=data_bits, scale_exponent=e)
        for key in _SCALED_PROVENANCE:
            if prov.get(key) is not None:
                prov[key] = math.ldexp(prov[key], q * e) if abs(q * e) < 900 else None
        return _unscale(scaled, e, prov)

    try:
        cert = certify_scaled(_scale_rows(Xr, -e), q, exact, solver, delta, bits,
                              max_bits, Cs, t_start, finish, q * e)
    except CertificationError as exc:
        if C_user is None:
            raise
        # a bound the user gave and that could not be certified may be false: a
        # witness decides it in exact arithmetic (FalseBoundError), in the user's units,
        # and on the matrix the user passed: with data_bits the rounded data are another
        # matrix, whose norm may exceed a C that holds for X (0.99 rounded to 1 at
        # data_bits=2 made C = 0.98 "FALSE" for X = [[0.99]])
        X_user = Xr if data_bits is None else rationalize(X)
        v, value = refute_bound(X_user, q, C_user)
        if X_user != Xr:
            _refute_rounded(Xr, q, C_user, data_bits, value, exc)
        raise CertificationError(
            f"{exc} The best witness found gives ||Xv||_{q}^{q} = "
            f"{significant(value, 8)} <= C for ||v||_2 = 1: C may be true but beyond "
            "what this SoS relaxation proves") from exc
    if out_path is not None:
        cert.save(out_path)
    return cert


MAX_SCALED_C_BITS = 1000
"""``certify`` takes a given ``C`` of at most ``2^1000`` times the data's scale ``2^(q e)``:
the pipeline works in floats on the data scaled to ``[1/2, 1)``, where the slack ``C - t``
enters the Gram matrix (``C = 10^400 / 3`` overflowed after the solve). Any such ``C`` is
true: ``||X||_{2->q}^q <= ||X||_F^q <= (n d)^{q/2} 2^(q e)``, far below."""


def _huge_bound(X_user, q: int, C: Fraction, e: int) -> None:
    """Refuse a ``C`` beyond :data:`MAX_SCALED_C_BITS` before any solve: a negative one is
    false (FalseBoundError, from the witness on the user's exact ``X_user``), a positive
    one holds by the Frobenius bound, which the message states exactly."""
    if C < 0:
        # ||X||^q > 0 >= C for X != 0: the witness shows it in exact arithmetic
        v, value = refute_bound(X_user, q, C)
        raise CertificationError(
            f"C = {significant(C, 6)} is negative and X is not zero, but the best witness "
            f"gives ||Xv||_{q}^{q} = {significant(value, 8)}: please report this matrix")
    limit = Fraction(2) ** (MAX_SCALED_C_BITS + q * e)
    frob = sum((x * x for row in X_user for x in row), Fraction(0)) ** (q // 2)
    raise ArgumentError(
        f"C must be at most 2^{MAX_SCALED_C_BITS} times the scale of this X (2^{q * e}: its "
        f"largest entry lies in [2^{e - 1}, 2^{e})), i.e. at most {significant(limit, 6)}, got "
        f"{significant(C, 6)}: certify works in floats at the data's scale. Such a C "
        f"holds anyway: ||X||_{{2->{q}}}^{q} <= ||X||_F^{q} = {significant(frob, 8)} <= C. "
        "Certify a smaller C, or none (the SoS value, rounded up).")


def _refute_rounded(Xr, q: int, C: Fraction, data_bits: int, value_x: Fraction,
                    exc: CertificationError) -> None:
    """When ``C`` is false for the data rounded to ``data_bits`` (not shown false for X):
    a CertificationError saying so; the certificate would be about the rounded matrix.

    Not a FalseBoundError: that verdict is about the user's ``X``, for which the best
    witness gave ``value_x <= C``.
    """
    try:
        refute_bound(Xr, q, C)
    except FalseBoundError as rounded:
        raise CertificationError(
            f"C = {significant(C, 12)} cannot be certified with data_bits={data_bits}: it "
            f"is false for X rounded to multiples of 2^-{data_bits}, which is what a "
            "certificate made with data_bits is about (the witness v gives "
            f"||X_r v||_{q}^{q} = {significant(rounded.value, 8)} > C for ||v||_2 = 1 on "
            "the rounded data, in exact arithmetic); for X itself the best witness gives "
            f"{significant(value_x, 8)} <= C, so C is not shown false. Use more data_bits, "
            "or data_bits=None (the data exactly).") from exc
