"""Muon: Newton-Schulz acts on singular values by the quintic; momentum, scaling, routing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import ArgumentError, SpecproofError
from specproof.spectral.optimizers import NS_COEFFICIENTS, AdamW, Muon, newton_schulz5


def _quintic(sigma, steps=5):
    a, b, c = NS_COEFFICIENTS
    x = sigma / np.sqrt(np.sum(sigma**2) + 0.0)
    for _ in range(steps):
        x = a * x + b * x**3 + c * x**5
    return x


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31))
def test_ns5_is_the_quintic_on_singular_values(m, n, seed):
    rng = np.random.default_rng(seed)
    k = min(m, n)
    U, _ = np.linalg.qr(rng.standard_normal((m, k)))
    V, _ = np.linalg.qr(rng.standard_normal((n, k)))
    sigma = rng.uniform(0.05, 3.0, size=k)
    G = U @ np.diag(sigma) @ V.T
    expected = U @ np.diag(_quintic(sigma * (1 - 0.0))) @ V.T
    # eps = 0 so that the normalisation is exactly ||G||_F
    np.testing.assert_allclose(newton_schulz5(G, eps=0.0), expected, atol=1e-12, rtol=0)


def test_ns5_transpose_equivariant():
    G = np.random.default_rng(0).standard_normal((7, 3))
    np.testing.assert_allclose(newton_schulz5(G.T), newton_schulz5(G).T, atol=1e-14)


def test_ns5_rejects_vectors():
    with pytest.raises(ArgumentError, match="2-D"):
        newton_schulz5(np.ones(3))


def test_first_step_and_shape_scaling():
    rng = np.random.default_rng(3)
    W0 = rng.standard_normal((8, 2))
    G = rng.standard_normal((8, 2))
    for nesterov in (True, False):
        opt = Muon(lr=0.1, momentum=0.95, nesterov=nesterov)
        p = {"W": W0.copy()}
        opt.step(p, {"W": G})
        buf = 0.05 * G
        u = G + 0.95 * (buf - G) if nesterov else buf
        np.testing.assert_allclose(p["W"], W0 - 0.1 * 2.0 * newton_schulz5(u), atol=1e-14)


def test_non_matrices_and_excluded_take_adamw():
    rng = np.random.default_rng(4)
    params = {"b": rng.standard_normal(5), "E": rng.standard_normal((3, 4))}
    grads = {"b": rng.standard_normal(5), "E": rng.standard_normal((3, 4))}
    ref = {k: v.copy() for k, v in params.items()}
    Muon(exclude=["E"], adamw_lr=0.01).step(params, grads)
    AdamW(lr=0.01, weight_decay=0.0).step(ref, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], ref[k])


def test_exclude_must_be_names():
    with pytest.raises(TypeError, match="exclude"):
        Muon(exclude="W")


def test_agrees_with_torch_muon_to_bfloat16_precision():
    torch = pytest.importorskip(
        "torch", reason="torch not installed: comparison with torch.optim.Muon skipped"
    )
    if not hasattr(torch.optim, "Muon"):
        pytest.skip(f"torch {torch.__version__} has no torch.optim.Muon")
    rng = np.random.default_rng(5)
    W0 = rng.standard_normal((6, 4))
    grads = [rng.standard_normal((6, 4)) for _ in range(3)]
    opt = Muon(lr=0.02)
    p = {"W": W0.copy()}
    tw = torch.tensor(W0.copy(), requires_grad=True)
    topt = torch.optim.Muon([tw], lr=0.02, weight_decay=0.0, adjust_lr_fn="original")
    for g in grads:
        opt.step(p, {"W": g})
        tw.grad = torch.tensor(g)
        topt.step()
    # torch's Newton-Schulz runs in bfloat16, amplified by five iterations (measured 2.4%
    # here); forgetting torch's default weight_decay=0.1 gives 25%, so 5% still separates
    step_np = p["W"] - W0
    step_t = tw.detach().numpy() - W0
    assert np.abs(step_np - step_t).max() < 5e-2 * np.abs(step_np).max()


def test_eps_placement_clamp_divides_by_max_norm_eps():
    G = np.array([[3e-8, 0.0], [0.0, 4e-8]])          # ||G||_F = 5e-8 < eps = 1e-7
    for placement, denom in (("add", 5e-8 + 1e-7), ("clamp", 1e-7)):
        X = newton_schulz5(G, steps=0, eps_placement=placement)
        assert np.allclose(X, G / denom, rtol=1e-15, atol=0.0)
    big = np.diag([3.0, 4.0])
    np.testing.assert_allclose(newton_schulz5(big, steps=0, eps_placement="clamp"), big / 5.0,
                               rtol=1e-15)
    with pytest.raises(ArgumentError, match="eps_placement"):
        newton_schulz5(big, eps_placement="max")
    with pytest.raises(ArgumentError, match="eps_placement"):
        Muon(eps_placement="sqrt")
    assert Muon(eps_placement="clamp").state_dict()["hyperparameters"]["eps_placement"] == "clamp"


@pytest.mark.parametrize(("dtype", "scale", "tol"),
                         [("float32", 3e38, 1e-6), ("float64", 1e300, 1e-13)])
@pytest.mark.parametrize("placement", ["add", "clamp"])
def test_ns5_of_a_gradient_whose_norm_overflows(dtype, scale, tol, placement):
    # ||scale G|| overflows (its squares do), the entries do not: NS5 is scale-invariant
    # (eps aside, negligible at this norm), so it must give NS5(G), not NS5(G / inf) = 0
    G = np.random.default_rng(1).uniform(-1.0, 1.0, (4, 3)).astype(dtype)
    big = G * scale  # entries up to 1: below the dtype's largest number
    assert np.all(np.isfinite(big))
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.linalg.norm(big))
    got = newton_schulz5(big, eps_placement=placement)
    want = newton_schulz5(G, eps=0.0, eps_placement="add")
    assert got.dtype == np.dtype(dtype) and np.abs(want).max() > 0.1
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)
    p = {"W": np.zeros((4, 3), dtype=dtype)}
    Muon(lr=0.1, eps_placement=placement).step(p, {"W": big})
    assert np.abs(p["W"]).max() > 0.01  # a real move, not the zero one



@pytest.mark.parametrize(("kw", "match"), [
    (dict(steps=-1), "steps must be >= 0"),
    (dict(steps=2.5), "steps"),
    (dict(coefficients=(1, 2)), "coefficients must be three numbers"),
    (dict(coefficients=(1, 2, float("nan"))), "coefficients\\[2\\]"),
    (dict(eps=-1.0), "eps"),
])
def test_newton_schulz_arguments_are_checked(kw, match):
    # steps=-1 ran 0 iterations silently; the others failed inside range() or unpacking
    with pytest.raises(SpecproofError, match=match):
        newton_schulz5(np.eye(2), **kw)


def test_newton_schulz_refuses_a_nonfinite_matrix():
    with pytest.raises(ArgumentError, match="G has a non-finite entry nan at index \\(0, 0\\)"):
        newton_schulz5(np.array([[np.nan, 1.0], [1.0, 1.0]]))
    big = np.full((2, 3), 1e308)  # the sum overflows, every entry is finite: accepted
    assert np.all(np.isfinite(newton_schulz5(big)))
