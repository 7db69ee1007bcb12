"""Floating-point checker with a rigorous error argument.

Claim checked: ``p(v) = C||v||^q - sum_i <x_i,v>^q`` is a sum of squares, hence ``>= 0``,
hence ``||X||_{2->q}^q <= C``. The file gives ``G`` (floats) with ``p ~ z^T G z``.

Why ``lambda_min(G) >= N * max_alpha |r_alpha|`` certifies. Let
``r = p - z^T G z = sum_alpha r_alpha v^alpha`` be the exact residual polynomial. Put
``R_ab = r_alpha / |S_alpha|`` for every ``(a, b)`` in ``S_alpha = {(a,b): z_a z_b = v^alpha}``
(the ``S_alpha`` partition the ``N x N`` positions and are symmetric, so ``R`` is
symmetric and ``z^T R z = r``). Then ``p = z^T (G + R) z`` and, every entry of ``R``
being at most ``rho = max |r_alpha|`` in size, ``||R||_2 <= max row sum <= N rho``
(Gershgorin). Weyl's inequality gives ``lambda_min(G + R) >= lambda_min(G) - N rho``, so
``G + R`` is PSD and ``p`` is SoS whenever ``lambda_min(G) >= N rho``. (Every residual
monomial must be some ``z_a z_b``; one that is not makes the check fail.)

Floating point enters twice, and both are bounded:

1. The residuals. With ``u = 2^-52`` (covering the data's own rounding from the exact
   rationals, which the loader checks to be within one ulp) and ``gamma_k = k u/(1 - k u)``,
   the computed ``r_hat_alpha`` satisfies ``|r_alpha - r_hat_alpha| <= gamma_K A_alpha``
   with ``K = 2q + n + N^2 + 8`` and ``A_alpha = |C c_alpha| + m_alpha sum_i |t_i| +
   sum_{S_alpha} |G_ab|`` (``t_i`` the products ``prod x_ij^alpha_j``, ``m_alpha`` the
   multinomial): ``q`` data roundings and ``q - 1`` multiplications per product, ``n``
   additions, one multiplication by the multinomial, ``|S_alpha| <= N^2`` additions of
   Gram entries and three more operations. ``rho`` is then bounded by
   ``max(|r_hat| + gamma_K A) * (1 + 1e-9)`` (the last factor absorbs the rounding of
   this bound itself).
2. The eigenvalue. LAPACK's symmetric eigensolver is backward stable: the computed
   eigenvalues are exact for ``G + E`` with ``||E||_2 <= p(N) u ||G||_2``. We take
   ``p(N) = 2N`` and ``||G||_2 <= ||G||_F``, so by Weyl
   ``lambda_min(G) >= lambda_hat - 2 N u ||G||_F``.

The certificate is accepted iff ``lambda_hat - 2 N u ||G||_F >= N rho``.
"""

from __future__ import annotations

import math

import numpy as np

from specproof.certificates.certificate import Certificate, CheckResult, describe_rational
from specproof.certificates.consistency import normalise
from specproof.certificates.polynomial import compositions, gram_classes, multinomial
from specproof.certificates.polynomial import norm_power_coefficient as _norm_coef

UNIT = 2.0**-52
_BLOCK = 4096  # rows per block when forming the products (bounds memory at large n)


def _gamma(k: int) -> float:
    return k * UNIT / (1.0 - k * UNIT)


def _power_sums(
    X: np.ndarray, alphas: list[tuple[int, ...]], q: int
) -> tuple[np.ndarray, np.ndarray]:
    """sum_i prod_j x_ij^alpha_j and sum_i |.| for each alpha, by explicit products."""
    # column indices with multiplicity: alpha=(2,0,1,1) -> [0, 0, 2, 3]
    idx = np.array([[j for j, a in enumerate(alpha) for _ in range(a)] for alpha in alphas])
    s = np.zeros(len(alphas))
    s_abs = np.zeros(len(alphas))
    for start in range(0, X.shape[0], _BLOCK):
        Xb = X[start:start + _BLOCK]
        prod = Xb[:, idx[:, 0]]
        for t in range(1, q):
            prod = prod * Xb[:, idx[:, t]]  # one rounding per factor, as the bound assumes
        s += prod.sum(axis=0)
        s_abs += np.abs(prod).sum(axis=0)
    return s, s_abs


