"""Shrink a violating point toward the simplest one that still violates.

Each coordinate is tried at 0, then ±1 (then, for a float of 2**53 or more, an integer
with binary noise in its low digits, its leading digit times a power of ten), then small
integers, then the *simplest* rational
(smallest denominator, found on the Stern–Brocot tree by continued fractions) within a
distance that halves until the violation holds; a pass repeats while anything changes. The
violation test is the caller's; a coordinate is only ever replaced by a value for which it
holds, so the violation is never lost.

Examples
--------
>>> from fractions import Fraction as F
>>> simplest_between(F(577, 1000), F(578, 1000))
Fraction(26, 45)
>>> shrink([0.5773], lambda z: z[0] ** 3 - z[0] < -0.3848)
[Fraction(4, 7)]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction


def simplest_between(a: Fraction, b: Fraction) -> Fraction:
    """The rational with the smallest denominator (then numerator) in ``[a, b]``.

    Examples
    --------
    >>> simplest_between(Fraction(-7, 10), Fraction(-6, 10))
    Fraction(-2, 3)
    >>> simplest_between(Fraction(1, 3), Fraction(1, 3))
    Fraction(1, 3)
    """
    a, b = Fraction(a), Fraction(b)
    if a > b:
        a, b = b, a
    if a <= 0 <= b:
        return Fraction(0)
    if b < 0:
        return -simplest_between(-b, -a)
    c = math.ceil(a)
    if c <= b:
        return Fraction(c)
    f = math.floor(a)  # a, b lie in (f, f + 1)
    return f + 1 / simplest_between(1 / (b - f), 1 / (a - f))


# halvings of the two-sided window after which one-sided windows are tried too
_ONE_SIDED_AFTER = 12


# floats this large are integers whose low digits are binary noise
_LEADING_DIGIT_FROM = 2**53
_FLOAT_MAX = Fraction(sys.float_info.max)


def _candidates(x: Fraction) -> list[Fraction]:
    sign = 1 if x >= 0 else -1
    out = [Fraction(0), Fraction(sign), Fraction(-sign)]
    if _LEADING_DIGIT_FROM <= abs(x) <= _FLOAT_MAX:
        # x itself is an integer, so it was its own round(): 1e301 stayed
        # 10000000000000000524...(302 digits) instead of 10**301. Its leading digit times a
        # power of ten, toward 0 first, while a float (the caller's test is in floats)
        n = int(abs(x))
        e = len(str(n)) - 1
        lead = n // 10**e
        out += [sign * Fraction(d * 10**e) for d in (lead, lead + 1) if d * 10**e <= _FLOAT_MAX]
    r = round(x)
    out += [Fraction(r), Fraction(math.floor(x)), Fraction(math.ceil(x))]
    return out


def shrink_coordinate(z: list[Fraction], i: int, violates: Callable[[list[Fraction]], bool],
                      max_halvings: int = 60) -> Fraction:
    """The simplest value for ``z[i]`` (the others fixed) that keeps ``violates`` true."""
    x = z[i]
    for c in _candidates(x):
        if c == x:
            return x
        trial = z[:i] + [c] + z[i + 1:]
        if violates(trial):
            return c
    start = width = Fraction(1, 2) * max(1, abs(x))
    found, halvings = x, max_halvings
    for k in range(max_halvings):
        c = simplest_between(x - width, x + width)
        if c == x:
            return x  # x is the simplest of this window, hence of every part of it
        trial = z[:i] + [c] + z[i + 1:]
        if violates(trial):
            if k < _ONE_SIDED_AFTER:
                return c
            found, halvings = c, k
            break
        width /= 2
    # many halvings: next to a domain bound (x in [1e-400, 1]) the simplest rational of
    # every window lay outside the domain (0, here), and the point stayed at 2**-1074
    # although 1/2 was just as good. One side of x at a time, from the widest window.
    width = start
    for _ in range(halvings):
        for lo, hi in ((x, x + width), (x - width, x)):
            c = simplest_between(lo, hi)
            if c != x and violates(z[:i] + [c] + z[i + 1:]):
                return c
        width /= 2
    return found


def shrink(z: Sequence[float | Fraction], violates: Callable[[list[Fraction]], bool],
           passes: int = 3) -> list[Fraction]:
    """The simplest rational vector found from ``z`` keeping ``violates`` true.

    ``violates`` must hold at ``z`` (as exact binary fractions of the floats); the result
    then satisfies it too.

    Examples
    --------
    >>> shrink([0.9, -2.2], lambda z: z[0] * z[1] < -1.5)
    [Fraction(1, 1), Fraction(-2, 1)]
    """
    cur = [Fraction(v) for v in z]
    if not violates(cur):
        raise ValueError("shrink: the starting point does not violate")
    order = sorted(range(len(cur)), key=lambda i: abs(cur[i]))
    for _ in range(passes):
        changed = False
        for i in order:
            new = shrink_coordinate(cur, i, violates)
            if new != cur[i]:
                cur[i] = new
                changed = True
        if not changed:
            break
    return cur


__all__ = ["shrink", "shrink_coordinate", "simplest_between"]
