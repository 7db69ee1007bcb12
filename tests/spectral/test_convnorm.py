"""ConvNorm: the filter, the circular isometry, the code path's bounds, the running V."""

import numpy as np
import pytest

from specproof import SpecproofError
from specproof.certificates import conv2d_operator
from specproof.spectral import (
    ConvNorm,
    convnorm_filter,
    convnorm_operator,
    convnorm_report,
    cosine_rampdown,
    depthwise_affine,
)


def test_filter_closed_form_for_one_by_one_kernels():
    K = np.random.default_rng(0).standard_normal((3, 4, 1, 1))
    V = convnorm_filter(K, (5, 6))
    want = np.sum(K[:, :, 0, 0] ** 2, axis=1) ** -0.5
    assert V.shape == (3, 5, 4)
    assert np.abs(V - want[:, None, None]).max() < 1e-14


def test_filter_against_a_direct_dft():
    K = np.random.default_rng(1).standard_normal((2, 3, 3, 3))
    n = 5
    a = np.arange(3)
    w = np.arange(n)
    E = np.exp(-2j * np.pi * np.outer(w, a) / n)  # (n, k)
    Khat = np.einsum("ia,jb,ocab->ocij", E, E, K)
    want = np.sum(np.abs(Khat) ** 2, axis=1) ** -0.5
    assert np.abs(convnorm_filter(K, n, onesided=False) - want).max() < 1e-13


@pytest.mark.parametrize("shape", [(3, 2, 3, 3), (2, 5, 3, 3), (4, 4, 2, 2), (2, 2, 1, 1)])
def test_circular_convnorm_is_a_channelwise_isometry(shape):
    K = np.random.default_rng(2).standard_normal(shape)
    n = 6
    B = convnorm_operator(K, n, form="circular").dense()
    A = conv2d_operator(K, n, mode="circular").dense()
    rows = n * n
    for o in range(shape[0]):
        Bo = B[o * rows : (o + 1) * rows]
        assert np.abs(Bo @ Bo.T - np.eye(rows)).max() < 1e-12
        Ao = A[o * rows : (o + 1) * rows]  # without ConvNorm: far from an isometry
        assert np.abs(Ao @ Ao.T - np.eye(rows)).max() > 0.5


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (2, 0), (3, 2)])
def test_code_path_block_and_layer_bounds(stride, padding):
    K = np.random.default_rng(3).standard_normal((4, 3, 3, 3))
    r = convnorm_report(K, 7, stride=stride, padding=padding)
    assert r.ok, r.reason
    assert r.method == "dense-svd"
    assert r.channel_norms_after.max() <= 1 + 1e-12
    assert r.layer_norm_after <= 2.0 * (1 + 1e-12)
    assert r.layer_norm_before > 3 * r.layer_norm_after  # a random kernel's norm is large
    assert r.channel_norms_before.min() > 1.0


def test_report_fails_when_the_bound_is_violated(monkeypatch):
    """A filter scaled by 1.5 breaks ||B_o|| <= 1: the report must fail with its code."""
    import specproof.spectral.convnorm as cn

    K = np.random.default_rng(4).standard_normal((3, 2, 3, 3))
    real = cn.convnorm_filter
    monkeypatch.setattr(cn, "convnorm_filter", lambda *a, **k: 1.5 * real(*a, **k))
    r = cn.convnorm_report(K, 6, padding=1)
    assert not r.ok and r.code == "channel_norm_exceeds_one"
    assert r.channel_norms_after.max() > 1.0
    monkeypatch.setattr(cn, "convnorm_filter", lambda *a, **k: 1.0000001 * real(*a, **k))
    r = cn.convnorm_report(K, 6, form="circular")  # circular blocks are exactly 1: caught
    assert not r.ok and r.code == "channel_norm_exceeds_one"


def test_adjoints():
    rng = np.random.default_rng(5)
    K = rng.standard_normal((3, 2, 3, 3))
    for kw in ({"form": "circular"}, {"stride": 2, "padding": 1}, {"padding": 0}):
        op = convnorm_operator(K, 7, **kw)
        D = op.dense()
        y = rng.standard_normal(op.shape[0])
        assert np.abs(op.T @ y - D.T @ y).max() < 1e-12


