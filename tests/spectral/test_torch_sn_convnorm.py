"""SN and ConvNorm against torch: the parametrization's power iteration and the official
ConvNorm forward written in torch (torch.fft), on the same data in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch (the 'torch' extra) is not installed")
F = torch.nn.functional

from specproof.spectral import ConvNorm, PowerIterationSN, convnorm_filter  # noqa: E402


@pytest.mark.parametrize(
    "shape,dim,n_iter",
    [((16, 8, 3, 3), 0, 1), ((7, 5), 0, 3), ((6, 4, 3, 3), 1, 2), ((9, 12), 1, 1)],
)
def test_power_iteration_matches_the_parametrization(shape, dim, n_iter):
    from torch.nn.utils.parametrizations import spectral_norm

    gen = torch.Generator().manual_seed(0)
    W = torch.randn(*shape, dtype=torch.float64, generator=gen)
    m = torch.nn.Module()
    m.weight = torch.nn.Parameter(W.clone())
    spectral_norm(m, "weight", n_power_iterations=n_iter, dim=dim)
    sn_t = m.parametrizations.weight[0]
    # the same u, v and weight on both sides (torch's registration draws are its own)
    rows = shape[dim]
    u0 = torch.randn(rows, dtype=torch.float64, generator=gen)
    v0 = torch.randn(W.numel() // rows, dtype=torch.float64, generator=gen)
    sn_t._u.copy_(u0 / u0.norm())
    sn_t._v.copy_(v0 / v0.norm())
    sn = PowerIterationSN(W.numpy(), n_power_iterations=n_iter, dim=dim,
                          u=u0.numpy(), v=v0.numpy(), init_iterations=0)
    for _ in range(4):
        wt = m.weight.detach().numpy()  # one training forward: n_iter iterations
        wn = sn(W.numpy())
        assert np.abs(wt - wn).max() < 1e-12
        assert np.abs(sn_t._u.numpy() - sn.u).max() < 1e-12
        assert np.abs(sn_t._v.numpy() - sn.v).max() < 1e-12
    m.eval()
    assert np.abs(m.weight.detach().numpy() - sn(W.numpy(), training=False)).max() < 1e-12


def test_registration_matches_torch_internal_module():
    """The 15 registration iterations, from torch's own random draws."""
    from torch.nn.utils.parametrizations import _SpectralNorm

    W = torch.randn(10, 3, 3, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(5)
    sn_t = _SpectralNorm(W, n_power_iterations=1)
    torch.manual_seed(5)
    Wm = W.flatten(1)
    u0 = Wm.new_empty(Wm.shape[0]).normal_(0, 1)
    v0 = Wm.new_empty(Wm.shape[1]).normal_(0, 1)
    sn = PowerIterationSN(W.numpy(), u=u0.numpy(), v=v0.numpy(), init_iterations=15)
    assert np.abs(sn_t._u.numpy() - sn.u).max() < 1e-13
    assert np.abs(sn_t(W).numpy() - sn(W.numpy())).max() < 1e-13


@pytest.mark.parametrize("n_iter", [1, 2, 3])
def test_the_default_registration_matches_spectral_norm(n_iter):
    """spectral_norm() runs 15 + n_power_iterations iterations before its first step: 15
    in the constructor, then one training forward when the parametrization is registered
    (the default of 15 left u one step behind torch's, 4e-5 apart)."""
    from torch.nn.utils.parametrizations import spectral_norm

    W = torch.randn(10, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    m = torch.nn.Linear(6, 10, bias=False).double()
    m.weight.data = W.clone()
    torch.manual_seed(5)
    u0 = W.new_empty(10).normal_(0, 1)
    v0 = W.new_empty(6).normal_(0, 1)
    torch.manual_seed(5)  # the constructor draws the same u0, v0
    spectral_norm(m, "weight", n_power_iterations=n_iter)
    sn_t = m.parametrizations.weight[0]
    sn = PowerIterationSN(W.numpy(), n_power_iterations=n_iter, u=u0.numpy(), v=v0.numpy())
    assert np.abs(sn_t._u.numpy() - sn.u).max() < 1e-14
    behind = PowerIterationSN(W.numpy(), n_power_iterations=n_iter, u=u0.numpy(),
                              v=v0.numpy(), init_iterations=15)
    assert np.abs(sn_t._u.numpy() - behind.u).max() > 1e-6  # the old default: a step off
    for _ in range(3):  # and step for step after it
        wt = m.weight.detach().numpy()
        assert np.abs(wt - sn(W.numpy())).max() < 1e-13
        assert np.abs(sn_t._u.numpy() - sn.u).max() < 1e-14


def _official_forward(x, K, stride, padding, aw, ab, V=None):
    """The official PreConv forward (BatchNorm off), with torch.fft for the legacy rfft."""
    k = K.shape[-1]
    y = F.conv2d(x, K, padding=k - 1)
    N = y.shape[-2:]
    if V is None:
        pk = F.pad(K, [0, N[1] - k, 0, N[0] - k])
        V = torch.exp(-0.5 * torch.log((torch.fft.rfft2(pk).abs() ** 2).sum(1)))
    out = torch.fft.irfft2(torch.fft.rfft2(y) * V, s=N)
    start = k - 1 - padding
    if start:
        out = out[:, :, start:-start, start:-start]
    out = out[..., ::stride, ::stride]
    return F.conv2d(out, aw[:, None], ab, padding=(k - 1) // 2, groups=K.shape[0]), V


@pytest.mark.parametrize(
    "c_out,c_in,k,n,stride,padding",
    [(4, 3, 3, 8, 1, 1), (5, 2, 3, 9, 2, 0), (3, 3, 5, 7, 2, 2), (2, 4, 1, 6, 1, 0),
     (3, 2, 3, 10, 3, 1)],
)
def test_convnorm_matches_the_official_forward(c_out, c_in, k, n, stride, padding):
    rng = np.random.default_rng(0)
    K = rng.standard_normal((c_out, c_in, k, k))
    x = rng.standard_normal((2, c_in, n, n))
    aw = rng.standard_normal((c_out, k, k))
    ab = rng.standard_normal(c_out)
    layer = ConvNorm(K, stride=stride, padding=padding, affine_weight=aw, affine_bias=ab)
    ours = layer(x)
    ref, V = _official_forward(*(torch.tensor(t) for t in (x, K)), stride, padding,
                               torch.tensor(aw), torch.tensor(ab))
    assert ours.shape == tuple(ref.shape)
    assert np.abs(ours - ref.numpy()).max() < 1e-12
    assert np.abs(convnorm_filter(K, n + k - 1) - V.numpy()).max() < 1e-12
    # eval with the running V, as the official module does
    ref_eval, _ = _official_forward(*(torch.tensor(t) for t in (x, K)), stride, padding,
                                    torch.tensor(aw), torch.tensor(ab),
                                    V=torch.tensor(layer.running_V))
    assert np.abs(layer(x, training=False) - ref_eval.numpy()).max() < 1e-12
