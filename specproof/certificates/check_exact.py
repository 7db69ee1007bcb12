"""Exact checker: every coefficient identity over Q, then an exact LDL^T PSD test.

No floating-point number enters the verdict: the data, the bound and the Gram matrix
are read as rationals, the polynomial ``C||v||^q - sum_i <x_i,v>^q`` is re-derived in
integer arithmetic (:mod:`specproof.certificates.polynomial`), the identity
``p = z^T G z`` must hold coefficient by coefficient with zero residual, ``G`` must be
exactly symmetric, and the elimination of :mod:`specproof.certificates.ldl` must find
it PSD. (The float copies in the file are only tested to be faithful roundings of the
rationals, exactly, so that a tampered float is not silently ignored.)
"""

from __future__ import annotations

import time

from specproof.certificates.certificate import (
    Certificate,
    CheckResult,
    describe_rational,
    fail,
    passed,
)
from specproof.certificates.consistency import normalise
from specproof.certificates.ldl import ldl_psd
from specproof.certificates.polynomial import identity_residuals, target_coefficients


def check_exact(source: str | Certificate, backend: str | None = None) -> CheckResult:
    """Check a certificate exactly over the rationals.

    Parameters
    ----------
    source : path or Certificate
    backend : {"flint", "fraction", "bareiss"} or None
        Arithmetic of the LDL^T (see :mod:`specproof.certificates.ldl`); None = default.

    Returns
    -------
    CheckResult
        ``ok`` iff the identity holds exactly and ``G`` is PSD.

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> check_exact(boolean_cube_certificate(3)).ok
    True
    """
    cert = normalise(source)
    if isinstance(cert, CheckResult):
        return cert
    if cert.gram_rational is None:
        return fail("not_exact", "not an exact certificate: gram.rational is null (check it "
                                 "with exact=False)", cert, exact=True)
    G = cert.gram_rational
    N = len(G)
    for a in range(N):
        for b in range(a):
            if G[a][b] != G[b][a]:
                return fail("not_symmetric", f"gram.rational is not symmetric: entry ({a}, {b}) "
                                             f"= {describe_rational(G[a][b])} but ({b}, {a}) = "
                                             f"{describe_rational(G[b][a])}", cert, exact=True)
    t0 = time.perf_counter()
    target = target_coefficients(cert.X_rational, cert.C, cert.q)
    residuals = identity_residuals(target, G, cert.basis)
    t_identity = time.perf_counter() - t0
    wrong = [(alpha, r) for alpha, r in residuals.items() if r != 0]
    details = {"monomials_checked": len(residuals), "N": N, "C": describe_rational(cert.C),
               "identity_seconds": t_identity}
    if wrong:
        alpha, r = min(wrong)
        details["wrong_monomials"] = len(wrong)
        return fail("identity_mismatch", f"identity fails at {len(wrong)} of {len(residuals)} "
                                         f"monomials, e.g. v^{alpha}: C||v||^q - sum <x_i,v>^q "
                                         f"- z^T G z has coefficient {describe_rational(r)}",
                    cert, exact=True, **details)
    t0 = time.perf_counter()
    ldl = ldl_psd(G, backend=backend)
    details.update(ldl_seconds=time.perf_counter() - t0, ldl=ldl.to_dict())
    if not ldl.psd:
        return fail("not_psd", f"identity holds but G is not PSD: {ldl.reason}", cert,
                    exact=True, **details)
    return passed(f"certified exactly: identity holds on all {len(residuals)} monomials and G "
                  f"is PSD ({ldl.reason})", cert, exact=True, **details)
