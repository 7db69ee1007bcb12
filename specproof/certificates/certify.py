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
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, ResourceLimitError, versions
from specproof._core.version import __version__
from specproof.certificates.certificate import Certificate, float_copies
from specproof.certificates.check_exact import check_exact
from specproof.certificates.check_numeric import check_numeric
from specproof.certificates.constants import BITS_STEP, FIRST_BITS_MIN, MAX_BITS, MAX_Q
from specproof.certificates.peyrl_parrilo import (
    CertificationError,
    _project_float,
    expand_target,
    project_gram,
    relax,
    round_gram,
)
from specproof.certificates.validation import as_even_q, as_solver

__all__ = ["CertificationError", "certify", "estimate_certify_bytes", "expand_target",
           "project_gram", "rationalize", "relax", "round_gram", "round_up_decimal",
           "writable_output"]



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
        raise ArgumentError(f"X must be a non-empty 2-D array, got shape {arr.shape}")
    if data_bits is not None and (not isinstance(data_bits, int) or data_bits < 0):
        raise ArgumentError(
            f"data_bits must be a non-negative integer or None, got {data_bits!r}")
    rows = []
    for i, row in enumerate(arr):
        out = []
        for j, x in enumerate(row):
            if isinstance(x, (bool, np.bool_)):
                raise ArgumentTypeError(f"X[{i}][{j}] is a bool; expected a number")
            if isinstance(x, (float, np.floating)) and not math.isfinite(float(x)):
                raise ArgumentError(f"X has a non-finite entry {x} at index ({i}, {j})")
            try:
                r = Fraction(x.item() if isinstance(x, (np.floating, np.integer)) else x)
            except (TypeError, ValueError) as exc:
                raise ArgumentTypeError(
                    f"X[{i}][{j}] = {x!r} is not a number or rational string") from exc
            except OverflowError as exc:
                raise ArgumentError(f"X[{i}][{j}] = {x!r} is not finite") from exc
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
        raise ArgumentError(f"x must be positive, got {x}")
    # floor(log10 x) from the digit counts (exact; float(x) may under/overflow)
    e10 = len(str(x.numerator)) - len(str(x.denominator))
    while Fraction(10) ** e10 > x:
        e10 -= 1
    while Fraction(10) ** (e10 + 1) <= x:
        e10 += 1
    e = e10 - digits + 1
    unit = Fraction(10) ** e
    return math.ceil(x / unit) * unit


# ---------------------------------------------------------------- the pipeline


def _versions() -> dict[str, str]:
    # read from installed metadata: importing cvxpy just for its version costs seconds
    names = ("numpy", "scipy", "cvxpy", "clarabel", "scs", "python-flint")
    out = {k: v for k, v in versions(names).items() if v is not None}
    out["specproof"] = __version__
    return out


# ---------------------------------------------------------------- up-front checks


