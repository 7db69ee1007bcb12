"""Floating-point checker with a rigorous error argument, sound at every magnitude.

Claim checked: ``p(v) = C||v||^q - sum_i <x_i,v>^q`` is a sum of squares, hence ``>= 0``,
hence ``||X||_{2->q}^q <= C``. The file gives ``G`` with ``p ~ z^T G z``.

Why ``lambda_min(G) >= N * max_alpha |r_alpha|`` certifies. Let
``r = p - z^T G z = sum_alpha r_alpha v^alpha`` be the exact residual polynomial. Put
``R_ab = r_alpha / |S_alpha|`` for every ``(a, b)`` in ``S_alpha = {(a,b): z_a z_b = v^alpha}``
(the ``S_alpha`` partition the ``N x N`` positions and are symmetric, so ``R`` is
symmetric and ``z^T R z = r``). Then ``p = z^T (G + R) z`` and, every entry of ``R``
being at most ``rho = max |r_alpha|`` in size, ``||R||_2 <= max row sum <= N rho``
(Gershgorin). Weyl's inequality gives ``lambda_min(G + R) >= lambda_min(G) - N rho``, so
``G + R`` is PSD and ``p`` is SoS whenever ``lambda_min(G) >= N rho``. (Every residual
monomial must be some ``z_a z_b``; one that is not makes the check fail.)

Rescaling first. The statement is homogeneous: multiplying ``X`` by ``2^-e`` and ``C``
and ``G`` by ``2^(-q e)`` multiplies ``p`` and ``z^T G z`` by the positive number
``2^(-q e)``, so one is SoS iff the other is. The checker picks ``e`` from the *exact*
data (largest ``|x_ij|`` times ``2^-e`` in ``[1/2, 1)``) and forms the scaled floats from
the rationals by one correct rounding each: the float work then runs on numbers of size
about 1 whatever the magnitude of the file (``1e-300`` or ``1e300``, subnormals
included), and nothing is flushed to zero that matters. A scaled ``C`` or ``G`` entry
beyond the float range is refused (``out_of_range``), never clipped.

Floating point then enters twice, and both are bounded (``u = 2^-52``, ``ETA = 2^-1074``,
``gamma_k = k u/(1 - k u)``; every operation ``fl(a op b) = (a op b)(1 + delta) + eta``):

1. The residuals. The computed ``r_hat_alpha`` satisfies
   ``|r_alpha - r_hat_alpha| <= gamma_K A_alpha + B_alpha ETA`` with
   ``K = 2q + n + N^2 + 8``, ``A_alpha = |C c_alpha| + m_alpha sum_i |t_i| +
   sum_{S_alpha} |G_ab|`` (``t_i`` the products ``prod x_ij^alpha_j``, ``m_alpha`` the
   multinomial) and ``B_alpha = 4 q n m_alpha + c_alpha + N^2 + 16``: ``q`` data
   roundings and ``q - 1`` multiplications per product (each may add ``ETA``; the
   factors are at most 1 in size, so an added ``ETA`` is never amplified), ``n``
   additions, one multiplication by the multinomial, the rounding of ``C c_alpha``, the
   roundings of the ``|S_alpha| <= N^2`` Gram entries and three more operations.
   ``rho`` is then bounded by ``max(|r_hat| + that) * (1 + 1e-9)``.
2. The eigenvalue. LAPACK's symmetric eigensolver is backward stable: the computed
   eigenvalues are exact for ``G + E`` with ``||E||_2 <= p(N) u ||G||_2``. We take
   ``p(N) = 2N`` and ``||G||_2 <= ||G||_F``, add ``u ||G||_F`` for the rounding of a
   rational ``G`` and ``(4N^2 + N) ETA`` for underflow, so by Weyl
   ``lambda_min(G) >= lambda_hat - margin``.

The certificate is accepted iff ``lambda_hat - margin >= N rho``, both finite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from specproof.certificates.certificate import (
    Certificate,
    CheckResult,
    describe_rational,
    fail,
    passed,
)
from specproof.certificates.consistency import normalise
from specproof.certificates.constants import ETA, UNIT
from specproof.certificates.polynomial import compositions, gram_classes, multinomial
from specproof.certificates.polynomial import norm_power_coefficient as _norm_coef

_MAX_BLOCK_ENTRIES = 2_000_000  # rows x monomials per block when forming the products


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
    block = max(1, _MAX_BLOCK_ENTRIES // max(1, len(alphas)))
    for start in range(0, X.shape[0], block):
        Xb = X[start:start + block]
        prod = Xb[:, idx[:, 0]]
        for t in range(1, q):
            prod = prod * Xb[:, idx[:, t]]  # one rounding per factor, as the bound assumes
        s += prod.sum(axis=0)
        s_abs += np.abs(prod).sum(axis=0)
    return s, s_abs


@dataclass(frozen=True)
class GramMargin:
    """What the float argument proves about ``C||v||^q - sum <x_i,v>^q ~ z^T G z``.

    ``lambda_lower <= lambda_min(G)`` and ``required >= N max_alpha |r_alpha|`` in exact
    arithmetic; the identity plus ``G`` PSD is proved iff ``lambda_lower >= required``.
    Where it is not, ``C + max(0, required - lambda_lower)`` still bounds
    ``||X||_{2->q}^q`` when the basis holds every monomial of degree q/2 (then
    ``||z||^2 <= ||v||^q``).
    """

    lambda_lower: float
    required: float
    lambda_computed: float
    eigenvalue_margin: float
    residual_max: float
    residual_bound: float
    worst_monomial: tuple[int, ...] | None
    unrepresentable: tuple[int, ...] | None = None

    @property
    def proves(self) -> bool:
        """Whether the margin absorbs the residual (NaN-safe)."""
        return (self.unrepresentable is None and math.isfinite(self.lambda_lower)
                and math.isfinite(self.required) and self.lambda_lower >= self.required)


def gram_margin(
    X: np.ndarray,
    C: float,
    G: np.ndarray,
    basis: Sequence[tuple[int, ...]],
    q: int,
    exact_zero: frozenset[tuple[int, ...]] = frozenset(),
) -> GramMargin:
    """The rigorous float bounds of the module docstring for float data (taken exactly).

    ``X`` should have entries at most 1 in size (rescale first, :func:`check_numeric`
    does); ``G`` must be symmetric. Valid for every finite input.

    A monomial that no product ``z_a z_b`` of the basis gives must have an exactly zero
    coefficient in ``p``: floating point cannot prove that (a coefficient of size 2^-60
    rounds or underflows to 0), so such a monomial is refused as unrepresentable unless
    the caller has proved it zero in exact arithmetic and lists it in ``exact_zero``.

    Examples
    --------
    >>> m = gram_margin(np.eye(1), 2.0, np.array([[1.0]]), [(1,)], 2)   # 2v^2 - v^2 = v^2
    >>> m.proves, m.lambda_computed
    (True, 1.0)
    """
    n, d = X.shape
    N = len(basis)
    alphas = compositions(d, q)
    classes = gram_classes(basis)
    s, s_abs = _power_sums(X, alphas, q)
    target: dict[tuple[int, ...], float] = {}
    scale: dict[tuple[int, ...], float] = {}
    absolute: dict[tuple[int, ...], float] = {}
    for k, alpha in enumerate(alphas):
        c_norm = _norm_coef(alpha)
        m = multinomial(alpha)
        target[alpha] = C * c_norm - m * s[k]
        scale[alpha] = abs(C * c_norm) + m * s_abs[k]
        absolute[alpha] = (4 * q * n * m + c_norm + N * N + 16) * ETA
    gam = _gamma(2 * q + n + N * N + 8)
    worst, rho, rho_hat = None, 0.0, 0.0
    for alpha in {**target, **classes}:
        pos = classes.get(alpha, ())
        if not pos:
            if alpha in exact_zero:
                continue  # proved zero exactly by the caller: no residual to place
            return GramMargin(-math.inf, math.inf, math.nan, math.nan,
                              abs(target.get(alpha, 0.0)), math.inf, alpha,
                              unrepresentable=alpha)
        g = [float(G[a, b]) for a, b in pos]
        r_hat = target.get(alpha, 0.0) - math.fsum(g)
        bound = (abs(r_hat) + gam * (scale.get(alpha, 0.0) + math.fsum(abs(x) for x in g))
                 + absolute.get(alpha, (N * N + 16) * ETA))
        if math.isnan(bound) or bound > rho:  # a NaN sticks: nothing finite replaces it
            if not math.isnan(rho):
                worst, rho, rho_hat = alpha, bound, abs(r_hat)
    rho *= 1.0 + 1e-9
    with np.errstate(over="ignore", invalid="ignore"):
        lam_hat = float(np.linalg.eigvalsh(G)[0]) if np.all(np.isfinite(G)) else math.nan
    frob = frobenius_bound(G)
    eig_margin = (2 * N + 2) * UNIT * frob + (4 * N * N + N) * ETA
    lam_lower = math.nextafter(lam_hat - eig_margin * (1 + 4 * UNIT), -math.inf)
    required = math.nextafter(N * rho * (1 + 4 * UNIT), math.inf)
    return GramMargin(lam_lower, required, lam_hat, eig_margin, rho_hat, rho, worst)


def _exact_missing_coefficients(cert: Certificate, q: int) -> dict[tuple[int, ...], Fraction]:
    """Exact coefficients of ``p`` at the monomials the basis cannot represent.

    A full basis (what ``certify`` writes) leaves none, so this costs nothing there.
    """
    d = len(cert.basis[0]) if cert.basis else len(cert.X_rational[0])
    classes = gram_classes(cert.basis)
    out: dict[tuple[int, ...], Fraction] = {}
    for alpha in compositions(d, q):
        if alpha in classes:
            continue
        total = Fraction(0)
        for row in cert.X_rational:
            term = Fraction(1)
            for x, a in zip(row, alpha, strict=True):
                if a:
                    term *= x**a
            total += term
        out[alpha] = cert.C * _norm_coef(alpha) - multinomial(alpha) * total
    return out


def _max_abs(rows: Sequence[Sequence[Fraction]]) -> Fraction:
    return max((abs(x) for row in rows for x in row), default=Fraction(0))


def _exponent_of(r: Fraction) -> int:
    """``e`` with ``r * 2^-e`` in ``[1/2, 1)`` for ``r > 0`` (exact)."""
    e = r.numerator.bit_length() - r.denominator.bit_length()
    # r / 2^e lies in (1/2, 2): adjust by one where needed
    while r < Fraction(2) ** (e - 1):
        e -= 1
    while r >= Fraction(2) ** e:
        e += 1
    return e


def _scaled_float(r: Fraction, k: int) -> float:
    """``r * 2^k`` correctly rounded (``inf`` with the sign on overflow)."""
    num, den = r.numerator, r.denominator
    if k >= 0:
        num <<= k
    else:
        den <<= -k
    try:
        return num / den  # int / int: correctly rounded, subnormals included
    except OverflowError:
        # not copysign(inf, num): a huge int does not convert to float either, and the
        # checker raised instead of answering "out_of_range"
        return math.inf if num > 0 else -math.inf


def _scaled_matrix(rows: Sequence[Sequence[Fraction]], k: int) -> np.ndarray:
    return np.array([[_scaled_float(x, k) for x in row] for row in rows], dtype=np.float64)


def frobenius_bound(G: np.ndarray) -> float:
    """A float upper bound of ``||G||_F`` for a square ``G``, without overflow in the squares.

    ``G`` is scaled by a power of two to entries below 1 in size first (exact, but for
    entries so small that they turn subnormal: each moves by at most ``ETA``), so a
    certificate whose entries are near ``1e300`` gets a finite bound (``G * G`` would be
    ``inf``). The sum of ``N^2`` squares and the square root are covered by
    ``1 + gamma_{N^2 + 2}``; squares that underflow lose at most ``ETA`` each, i.e.
    ``N sqrt(ETA) = N 2^-537`` in the norm. Non-finite ``G`` gives ``inf`` or NaN.

    Examples
    --------
    >>> frobenius_bound(np.array([[3e300, 0.0], [0.0, 4e300]])) >= 5e300
    True
    """
    N = G.shape[0]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        big = float(np.max(np.abs(G))) if G.size else 0.0
        k = math.frexp(big)[1] if math.isfinite(big) and big >= 1.0 else 0
        S = np.ldexp(G, -k) if k else G
        f = (float(np.sqrt(np.sum(S * S))) * (1 + _gamma(N * N + 2))
             + N * (2.0**-537 + ETA))
    if not math.isfinite(f):
        return f
    try:
        return math.ldexp(f, k)
    except OverflowError:  # the norm itself is beyond float64: no finite bound
        return math.inf


def check_numeric(source: str | Certificate) -> CheckResult:
    """Check a certificate in floating point with the error bound of the module docstring.

    Parameters
    ----------
    source : path or Certificate

    Returns
    -------
    CheckResult
        ``ok`` iff ``lambda_hat - margin >= N rho`` after exact rescaling; ``details``
        holds every term and the scaling exponent.

    Examples
    --------
    >>> from specproof.certificates.known import boolean_cube_certificate
    >>> from specproof.certificates.peyrl_parrilo import relax
    >>> check_numeric(relax(boolean_cube_certificate(3), 1e-6)).ok
    True
    """
    cert = normalise(source)
    if isinstance(cert, CheckResult):
        return cert
    q, N = cert.q, len(cert.basis)
    n, d = cert.shape
    if cert.gram_rational is not None:
        Gr = cert.gram_rational
        for a in range(N):
            for b in range(a):
                if Gr[a][b] != Gr[b][a]:
                    return fail("not_symmetric", f"gram.rational is not symmetric: entry "
                                                 f"({a}, {b}) differs from ({b}, {a})", cert)
    elif not np.array_equal(cert.gram, cert.gram.T):
        i, j = np.argwhere(cert.gram != cert.gram.T)[0]
        return fail("not_symmetric", f"gram.float is not symmetric: entry ({i}, {j}) differs "
                                     f"from ({j}, {i})", cert)
    xmax = _max_abs(cert.X_rational)
    e = _exponent_of(xmax) if xmax else 0
    Xs = _scaled_matrix(cert.X_rational, -e)
    Cs = _scaled_float(cert.C, -q * e)
    if cert.gram_rational is not None:
        Gs = _scaled_matrix(cert.gram_rational, -q * e)
    else:
        with np.errstate(over="ignore"):
            Gs = np.ldexp(cert.gram, -q * e)
    if not (math.isfinite(Cs) and np.all(np.isfinite(Gs))):
        what = "C" if not math.isfinite(Cs) else "an entry of G"
        return fail("out_of_range", f"{what} is more than 2^1024 times the data's scale "
                                    f"(||X||^q ~ 2^{q * e}): beyond the float range, so the "
                                    "numeric checker cannot decide; use the exact checker",
                    cert, scale_exponent=e)
    missing = _exact_missing_coefficients(cert, q)
    nonzero = {a: c for a, c in missing.items() if c != 0}
    if nonzero:
        alpha, coef = next(iter(nonzero.items()))
        return fail("not_representable", f"the basis cannot represent v^{alpha}, whose "
                                          f"coefficient in C||v||^q - sum <x_i,v>^q is "
                                          f"{describe_rational(coef)}, not 0", cert)
    try:
        m = gram_margin(Xs, Cs, Gs, cert.basis, q, exact_zero=frozenset(missing))
    except OverflowError:  # math.fsum of finite numbers whose sum leaves the float range
        return fail("out_of_range", "a sum of Gram entries leaves the float range after "
                                    "rescaling: the numeric checker cannot decide; use the "
                                    "exact checker", cert, scale_exponent=e)

    def orig(x: float) -> float:  # a scaled quantity in the file's units (details only)
        try:
            return math.ldexp(x, q * e) if math.isfinite(x) else x
        except OverflowError:
            return math.copysign(math.inf, x)

    details: dict[str, Any] = {
        "q": q, "n": n, "d": d, "N": N, "scale_exponent": e,
        "max_residual": orig(m.residual_max), "residual_bound": orig(m.residual_bound),
        "worst_monomial": None if m.worst_monomial is None else list(m.worst_monomial),
        "lambda_min_computed": orig(m.lambda_computed),
        "eigenvalue_margin": orig(m.eigenvalue_margin),
        "lambda_min_lower_bound": orig(m.lambda_lower), "required": orig(m.required),
        "scaled": {"lambda_min_computed": m.lambda_computed,
                   "eigenvalue_margin": m.eigenvalue_margin,
                   "lambda_min_lower_bound": m.lambda_lower, "required": m.required,
                   "max_residual": m.residual_max},
        "C": describe_rational(cert.C),
    }
    # the sentence quotes the rescaled problem, whose numbers are all of size ~1 (in the
    # file's units they may underflow to 0 or overflow); details has both
    note = f" (for X * 2^{-e}; C and G scale by 2^{-q * e})" if e else ""
    if m.unrepresentable is not None:
        return fail("not_representable", f"the basis cannot represent v^{m.unrepresentable}: "
                                         "p has a nonzero coefficient there but no z_a z_b "
                                         "equals it", cert, **details)
    if m.proves:
        return passed(f"certified: lambda_min(G) >= {m.lambda_lower:.3e} >= N*max|r| = "
                      f"{m.required:.3e}{note}", cert, **details)
    lam_hat, margin = m.lambda_computed, m.eigenvalue_margin
    if not (m.lambda_lower >= 0):
        code = "not_psd"
        why = f"G is not PSD in floating point: lambda_min(G) <= {lam_hat + margin:.3e}"
        if lam_hat + margin >= 0:
            code = "margin_too_small"
            why = (f"lambda_min(G) = {lam_hat:.3e} is within the eigenvalue error "
                   f"{margin:.1e} of 0")
    else:
        code = "margin_too_small"
        why = f"lambda_min(G) >= {m.lambda_lower:.3e} does not absorb the residual"
    return fail(code, f"{why}; N*max|r| = {m.required:.3e} (largest residual "
                      f"{m.residual_max:.3e} at v^{m.worst_monomial}){note}", cert, **details)
