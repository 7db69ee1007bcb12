"""An eighth review of the spectral package: each finding kept as a test.

Before: BSN made a finite float32 kernel of 2e38 all zeros and lost the digits of a
subnormal kernel; a c beyond (or below) the weight's dtype gave inf/NaN (or zeros); a
float32 ConvNorm kernel of 1e-39 gave NaN (the layer blamed x and kept an inf running V);
complex torch parameters moved by ~1e15; tiny weights raised a bare OverflowError; BSN
turned a matrix into a (m, n, 1, 1) kernel; power_iteration read sigma 2 off the
identity; a state's 'shape' of None raised TypeError; training="no", exclude=["nope"] and
a NaN Pion moment were taken or misreported.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ComputationError
from specproof.spectral import (
    SGD,
    Adam,
    AdamW,
    BSNPowerIteration,
    ConvNorm,
    Muon,
    OptimizerStateError,
    Pion,
    PowerIterationSN,
    bsn_normalize,
    convnorm_operator,
    power_iteration,
    spectral_normalize,
)


def _bsn_reference(K: np.ndarray) -> np.ndarray:
    """K / ((sigma_1 + sigma_2) / 2) in float64 by SVDs of the two reshapes."""
    K = K.astype(np.float64)
    s1 = np.linalg.svd(K.reshape(K.shape[0], -1), compute_uv=False)[0]
    s2 = np.linalg.svd(np.moveaxis(K, 1, 0).reshape(K.shape[1], -1), compute_uv=False)[0]
    return K / (0.5 * (s1 + s2))


# -- 1. a float32 kernel whose sigma exceeds float32's largest number ---------------------

def test_bsn_normalizes_a_float32_kernel_whose_sigma_is_beyond_float32():
    K = np.full((2, 2, 1, 1), 2e38, dtype=np.float32)       # sigma_1 = sigma_2 = 4e38
    for out in (bsn_normalize(K), BSNPowerIteration(K, seed=0)(K)):
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, 0.5, rtol=1e-6)
    rng = np.random.default_rng(3)
    K = (rng.standard_normal((3, 2, 2, 2)) * 1e38).astype(np.float32)
    ref = _bsn_reference(K)
    np.testing.assert_allclose(bsn_normalize(K), ref, rtol=1e-6, atol=1e-7)
    bsn = BSNPowerIteration(K, seed=0, n_power_iterations=200)
    np.testing.assert_allclose(bsn(K), ref, rtol=1e-5, atol=1e-6)


# -- 2. subnormal kernels keep their digits ----------------------------------------------

def test_bsn_of_a_subnormal_kernel_keeps_its_digits():
    A = np.array([[7.0, 1.0], [0.0, 5.0]])
    exact = A / np.linalg.svd(A, compute_uv=False)[0]      # both reshapes have this sigma
    Kt = A.reshape(2, 2, 1, 1) * 5e-324
    np.testing.assert_allclose(bsn_normalize(Kt).reshape(2, 2), exact, rtol=1e-13, atol=1e-15)
    # the power iteration with a floor below the weight (5e-324, the smallest float64)
    bsn = BSNPowerIteration(Kt, seed=0, eps=5e-324, n_power_iterations=60)
    np.testing.assert_allclose(bsn(Kt).reshape(2, 2), exact, rtol=1e-12, atol=1e-14)


# -- 3. c beyond or below the weight's dtype --------------------------------------------

def test_a_c_outside_the_dtype_is_refused_for_sn_and_bsn():
    I4 = np.eye(2, dtype=np.float32)[:, :, None, None]
    with pytest.raises(ArgumentError, match=r"c = 1e\+39 is beyond the largest float32"):
        bsn_normalize(I4, c=1e39)
    with pytest.raises(ArgumentError, match=r"c = 1e\+39 is beyond the largest float32"):
        BSNPowerIteration(I4, c=1e39, seed=0)
    for call in (lambda: spectral_normalize(np.eye(2, dtype=np.float32), c=1e-46),
                 lambda: bsn_normalize(I4, c=1e-46),
                 lambda: BSNPowerIteration(I4, c=1e-46, seed=0)):
        with pytest.raises(ArgumentError, match=r"c = 1e-46 is below the smallest normal "
                                                r"float32"):
            call()
    # a small c within float32's normal range is honoured: the norm is c
    W = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out = spectral_normalize(W, c=1e-30)
    assert out.dtype == np.float32
    assert abs(np.linalg.norm(out.astype(np.float64), 2) / 1e-30 - 1.0) < 1e-6


# -- 4. ConvNorm with tiny and huge float32 kernels -------------------------------------

def _float64_forward(K: np.ndarray, x: np.ndarray) -> np.ndarray:
    return convnorm_operator(K.astype(np.float64), 8, stride=2, padding=1).forward(
        x.astype(np.float64))


def test_convnorm_operator_computes_tiny_and_huge_float32_kernels():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    base = rng.standard_normal((4, 3, 3, 3))
    for scale in (1e-39, 1e37):
        K = (base * scale).astype(np.float32)
        y = convnorm_operator(K, 8, stride=2, padding=1).forward(x)
        assert y.dtype == np.float32 and np.isfinite(y).all()
        ref = _float64_forward(K, x)      # float64: no overflow, no NaN
        assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()
    # the output does not depend on the kernel's scale (the convolution scales by t, V
    # by 1/t): the float64 forward of the unscaled kernel is the same
    K = (base * 1e-39).astype(np.float32)
    same = _float64_forward(K.astype(np.float64) * 1e39, x)
    np.testing.assert_allclose(_float64_forward(K, x), same, rtol=1e-12, atol=1e-12)


def test_convnorm_x_that_overflows_float32_is_a_clear_error():
    rng = np.random.default_rng(0)
    K = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    x = (rng.standard_normal((2, 3, 8, 8)) * 1e37).astype(np.float32)
    with pytest.raises(ComputationError, match="overflows float32: x has entries up to"):
        convnorm_operator(K, 8, stride=2, padding=1).forward(x)


def test_convnorm_layer_refuses_a_running_v_beyond_float32_and_changes_nothing():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    for scale in (1e-39, 1e37):    # V ~ 6e38 (above float32), V ~ 1e-38 (subnormal)
        K = (rng.standard_normal((4, 3, 3, 3)) * scale).astype(np.float32)
        layer = ConvNorm(K, stride=2, padding=1)
        with pytest.raises(ComputationError, match=r"^kernel: ConvNorm's filter V .* outside "
                                                   r"the normal float32 numbers"):
            layer(x)
        assert layer.num_batches_tracked == 0
        np.testing.assert_array_equal(layer.running_V, np.zeros(1, dtype=np.float32))
    # a trained layer refused on an input that overflows keeps its running V and count
    layer = ConvNorm(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), stride=2,
                     padding=1)
    layer(x)
    V, n = layer.running_V.copy(), layer.num_batches_tracked
    with pytest.raises(ComputationError, match="x has entries up to"):
        layer(x * np.float32(1e37))
    np.testing.assert_array_equal(layer.running_V, V)
    assert layer.num_batches_tracked == n == 1


# -- 5. complex torch parameters -------------------------------------------------------

def test_torch_optimizers_refuse_complex_parameters():
    torch = pytest.importorskip("torch", reason="torch is an optional extra")
    from specproof.spectral import torch as sptorch

    W = torch.randn(3, 3, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    for cls in (sptorch.Muon, sptorch.Pion):
        p = W.clone().requires_grad_(True)
        opt = cls([p])
        p.grad = torch.ones(3, 3, dtype=torch.complex128)
        with pytest.raises(ArgumentTypeError, match=r"parameter 0 of param group 0 \(shape "
                                                    r"\(3, 3\)\) must be a real floating"):
            opt.step()
        assert torch.equal(p.detach(), W) and not opt.state[p]


# -- 6. weights in the subnormals meet the floor eps ------------------------------------

def test_power_iteration_sn_on_subnormal_weights_names_eps_and_changes_nothing():
    W = np.array([[3e-322, 1e-322], [0.0, 2e-322]])
    for w in (W, np.array([[3.0, 1.0], [0.0, 2.0]]) * 3.5e-323):
        sn = PowerIterationSN(w, seed=0)   # was OverflowError: math range error
        with pytest.raises(ArgumentError, match=r"fell below eps = 1e-12 .*Frobenius norm is "
                                                r".*use spectral_normalize"):
            sn(w)
    K = W.reshape(2, 2, 1, 1) * 3.0
    with pytest.raises(ArgumentError, match="fell below eps = 1e-12"):
        BSNPowerIteration(K, seed=0)(K)
    # with a floor below the weight it normalises, to the exact direction
    A = np.array([[3.0, 1.0], [0.0, 2.0]])
    out = PowerIterationSN(A * 1e-322, seed=0, eps=5e-324, n_power_iterations=60)(A * 1e-322)
    A1 = A * 1e-322 / 5e-324       # the weight as stored: integers times 2^-1074
    np.testing.assert_allclose(out, A1 / np.linalg.svd(A1, compute_uv=False)[0], rtol=1e-12)
    # a refused call leaves u and v as they were
    G = np.random.default_rng(1).standard_normal((4, 3))
    sn = PowerIterationSN(G, seed=0)
    u, v = sn.u.copy(), sn.v.copy()
    with pytest.raises(ArgumentError, match="fell below eps"):
        sn(G * 1e-300)
    np.testing.assert_array_equal(sn.u, u)
    np.testing.assert_array_equal(sn.v, v)


# -- 7. BSN of a matrix returns a matrix ----------------------------------------------------

def test_bsn_of_a_matrix_is_sn_in_the_matrix_shape():
    W = np.random.default_rng(2).standard_normal((5, 7))
    exact = 2.0 * W / np.linalg.svd(W, compute_uv=False)[0]
    assert bsn_normalize(np.eye(3)).shape == (3, 3)
    out = bsn_normalize(W, c=2.0)
    assert out.shape == (5, 7)
    np.testing.assert_allclose(out, exact, rtol=1e-13)
    bsn = BSNPowerIteration(W, c=2.0, seed=0, n_power_iterations=300)
    out = bsn(W)
    assert out.shape == (5, 7)
    np.testing.assert_allclose(out, exact, rtol=1e-8)


# -- 8. power_iteration without iterations, and zero start vectors -------------------------

def test_power_iteration_checks_its_vectors_without_iterations():
    with pytest.raises(ArgumentError, match="u and v must be unit vectors when "
                                            "n_iterations = 0 .*norms 1.41421 and 1.41421"):
        power_iteration(np.eye(2), np.ones(2), np.ones(2), n_iterations=0)
    W = np.array([[2.0, 1.0], [0.0, 1.0]])
    u = np.array([0.6, 0.8])
    v = np.array([1.0, 0.0])
    assert power_iteration(W, u, v, n_iterations=0)[2] == pytest.approx(float(u @ W @ v),
                                                                         rel=1e-15)
    with pytest.raises(ArgumentError, match="start vectors u, v are zero or lie in W's null "
                                            "spaces") as info:
        power_iteration(np.eye(2), np.zeros(2), np.zeros(2), n_iterations=1)
    assert "pass eps below" not in str(info.value)


# -- 9. a state's 'shape' that is not a shape --------------------------------------------

@pytest.mark.parametrize("make", [lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.01),
                                  lambda: AdamW(lr=0.01), Muon, Pion])
@pytest.mark.parametrize("value", [None, 1.5, -1, float("nan"), True])
@pytest.mark.parametrize("with_params", [True, False])
def test_a_loaded_shape_that_is_not_a_shape_is_a_state_error(make, value, with_params):
    params = {"W": np.random.default_rng(0).standard_normal((4, 3))}
    opt = make()
    opt.step(params, {"W": np.ones((4, 3))})
    sd = copy.deepcopy(opt.state_dict())
    sd["state"]["W"]["shape"] = value
    fresh = make()
    with pytest.raises(OptimizerStateError, match=r"\['W'\]\['shape'\] must be a tuple of "
                                                  r"ints"):
        fresh.load_state_dict(sd, params=params if with_params else None)
    assert fresh.steps == 0 and not fresh.state_dict()["state"]


# -- 10. training="no", exclude=["nope"], a NaN Pion moment -------------------------------

def test_convnorm_training_must_be_a_bool():
    layer = ConvNorm(np.random.default_rng(0).standard_normal((2, 3, 3, 3)), padding=1)
    with pytest.raises(ArgumentTypeError, match="training must be a bool .* got 'no'"):
        layer(np.ones((1, 3, 6, 6)), training="no")
    assert layer.num_batches_tracked == 0
    assert layer(np.ones((1, 3, 6, 6)), training=np.bool_(True)).shape == (1, 2, 6, 6)


@pytest.mark.parametrize("cls", [Muon, Pion])
def test_exclude_naming_no_parameter_is_refused_at_the_first_step(cls):
    W = np.random.default_rng(0).standard_normal((4, 3))
    params = {"W": W.copy()}
    opt = cls(exclude=["nope"])
    with pytest.raises(ArgumentError, match="exclude names 'nope', which is not a parameter"):
        opt.step(params, {"W": np.ones((4, 3))})
    np.testing.assert_array_equal(params["W"], W)
    assert opt.steps == 0
    ok = cls(exclude=["W"])
    ok.step(params, {"W": np.ones((4, 3))})
    assert ok.state_dict()["state"]["W"]["rule"] == "adamw"


def test_a_nan_pion_moment_is_reported_as_non_finite():
    params = {"W": np.random.default_rng(0).standard_normal((4, 3))}
    opt = Pion()
    opt.step(params, {"W": np.ones((4, 3))})
    sd = opt.state_dict()
    sd["state"]["W"]["m_out"][0, 1] = np.nan
    with pytest.raises(OptimizerStateError, match=r"'m_out' has a non-finite entry nan at "
                                                  r"\(0, 1\)"):
        Pion().load_state_dict(sd)


# -- 11. (documented) the default affine of an even kernel -------------------------------

def test_even_kernel_default_affine_crops_the_last_row_and_column():
    K = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    x = np.random.default_rng(1).standard_normal((1, 3, 5, 5))
    y = ConvNorm(K, padding=1)(x)
    linear = convnorm_operator(K, 5, padding=1).forward(x)
    assert linear.shape == (1, 2, 6, 6) and y.shape == (1, 2, 5, 5)
    np.testing.assert_array_equal(y, linear[..., :-1, :-1])
