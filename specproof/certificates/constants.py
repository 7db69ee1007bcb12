"""Constants of the certificates package, defined once and imported where needed.

Examples
--------
>>> MAX_Q, SOLVERS
(6, ('auto', 'clarabel', 'scs', 'mosek'))
"""

from __future__ import annotations

SCHEMA_VERSION = "specproof.certificate/1"
"""The certificate file format this version writes and reads."""

MAX_Q = 6
"""Largest even degree q of a certificate and of the SoS relaxations."""

SOLVERS: tuple[str, ...] = ("auto", "clarabel", "scs", "mosek")
"""Conic solvers a user can name."""

UNIT = 2.0**-52
"""Twice the unit roundoff of IEEE double precision: ``|fl(x) - x| <= UNIT |x| / 2``.

The error arguments use ``UNIT`` (not ``UNIT / 2``): one spare factor of two for the
operations whose rounding is faithful rather than correctly rounded."""

ETA = 2.0**-1074
"""Smallest positive subnormal: the absolute error a product or a rounding may add when
its result underflows (``fl(a*b) = a*b (1 + delta) + eta`` with ``|eta| <= ETA``)."""

ROOT_MARGIN_ULPS = 4
"""First guess of the margin, in ulps, when a bound is carried through a q-th root; the
result is then verified (and raised if needed) in exact arithmetic."""

POW_ULPS = 4
"""Assumed accuracy of ``x ** y`` for non-integer ``y`` (glibc and numpy: < 1 ulp);
used only where ``q`` is not an integer."""

FIRST_BITS_MIN = 8
"""Fewest bits of the first Gram rounding (Peyrl-Parrilo step 4)."""

BITS_STEP = 16
"""Bits added at each rounding retry."""

MAX_BITS = 96
"""Default precision at which rounding gives up."""

MAX_RATIONAL_DIGITS = 200_000
"""Longest numerator or denominator (decimal digits) a certificate file may hold."""

MAX_MONOMIALS = 20_000
"""Most monomials of degree q in d variables a certificate may need (``C(d+q-1, q)``): the
checkers walk all of them; certificates ``certify`` writes have a few thousand (d = 22 at
q = 4 is 12650), and a 1 KB file with d = 120 would have taken hours."""

MAX_DENOMINATOR_BITS = 100_000
"""Largest common denominator (bits) of X's, or of the Gram matrix's, rational entries:
the exact identity is summed over it. Exact certificates ``certify`` writes have a few
hundred bits; 36 coprime 20000-digit denominators took 39 s and larger ones hours."""

MAX_NESTING = 64
"""Deepest JSON nesting a certificate file may have (the format needs 4)."""

__all__ = [
    "BITS_STEP",
    "ETA",
    "FIRST_BITS_MIN",
    "MAX_BITS",
    "MAX_NESTING",
    "MAX_Q",
    "MAX_DENOMINATOR_BITS",
    "MAX_MONOMIALS",
    "MAX_RATIONAL_DIGITS",
    "POW_ULPS",
    "ROOT_MARGIN_ULPS",
    "SCHEMA_VERSION",
    "SOLVERS",
    "UNIT",
]