def writable_output(path: str | os.PathLike | None) -> Path | None:
    """Check, before any work, that a certificate can be written to ``path``.

    The folder must exist and accept a new file (tried for real: a temporary file is
    created and removed), and ``path`` must not be a folder.

    Raises
    ------
    ArgumentError
        Naming the path and what is wrong with it.

    Examples
    --------
    >>> import tempfile
    >>> writable_output(tempfile.mkdtemp())   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: output ... is a folder; give a file name ...
    """
    if path is None:
        return None
    p = Path(path)
    if p.is_dir():
        raise ArgumentError(f"output {str(p)!r} is a folder; give a file name such as "
                            f"{str(p / 'cert.json')!r}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ArgumentError(f"output {str(p)!r}: its folder {str(parent)!r} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise ArgumentError(f"output {str(p)!r} exists and is not writable")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".probe", dir=parent)
    except OSError as exc:
        raise ArgumentError(f"output {str(p)!r}: cannot create a file in {str(parent)!r} "
                            f"({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(tmp)
    return p


def estimate_certify_bytes(n: int, d: int, q: int, exact: bool = False) -> dict[str, int]:
    """Memory the certification structures need, estimated before building any of them.

    ``monomials``: the ``C(d+q-1, q)`` exponent tuples of degree q (and their
    coefficients, ~ ``8 d + 64`` bytes each); ``gram``: the ``N x N`` Gram matrix with
    ``N = C(d+q/2-1, q/2)``, its coefficient operator and copies (~ 64 bytes an entry,
    ~ 400 for exact rationals); ``products``: the checker's blocked products. The
    solver's own need (Clarabel's dense scaling block) comes on top; the conic layer
    checks that one separately.

    Examples
    --------
    >>> est = estimate_certify_bytes(10000, 200, 4)
    >>> est["monomials"] > 10 * 2**30
    True
    """
    k = q // 2
    m = math.comb(d + q - 1, q)
    N = math.comb(d + k - 1, k)
    out = {
        "monomials": m * (8 * d + 64),
        "gram": N * N * (400 if exact else 64),
        "products": min(n, max(1, 2_000_000 // max(1, m))) * m * 8 * 3 + n * d * 8,
    }
    out["total"] = sum(out.values())
    return out


def _check_size(n: int, d: int, q: int, exact: bool) -> None:
    from specproof.certificates.conic import available_memory

    est = estimate_certify_bytes(n, d, q, exact)
    have = available_memory()
    limit = have if have is not None else 64 * 2**30
    if est["total"] > limit:
        m = math.comb(d + q - 1, q)
        N = math.comb(d + q // 2 - 1, q // 2)
        raise ResourceLimitError(
            f"certify would need about {est['total'] / 2**30:.1f} GiB before solving for X "
            f"of shape {n}x{d} at q = {q} ({m} monomials of degree {q}, a {N}x{N} Gram "
            f"matrix); {limit / 2**30:.1f} GiB are "
            f"{'available' if have is not None else 'the limit'}. Alternatives: "
            f"two_to_q(X, q={q}, method='power' or 'baseline') brackets the norm without a "
            f"certificate; fewer columns (the Gram basis grows like d^{q // 2}); q = 2 "
            "(the spectral norm)."
        )


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
    solver: str = "clarabel",
    delta: float = 1e-6,
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
    CertificationError
        ``C`` below or at the SoS value (no interior Gram matrix), or rounding failed up
        to ``max_bits`` (a tight ``C``).

    Examples
    --------
    >>> cert = certify(np.eye(2), q=4, exact=True)
    >>> round(float(cert.C), 5), cert.exact   # ||I_2||_{2->4}^4 = 1, C = t*(1 + 1e-6)
    (1.0, True)
    """
    t_start = time.perf_counter()
    out_path = writable_output(output)
    q = as_even_q(q, max_q=MAX_Q)
    solver = as_solver(solver)
    if not isinstance(exact, bool):
        raise ArgumentTypeError(f"exact must be a bool, got {type(exact).__name__}")
    shape = np.shape(X)
    if len(shape) == 2 and 0 not in shape:
        _check_size(int(shape[0]), int(shape[1]), q, exact)  # before building anything
    Xr = rationalize(X, data_bits)
    n, d = len(Xr), len(Xr[0])
    xmax = max(abs(x) for row in Xr for x in row)
    if xmax == 0:
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
    if C is not None:
        Cs = (Fraction(C) if not isinstance(C, float) else Fraction(str(C))) \
            * Fraction(2) ** (-q * e)
    try:
        scaled = _certify_scaled(_scale_rows(Xr, -e), q, exact, solver, delta, bits,
                                 max_bits, Cs, t_start)
    except CertificationError as exc:
        if e == 0:
            raise
        raise CertificationError(f"{exc} (numbers above are for X * 2^{-e}, the data "
                                 f"rescaled so that its largest entry lies in [1/2, 1); "
                                 f"C scales by 2^{q * e})") from exc
    prov = dict(scaled.provenance, data_bits=data_bits, scale_exponent=e)
    if "sos_value" in prov:
        prov["sos_value"] = math.ldexp(prov["sos_value"], q * e) if abs(q * e) < 900 else None
    cert = _unscale(scaled, e, prov)
    res = check_exact(cert) if exact else check_numeric(cert)
    if not res.ok:  # the scaling is exact, so this would be a bug: never return it
        raise CertificationError(f"internal error: the rescaled certificate fails the check "
                                 f"({res.code}: {res.reason})")
    if out_path is not None:
        cert.save(out_path)
    return cert


def _certify_scaled(Xr, q: int, exact: bool, solver: str, delta, bits, max_bits, C,
                    t_start: float) -> Certificate:
    """Certify data whose largest entry lies in ``[1/2, 1)`` (the solver's best range)."""
    from specproof.certificates.sos import SolverError, solve_sos, solve_sos_fixed_bound

    if not (isinstance(delta, (int, float, Fraction)) and delta > 0
            and math.isfinite(float(delta))):
        raise ArgumentError("delta must be a positive finite number (a tight C cannot be "
                            f"rounded), got {delta!r}")
    if bits is not None and (not isinstance(bits, int) or bits < 1):
        raise ArgumentError(f"bits must be a positive integer or None, got {bits!r}")
    Xcopy = float_copies(Xr)  # entries in [-1, 1]: never overflow
    Xf = np.where(np.isnan(Xcopy), 0.0, Xcopy)  # below 2^-1074: the solver may ignore it
    prov: dict[str, Any] = {"solver": solver, "q": q, "delta": float(delta),
                            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(
                                timespec="seconds"),
                            "versions": _versions()}
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
        Cr = Fraction(C)
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
        cert = Certificate(q=q, X=Xcopy, X_rational=Xr, C=Cr, basis=basis, gram=G,
                           provenance={**prov, "certify_seconds": time.perf_counter() - t_start})
        res = check_numeric(cert)
        if not res.ok:
            raise CertificationError(f"the numeric check of the solver's Gram matrix fails: "
                                     f"{res.reason}. Increase delta (now {delta}). {tight_hint}")
        return cert
    k = bits if bits is not None else max(FIRST_BITS_MIN, math.ceil(math.log2(4 * N / lam)))
    tried = []
    while True:
        Gr = project_gram(round_gram(fixed.gram, k), target, basis)
        cert = Certificate(q=q, X=Xcopy, X_rational=Xr, C=Cr, basis=basis,
                           gram=float_copies(Gr),
                           gram_rational=tuple(tuple(row) for row in Gr),
                           provenance={**prov, "bits": k})
        res = check_exact(cert)
        tried.append(k)
        if res.ok:
            final = dict(cert.provenance, bits_tried=tried,
                         certify_seconds=time.perf_counter() - t_start)
            return Certificate(q=q, X=Xcopy, X_rational=Xr, C=Cr, basis=basis, gram=cert.gram,
                               gram_rational=cert.gram_rational, provenance=final)
        if res.code != "not_psd":
            raise CertificationError(f"internal error: the projected Gram matrix fails the "
                                     f"identity check ({res.reason})")
        if k + BITS_STEP > max_bits:
            raise CertificationError(
                f"rounding failed at {tried} bits: {res.reason}. The solver's margin "
                f"lambda = {lam:.3e} is too small against its residual "
                f"{fixed.residual:.1e} for C = {Cr}. {tight_hint}"
            )
        k += BITS_STEP
