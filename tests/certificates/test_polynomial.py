"""Exact arithmetic under the checkers: coefficients, the LDL^T PSD test, matrix files."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.certificates.certificate import parse_rational, rational_str
from specproof.certificates.certify import (
    expand_target,
    project_gram,
    rationalize,
    round_up_decimal,
)
from specproof.certificates.io import load_matrix
from specproof.certificates.ldl import BACKENDS, ldl_psd
from specproof.certificates.polynomial import (
    compositions,
    gram_classes,
    identity_residuals,
    norm_power_coefficient,
    target_coefficients,
)

FAST = settings(max_examples=30, deadline=None)

rationals = st.fractions(min_value=-3, max_value=3, max_denominator=50)


def _sympy_target(X, C, q):
    d = len(X[0])
    v = sp.symbols(f"v0:{d}")
    p = sp.Rational(C.numerator, C.denominator) * sum(x**2 for x in v) ** (q // 2)
    for row in X:
        p -= sum(sp.Rational(x.numerator, x.denominator) * vj for x, vj in zip(row, v,
                                                                              strict=True)) ** q
    poly = sp.Poly(sp.expand(p), *v)
    return {m: Fraction(int(c.p), int(c.q)) for m, c in zip(poly.monoms(), poly.coeffs(),
                                                             strict=True) if c != 0}


@FAST
@given(data=st.data(), q=st.sampled_from([2, 4, 6]), n=st.integers(1, 3), d=st.integers(1, 3))
def test_coefficients_match_sympy_and_the_producer(data, q, n, d):
    X = [[data.draw(rationals) for _ in range(d)] for _ in range(n)]
    C = data.draw(rationals)
    mine = target_coefficients(X, C, q)
    assert set(mine) == set(compositions(d, q))
    want = _sympy_target(X, C, q)
    assert {a: c for a, c in mine.items() if c} == want
    other = expand_target(X, C, q)  # the producer's independent derivation
    assert {a: c for a, c in other.items() if c} == want


def test_norm_power_coefficients_are_multinomials():
    assert norm_power_coefficient((4, 0, 0)) == 1
    assert norm_power_coefficient((2, 2, 0)) == 2
    assert norm_power_coefficient((2, 2, 2)) == 6
    assert norm_power_coefficient((4, 2, 0)) == 3
    assert norm_power_coefficient((3, 1, 2)) == 0
    # they sum to (1 + 1 + 1)^k evaluated at v = (1, 1, 1)
    assert sum(norm_power_coefficient(a) for a in compositions(3, 6)) == 27


def test_gram_classes_partition_positions():
    basis = compositions(3, 2)
    classes = gram_classes(basis)
    positions = sorted(p for ps in classes.values() for p in ps)
    assert positions == sorted(itertools.product(range(6), repeat=2))
    assert len(classes) == len(compositions(3, 4))


@FAST
@given(data=st.data())
def test_projection_makes_every_identity_exact(data):
    d = data.draw(st.integers(1, 3))
    X = [[data.draw(rationals) for _ in range(d)] for _ in range(2)]
    basis = compositions(d, 2)
    N = len(basis)
    f = target_coefficients(X, Fraction(5), 4)
    G = [[Fraction(0)] * N for _ in range(N)]
    for a in range(N):
        for b in range(a + 1):
            G[a][b] = G[b][a] = data.draw(rationals)
    P = project_gram(G, f, basis)
    assert all(r == 0 for r in identity_residuals(f, P, basis).values())
    assert all(P[a][b] == P[b][a] for a in range(N) for b in range(N))


# ------------------------------------------------------------------ LDL^T


def _sym(entries, N):
    it = iter(entries)
    A = [[Fraction(0)] * N for _ in range(N)]
    for i in range(N):
        for j in range(i + 1):
            A[i][j] = A[j][i] = next(it)
    return A


@FAST
@given(data=st.data())
def test_ldl_backends_agree_with_a_gram_construction(data):
    """B B^T is PSD (rank <= r); B B^T - c I with c > 0 and rank < N is not."""
    N = data.draw(st.integers(1, 6))
    r = data.draw(st.integers(0, N))
    B = [[data.draw(rationals) for _ in range(r)] for _ in range(N)]
    A = [[sum((B[i][k] * B[j][k] for k in range(r)), Fraction(0)) for j in range(N)]
         for i in range(N)]
    results = [ldl_psd(A, backend=b) for b in BACKENDS]
    assert all(res.psd for res in results)
    rank = np.linalg.matrix_rank(np.array(A, dtype=float)) if r else 0
    assert {res.rank for res in results} == {rank}
    if rank < N:
        shifted = [[A[i][j] - (Fraction(1, 10**9) if i == j else 0) for j in range(N)]
                   for i in range(N)]
        assert not any(ldl_psd(shifted, backend=b).psd for b in BACKENDS)


@FAST
@given(data=st.data())
def test_ldl_backends_agree_on_arbitrary_symmetric_matrices(data):
    N = data.draw(st.integers(1, 5))
    A = _sym([data.draw(rationals) for _ in range(N * (N + 1) // 2)], N)
    verdicts = {b: ldl_psd(A, backend=b) for b in BACKENDS}
    assert len({v.psd for v in verdicts.values()}) == 1
    # the eliminations agree on the pivot too (auto may reject by a negative direction)
    assert len({verdicts[b].index for b in ("bareiss", "flint", "fraction")}) == 1
    eig = np.linalg.eigvalsh(np.array(A, dtype=float))
    if eig[0] < -1e-9:
        assert not verdicts["fraction"].psd
    if eig[0] > 1e-9:
        assert verdicts["fraction"].psd


@pytest.mark.parametrize("backend", ["bareiss", "flint", "fraction"])
def test_ldl_zero_pivots(backend):
    F = Fraction
    # zero pivot with a zero column: fine (PSD, rank 1)
    assert ldl_psd([[F(0), F(0)], [F(0), F(3)]], backend=backend).psd
    # zero pivot with a nonzero column: det [[0, 1], [1, 3]] = -1
    res = ldl_psd([[F(0), F(1)], [F(1), F(3)]], backend=backend)
    assert not res.psd and "zero pivot at index 0" in res.reason
    # a zero pivot that only appears after elimination: [[1,1,1],[1,1,2],[1,2,3]]
    res = ldl_psd([[F(1), F(1), F(1)], [F(1), F(1), F(2)], [F(1), F(2), F(3)]], backend=backend)
    assert not res.psd and "zero pivot at index 1" in res.reason
    # the Laplacian of K_4: rank 3, PSD
    L = [[F(3 if i == j else -1) for j in range(4)] for i in range(4)]
    res = ldl_psd(L, backend=backend)
    assert res.psd and res.rank == 3
    assert ldl_psd([[F(-1, 10**40)]], backend=backend).reason.startswith("negative pivot")


@pytest.mark.parametrize("backend", ["auto", "factor-dd"])
def test_ldl_zero_pivot_cases_with_the_float_guided_back_end(backend):
    F = Fraction
    assert ldl_psd([[F(0), F(0)], [F(0), F(3)]], backend=backend).psd
    assert not ldl_psd([[F(0), F(1)], [F(1), F(3)]], backend=backend).psd
    assert not ldl_psd([[F(1), F(1), F(1)], [F(1), F(1), F(2)], [F(1), F(2), F(3)]],
                       backend=backend).psd
    L = [[F(3 if i == j else -1) for j in range(4)] for i in range(4)]
    assert ldl_psd(L, backend=backend).psd and ldl_psd(L, backend=backend).rank == 3
    assert not ldl_psd([[F(-1, 10**40)]], backend=backend).psd


def test_ldl_rejects_bad_input():
    with pytest.raises(ValueError, match="backend"):
        ldl_psd([[Fraction(1)]], backend="numpy")
    with pytest.raises(ValueError, match="square"):
        ldl_psd([[Fraction(1), Fraction(0)]], backend="fraction")


# ------------------------------------------------------------------ rationals and data


@given(st.fractions())
def test_rational_strings_round_trip(x):
    assert parse_rational(rational_str(x), "x") == x


@pytest.mark.parametrize("bad", ["", "1/", "/2", "1.5", "1/-2", "+3", " 1", "1e3", "--1", 3])
def test_bad_rational_strings(bad):
    with pytest.raises(ValueError, match="x"):
        parse_rational(bad, "x")


def test_rationalize_and_round_up():
    assert rationalize([[0.1]])[0][0] == Fraction(0.1)  # exact float value
    assert rationalize([[0.1]], data_bits=3)[0][0] == Fraction(1, 8)
    assert rationalize([["1/3", 2]])[0] == (Fraction(1, 3), Fraction(2))
    with pytest.raises(ValueError, match=r"non-finite entry inf at index \(0, 1\)"):
        rationalize([[1.0, float("inf")]])
    with pytest.raises(ValueError, match="2-D"):
        rationalize([1.0, 2.0])
    assert round_up_decimal(Fraction(123456789012345, 10**12), 4) == Fraction(1235, 10)
    assert round_up_decimal(2.0, 3) == 2


def test_load_matrix(tmp_path):
    X = np.arange(6.0).reshape(3, 2)
    np.save(tmp_path / "X.npy", X)
    np.testing.assert_array_equal(load_matrix(tmp_path / "X.npy"), X)
    (tmp_path / "X.csv").write_text("# data\n0,1\n2,3\n4,5\n")
    np.testing.assert_array_equal(load_matrix(tmp_path / "X.csv"), X)
    (tmp_path / "row.csv").write_text("1,2,3\n")
    assert load_matrix(tmp_path / "row.csv").shape == (1, 3)
    np.save(tmp_path / "v.npy", np.arange(3.0))
    with pytest.raises(ValueError, match=r"shape \(3,\), expected a 2-D"):
        load_matrix(tmp_path / "v.npy")
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"non-finite entry nan at index \(0, 1\)"):
        load_matrix(tmp_path / "nan.npy")
    np.save(tmp_path / "obj.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="not a numeric .npy"):
        load_matrix(tmp_path / "obj.npy")
    (tmp_path / "bad.csv").write_text("1,x\n")
    with pytest.raises(ValueError, match="not a CSV of numbers"):
        load_matrix(tmp_path / "bad.csv")
    (tmp_path / "X.txt").write_text("1\n")
    with pytest.raises(ValueError, match=r"\.npy or \.csv"):
        load_matrix(tmp_path / "X.txt")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_matrix(tmp_path / "missing.npy")
