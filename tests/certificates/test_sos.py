"""SoS relaxation of ||X||_{2->q}^q: coefficients, Gram identity, duals, exactness, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from specproof.certificates import (
    SolverError,
    epsnet_two_to_q,
    mosek_available,
    power_method,
    solve_sos,
    solve_sos_fixed_bound,
    sos_two_to_q,
    spectral_baseline,
    two_to_q,
)
from specproof.certificates.monomials import (
    exponents,
    gram_basis,
    norm_power_coefficients,
    power_sum_coefficients,
)
from specproof.certificates.sos import full_moment_matrix, sos_structure


def cube(m: int) -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=m)))


def monomials_at(v: np.ndarray, exps) -> np.ndarray:
    return np.array([np.prod(v ** np.array(e)) for e in exps])


@pytest.mark.parametrize("d,q", [(1, 4), (2, 4), (3, 4), (4, 6), (3, 2)])
def test_coefficients_reproduce_the_polynomials(d, q):
    rng = np.random.default_rng(d * 10 + q)
    X = rng.standard_normal((5, d))
    f, nv = power_sum_coefficients(X, q), norm_power_coefficients(d, q)
    exps = exponents(d, q)
    assert len(exps) == math.comb(d + q - 1, q)
    for _ in range(3):
        v = rng.standard_normal(d)
        mono = monomials_at(v, exps)
        assert abs(f @ mono - np.sum((X @ v) ** q)) < 1e-10 * np.sum((X @ v) ** q)
        assert abs(nv @ mono - np.dot(v, v) ** (q // 2)) < 1e-12 * np.dot(v, v) ** (q // 2)


@pytest.mark.parametrize("d,q", [(2, 4), (4, 4), (3, 6)])
def test_pairs_partition_the_gram_entries(d, q):
    basis, S = gram_basis(d, q)
    N = len(basis)
    assert N == math.comb(d + q // 2 - 1, q // 2)
    assert len(S) == math.comb(d + q - 1, q)
    seen = [p for pairs in S.values() for p in pairs]
    assert sorted(seen) == [(a, b) for a in range(N) for b in range(N)]
    for alpha, pairs in S.items():
        for a, b in pairs:
            assert tuple(x + y for x, y in zip(basis[a], basis[b], strict=True)) == alpha
    assert sos_structure(d, q)[1] == S


def test_identity_cube_and_gram_identity():
    r = solve_sos(np.eye(3), 4)
    assert abs(r.value - 1) < 1e-7
    for m in (3, 4):
        X = cube(m)
        r = solve_sos(X, 4)
        exact = 2**m * (3 - 2 / m)
        assert abs(r.value - exact) < 1e-6 * exact
        # value ||v||^4 - sum <x_i,v>^4 == z^T G z at random points
        rng = np.random.default_rng(m)
        for _ in range(3):
            v = rng.standard_normal(m)
            z = monomials_at(v, r.basis)
            lhs = r.value * np.dot(v, v) ** 2 - np.sum((X @ v) ** 4)
            assert abs(lhs - z @ r.gram @ z) < 1e-8 * r.value * np.dot(v, v) ** 2
        assert r.residual < 1e-8 * r.value
        assert np.linalg.eigvalsh(r.gram).min() > -1e-6 * r.value


def test_pseudo_moments_are_a_normalised_psd_dual():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((12, 4))
    r = solve_sos(X, 4)
    nv = norm_power_coefficients(4, 4)
    f = power_sum_coefficients(X, 4)
    assert abs(nv @ r.moments - 1) < 1e-12            # E~ ||v||^4 = 1
    assert np.linalg.eigvalsh(r.pseudo_moments).min() > -1e-7
    assert abs(f @ r.moments - r.value) < 1e-6 * r.value  # strong duality
    F = full_moment_matrix(r.moments, 4, 4)           # S4-invariant d^2 x d^2 matrix
    T = F.reshape(4, 4, 4, 4)
    for perm in itertools.permutations(range(4)):
        assert np.array_equal(T, T.transpose(perm))
    assert np.linalg.eigvalsh(F).min() > -1e-7


@pytest.mark.parametrize("d", [2, 3])
def test_sos4_is_exact_for_d_at_most_3(d):
    rng = np.random.default_rng(20 + d)
    for _ in range(3):
        X = rng.standard_normal((3 * d, d))
        b = sos_two_to_q(X, 4)
        p = power_method(X, 4).value
        assert abs(b.upper - p) < 1e-7 * p
        e = epsnet_two_to_q(X, 4, eps=0.01)
        assert e.lower <= b.upper * (1 + 1e-9) and b.upper <= e.upper


@pytest.mark.parametrize("dist", ["gauss", "student"])
def test_sandwich_power_sos_baseline(dist):
    rng = np.random.default_rng(30)
    for d in (4, 5):
        n = 3 * d
        X = rng.standard_normal((n, d)) if dist == "gauss" else rng.standard_t(3, size=(n, d))
        p = power_method(X, 4).value ** 4
        s = solve_sos(X, 4).value
        base = spectral_baseline(X, 4)
        assert p <= s * (1 + 1e-7)
        assert s <= base.lambda_max * (1 + 1e-7)
        assert base.lower**4 <= p * (1 + 1e-9)
        assert base.lambda_max <= d * base.lower**4 * (1 + 1e-9)  # baseline guarantee


def test_sos_rounding_gives_a_sandwich():
    X = np.random.default_rng(31).standard_normal((15, 5))
    b = sos_two_to_q(X, 4, polish=False)
    assert b.lower_method == "sos-rounding"
    assert b.lower <= b.upper * (1 + 1e-9)
    assert abs(np.sum((X @ b.witness) ** 4) ** 0.25 - b.lower) < 1e-12 * b.lower
    assert two_to_q(X, 4, method="sos").upper_method == "sos4"


def test_sos6_bounds_the_power_value():
    X = np.random.default_rng(32).standard_normal((8, 3))
    r = solve_sos(X, 6)
    p = power_method(X, 6).value ** 6
    assert p <= r.value * (1 + 1e-7)
    assert r.value <= spectral_baseline(X, 6).lambda_max * (1 + 1e-7)
    assert abs(solve_sos(np.eye(3), 6).value - 1) < 1e-7


def test_backends_and_solvers_agree():
    X = np.random.default_rng(33).standard_normal((9, 3))
    a = solve_sos(X, 4)
    b = solve_sos(X, 4, backend="cvxpy")
    c = solve_sos(X, 4, solver="scs")
    assert abs(a.value - b.value) < 1e-6 * a.value
    assert abs(a.value - c.value) < 1e-6 * a.value
    assert np.allclose(a.moments, c.moments, atol=1e-4)


def test_fixed_bound_gives_interior_gram_or_negative_margin():
    X = np.random.default_rng(34).standard_normal((10, 3))
    t = solve_sos(X, 4).value
    r = solve_sos_fixed_bound(X, 4, 1.05 * t)
    assert r.value == 1.05 * t and r.lam > 0
    assert np.linalg.eigvalsh(r.gram).min() > 0.9 * r.lam
    assert r.residual < 1e-8 * t
    # the same Gram matrix also certifies via the cvxpy formulation's optimum
    r2 = solve_sos_fixed_bound(X, 4, 1.05 * t, backend="cvxpy")
    assert abs(r2.lam - r.lam) < 1e-4 * abs(r.lam)
    # below the SoS value no Gram matrix is PSD: the best margin is negative
    assert solve_sos_fixed_bound(X, 4, 0.9 * t).lam < 0
    assert abs(solve_sos_fixed_bound(X, 4, t).lam) < 1e-5 * t  # tight C: singular G


def test_solver_errors_are_clear():
    with pytest.raises(ValueError, match="solver"):
        solve_sos(np.eye(2), 4, solver="cplex")
    with pytest.raises(ValueError, match="even"):
        solve_sos(np.eye(2), 3)
    with pytest.raises(ValueError, match="at most 6"):
        solve_sos(np.eye(2), 8)
    with pytest.raises(ValueError, match="backend"):
        solve_sos(np.eye(2), 4, backend="julia")
    with pytest.raises(ValueError, match=r"index \(1, 0\)"):
        solve_sos(np.array([[1.0, 0.0], [np.nan, 1.0]]), 4)


def test_mosek_without_licence_is_an_error_not_a_switch(monkeypatch):
    from specproof.certificates import conic

    ok, why = mosek_available()
    assert ok or why  # a reason whenever it is unavailable
    # simulate the usual case, no licence, whatever this machine has
    monkeypatch.setattr(
        conic, "mosek_available", lambda: (False, "MOSEK is installed but has no usable licence")
    )
    with pytest.raises(SolverError, match="mosek") as info:
        solve_sos(np.eye(2), 4, solver="mosek")
    assert info.value.status == "unavailable"
    assert "never switches" in str(info.value)
    with pytest.raises(SolverError, match="mosek"):
        two_to_q(np.eye(2), 4, method="sos", solver="mosek")


def test_non_optimal_status_raises_with_status():
    import scipy.sparse as sps

    from specproof.certificates.conic import solve_conic

    # x0 = 1 and x0 = 2 at once: infeasible; the error carries the solver's status
    A_eq = sps.csc_matrix(np.array([[1.0, 0.0], [1.0, 0.0]]))
    A_psd = sps.csc_matrix(np.array([[0.0, -1.0]]))
    for solver in ("clarabel", "scs"):
        with pytest.raises(SolverError) as info:
            solve_conic(np.array([0.0, 1.0]), A_eq, np.array([1.0, 2.0]), A_psd, np.zeros(1),
                        1, solver, accept_inaccurate=True)
        assert info.value.status != "optimal" and info.value.solver == solver


@pytest.mark.parametrize("d", [4, 5])
def test_power_defaults_reach_the_sos_value(d):
    # on these instances SoS_4 is tight; the default restarts must find the optimum
    for seed in range(3):
        X = np.random.default_rng(100 + seed).standard_normal((3 * d, d))
        s = solve_sos(X, 4).value
        p = power_method(X, 4).value ** 4
        assert abs(s - p) < 1e-7 * s


def test_sos_upper_is_sound_even_when_the_solver_value_is_below_the_norm():
    """The solver's value can sit ~1e-9 below the norm; the reported upper never does."""
    import itertools

    from specproof.certificates import sos_two_to_q
    from specproof.certificates.sos import solve_sos, sound_upper_bound

    X = np.array(list(itertools.product([-1.0, 1.0], repeat=3)))
    true4 = 8 * (3 - 2 / 3)  # Boolean cube m = 3, SoS is tight here
    res = solve_sos(X, 4)
    assert abs(res.value - true4) < 1e-6
    ub = sound_upper_bound(X, res)
    assert true4 <= ub < true4 + 1e-5
    assert sos_two_to_q(X, 4).upper ** 4 >= true4
    # a value pushed below the optimum by 1e-3 is caught: the bound charges the residual
    from dataclasses import replace

    lowered = replace(res, value=res.value - 1e-3)
    assert sound_upper_bound(X, lowered) >= true4


def test_clarabel_refuses_a_problem_that_cannot_fit_in_memory(monkeypatch):
    """At d = 20 Clarabel needs ~29 GiB and was killed by the OS; now it is a clear error."""
    from specproof.certificates import conic
    from specproof.certificates.conic import SolverError
    from specproof.certificates.sos import solve_sos

    assert conic.clarabel_memory_estimate(210) > 24 * 2**30
    X = np.random.default_rng(0).standard_normal((6, 3))
    monkeypatch.setattr(conic, "available_memory", lambda: 1000)  # 1 kB left
    with pytest.raises(SolverError, match="Clarabel would need about .* Use solver='auto' or "
                                          "'scs' .first order: about .* s and") as e:
        solve_sos(X, 4, solver="clarabel")
    assert e.value.status == "not-started"
    assert isinstance(e.value, MemoryError)
    assert solve_sos(X, 4, solver="scs").status == "optimal"
