"""Conversions of the certificates package's own arguments (the rest is in ``_core``).

Matrices, vectors, integers and seeds go through :mod:`specproof._core` (``as_matrix``,
``as_vector``, ``as_int``, ``as_generator``); this module adds the exponent ``q`` of a
2->q norm and the solver name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ArgumentTypeError, as_choice
from specproof.certificates.constants import SOLVERS

# the largest finite q: the rounding-error bounds count about 2q operations per |x|^q sum
MAX_FINITE_Q = 2.0**40


def as_q(q: Any) -> float:
    """Return the exponent ``q`` of a 2->q norm as a float in ``[2, inf]``.

    ``np.inf``, ``float("inf")`` and the strings ``"inf"`` / ``"infinity"`` all mean the
    max-row-norm case.

    Examples
    --------
    >>> as_q(4), as_q("inf")
    (4.0, inf)
    >>> as_q(1.5)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: q must be a real number >= 2 or inf, got 1.5
    """
    if isinstance(q, str):
        if q.strip().lower() in ("inf", "infinity", "+inf"):
            return math.inf
        raise ArgumentError(f"q must be a real number >= 2 or inf, got {q!r}")
    if isinstance(q, (bool, np.bool_)) or not isinstance(q, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"q must be a real number >= 2 or inf, got {type(q).__name__}")
    try:
        qf = float(q)
    except OverflowError:  # an int beyond the float range: as beyond 2^40 below
        if q > 0:
            raise ArgumentError(
                f"q must be at most 2^40 (about 1.1e12) or inf, got {_shown(q)}: q = inf "
                "gives the norm to within a factor n^(1/q) < 1 + 1e-10 there") from None
        raise ArgumentError(f"q must be a real number >= 2 or inf, got {_shown(q)}") from None
    if math.isnan(qf) or qf < 2:
        raise ArgumentError(f"q must be a real number >= 2 or inf, got {q!r}")
    if math.isfinite(qf) and qf > MAX_FINITE_Q:
        # the rounding-error bounds count ~2q operations per |x|^q sum (void near 2^51), and
        # 1e308 overflowed in them; the norm is within n^(1/q) of q = inf there anyway
        raise ArgumentError(
            f"q must be at most 2^40 (about 1.1e12) or inf, got {q!r}: ||y||_inf <= ||y||_q "
            "<= n^(1/q) ||y||_inf, so q = inf gives the norm to within a factor "
            "n^(1/q) < 1 + 1e-10 there")
    return qf


def _shown(q: Any) -> str:
    """``repr(q)`` for a message: an integer too long to print by its size (``str``
    refuses more than 4300 digits, and a message should not hold 400), other long
    reprs cut.

    Examples
    --------
    >>> _shown(10**400), _shown(4.0)
    ('an integer of about 401 digits', '4.0')
    """
    if isinstance(q, (int, np.integer)) and not isinstance(q, bool) and abs(int(q)) >= 10**40:
        digits = int(abs(int(q)).bit_length() * math.log10(2)) + 1
        return f"an integer of about {digits} digits"
    try:
        text = repr(q)
    except ValueError:  # a Fraction or Decimal past the 4300-digit limit
        return f"a {type(q).__name__} too long to print"
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def as_even_q(q: Any, max_q: int | None = None) -> int:
    """Return ``q`` as an even integer >= 2 (SoS and flattening need even degrees).

    Examples
    --------
    >>> as_even_q(4)
    4
    >>> as_even_q(3)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: q must be an even integer >= 2 for this method, got 3.0
    >>> as_even_q(-4, max_q=6)
    Traceback (most recent call last):
    ...
    specproof._core.errors.ArgumentError: q must be an even integer >= 2 and <= 6 for this \
method, got -4
    """
    wanted = "an even integer >= 2" + (f" and <= {max_q}" if max_q is not None else "")
    try:
        qf = as_q(q)
    except ArgumentTypeError:  # as_q's "or inf" would not hold here
        raise ArgumentTypeError(
            f"q must be {wanted} for this method, got {type(q).__name__}") from None
    except ArgumentError:
        raise ArgumentError(f"q must be {wanted} for this method, got {_shown(q)}") from None
    if math.isinf(qf) or qf != int(qf) or int(qf) % 2:
        raise ArgumentError(f"q must be {wanted} for this method, got {qf}")
    qi = int(qf)
    if max_q is not None and qi > max_q:
        raise ArgumentError(f"q must be at most {max_q} for this method, got {qi}")
    return qi


def as_solver(solver: Any) -> str:
    """Normalise a solver name to one of :data:`~specproof.certificates.constants.SOLVERS`.

    MOSEK availability is checked where it is used.

    Examples
    --------
    >>> as_solver("Clarabel")
    'clarabel'
    """
    return as_choice(solver, SOLVERS, "solver")


__all__ = ["as_even_q", "as_q", "as_solver"]
