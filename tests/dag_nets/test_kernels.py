"""Gaussian expectations of activations: closed forms and Gauss-Hermite quadrature."""

import numpy as np
import pytest
from scipy import integrate

from specproof import SpecproofError
from specproof.dag_nets import get_activation
from specproof.dag_nets.dual_quadrature import _gauss_hermite, _quad_pair
from specproof.dag_nets.kernels import dual

RHO = np.linspace(-1.0, 1.0, 21)


def _grid(var):
    a = np.array([var])
    b = np.full(RHO.size, var)
    return (RHO * var)[None, :], a, b


@pytest.mark.parametrize("var", [1e-3, 0.3, 1.0, 3.0])
def test_quadrature_path_reproduces_erf_closed_form(var):
    c, a, b = _grid(var)
    exact = dual("erf", c, a, b)
    quad = dual("erf", c, a, b, method="quadrature")
    assert quad.error <= 1e-10 and quad.nodes >= 64
    for p, q in zip(exact[:4], quad[:4]):
        np.testing.assert_allclose(q, p, rtol=0, atol=1e-12)


def test_quadrature_error_falls_with_the_number_of_nodes():
    # fixed rules on erf at variance 1: the error shrinks geometrically with the nodes
    c, a, b = _grid(1.0)
    exact = dual("erf", c, a, b)
    act = get_activation("erf")
    errs = []
    for n in (8, 16, 32, 64):
        x, w = _gauss_hermite(n)
        errs.append(np.abs(_quad_pair(act.d1, act.d1, c, a, b, x, w) - exact.ed).max())
    assert errs[0] > 1e-3 and errs[-1] < 1e-10
    assert all(e2 < e1 / 10 for e1, e2 in zip(errs, errs[1:])), errs


@pytest.mark.parametrize("name", ["tanh", "softplus", "gelu", "sigmoid"])
def test_quadrature_against_adaptive_integration(name):
    act = get_activation(name)
    a, b, c = 0.7, 1.3, 0.5  # correlation 0.52
    r = dual(name, np.array([[c]]), np.array([a]), np.array([b]))
    assert r.nodes > 0 and r.error <= 1e-10
    L = np.linalg.cholesky([[a, c], [c, b]])

    def expect(f, g):
        def h(x2, x1):
            u = L[0, 0] * x1
            v = L[1, 0] * x1 + L[1, 1] * x2
            return f(u) * g(v) * np.exp(-(x1 * x1 + x2 * x2) / 2) / (2 * np.pi)
        return integrate.dblquad(h, -12, 12, -12, 12, epsabs=1e-13, epsrel=1e-12)[0]

    assert r.e[0, 0] == pytest.approx(expect(act.f, act.f), abs=1e-10)
    assert r.ed[0, 0] == pytest.approx(expect(act.d1, act.d1), abs=1e-10)
    diag = integrate.quad(lambda x: act.f(np.sqrt(a) * x) ** 2 * np.exp(-x * x / 2)
                          / np.sqrt(2 * np.pi), -12, 12, epsabs=1e-14)[0]
    assert r.da[0] == pytest.approx(diag, abs=1e-11)


def test_closed_forms_against_monte_carlo():
    # relu and leaky relu: 4e6 samples, tolerance 5 standard errors
    rng = np.random.default_rng(0)
    a, b, c = 1.3, 0.7, -0.4
    z = rng.standard_normal((4_000_000, 2)) @ np.linalg.cholesky([[a, c], [c, b]]).T
    for name in ("relu", "leaky_relu"):
        act = get_activation(name)
        r = dual(name, np.array([[c]]), np.array([a]), np.array([b]))
        for got, samples in ((r.e[0, 0], act.f(z[:, 0]) * act.f(z[:, 1])),
                             (r.ed[0, 0], act.d1(z[:, 0]) * act.d1(z[:, 1])),
                             (r.da[0], act.f(z[:, 0]) ** 2)):
            se = samples.std() / np.sqrt(samples.size)
            assert abs(got - samples.mean()) < 5 * se, (name, got, samples.mean())


def test_zero_variance_inputs():
    # u = 0 a.s.: relu'(0) = 0, leaky'(0) = slope
    z = np.zeros((1, 1))
    assert dual("relu", z, np.zeros(1), np.ones(1)).ed[0, 0] == 0.0
    assert dual("leaky_relu", z, np.zeros(1), np.ones(1)).ed[0, 0] == pytest.approx(0.2 * 0.6)
    assert dual("leaky_relu", z, np.zeros(1), np.zeros(1)).ed[0, 0] == pytest.approx(0.04)


def test_refusals():
    c, a, b = _grid(1.0)
    with pytest.raises(SpecproofError, match="no closed-form"):
        dual("tanh", c, a, b, method="closed")
    with pytest.raises(SpecproofError, match="did not reach tol"):
        dual("tanh", c * 30, a * 30, b * 30, max_nodes=64)


def test_a_custom_activation_with_a_builtin_name_gets_its_own_kernel():
    # Activation("erf", 2 tanh) got erf's closed-form dual: a silently wrong limit
    from specproof.dag_nets.activations import Activation, leaky_relu
    from specproof.dag_nets.kernels import closed_form

    t = get_activation("tanh")
    fake = Activation("erf", lambda z: 2 * t.f(z), lambda z: 2 * t.d1(z), lambda z: 2 * t.d2(z))
    assert closed_form(fake) is None
    c, a, b = np.array([[0.5]]), np.array([1.0]), np.array([1.0])
    r, ref = dual(fake, c, a, b), dual("tanh", c, a, b)
    assert r.nodes > 0  # by quadrature
    assert r.e[0, 0] == pytest.approx(4 * ref.e[0, 0], rel=1e-10)  # E[2t 2t] = 4 E[t t]
    assert r.e[0, 0] != pytest.approx(dual("erf", c, a, b).e[0, 0], rel=1e-2)
    with pytest.raises(SpecproofError, match="computes something else than the built-in"):
        dual(fake, c, a, b, method="closed")
    # a relu impostor (not smooth): refused in auto, not given relu's arc-cosine kernel
    fake_relu = Activation("relu", lambda z: np.maximum(z, 0.0) + 1.0,
                           lambda z: (z > 0).astype(float), np.zeros_like, smooth=False)
    with pytest.raises(SpecproofError, match="computes something else"):
        dual(fake_relu, c, a, b)
    # a genuine user-made leaky ReLU, and identity, keep their closed forms
    assert closed_form(leaky_relu(0.3)) == ("leaky", 0.3)
    ident = Activation("mine", lambda z: z, np.ones_like, np.zeros_like, identity=True)
    assert closed_form(ident) == ("identity", 0.0)
    bad_ident = Activation("mine", lambda z: 2 * z, lambda z: 2 * np.ones_like(z),
                           np.zeros_like, identity=True)
    assert closed_form(bad_ident) is None
