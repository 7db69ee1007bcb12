"""A true bound C far above the data's scale (G entries near 1e297) is certified, and the
Frobenius bound behind the eigenvalue margin neither overflows nor under-covers.

Before: ``sum(G * G)`` overflowed to inf for entries near 1e297, so ``certify(X, C=1e300)``
failed with "lambda_min(G) = 3.9e297 is within the eigenvalue error inf of 0".
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates import Certificate, certify, check
from specproof.certificates.certificate import float_copies
from specproof.certificates.check_numeric import frobenius_bound


def _data() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((10, 3))


@pytest.mark.parametrize("C", ["1e300", "1e200"])
def test_huge_true_C_is_certified_numerically_and_exactly(C):
    cert = certify(_data(), q=4, C=C)
    assert check(cert).ok
    assert check(certify(_data(), q=4, C=C, exact=True), exact=True).ok


def _scaled(cert, k: int, C: Fraction) -> Certificate:
    """``cert`` for ``X 2^k`` (G scaled by ``2^(4k)``, exact) claiming ``C``."""
    Xr = tuple(tuple(x * Fraction(2) ** k for x in row) for row in cert.X_rational)
    Gr = tuple(tuple(g * Fraction(2) ** (4 * k) for g in row) for row in cert.gram_rational)
    return Certificate(q=4, X=float_copies(Xr), X_rational=Xr, C=C, basis=cert.basis,
                       gram=float_copies(Gr), gram_rational=Gr)


@pytest.mark.parametrize("k", [240, 250, -250])
def test_scaled_certificates_near_the_float_range(k):
    # ||X||_{2->4}^4 = 55.64...; an exact certificate of C = 56 scaled by 2^(4k): entries
    # of G near 1e301 (k = 250) overflowed the old margin; C just below the truth must fail
    cert = certify(_data(), q=4, C="56", exact=True)
    true = _scaled(cert, k, Fraction(56) * Fraction(2) ** (4 * k))
    assert check(true).ok and check(true, exact=True).ok
    false = _scaled(cert, k, Fraction(55) * Fraction(2) ** (4 * k))
    assert not check(false).ok and not check(false, exact=True).ok


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(-1074, 1020), st.integers(0, 2**32 - 1))
def test_frobenius_bound_covers_the_exact_norm_at_every_scale(N, e, seed):
    G = np.ldexp(np.random.default_rng(seed).uniform(-1, 1, (N, N)), e)
    squares = sum(Fraction(float(x)) ** 2 for x in G.ravel())  # exact
    bound = frobenius_bound(G)
    assert math.isfinite(bound) and Fraction(bound) ** 2 >= squares
    # and tight: a few ulps above the norm, plus the underflow allowance N 2^-537
    norm = math.sqrt(float(squares / Fraction(2) ** (2 * e))) * 2.0**e if e < 1000 \
        else bound
    assert bound <= norm * (1 + 1e-12) + N * 2.0**-536


def test_frobenius_bound_beyond_float64_is_inf():
    G = np.full((2, 2), 1.7e308)
    assert frobenius_bound(G) == math.inf
