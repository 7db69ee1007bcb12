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
    expand_target,
    project_gram,
    relax,
    round_gram,
)
from specproof.certificates.validation import check_even_q, check_solver

__all__ = ["CertificationError", "certify", "expand_target", "project_gram", "rationalize",
           "relax", "round_gram", "round_up_decimal"]

DELTA_FLOOR = 1e-9
"""Smallest relative slack ``delta`` that ``certify`` picks by itself."""
C_DIGITS = 12
"""Significant decimal digits of the certified ``C`` (rounded up)."""


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


def round_up_decimal(x: float | Fraction, digits: int = C_DIGITS) -> Fraction:
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


def _float_projection(G: np.ndarray, rhs: np.ndarray, pair_rows: np.ndarray, m: int
                      ) -> np.ndarray:
    """Orthogonal projection (floats) of ``G`` onto ``{G : class sums of G = rhs}``."""
    from specproof.certificates.sos import coefficient_sums

    N = G.shape[0]
    out = (np.asarray(G, dtype=np.float64) + np.asarray(G, dtype=np.float64).T) / 2
    counts = np.bincount(pair_rows, minlength=m)
    share = (rhs - coefficient_sums(out, pair_rows, m)) / np.maximum(counts, 1)
    out = out + share[pair_rows].reshape(N, N)
    return (out + out.T) / 2


def _slack_needed(G: np.ndarray, t: float, f: np.ndarray, N: int) -> tuple[float, float, float]:
    """``(mu, err, need)``: smallest eigenvalue of ``G``, float error terms, their sum.

    ``need = max(0, -mu) + err`` is the slack ``C - t`` that makes ``G + (C - t) D``
    positive definite with room for the eigenvalue computation's error and the exact
    checker's factor-and-dominance PSD test (which needs a margin ~ ``N^2 eps ||G||``).
    """
    eigs = np.linalg.eigvalsh(G)
    mu = float(eigs[0])
    gnorm = float(np.abs(eigs).max())
    eps = np.finfo(float).eps
    err = 64 * N * N * eps * gnorm + 64 * N * eps * (abs(t) + float(np.abs(f).max()))
    return mu, err, max(0.0, -mu) + err


