"""Findings of the eighth adversarial probe of specproof.dag_nets, each kept as a test.

- The erf limit NTK's diagonal was 16,000 times too small at inputs of size 1e12: the
  input covariance ``x . x`` (a matrix product) and variance (a row sum) differed in the
  last bit, and ``ab - c^2`` read ``2 a^2 u`` instead of 0.
- The erf NNGP's diagonal lost 1e-8 to ``arcsin`` near 1; ``dual("erf")`` read NaN from
  variances of 3e154 on, and its variance lost everything at 1e-300 (1 - 1 cancelled).
- The empirical NTK dropped a block's term when ``a . a'`` overflowed and ``y . y'``
  underflowed (input scaled by 1e170, first weights by 1e-170), and read NaN the other way.
- ``--widths 8,8,16`` said "needs at least two distinct widths".
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from specproof import dag_nets as dn
from specproof.cli import main
from specproof.dag_nets.identical_inputs import identical_pairs

mp.mp.dps = 60


def _erf_mlp_reference(x: np.ndarray, depth: int) -> tuple[mp.mpf, mp.mpf]:
    """(NNGP, NTK) of x with itself for an erf MLP, in 60-digit arithmetic."""
    a = sum(mp.mpf(float(v)) ** 2 for v in x) / len(x)
    theta = a
    for _ in range(depth):
        c = 2 / mp.pi * mp.asin(2 * a / (1 + 2 * a))
        cdot = 4 / mp.pi / mp.sqrt(1 + 4 * a)
        a, theta = c, c + cdot * theta
    return a, theta


@pytest.mark.parametrize("scale", [1.0, 1e4, 1e8, 1e12, 1e20, 1e60, 1e-8])
@pytest.mark.parametrize("depth", [1, 3])
def test_the_erf_limit_diagonal_is_right_at_any_input_size(scale, depth):
    X = np.random.default_rng(0).standard_normal((3, 4)) * scale
    X = np.concatenate([X, X[1:2]])  # a repeated row: the same entries again
    graph = dn.mlp(64, depth=depth, d_in=4)
    for K, which in ((dn.nngp_kernel(graph, X), 0), (dn.infinite_width_ntk(graph, X), 1),
                     (dn.infinite_width_ntk(graph, X, X.copy()), 1)):
        for i in range(4):
            ref = _erf_mlp_reference(X[i], depth)[which]
            assert abs(K[i, i] - ref) <= 1e-13 * ref, (i, K[i, i], ref)
        assert K[1, 3] == K[1, 1] == K[3, 3]  # identical inputs: identical entries


def test_one_row_alone_gives_its_diagonal():
    x = np.random.default_rng(0).standard_normal((3, 4))[1:2] * 1e12
    got = dn.infinite_width_ntk(dn.mlp(64, depth=1, d_in=4), x)[0, 0]
    ref = _erf_mlp_reference(x[0], 1)[1]
    assert abs(got - ref) <= 1e-13 * ref  # 33734865 before (5.527e11 is right)


@pytest.mark.parametrize("a", [1e-300, 1e-3, 0.4999, 0.5, 0.50001, 1.0, 1e10, 3e154, 1e300,
                               1.7e308])
def test_dual_erf_on_the_diagonal_matches_60_digits(a):
    r = dn.dual("erf", np.array([[a]]), np.array([a]), np.array([a]))
    A = mp.mpf(a)
    e_ref = 2 / mp.pi * mp.asin(2 * A / (1 + 2 * A))
    ed_ref = 4 / mp.pi / mp.sqrt(1 + 4 * A)
    for got, ref in ((r.e[0, 0], e_ref), (r.ed[0, 0], ed_ref), (r.da[0], e_ref)):
        assert np.isfinite(got) and abs(got - ref) <= 1e-15 * ref, (got, ref)


@pytest.mark.parametrize("scale", [1e-300, 1e-5, 1.0, 1e8, 1e100, 1e200, 1e300])
@pytest.mark.parametrize("rho", [-0.999999, -0.6, 0.3, 0.7, 0.99, 1 - 1e-12])
def test_dual_erf_off_the_diagonal_matches_60_digits(scale, rho):
    a, b = 2.0 * scale, 3.0 * scale
    c = rho * np.sqrt(a) * np.sqrt(b)
    r = dn.dual("erf", np.array([[c]]), np.array([a]), np.array([b]))
    A, B, C = mp.mpf(a), mp.mpf(b), mp.mpf(float(c))
    ed_ref = 4 / mp.pi / mp.sqrt(1 + 2 * A + 2 * B + 4 * (A * B - C * C))
    e_ref = 2 / mp.pi * mp.asin(2 * C / mp.sqrt((1 + 2 * A) * (1 + 2 * B)))
    assert abs(r.ed[0, 0] - ed_ref) <= 1e-14 * ed_ref
    assert abs(r.e[0, 0] - e_ref) <= 1e-14 * abs(e_ref)


@pytest.mark.parametrize("scale", [1e170, 1e-170, 1e300, 1e-300])
@pytest.mark.parametrize("activation", ["tanh", "erf", "relu"])
def test_the_empirical_ntk_is_unchanged_by_a_rescaling_that_leaves_it(scale, activation):
    # one hidden layer, x -> s x and every weight -> w / s: the hidden pre-activations are
    # unchanged, d f / d W_out = sigma(z) too, and d f / d W_in = (W_out / s) sigma' (s x):
    # every gradient, so the NTK, is the same as at s = 1
    net = dn.compile(dn.mlp(4, depth=1, d_in=2), activation=activation, seed=0)
    p = net.params.copy()
    x = np.random.default_rng(0).standard_normal((3, 2))
    J = net.jacobian(x, params=p)
    np.testing.assert_allclose(net.ntk(x, params=p), J @ J.T, rtol=1e-13, atol=1e-16)
    K = net.ntk(x * scale, params=p / scale)
    np.testing.assert_allclose(K, J @ J.T, rtol=1e-12, atol=1e-16)


def test_identical_pairs_finds_repeats_within_and_across_batches():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    B = np.array([[3.0, 4.0], [5.0, 6.0], [1.0, 2.0]])
    p = identical_pairs(A, B, False)
    assert sorted(zip(p.entries.tolist(), p.rows.tolist())) == [(2, 0), (3, 1)]


def test_repeated_widths_are_named(capsys, tmp_path):
    status = main(["ntk", "--arch", "mlp", "--widths", "8,8,16", "--seeds", "2",
                   "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and "--widths lists 8 more than once" in err
