"""Size limits of a statement's exact constants, checked while it is read, before sympy
builds them (:class:`SizedReader`, the base of the parser's node reader).

sympy computes an exact power, a product of powers and the roots and logs of constants
at once, however large: ``((10**1000)**1000)**1000`` is 10**(10**9), and the square root
of a 10**6-bit integer is factored first. Each is refused here with its column.
"""

from __future__ import annotations

import ast
from fractions import Fraction
from typing import Any

import sympy

from specproof.lemmas import matrices as mx
from specproof.lemmas.errors import StatementError
from specproof.lemmas.parse_text import _col

# an exact constant's numerator and denominator stay below 2**MAX_CONSTANT_BITS (as the
# values that arb certifies do, confirm.MAX_EXPONENT_BITS): each power's size is bounded
# by the cap on exponents, but not a power of a power or a product of powers, and sympy
# built ((10**1000)**1000)**1000 = 10**(10**9) exactly, a hang (a forged certificate's
# text hung `specproof check` that way)
MAX_CONSTANT_BITS = 10**6
# a root (sqrt, a fractional power, a norm) or a log is taken of smaller constants only:
# sympy factors its argument (1 s at 6600 bits, 30 s at 26000, hours at 10**6)
MAX_ROOT_BITS = 4096
_CONSTANT_LIMIT = (f"an exact constant may have at most {MAX_CONSTANT_BITS} bits in its "
                   f"numerator and in its denominator (a size within "
                   f"2**(+-{MAX_CONSTANT_BITS}))")
_SETTLED_BITS = 64  # an integer longer than this gets its sign fixed when it is read


class SizedReader:
    """The statement's text and column map, and the size checks of what is read from it."""

    def __init__(self, text: str, cols: list[int]) -> None:
        self.text = text
        self.cols = cols
        self._bit_sizes: dict[Any, int] = {}  # memo of constant_bits, by expression

    def fail(self, node: ast.AST, what: str) -> StatementError:
        return StatementError(f"{what} at column {_col(node, self.cols)}")

    def constant_bits(self, e: Any) -> int:
        """The bit length of the largest numerator or denominator of an exact number in
        ``e`` (a sympy object, a matrix or a list of them; 0 for anything else), its
        exponents included.

        Memoised by expression: every operation asks it of its result, whose arguments
        were mostly asked before.
        """
        if isinstance(e, mx.Matrix):
            e = e.entries
        if isinstance(e, list):  # a matrix written as rows: norm([[N, 0], [0, 1]])
            return max((self.constant_bits(a) for a in e), default=0)
        if not isinstance(e, sympy.Basic):
            return 0
        known = self._bit_sizes.get(e)
        if known is None:
            if isinstance(e, sympy.Rational):
                known = max(int(e.p).bit_length(), int(e.q).bit_length())
                if e.is_Integer and known > _SETTLED_BITS:
                    # its sign as facts of this object: asked later for "nonnegative"
                    # (a sqrt's base, a sum's sign), sympy may settle it by testing the
                    # integer for primality, hours for 10**6 bits; the sign is immediate
                    _ = e.is_positive, e.is_negative
            else:
                known = max((self.constant_bits(a) for a in e.args), default=0)
            self._bit_sizes[e] = known
        return known

    def power_size(self, node: ast.AST, base: Any, exponent: Any) -> None:
        """Refuse ``base ** exponent`` before sympy builds it when it holds an exact constant
        beyond 2**MAX_CONSTANT_BITS: a rational r of L bits raised to n is at least
        2**((L - 1) * n) (or its reciprocal), so the estimate never refuses what fits.

        Only a rational exponent is computed exactly by sympy; ``(10**1000)**sqrt(2)``
        stays a power, and a value it cannot enclose is left to the verdicts. A base with
        variables counts too: ``(x + 10**1000)**1000`` expands to such constants.
        """
        if not (isinstance(exponent, sympy.Rational) and isinstance(base, sympy.Basic)):
            return
        bits = self.constant_bits(base)
        if not exponent.is_Integer:
            self.root_size(node, base, "a root")
        estimate = (bits - 1) * abs(Fraction(int(exponent.p), int(exponent.q)))
        if estimate > MAX_CONSTANT_BITS:
            seg = ast.get_source_segment(self.text, node) or "a power"
            raise self.fail(node, f"{_shorten(seg)} holds an exact constant of about "
                                  f"{int(estimate)} bits (as a number or once expanded); "
                                  f"{_CONSTANT_LIMIT}")

    def root_size(self, node: ast.AST, arg: Any, what: str) -> None:
        """Refuse ``what`` (a root, a log) of an exact constant of over MAX_ROOT_BITS bits:
        sympy simplifies it by factoring the constant (a primality test of what is left,
        a search for a perfect power), which takes hours for 10**6 bits."""
        bits = self.constant_bits(arg)
        if bits > MAX_ROOT_BITS:
            seg = ast.get_source_segment(self.text, node) or what
            raise self.fail(node, f"{_shorten(seg)} takes {what} of an exact constant of "
                                  f"{bits} bits; roots and logs are taken of exact constants "
                                  f"of at most {MAX_ROOT_BITS} bits (numerator and "
                                  f"denominator)")

    def sized(self, node: ast.AST, value: Any) -> Any:
        """``value``, unless it holds an exact constant beyond 2**MAX_CONSTANT_BITS (built by
        a product or sum of powers each within the limit: ``(10**1000)**300 *
        (10**1000)**300``)."""
        bits = self.constant_bits(value)
        if bits > MAX_CONSTANT_BITS:
            seg = ast.get_source_segment(self.text, node) or "a constant"
            raise self.fail(node, f"{_shorten(seg)} holds an exact constant of {bits} bits; "
                                  f"{_CONSTANT_LIMIT}")
        return value


def _shorten(segment: str, limit: int = 60) -> str:
    """A piece of the statement for a message: its start and end when it is long."""
    return segment if len(segment) <= limit else f"{segment[:40]} ... {segment[-15:]}"


__all__ = ["MAX_CONSTANT_BITS", "MAX_ROOT_BITS", "SizedReader"]
