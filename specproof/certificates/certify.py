"""Produce certificates: the SoS solve, then (for exact ones) the Peyrl-Parrilo rounding.

Pipeline of :func:`certify` (``docs/certificates.md`` explains each step):

1. the data ``X`` as exact rationals (floats are rationals: by default their exact value);
2. ``C = t*(1 + delta)`` rounded *up* to 10 significant decimal digits, where ``t*`` is
   the SoS value (:func:`specproof.certificates.sos.solve_sos`), so that the Gram
   problem is strictly feasible;
3. with ``C`` fixed, maximise ``lambda`` s.t. ``G - lambda I`` PSD
   (:func:`~specproof.certificates.sos.solve_sos_fixed_bound`);
4. round ``G`` to ``k`` bits (dyadic rationals);
5. project exactly onto the affine space of Gram matrices of ``p``: for each monomial
   add ``(f_alpha - sum_{S_alpha} G_ab)/|S_alpha|`` to every entry of ``S_alpha``;
6. the exact checker (identity + LDL^T) decides; a negative pivot means more bits.

The coefficients ``f_alpha`` used in step 5 are derived in :mod:`.peyrl_parrilo` by
multiplying polynomials out (``<x_i, v>`` times itself ``q`` times), a different
computation from the checker's multinomial formula, so one bug cannot make both agree on
a wrong polynomial.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core.provenance import versions
from specproof._core.version import __version__
from specproof.certificates.certificate import MAX_Q, Certificate
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.peyrl_parrilo import (
    CertificationError,
    _project_float,
    expand_target,
    project_gram,
    relax,
    round_gram,
)
from specproof.certificates.validation import check_even_q, check_solver

__all__ = ["CertificationError", "certify", "expand_target", "project_gram", "rationalize",
           "relax", "round_gram", "round_up_decimal"]



# ---------------------------------------------------------------- rational data


def rationalize(X: Any, data_bits: int | None = None) -> tuple[tuple[Fraction, ...], ...]:
    """The matrix ``X`` as exact rationals.

    Parameters
    ----------
    X : array_like (n, d) of floats, ints, Fractions or ``"p/q"`` strings
        The data. Floats are converted *exactly* (a float is a dyadic rational).
    data_bits : int or None
        If given, each float entry is rounded to the nearest multiple of ``2^-data_bits``:
        smaller numbers and faster exact arithmetic, but the certificate is then about the
        rounded matrix. A common power-of-two denominator keeps the lcm of all
        denominators small (``limit_denominator`` would not: the lcm of many unrelated
        denominators explodes, and with it every exact coefficient).

    Returns
    -------
    tuple of tuple of Fraction

    Examples
    --------
    >>> rationalize([[0.5, 0.1]], data_bits=4)
    ((Fraction(1, 2), Fraction(1, 8)),)
    """
    arr = np.asarray(X, dtype=object)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"X must be a non-empty 2-D array, got shape {arr.shape}")
    if data_bits is not None and (not isinstance(data_bits, int) or data_bits < 0):
        raise ValueError(f"data_bits must be a non-negative integer or None, got {data_bits!r}")
    rows = []
    for i, row in enumerate(arr):
        out = []
        for j, x in enumerate(row):
            if isinstance(x, (bool, np.bool_)):
                raise TypeError(f"X[{i}][{j}] is a bool; expected a number")
            if isinstance(x, (float, np.floating)) and not math.isfinite(float(x)):
                raise ValueError(f"X has a non-finite entry {x} at index ({i}, {j})")
            try:
                r = Fraction(x.item() if isinstance(x, (np.floating, np.integer)) else x)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"X[{i}][{j}] = {x!r} is not a number or rational string") from exc
            except OverflowError as exc:
                raise ValueError(f"X[{i}][{j}] = {x!r} is not finite") from exc
            if data_bits is not None and isinstance(x, (float, np.floating)):
                r = Fraction(round(r * 2**data_bits), 2**data_bits)
            out.append(r)
        rows.append(tuple(out))
    return tuple(rows)


def round_up_decimal(x: float | Fraction, digits: int = 10) -> Fraction:
    """The smallest decimal with ``digits`` significant digits that is ``>= x`` (x > 0).

    Examples
    --------
    >>> round_up_decimal(3.14159265358979, 3)
    Fraction(63, 20)
    """
    x = Fraction(x)
    if x <= 0:
        raise ValueError(f"x must be positive, got {x}")
    e = math.floor(math.log10(float(x))) - digits + 1
    unit = Fraction(10) ** e
    return math.ceil(x / unit) * unit


# ---------------------------------------------------------------- the pipeline


def _versions() -> dict[str, str]:
    # read from installed metadata: importing cvxpy just for its version costs seconds
    names = ("numpy", "scipy", "cvxpy", "clarabel", "scs", "python-flint")
    out = {k: v for k, v in versions(names).items() if v is not None}
    out["specproof"] = __version__
    return out


def certify(
    X: Any,
    q: int = 4,
    exact: bool = False,
    solver: str = "clarabel",
    delta: float = 1e-6,
    bits: int | None = None,
    max_bits: int = 96,
    C: float | Fraction | str | None = None,
    data_bits: int | None = None,
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
    solver : {"clarabel", "scs", "mosek"}
        Conic solver for the two SoS problems.
    delta : float
        Relative slack: ``C = t*(1 + delta)`` rounded up to 10 significant digits. The
        default 1e-6 leaves ``G`` an interior margin ``lambda ~ delta * C`` while keeping
        ``C`` within a millionth of the SoS value. Must be > 0 (a tight ``C`` cannot be
        rounded).
    bits : int or None
        First rounding precision (exact only). None: chosen from the solver's margin
        ``lambda`` so that rounding moves ``G`` by at most ``lambda/4`` in norm.
    max_bits : int
        Precision at which to give up (each retry adds 16 bits).
    C : number, Fraction, "p/q" or None
        Certify this bound instead of ``t*(1 + delta)``.
    data_bits : int or None
        Round float data to the grid ``2^-data_bits`` first (see :func:`rationalize`);
        the certificate is then about the rounded data. None: the floats exactly.

    Returns
    -------
    Certificate
        Already checked by the matching checker.

    Raises
    ------
    CertificationError
        ``C`` below or at the SoS value (no interior Gram matrix), or rounding failed up
        to ``max_bits`` (a tight ``C``).

    Examples
    --------
    >>> cert = certify(np.eye(2), q=4, exact=True)
    >>> round(float(cert.C), 5), cert.exact   # ||I_2||_{2->4}^4 = 1, C = t*(1 + 1e-6)
    (1.0, True)
    """
    from specproof.certificates.sos import SolverError, solve_sos, solve_sos_fixed_bound

    t_start = time.perf_counter()
    q = check_even_q(q, max_q=MAX_Q)
    solver = check_solver(solver)
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
    if not (isinstance(delta, (int, float, Fraction)) and delta > 0
            and math.isfinite(float(delta))):
        raise ValueError("delta must be a positive finite number (a tight C cannot be "
                         f"rounded), got {delta!r}")
    if bits is not None and (not isinstance(bits, int) or bits < 1):
        raise ValueError(f"bits must be a positive integer or None, got {bits!r}")
    Xr = rationalize(X, data_bits)
    Xf = np.array([[float(x) for x in row] for row in Xr])
    if not np.all(np.isfinite(Xf)):
        raise ValueError("X has entries too large for floating point")
    prov: dict[str, Any] = {"solver": solver, "q": q, "delta": float(delta),
                            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(
                                timespec="seconds"),
                            "versions": _versions(), "data_bits": data_bits}
    t_star = None
    if C is None:
        sos = solve_sos(Xf, q=q, solver=solver)
        t_star = sos.value
        prov["sos_value"] = t_star
        prov["sos_seconds"] = sos.solve_time
        if t_star <= 0:
            raise CertificationError(
                f"the SoS value is {t_star:.3g} <= 0 (X = 0?): nothing to certify")
        Cr = round_up_decimal(Fraction(t_star) * (1 + Fraction(str(float(delta)))))
    else:
        Cr = Fraction(C) if not isinstance(C, float) else Fraction(str(C))
    tight_hint = (
        "A tight C (one where the only Gram matrices are singular, as at the SoS value "
        "itself) cannot be rounded: any rounding of a singular G leaves the PSD cone. "
        "Certify a slightly larger C (delta > 0), or build the singular G exactly."
    )
    try:
        fixed = solve_sos_fixed_bound(Xf, q, float(Cr), solver=solver)
    except SolverError as exc:
        raise CertificationError(
            f"no Gram matrix for C = {Cr} ({float(Cr):.10g}): the solver reports {exc}. "
            f"C is below the SoS value, or too close to it to certify. {tight_hint}"
        ) from exc
    lam = float(fixed.lam)
    basis = tuple(tuple(int(e) for e in b) for b in fixed.basis)
    N = len(basis)
    prov.update(lam=lam, fixed_bound_seconds=fixed.solve_time, solver_residual=fixed.residual)
    target = expand_target(Xr, Cr, q)
    if lam <= 0:
        raise CertificationError(
            f"C = {Cr} ({float(Cr):.10g}) has no interior Gram matrix (margin lambda = {lam:.3e} "
            f"<= 0). {tight_hint}"
        )
    if not exact:
        G = _project_float(fixed.gram, target, basis)
        cert = Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis, gram=G,
                           provenance={**prov, "certify_seconds": time.perf_counter() - t_start})
        res = check_numeric(cert)
        if not res.ok:
            raise CertificationError(f"the numeric check of the solver's Gram matrix fails: "
                                     f"{res.reason}. Increase delta (now {delta}). {tight_hint}")
        return cert
    k = bits if bits is not None else max(8, math.ceil(math.log2(4 * N / lam)))
    tried = []
    while True:
        Gr = project_gram(round_gram(fixed.gram, k), target, basis)
        cert = Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis,
                           gram=np.array([[float(x) for x in row] for row in Gr]),
                           gram_rational=tuple(tuple(row) for row in Gr),
                           provenance={**prov, "bits": k})
        res = check_exact(cert)
        tried.append(k)
        if res.ok:
            final = dict(cert.provenance, bits_tried=tried,
                         certify_seconds=time.perf_counter() - t_start)
            return Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis, gram=cert.gram,
                               gram_rational=cert.gram_rational, provenance=final)
        if "not PSD" not in res.reason:
            raise CertificationError(f"internal error: the projected Gram matrix fails the "
                                     f"identity check ({res.reason})")
        if k + 16 > max_bits:
            raise CertificationError(
                f"rounding failed at {tried} bits: {res.reason}. The solver's margin "
                f"lambda = {lam:.3e} is too small against its residual "
                f"{fixed.residual:.1e} for C = {Cr}. {tight_hint}"
            )
        k += 16