def check_numeric(source: str | Certificate) -> CheckResult:
    """Check a certificate in floating point with the error bound of the module docstring.

    Parameters
    ----------
    source : path or Certificate

    Returns
    -------
    CheckResult
        ``ok`` iff ``lambda_hat - 2 N u ||G||_F >= N rho``; ``details`` holds every term.

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> from specproof.certificates.certify import relax
    >>> check_numeric(relax(boolean_cube_certificate(3), 1e-6)).ok
    True
    """
    cert = normalise(source)
    if isinstance(cert, CheckResult):
        return cert
    q, X, G = cert.q, cert.X, cert.gram
    n = X.shape[0]
    N = len(cert.basis)
    if not np.array_equal(G, G.T):
        i, j = np.argwhere(G != G.T)[0]
        return CheckResult(False, f"gram.float is not symmetric: entry ({i}, {j}) differs "
                                  f"from ({j}, {i})")
    d = X.shape[1]
    alphas = compositions(d, q)
    classes = gram_classes(cert.basis)
    s, s_abs = _power_sums(X, alphas, q)
    C = cert.c_float
    target = {}
    scale = {}
    for k, alpha in enumerate(alphas):
        c_norm = _norm_coef(alpha)
        m = multinomial(alpha)
        target[alpha] = C * c_norm - m * s[k]
        scale[alpha] = abs(C * c_norm) + m * s_abs[k]
    K = 2 * q + n + N * N + 8
    gam = _gamma(K)
    worst_alpha, rho, rho_hat = None, 0.0, 0.0
    for alpha in {**target, **classes}:
        pos = classes.get(alpha, ())
        if not pos and target.get(alpha, 0.0) != 0.0:
            # this monomial is no product z_a z_b: no Gram correction can absorb it
            return CheckResult(False, f"the basis cannot represent v^{alpha}: p has coefficient "
                                      f"{target[alpha]:.6g} there but no z_a z_b equals it",
                               {"monomial": list(alpha)})
        g = [G[a, b] for a, b in pos]
        r_hat = target.get(alpha, 0.0) - math.fsum(g)
        bound = abs(r_hat) + gam * (scale.get(alpha, 0.0) + sum(abs(x) for x in g))
        if bound > rho:
            worst_alpha, rho, rho_hat = alpha, bound, abs(r_hat)
    rho *= 1.0 + 1e-9
    lam_hat = float(np.linalg.eigvalsh(G)[0])
    eig_margin = 2.0 * N * UNIT * float(np.linalg.norm(G, "fro"))
    lam_lower = lam_hat - eig_margin
    needed = N * rho
    details = {
        "q": q, "n": n, "d": d, "N": N,
        "max_residual": float(rho_hat), "residual_bound": float(rho),
        "worst_monomial": None if worst_alpha is None else list(worst_alpha),
        "lambda_min_computed": lam_hat, "eigenvalue_margin": eig_margin,
        "lambda_min_lower_bound": lam_lower, "required": float(needed),
        "C": describe_rational(cert.C),
    }
    if lam_lower >= needed:
        return CheckResult(True, f"certified: lambda_min(G) >= {lam_lower:.3e} >= "
                                 f"N*max|r| = {needed:.3e}", details)
    if lam_lower < 0:
        why = f"G is not PSD in floating point: lambda_min(G) <= {lam_hat + eig_margin:.3e}"
        if lam_hat + eig_margin >= 0:
            why = (f"lambda_min(G) = {lam_hat:.3e} is within the eigenvalue error "
                   f"{eig_margin:.1e} of 0")
    else:
        why = f"lambda_min(G) >= {lam_lower:.3e} does not absorb the residual"
    return CheckResult(False, f"{why}; N*max|r| = {needed:.3e} (largest residual "
                              f"{rho_hat:.3e} at v^{worst_alpha})", details)
