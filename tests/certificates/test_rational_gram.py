"""The producer's exact arithmetic at scale, and the factor-and-dominance PSD proof."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates.certify import expand_target, rationalize
from specproof.certificates.ldl import ldl_psd
from specproof.certificates.monomials import exponents
from specproof.certificates.polynomial import identity_residuals, target_coefficients
from specproof.certificates.rational_gram import (
    exact_gram_of_rows,
    exact_power_sums,
    round_and_project,
    target_numerators,
)

small = st.fractions(min_value=-10, max_value=10, max_denominator=50)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_exact_power_sums_agree_with_the_checker_and_the_dict_expansion(data):
    q = data.draw(st.sampled_from([2, 4, 6]))
    d = data.draw(st.integers(1, 3))
    n = data.draw(st.integers(1, 4))
    X = [[data.draw(small) for _ in range(d)] for _ in range(n)]
    C = data.draw(small)
    F, Lq = exact_power_sums(X, q)
    p, den = target_numerators(F, Lq, C, d, q)
    ours = {a: Fraction(int(p[i]), den) for i, a in enumerate(exponents(d, q))}
    assert ours == target_coefficients(X, C, q)
    expanded = expand_target(X, C, q)    # the dict expansion lists the nonzero ones
    assert all(ours[a] == expanded.get(a, 0) for a in ours)


def test_exact_power_sums_on_float_data_with_a_wide_range():
    X = np.random.default_rng(0).standard_normal((9, 4))
    X[0, 0], X[1, 2] = 1e-200, 3e150      # 1400-bit integers: many limbs, exact anyway
    Xr = rationalize(X)
    F, Lq = exact_power_sums(Xr, 4)
    p, den = target_numerators(F, Lq, Fraction(7), 4, 4)
    expected = target_coefficients(Xr, Fraction(7), 4)
    assert all(Fraction(int(p[i]), den) == expected[a] for i, a in enumerate(exponents(4, 4)))


def test_exact_gram_of_rows_is_exact_with_many_rows_and_limbs():
    rng = np.random.default_rng(1)
    W = np.array([[int(x) for x in row] for row in rng.integers(-2**62, 2**62, (3000, 3))],
                 dtype=object) * (2**70 + 1)
    blocks = exact_gram_of_rows(W)
    P = sum(np.asarray(b, dtype=object) * (1 << (20 * s)) for s, b in enumerate(blocks))
    assert (P == W.T.dot(W)).all()


def test_round_and_project_satisfies_the_identity_exactly():
    X = np.random.default_rng(2).standard_normal((8, 3))
    Xr = rationalize(X)
    C = Fraction(1000)
    F, Lq = exact_power_sums(Xr, 4)
    p, den = target_numerators(F, Lq, C, 3, 4)
    G = np.random.default_rng(3).standard_normal((6, 6))
    E, D = round_and_project(G, 20, p, den, 3, 4)
    Gr = [[Fraction(int(x), D) for x in row] for row in E]
    assert all(Gr[a][b] == Gr[b][a] for a in range(6) for b in range(6))
    basis = exponents(3, 2)
    res = identity_residuals(target_coefficients(Xr, C, 4), Gr, basis)
    assert all(r == 0 for r in res.values())
    # a Gram matrix already on the identity moves by the rounding only
    G1 = np.array(Gr, dtype=float)
    E2, D2 = round_and_project(G1, 30, p, den, 3, 4)
    moved = np.array([[float(Fraction(int(x), D2)) for x in row] for row in E2]) - G1
    assert np.abs(moved).max() < 4 * 2.0**-30


# ---------------------------------------------------------------- factor-and-dominance


def _frac(A):
    return [[Fraction(x) for x in row] for row in A]


def test_factor_dd_proves_a_positive_definite_matrix():
    B = np.random.default_rng(4).standard_normal((30, 30))
    A = _frac(B @ B.T + 1e-3 * np.eye(30))
    r = ldl_psd(A)
    assert r.psd and r.backend == "factor-dd" and r.rank == 30


@pytest.mark.parametrize("eps", [Fraction(1, 10**12), Fraction(1, 10**30), Fraction(1, 10**60)])
def test_factor_dd_never_accepts_a_barely_indefinite_matrix(eps):
    # B B^T with B of rank N - 1 is exactly singular; minus eps I it is indefinite by eps,
    # far below float resolution: the float Cholesky may "succeed", the exact test may not
    B = np.random.default_rng(5).integers(-5, 6, (12, 11))
    A = [[Fraction(int(x)) for x in row] for row in B @ B.T]
    minus = [[A[i][j] - (eps if i == j else 0) for j in range(12)] for i in range(12)]
    plus = [[A[i][j] + (eps if i == j else 0) for j in range(12)] for i in range(12)]
    r = ldl_psd(minus)
    assert not r.psd and not ldl_psd(minus, backend="bareiss").psd
    assert r.backend == "bareiss" or "negative direction" in r.reason
    assert ldl_psd(plus).psd and ldl_psd(A).psd


def test_a_clearly_indefinite_matrix_is_rejected_by_an_exact_negative_direction():
    B = np.random.default_rng(6).standard_normal((40, 40))
    A = _frac(B @ B.T - 1e-2 * np.eye(40) * np.linalg.eigvalsh(B @ B.T)[0] - 1.0 * np.eye(40))
    A = _frac(np.array(A, dtype=float))
    expected = np.linalg.eigvalsh(np.array(A, dtype=float))[0] < -0.1
    r = ldl_psd(A)
    assert expected and not r.psd and "negative direction" in r.reason


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_factor_dd_agrees_with_elimination(data):
    N = data.draw(st.integers(1, 7))
    seed = data.draw(st.integers(0, 2**32 - 1))
    shift = data.draw(st.sampled_from([Fraction(-1, 10**3), Fraction(-1, 10**15), Fraction(0),
                                       Fraction(1, 10**15), Fraction(1, 10**3)]))
    rng = np.random.default_rng(seed)
    B = rng.integers(-3, 4, (N, data.draw(st.integers(0, N))))
    A = [[Fraction(int(x)) + (shift if i == j else 0) for j, x in enumerate(row)]
         for i, row in enumerate(B @ B.T if B.size else np.zeros((N, N), dtype=int))]
    assert ldl_psd(A).psd == ldl_psd(A, backend="bareiss").psd
