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

MAX_NESTING = 64
"""Deepest JSON nesting a certificate file may have (the format needs 4)."""

__all__ = [
    "BITS_STEP",
    "ETA",
    "FIRST_BITS_MIN",
    "MAX_BITS",
    "MAX_NESTING",
    "MAX_Q",
    "MAX_RATIONAL_DIGITS",
    "POW_ULPS",
    "ROOT_MARGIN_ULPS",
    "SCHEMA_VERSION",
    "SOLVERS",
    "UNIT",
]
