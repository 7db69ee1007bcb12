"""Steps 2-6 of :func:`~specproof.certificates.certify.certify` on data scaled to ``[1/2, 1)``.

The solve, the float projection of its Gram matrix, the slack that makes it positive
definite, and the exact rounding and check, repeated with more bits until the exact
checker accepts (``docs/certificates.md``). :func:`certify` scales the data, calls
:func:`certify_scaled` and scales the certificate back.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from fractions import Fraction
from typing import Any

import numpy as np

from specproof._core import ArgumentError
from specproof.certificates.certificate import Certificate, float_copies
from specproof.certificates.certify_inputs import _versions, round_up_decimal
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.constants import BITS_STEP, FIRST_BITS_MIN
from specproof.certificates.peyrl_parrilo import CertificationError
from specproof.certificates.refute import significant

DELTA_FLOOR = 1e-9
"""Smallest relative slack ``delta`` that ``certify`` picks by itself."""

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


def certify_scaled(Xr, q: int, exact: bool, solver: str, delta, bits, max_bits, C,
                    t_start: float, finish, scale: int = 0) -> Certificate:
    """Certify data whose largest entry lies in ``[1/2, 1)`` (the solver's best range);
    every candidate is scaled back by ``finish`` and checked as the final certificate.
    Messages state values in the user's units: scaled by ``2^scale`` (exact)."""

    def user(x: float | Fraction, digits: int = 6) -> str:
        return significant(Fraction(x) * Fraction(2) ** scale, digits)

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

    if delta is not None and not (isinstance(delta, (int, float, Fraction)) and delta > 0
                                  and math.isfinite(float(delta))):
        raise ArgumentError("delta must be None or a positive finite number (a tight C "
                            f"cannot be rounded), got {delta!r}")
    Xcopy = float_copies(Xr)  # entries in [-1, 1]: never overflow
    Xf = np.where(np.isnan(Xcopy), 0.0, Xcopy)  # below 2^-1074: the solver may ignore it
    n, d = Xf.shape
    prov: dict[str, Any] = {"q": q, "date": _dt.datetime.now(_dt.timezone.utc).isoformat(
                                timespec="seconds"), "versions": _versions()}
    # -- step 2: one SoS solve (an inaccurate status is fine: the certificate is checked)
    sos = solve_sos(Xf, q=q, solver=solver, accept_inaccurate=True)
    t = sos.value
    prov.update(solver=sos.solver, solver_choice=sos.choice, solver_status=sos.status,
                sos_value=t, sos_seconds=sos.solve_time, solver_residual=sos.residual)
    if not t > 0:
        raise CertificationError(f"the SoS value is {user(t, 3)} <= 0 (X = 0?): nothing to "
                                 "certify")
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
        Cr = Fraction(C)
        prov.update(delta=float(Cr) / t - 1, delta_reason="C given by the caller")
    slack = float(Cr) - t
    tight_hint = (
        "A tight C (one where the only Gram matrices are singular, as at the SoS value "
        "itself) cannot be rounded: any rounding of a singular G leaves the PSD cone. "
        "Certify a slightly larger C, or build the singular G exactly."
    )
    if slack <= need:
        raise CertificationError(
            f"C = {user(Cr, 12)} is below the SoS value t = {user(t, 12)} or too close to "
            f"it: the slack C - t = {user(slack, 4)} does not cover what the solver's Gram "
            f"matrix lacks ({user(need, 4)}: lambda_min {user(mu, 4)} plus float errors "
            f"{user(err, 4)}). {tight_hint}")
    G1 = Ga + np.diag(norm_gram_diagonal(d, q).astype(np.float64)) * slack
    margin = mu + slack  # ~ lambda_min(G1)
    prov.update(margin=margin)
    basis = tuple(tuple(int(e) for e in b) for b in sos.basis)
    if not exact:
        G = _float_projection(G1, float(Cr) * nv - f, pair_rows, m)
        cert = finish(Certificate(q=q, X=Xcopy, X_rational=Xr, C=Cr, basis=basis, gram=G,
                                  provenance={**prov, "certify_seconds":
                                              time.perf_counter() - t_start}))
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
    k = bits if bits is not None else max(FIRST_BITS_MIN,
                                           math.ceil(math.log2(8 * N / margin)))
    tried: list[int] = []
    while True:
        t0 = time.perf_counter()
        E, D = round_and_project(G1, k, p, den, d, q)
        Gr = tuple(tuple(Fraction(int(x), D) for x in row) for row in E)
        Gf = float_copies(Gr)
        round_seconds = time.perf_counter() - t0
        cert = finish(Certificate(q=q, X=Xcopy, X_rational=Xr, C=Cr, basis=basis, gram=Gf,
                                  gram_rational=Gr, provenance={**prov, "bits": k}))
        t0 = time.perf_counter()
        res = check_exact(cert)
        tried.append(k)
        if res.ok:
            final = dict(cert.provenance, bits_tried=tried, round_seconds=round_seconds,
                         check_seconds=time.perf_counter() - t0,
                         certify_seconds=time.perf_counter() - t_start)
            return Certificate(q=q, X=cert.X, X_rational=cert.X_rational, C=cert.C,
                               basis=basis, gram=cert.gram, gram_rational=cert.gram_rational,
                               provenance=final)
        if res.code != "not_psd":
            raise CertificationError(f"internal error: the projected Gram matrix fails the "
                                     f"identity check ({res.reason})")
        if k + BITS_STEP > max_bits:
            raise CertificationError(
                f"rounding failed at {tried} bits: {res.reason}. The margin "
                f"{user(margin, 4)} left by C = {user(Cr, 12)} is too small against the "
                f"solver's accuracy (lambda_min {user(mu, 4)}). {tight_hint}")
        k += BITS_STEP
