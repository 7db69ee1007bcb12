"""Probe s16: a positive constant far below the rest of the polynomial is set aside.

``x**2 + y**2 >= 2*x*y - 1e-300`` stayed UNDECIDED: the solver lost the tiny constant's
scale. ``prove`` now, after a failed search on all of R^n, proves ``lhs - rhs - c >= 0``
for the positive constant ``c`` and adds ``c`` to the Gram entry of the monomial 1.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from specproof import lemmas as lm
from specproof.certificates import check_sos


@pytest.mark.parametrize("text, c", [
    ("x**2 + y**2 >= 2*x*y - 1e-300", Fraction(1, 10**300)),
    ("x**4 + y**4 >= 2*x**2*y**2 - 1/10**200", Fraction(1, 10**200)),
    ("(x - y)**2 + 10**-320 >= 0", Fraction(1, 10**320)),
])
def test_a_tiny_positive_constant_is_added_to_the_gram_entry_of_one(text, c):
    r = lm.prove(text)
    assert r.verdict == "PROVED"
    assert r.method == "sos (its positive constant set aside)"
    cert = r.certificate
    zero = (0,) * len(cert.variables)
    assert cert.polynomial[zero] == c  # the statement's own constant, exactly
    entries = [blk.gram[i][i] for blk in cert.blocks for i, m in enumerate(blk.basis)
               if m == zero]
    assert entries == [c]
    assert check_sos(cert).ok


def test_a_forged_smaller_constant_is_rejected():
    cert = lm.prove("x**2 + y**2 >= 2*x*y - 1e-300").certificate
    zero = (0,) * len(cert.variables)
    blocks = []
    for blk in cert.blocks:
        if zero in blk.basis:  # the [c] block: halve it
            i = blk.basis.index(zero)
            gram = tuple(tuple(v / 2 if (a, b) == (i, i) else v for b, v in enumerate(row))
                         for a, row in enumerate(blk.gram))
            blk = dataclasses.replace(blk, gram=gram)
        blocks.append(blk)
    forged = dataclasses.replace(cert, blocks=tuple(blocks))
    assert not check_sos(forged).ok


@pytest.mark.parametrize("text", [
    "x**2 + y**2 >= 2*x*y + 1e-300",  # false at x = y: the constant is negative
    "x**2 - 2*x*y >= -1e-300",  # false at x = y = 1: the rest is no square
    "x*y + 1e-300 >= 0",  # false at x = 1, y = -1
])
def test_false_statements_with_tiny_constants_are_never_proved(text):
    assert lm.prove(text).verdict != "PROVED"


# a statement that is a non-negative multiple of one of its constraints -------------------

def _boxed(text: str, lo: str, hi: str):
    from specproof.lemmas.domains import box
    from specproof.lemmas.statement import as_statement

    return as_statement(text).with_domain(box(x=(lo, hi)))


@pytest.mark.parametrize("text, c, d", [
    ("x >= 0", Fraction(1), Fraction(0)),  # the hypothesis itself
    ("2*x + 1 >= 0", Fraction(2), Fraction(1)),
    ("1e308 - x >= 0", Fraction(1), Fraction(0)),
])
def test_a_multiple_of_a_constraint_is_proved_on_a_huge_box(text, c, d):
    # SCS could not allocate its work for x >= 0 on [0, 1e308]: UNDECIDED before
    r = lm.prove(_boxed(text, "0", "1e308"))
    assert r.verdict == "PROVED" and r.method == "constraint multiple"
    cert = r.certificate
    grams = sorted((blk.generator, blk.gram[0][0]) for blk in cert.blocks)
    assert [g for _, g in grams if g] == sorted(v for v in (c, d) if v)
    assert check_sos(cert).ok


def test_a_forged_smaller_multiple_is_rejected():
    cert = lm.prove(_boxed("2*x + 1 >= 0", "0", "1e308")).certificate
    blocks = tuple(dataclasses.replace(blk, gram=((blk.gram[0][0] / 2,),))
                   if blk.generator else blk for blk in cert.blocks)
    assert not check_sos(dataclasses.replace(cert, blocks=blocks)).ok


@pytest.mark.parametrize("text", ["x >= 1", "x - 1e300 >= 0", "-x >= 0"])
def test_false_statements_near_a_constraint_are_never_proved(text):
    # x - 1 = 1 * x - 1: the constant left over is negative; -x: a negative multiple
    assert lm.prove(_boxed(text, "0", "1e308")).verdict != "PROVED"
