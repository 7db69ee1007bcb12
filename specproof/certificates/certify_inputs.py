"""What :func:`~specproof.certificates.certify.certify` settles before it solves: the data
as exact rationals, the rounding of the certified ``C``, the output path and the memory
it will need (each refused up front, with the reason, before any work).
"""

from __future__ import annotations

import math
import os
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    ResourceLimitError,
    as_int,
    versions,
)
from specproof._core.files import writable_target
from specproof._core.version import __version__
from specproof.certificates.constants import MAX_MONOMIALS


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
    data_bits = as_data_bits(data_bits)
    rows = []
    for i, row in enumerate(arr):
        out = []
        for j, x in enumerate(row):
            if isinstance(x, (bool, np.bool_)):
                raise ArgumentTypeError(f"X[{i}][{j}] is a bool; expected a number")
            if isinstance(x, (float, np.floating)) and not np.isfinite(x):
                raise ArgumentError(f"X has a non-finite entry {x} at index ({i}, {j})")
            try:
                # a numpy float exactly, long double included (its .item() is itself,
                # which Fraction refused as "not a number")
                r = (Fraction(*x.as_integer_ratio()) if isinstance(x, np.floating)
                     else Fraction(x.item() if isinstance(x, np.integer) else x))
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


def data_shape(X: Any) -> tuple[int, ...]:
    """The shape of ``X`` as numpy sees it, a ragged list refused by name.

    Examples
    --------
    >>> data_shape([[1, 2], [3, 4]])
    (2, 2)
    >>> data_shape([[1, 2], [3]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: X must be a 2-D array (n, d) ... with rows \
of equal length: ...
    """
    try:
        return tuple(np.shape(X))
    except ValueError as exc:  # numpy: "inhomogeneous shape after 1 dimensions"
        raise ArgumentTypeError(
            "X must be a 2-D array (n, d) of numbers, Fractions or 'p/q' strings with rows "
            f"of equal length: {exc}") from None


def as_data_bits(data_bits: Any) -> int | None:
    """``data_bits`` as a non-negative Python int, or None.

    A bool is refused: ``data_bits=False`` read as 0 rounded every entry to an integer
    (a certificate about another matrix, its ``C`` below the user's norm), and True as 1.
    Numpy integers are accepted (and written to the provenance as a plain int).

    Examples
    --------
    >>> as_data_bits(np.int64(16)), as_data_bits(None)
    (16, None)
    >>> as_data_bits(False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentTypeError: data_bits must be ... got False ...
    """
    if data_bits is None:
        return None
    if isinstance(data_bits, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"data_bits must be a non-negative integer or None, got {data_bits!r} (None "
            "keeps the data exact; an integer k rounds each float entry to a multiple of "
            "2^-k)")
    return as_int(data_bits, "data_bits", minimum=0)


def as_bits_range(bits: Any, max_bits: Any) -> tuple[int | None, int]:
    """``bits`` (None or an int >= 1) and ``max_bits`` (an int >= 1) as Python ints.

    Examples
    --------
    >>> as_bits_range(None, np.int64(64))
    (None, 64)
    >>> as_bits_range(None, -1)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: max_bits must be >= 1, got -1
    """
    if bits is not None:
        if isinstance(bits, (bool, np.bool_)) or not isinstance(bits, (int, np.integer)):
            raise ArgumentTypeError(
                f"bits must be a positive integer or None, got {bits!r}")
        if bits < 1:
            raise ArgumentError(f"bits must be a positive integer or None, got {bits!r}")
        bits = int(bits)
    return bits, as_int(max_bits, "max_bits", minimum=1)


C_DIGITS = 12
"""Significant decimal digits of the certified ``C`` (rounded up)."""


def round_up_decimal(x: float | Fraction, digits: int = C_DIGITS) -> Fraction:
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
    p = writable_target(p)  # a device or pipe is refused; a link is written through
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
    """Refuse, before any work, a size whose structures would not fit in memory, or whose
    certificate the checkers would refuse
    (:data:`~specproof.certificates.constants.MAX_MONOMIALS`)."""
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
    check_monomials(d, q, f"X of shape {n}x{d} (d = {d} columns)")


def check_monomials(d: int, q: int, what: str, advice: str | None = None) -> None:
    """Refuse a certificate over ``d`` variables at degree ``q`` with more monomials
    ``C(d+q-1, q)`` than the checkers walk (:data:`MAX_MONOMIALS`; ``what`` names the size
    in the message; ``advice``, where ``{fits}`` stands for the most columns that fit,
    replaces the alternatives for data): every checker calls
    such a file malformed, so it is refused before it is built (``certify`` on a 200x200
    matrix at q = 2 solved first, then advised to "increase delta").

    Examples
    --------
    >>> check_monomials(24, 4, "d = 24")
    >>> check_monomials(25, 4, "d = 25")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof._core.errors.ResourceLimitError: d = 25 at q = 4: ... C(28, 4) = 20475 \
monomials ...
    """
    monomials = math.comb(d + q - 1, q)
    if monomials <= MAX_MONOMIALS:
        return
    fits = 1  # the most columns the checkers take at this q (199 at q = 2, 24 at q = 4)
    while math.comb(fits + q, q) <= MAX_MONOMIALS:
        fits += 1
    if advice is None:
        advice = "Alternatives: " + (
            "two_to_q(X, q=2) brackets the spectral norm (a few ulps wide)" if q == 2
            else f"two_to_q(X, q={q}, method='power' or 'baseline') brackets the norm "
            "without a certificate") + "; fewer columns."
    raise ResourceLimitError(
        f"{what} at q = {q}: a certificate would have C({d + q - 1}, {q}) = "
        f"{monomials} monomials of degree {q}, more than the checkers handle "
        f"({MAX_MONOMIALS}, so at most d = {fits} columns at q = {q}); refused before any "
        f"work. {advice.format(fits=fits)}")
