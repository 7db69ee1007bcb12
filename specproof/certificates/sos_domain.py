"""What a general SoS certificate's domain and variables say beyond its identity.

On an empty domain every ``p`` has a Putinar proof (with ``g0 + g1 = -1``, ``p = sigma_0 +
g0 s + g1 s`` for any ``p``), so :func:`contradictory_bounds` finds the emptiness that exact
one-variable bounds show; :data:`CONSTANT_NAMES` are variable names a reader takes for
constants (``I`` for the imaginary unit), which the verdict then calls variables.
"""

from __future__ import annotations

from fractions import Fraction

from specproof.certificates.rational_text import describe_rational
from specproof.certificates.sos_certificate import SoSCertificate

# names that sympy (and a reader) take for constants: a variable named so is said to be one
CONSTANT_NAMES = frozenset({"E", "I", "pi", "oo", "nan", "zoo", "EulerGamma", "GoldenRatio",
                             "Catalan", "S", "N", "O", "Q"})


def _one_variable_linear(g: dict, n: int) -> tuple[int, Fraction, Fraction] | None:
    """``(j, c0, c1)`` when ``g`` is ``c0 + c1 x_j`` with ``c1 != 0``, else None."""
    zero = (0,) * n
    terms = [(e, c) for e, c in g.items() if c and e != zero]
    if len(terms) != 1:
        return None
    e, c1 = terms[0]
    if sorted(e) != [0] * (n - 1) + [1]:
        return None
    return e.index(1), Fraction(g.get(zero, 0)), Fraction(c1)


def _roots(polys, n: int):
    """``(index, variable, root, slope)`` of each ``c0 + c1 x_j`` among ``polys``."""
    for i, g in enumerate(polys):
        lin = _one_variable_linear(g, n)
        if lin is not None:
            j, c0, c1 = lin
            yield i, j, -c0 / c1, c1


def contradictory_bounds(cert: SoSCertificate) -> str | None:
    """Why the domain is empty, when its one-variable linear constraints contradict each
    other (``x - 5 >= 0`` with ``4 - x >= 0``), else None; the prover asks it too, before
    it looks for a proof.

    On an empty domain every p is "proved" (``g0 + g1 = -1`` gives ``p = sigma_0 + g0 s +
    g1 s`` for any p), and a forged file on ``{a x - (a + 1) >= 0, a - a x >= 0}`` with
    ``a = 10^400 + 1`` was VALID for ``x >= 2``, its domain shown as about ``x >= 1`` and
    ``x <= 1``. The prover refuses empty domains; this decides the cases that exact
    rational bounds decide (emptiness in general is as hard as the proof itself).
    """
    n = len(cert.variables)
    low: dict[int, tuple[Fraction, int]] = {}
    high: dict[int, tuple[Fraction, int]] = {}
    fixed: dict[int, tuple[Fraction, int]] = {}
    for i, j, bound, c1 in _roots(cert.inequalities, n):
        if c1 > 0 and (j not in low or bound > low[j][0]):
            low[j] = (bound, i)
        elif c1 < 0 and (j not in high or bound < high[j][0]):
            high[j] = (bound, i)
    for i, j, value, _ in _roots(cert.equalities, n):
        if j in fixed and fixed[j][0] != value:
            return (f"domain equalities {fixed[j][1]} and {i} fix {cert.variables[j]} to "
                    f"{describe_rational(fixed[j][0])} and {describe_rational(value)}")
        fixed.setdefault(j, (value, i))
    for j in set(low) | set(high) | set(fixed):
        lo, hi = low.get(j), high.get(j)
        x = cert.variables[j]
        if lo is not None and hi is not None and lo[0] > hi[0]:
            return (f"domain inequalities {lo[1]} and {hi[1]} say {x} >= "
                    f"{describe_rational(lo[0])} and {x} <= {describe_rational(hi[0])}, "
                    f"and {describe_rational(lo[0])} > {describe_rational(hi[0])} (by "
                    f"{describe_rational(lo[0] - hi[0])})")
        if j in fixed:
            v, k = fixed[j]
            for b, sign in ((lo, 1), (hi, -1)):
                if b is not None and sign * (v - b[0]) < 0:
                    return (f"domain equality {k} fixes {x} = {describe_rational(v)}, which "
                            f"breaks domain inequality {b[1]}")
    return None


__all__ = ["CONSTANT_NAMES", "contradictory_bounds"]