def test_layer_forward_running_v_and_eval():
    rng = np.random.default_rng(6)
    K = rng.standard_normal((3, 2, 3, 3))
    x = rng.standard_normal((2, 2, 6, 6))
    layer = ConvNorm(K, padding=1, momentum=0.5)
    y = layer(x)
    V = convnorm_filter(K, 8)
    assert np.abs(layer.running_V - 0.5 * V).max() < 1e-15
    layer(x)
    assert np.abs(layer.running_V - 0.75 * V).max() < 1e-15
    # the identity affine leaves the preconditioned conv unchanged
    op = convnorm_operator(K, 6, padding=1)
    assert np.abs(y - (op @ x.reshape(2, -1).T).T.reshape(y.shape)).max() < 1e-14
    # eval uses running V: here 0.75 V, a pure rescaling of the output
    assert np.abs(layer(x, training=False) - 0.75 * y).max() < 1e-13
    # official default: cosine ramp-down factor, floored at 0.01
    lay2 = ConvNorm(K, padding=1)
    lay2(x)
    f = cosine_rampdown(1)
    assert np.abs(lay2.running_V - f * V).max() < 1e-15
    assert cosine_rampdown(20000) == pytest.approx(0.5)


def test_depthwise_affine_against_the_definition():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((2, 3, 3))
    b = rng.standard_normal(2)
    y = depthwise_affine(x, w, b)
    for c in range(2):
        K = np.zeros((1, 1, 3, 3))
        K[0, 0] = w[c]
        ref = conv2d_operator(K, 5, padding=1) @ x[0, c].ravel() + b[c]
        assert np.abs(y[0, c].ravel() - ref).max() < 1e-14


def _trained(layer):
    layer(np.ones((1, 3, 5, 5)))
    return layer


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: convnorm_filter(np.zeros((2, 2, 3, 3)), 5), "output channel 0 has zero"),
        (lambda: convnorm_filter(np.ones((2, 2, 3)), 5), "kernel must be a 4-D"),
        (lambda: convnorm_operator(np.ones((1, 1, 3, 3)), 5, padding=3), "at most kernel_size"),
        (lambda: convnorm_operator(np.ones((1, 1, 7, 7)), 5), "larger than the input"),
        (lambda: convnorm_operator(np.ones((1, 1, 3, 3)), 5, form="circ"), "form must be"),
        (lambda: convnorm_operator(np.ones((1, 1, 3, 3)), 5, V=np.ones((1, 7, 3))), "V must"),
        (lambda: convnorm_operator(np.ones((1, 1, 3, 3)), 6, stride=2, form="circular"),
         "stride must be 1"),
        (lambda: ConvNorm(np.ones((2, 3, 3, 3)))(np.ones((1, 2, 5, 5))), "x must have 3"),
        (lambda: ConvNorm(np.ones((2, 3, 3, 3)))(np.ones((1, 3, 5, 5)), training=False),
         "needs a running V"),
        (lambda: _trained(ConvNorm(np.ones((2, 3, 3, 3))))(np.ones((1, 3, 6, 6)), False),
         "x has grid \\(6, 6\\) but the running V"),
        (lambda: depthwise_affine(np.ones((1, 2, 4, 4)), np.ones((3, 3, 3)), np.ones(2)),
         "weight must have shape"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(SpecproofError, match=match):
        call()


def test_a_zero_output_channel_at_one_frequency_is_named():
    K = np.zeros((2, 1, 1, 2))
    K[0, 0, 0] = [1.0, 1.0]  # 1 + e^{-i pi j}: zero at the Nyquist column j = 1 of a 2-grid
    K[1, 0, 0, 0] = 1.0
    msg = r"channel 0 has zero Fourier energy at frequency \(0, 1\)"
    with pytest.raises(SpecproofError, match=msg):
        convnorm_filter(K, (2, 2))


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=20, deadline=None)
@given(
    c_out=st.integers(1, 3), c_in=st.integers(1, 3), k=st.integers(1, 4),
    extra=st.integers(0, 3), stride=st.integers(1, 3), pad=st.integers(0, 3),
    seed=st.integers(0, 10_000), scale=st.sampled_from([1e-250, 1e-100, 1.0, 1e100, 1e250]),
)
def test_property_code_path_bounds(c_out, c_in, k, extra, stride, pad, seed, scale):
    """||B_o|| <= 1 and ||B|| <= sqrt(C_out) for any kernel, geometry and magnitude."""
    K = np.random.default_rng(seed).standard_normal((c_out, c_in, k, k)) * scale
    r = convnorm_report(K, k + extra, stride=stride, padding=min(pad, k - 1))
    assert r.ok, r.reason