def certify(
    X: Any,
    q: int = 4,
    exact: bool = False,
    solver: str = "auto",
    delta: float | None = None,
    bits: int | None = None,
    max_bits: int = 160,
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
        Certify this bound instead of ``t(1 + delta)``.
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
        ``C`` below or too close to the SoS value, or rounding failed up to ``max_bits``.

    Examples
    --------
    >>> cert = certify(np.eye(2), q=4, exact=True)
    >>> round(float(cert.C), 5), cert.exact   # ||I_2||_{2->4}^4 = 1
    (1.0, True)
    >>> cert.provenance["solver_choice"]["solver"]
    'clarabel'
    """
    from specproof.certificates.monomials import (
        norm_power_coefficients,
        pair_structure,
        power_sum_coefficients,
    )
    from specproof.certificates.rational_gram import (
        exact_power_sums,
        norm_gram_diagonal,
        round_and_project,
        target_numerators,
    )
    from specproof.certificates.sos import solve_sos

    t_start = time.perf_counter()
    q = check_even_q(q, max_q=MAX_Q)
    solver = check_solver(solver)
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
    if delta is not None and not (isinstance(delta, (int, float, Fraction)) and delta > 0
                                  and math.isfinite(float(delta))):
        raise ValueError("delta must be None or a positive finite number (a tight C cannot "
                         f"be rounded), got {delta!r}")
    if bits is not None and (not isinstance(bits, int) or bits < 1):
        raise ValueError(f"bits must be a positive integer or None, got {bits!r}")
    Xr = rationalize(X, data_bits)
    Xf = np.array([[float(x) for x in row] for row in Xr])
    if not np.all(np.isfinite(Xf)):
        raise ValueError("X has entries too large for floating point")
    n, d = Xf.shape
    prov: dict[str, Any] = {"q": q, "date": _dt.datetime.now(_dt.timezone.utc).isoformat(
                                timespec="seconds"),
                            "versions": _versions(), "data_bits": data_bits}
    # -- step 2: one SoS solve (an inaccurate status is fine: the certificate is checked)
    sos = solve_sos(Xf, q=q, solver=solver, accept_inaccurate=True)
    t = sos.value
    prov.update(solver=sos.solver, solver_choice=sos.choice, solver_status=sos.status,
                sos_value=t, sos_seconds=sos.solve_time, solver_residual=sos.residual)
    if not t > 0:
        raise CertificationError(f"the SoS value is {t:.3g} <= 0 (X = 0?): nothing to certify")
    # -- step 3: float projection, smallest eigenvalue, the slack it needs
    pair_rows, m = pair_structure(d, q)
    N = len(sos.basis)
    f = power_sum_coefficients(Xf, q)
    nv = norm_power_coefficients(d, q)
    Ga = _float_projection(sos.gram, t * nv - f, pair_rows, m)
    mu, err, need = _slack_needed(Ga, t, f, N)
    prov.update(projected_lambda_min=mu, float_error_allowance=err)
    # -- step 4: C, and the slack spent on the PD Gram matrix of ||v||^q
    if C is None:
        if delta is None:
            delta_used = max(DELTA_FLOOR, 4 * need / t)
            why = (f"max({DELTA_FLOOR:g}, 4 (max(0, -lambda_min) + float errors) / t) with "
                   f"lambda_min = {mu:.3e} of the projected solver Gram matrix and float "
                   f"error allowance {err:.3e}, t = {t:.12g}")
        else:
            delta_used = float(delta)
            why = "given by the caller"
        Cr = round_up_decimal(Fraction(t) * (1 + Fraction(delta_used)))
        prov.update(delta=delta_used, delta_reason=why)
    else:
        Cr = Fraction(C) if not isinstance(C, float) else Fraction(str(C))
        prov.update(delta=float(Cr) / t - 1, delta_reason="C given by the caller")
    slack = float(Cr) - t
    tight_hint = (
        "A tight C (one where the only Gram matrices are singular, as at the SoS value "
        "itself) cannot be rounded: any rounding of a singular G leaves the PSD cone. "
        "Certify a slightly larger C, or build the singular G exactly."
    )
    if slack <= need:
        raise CertificationError(
            f"C = {Cr} ({float(Cr):.12g}) is below the SoS value t = {t:.12g} or too close to "
            f"it: the slack C - t = {slack:.3e} does not cover what the solver's Gram matrix "
            f"lacks ({need:.3e}: lambda_min {mu:.3e} plus float errors {err:.3e}). "
            f"{tight_hint}")
    G1 = Ga + np.diag(norm_gram_diagonal(d, q).astype(np.float64)) * slack
    margin = mu + slack  # ~ lambda_min(G1)
    prov.update(margin=margin)
    basis = tuple(tuple(int(e) for e in b) for b in sos.basis)
    if not exact:
        G = _float_projection(G1, float(Cr) * nv - f, pair_rows, m)
        cert = Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis, gram=G,
                           provenance={**prov, "certify_seconds": time.perf_counter() - t_start})
        res = check_numeric(cert)
        if not res.ok:
            raise CertificationError(f"the numeric check of the solver's Gram matrix fails: "
                                     f"{res.reason}. Increase delta. {tight_hint}")
        return cert
    # -- step 5: exact target, rounding, exact projection; step 6: the exact check
    t0 = time.perf_counter()
    F, Lq = exact_power_sums(Xr, q)
    p, den = target_numerators(F, Lq, Cr, d, q)
    prov["expand_seconds"] = time.perf_counter() - t0
    k = bits if bits is not None else max(8, math.ceil(math.log2(8 * N / margin)))
    tried: list[int] = []
    while True:
        t0 = time.perf_counter()
        E, D = round_and_project(G1, k, p, den, d, q)
        Gr = tuple(tuple(Fraction(int(x), D) for x in row) for row in E)
        Gf = np.array([[float(x) for x in row] for row in Gr])
        round_seconds = time.perf_counter() - t0
        cert = Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis, gram=Gf,
                           gram_rational=Gr, provenance={**prov, "bits": k})
        t0 = time.perf_counter()
        res = check_exact(cert)
        tried.append(k)
        if res.ok:
            final = dict(cert.provenance, bits_tried=tried, round_seconds=round_seconds,
                         check_seconds=time.perf_counter() - t0,
                         certify_seconds=time.perf_counter() - t_start)
            return Certificate(q=q, X=Xf, X_rational=Xr, C=Cr, basis=basis, gram=Gf,
                               gram_rational=Gr, provenance=final)
        if "not PSD" not in res.reason:
            raise CertificationError(f"internal error: the projected Gram matrix fails the "
                                     f"identity check ({res.reason})")
        if k + 16 > max_bits:
            raise CertificationError(
                f"rounding failed at {tried} bits: {res.reason}. The margin "
                f"{margin:.3e} left by C = {Cr} is too small against the solver's "
                f"accuracy (lambda_min {mu:.3e}). {tight_hint}")
        k += 16