@pytest.mark.parametrize("stride", [(1, 2), (2, 1), (3, 2)])
def test_unequal_strides_follow_the_strided_convolution(stride):
    # the code path subsamples both axes by their own stride (the official PreConv
    # subsamples only when stride[0] > 1, so (1, 2) would not subsample there at all):
    # the output has the strided convolution's shape and is the stride-1 output
    # subsampled
    from specproof.certificates.convolution import conv_geometry

    rng = np.random.default_rng(6)
    K = rng.standard_normal((3, 2, 3, 3))
    n, pad = 9, 1
    op = convnorm_operator(K, n, stride=stride, padding=pad)
    full = convnorm_operator(K, n, stride=1, padding=pad)
    g = conv_geometry(K.shape, n, stride=stride, padding=pad, mode="zeros")
    assert op.shape == (3 * g.output_shape[0] * g.output_shape[1], 2 * n * n)
    x = rng.standard_normal(2 * n * n)
    y = (op @ x).reshape(3, *g.output_shape)
    y1 = (full @ x).reshape(3, n, n)
    np.testing.assert_allclose(y, y1[:, :: stride[0], :: stride[1]], atol=1e-13)
    # and the adjoint is the adjoint
    z = rng.standard_normal(op.shape[0])
    assert abs(z @ (op @ x) - (op.T @ z) @ x) <= 1e-12 * np.linalg.norm(z) * np.linalg.norm(x)


def test_layer_refuses_mixed_grids_and_zero_momentum():
    # a 1 x 8 training input after an 8 x 8 one broadcast into the running V (a later
    # 8 x 8 evaluation used the mix); momentum 0 kept the zero buffer (eval output 0)
    rng = np.random.default_rng(1)
    K = rng.standard_normal((2, 2, 1, 1))
    layer = ConvNorm(K, affine=False, momentum=0.5)
    layer(rng.standard_normal((1, 2, 8, 8)))
    before = layer.running_V.copy()
    for shape in ((1, 2, 1, 8), (1, 2, 6, 6)):
        with pytest.raises(SpecproofError, match="train on inputs of one grid size"):
            layer(rng.standard_normal(shape))
    assert layer.num_batches_tracked == 1 and np.array_equal(layer.running_V, before)
    with pytest.raises(SpecproofError, match="momentum must be > 0"):
        ConvNorm(K, momentum=0.0)


def test_report_beyond_the_dense_size_survives_a_flat_spectrum():
    # an isometric channel block has its whole spectrum at 1: ARPACK broke down ("no
    # shifts could be applied") or ran out of iterations; the power iteration takes over
    r = convnorm_report(np.array([1.0, -0.5]).reshape(2, 1, 1, 1), 46)
    assert r.method in ("lanczos-estimate", "power-estimate")
    assert r.ok and np.allclose(r.channel_norms_after, 1.0, rtol=0, atol=1e-9)


def test_circular_form_takes_a_stride_pair_and_refuses_padding():
    K = np.random.default_rng(0).standard_normal((2, 2, 3, 3))
    a = convnorm_operator(K, 5, stride=[1, 1], form="circular").dense()
    assert np.array_equal(a, convnorm_operator(K, 5, form="circular").dense())
    with pytest.raises(SpecproofError, match="padding must be 0, got 7"):
        convnorm_operator(K, 5, padding=7, form="circular")
    with pytest.raises(SpecproofError, match="stride must be 1"):
        convnorm_operator(K, 5, stride=(1, 2), form="circular")
