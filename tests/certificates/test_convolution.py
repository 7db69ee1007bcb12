"""Convolution operators, their FFT singular values and certified norm brackets."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof import SpecproofError
from specproof.certificates import (
    NormBounds,
    as_kernel,
    circular_singular_values,
    conv2d_operator,
    conv_operator_norm,
)

CASES = [  # c_out, c_in, k_h, k_w, h, w
    (3, 2, 3, 3, 6, 7),
    (2, 3, 2, 4, 5, 8),
    (4, 4, 5, 5, 5, 6),
    (1, 3, 1, 1, 4, 4),
    (5, 1, 3, 2, 6, 5),
]


def _kernel(rng, shape):
    return rng.standard_normal(shape)


def _direct(K, x, stride, padding, mode):
    """Textbook loop over the definition (no slicing tricks) for a reference."""
    c_out, c_in, kh, kw = K.shape
    h, w = x.shape[1:]
    sh = sw = stride
    ph, pw = padding
    if mode == "zeros":
        ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    else:
        ho, wo = -(-h // sh), -(-w // sw)
    y = np.zeros((c_out, ho, wo))
    for o in range(c_out):
        for i in range(ho):
            for j in range(wo):
                acc = 0.0
                for c in range(c_in):
                    for a in range(kh):
                        for b in range(kw):
                            r, s = sh * i + a - ph, sw * j + b - pw
                            if mode == "circular":
                                r, s = r % h, s % w
                            elif not (0 <= r < h and 0 <= s < w):
                                continue
                            acc += K[o, c, a, b] * x[c, r, s]
                y[o, i, j] = acc
    return y


@pytest.mark.parametrize("mode", ["zeros", "circular"])
@pytest.mark.parametrize("stride", [1, 2])
def test_operator_matches_the_definition_and_its_adjoint(mode, stride):
    rng = np.random.default_rng(0)
    for c_out, c_in, kh, kw, h, w in CASES[:3]:
        K = _kernel(rng, (c_out, c_in, kh, kw))
        pad = (1, 2) if mode == "zeros" else ((kh - 1) // 2, (kw - 1) // 2)
        A = conv2d_operator(K, (h, w), stride=stride, padding=pad, mode=mode)
        x = rng.standard_normal((c_in, h, w))
        want = _direct(K, x, stride, pad, mode)
        assert A.geometry.output_shape == want.shape[1:]
        assert np.abs(A @ x.ravel() - want.ravel()).max() < 1e-12
        D = A.dense()
        y = rng.standard_normal(A.shape[0])
        assert np.abs(A.T @ y - D.T @ y).max() < 1e-12
        X = rng.standard_normal((A.shape[1], 3))
        assert np.abs(A @ X - D @ X).max() < 1e-12


@pytest.mark.parametrize("case", CASES)
def test_fft_singular_values_equal_the_dense_svd(case):
    c_out, c_in, kh, kw, h, w = case
    K = _kernel(np.random.default_rng(1), (c_out, c_in, kh, kw))
    dense = np.linalg.svd(conv2d_operator(K, (h, w), mode="circular").dense(), compute_uv=False)
    r = h * w * min(c_out, c_in)
    assert np.all(dense[r:] < 1e-12)  # the operator's rank is at most h w min(c)
    for method in ("gram", "svd"):
        s = circular_singular_values(K, (h, w), method=method)
        assert s.shape == (r,)
        assert np.abs(s - dense[:r]).max() < 1e-10


def test_by_frequency_layout_and_the_gram_fallback():
    rng = np.random.default_rng(2)
    K = rng.standard_normal((3, 3, 3, 3))
    K[2] = K[0] + K[1]  # rank-deficient at every frequency: every Gram takes the SVD path
    for shape in [(6, 6), (5, 7), (4, 5)]:
        a = circular_singular_values(K, shape, by_frequency=True)
        b = circular_singular_values(K, shape, method="svd", by_frequency=True)
        assert a.shape == (*shape, 3)
        assert np.abs(a - b).max() < 1e-12
        assert np.abs(a[..., -1]).max() < 1e-12


def test_threads_give_the_same_values():
    K = np.random.default_rng(8).standard_normal((4, 6, 3, 3))
    a = circular_singular_values(K, (6, 5))
    assert np.array_equal(a, circular_singular_values(K, (6, 5), workers=3))
    with pytest.raises(SpecproofError, match="workers must be >= 1"):
        circular_singular_values(K, 6, workers=0)


def test_threads_agree_with_the_lapack_loop_at_loop_sizes():
    # c >= 32: one thread runs the per-frequency zhetrd/dsterf loop, workers run numpy's
    # eigvalsh (which releases the GIL): different LAPACK routes, the same values
    K = np.random.default_rng(9).standard_normal((40, 40, 3, 3)) / 19
    a = circular_singular_values(K, (5, 4))
    b = circular_singular_values(K, (5, 4), workers=2)
    ref = circular_singular_values(K, (5, 4), method="svd")
    assert np.abs(a - ref).max() < 1e-12 and np.abs(b - ref).max() < 1e-12
    assert a.shape == (5 * 4 * 40,)


def test_known_spectrum_of_a_difference_kernel():
    K = np.array([[[[1.0, -1.0]]]])  # y_j = x_j - x_{j+1} on Z_n: |1 - e^{2 pi i m / n}|
    n = 8
    want = np.sort(np.abs(1 - np.exp(2j * np.pi * np.arange(n) / n)))[::-1]
    assert np.abs(circular_singular_values(K, (1, n)) - want).max() < 1e-14


def test_hwio_layout_is_the_transpose():
    rng = np.random.default_rng(3)
    K = rng.standard_normal((4, 2, 3, 3))
    tf = K.transpose(2, 3, 1, 0)
    assert np.array_equal(as_kernel(tf, layout="hwio"), K)
    assert np.abs(
        circular_singular_values(tf, 5, layout="hwio") - circular_singular_values(K, 5)
    ).max() == 0.0


@pytest.mark.parametrize(
    "stride,padding", [(1, 0), (1, 1), (2, 1), (3, 2), (1, 4), (2, 0)]
)
def test_bracket_contains_the_dense_norm(stride, padding):
    rng = np.random.default_rng(4)
    K = rng.standard_normal((3, 2, 3, 3))
    b = conv_operator_norm(K, (7, 6), stride=stride, padding=padding)
    true = np.linalg.norm(conv2d_operator(K, (7, 6), stride=stride, padding=padding).dense(), 2)
    assert isinstance(b, NormBounds) and b.q == 2.0
    assert b.lower <= true <= b.upper
    assert b.upper_method == "circular-embedding" and b.lower_method == "lanczos"
    assert abs(b.lower - true) < 1e-9 * true  # Lanczos finds the norm
    w = b.witness
    A = conv2d_operator(K, (7, 6), stride=stride, padding=padding)
    assert abs(np.linalg.norm(w) - 1) < 1e-12
    assert np.linalg.norm(A @ w) >= b.lower  # the witness proves the lower bound


def test_circular_bracket_is_tight_and_the_margin_is_positive():
    K = np.random.default_rng(5).standard_normal((4, 3, 3, 3))
    b = conv_operator_norm(K, 6, mode="circular")
    s = circular_singular_values(K, 6)[0]
    assert b.upper_method == "fft-exact"
    assert b.certificate.exact and b.certificate.margin > 0
    assert b.lower <= s <= b.upper
    assert b.gap < 1e-12 * s
    assert b.to_dict()["certificate"]["grid"] == [6, 6]


def test_the_embedding_grid_is_needed():
    """A grid too small wraps non-zero input around: refused, not a wrong bound."""
    K = np.random.default_rng(6).standard_normal((2, 2, 3, 3))
    with pytest.raises(SpecproofError, match="grid"):
        conv_operator_norm(K, 6, padding=1, grid=6)
    # and the wrapped (circular, grid = n) norm of this kernel is not a bound on a
    # kernel whose zero-padded norm exceeds it: a 1-D example where it fails
    K1 = np.array([[[[2.0, -1.0, 2.0]]]])
    circ = circular_singular_values(K1, (1, 3))[0]
    zero = np.linalg.norm(conv2d_operator(K1, (1, 3), padding=(0, 2)).dense(), 2)
    assert zero > circ + 1.0  # sqrt(17) > 3: so the embedding condition is not a formality
    b = conv_operator_norm(K1, (1, 3), padding=(0, 2))
    assert b.lower <= zero <= b.upper


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1.0, 1e150, 1e300])
def test_bracket_at_every_magnitude(scale):
    K = np.random.default_rng(7).standard_normal((2, 2, 3, 3))
    b1 = conv_operator_norm(K, 5, padding=1)
    bs = conv_operator_norm(K * scale, 5, padding=1)
    assert math.isfinite(bs.upper) and bs.upper > 0
    assert abs(bs.upper / scale - b1.upper) <= 1e-12 * b1.upper


def test_zero_kernel_gives_zero_bounds():
    b = conv_operator_norm(np.zeros((2, 2, 3, 3)), 5, padding=1)
    assert b.lower == 0.0 and b.upper == 0.0


@settings(max_examples=25, deadline=None)
@given(
    c_out=st.integers(1, 3), c_in=st.integers(1, 3), k=st.integers(1, 3),
    n=st.integers(3, 6), stride=st.integers(1, 3), pad=st.integers(0, 2),
    seed=st.integers(0, 10_000),
)
def test_property_upper_bounds_the_true_norm(c_out, c_in, k, n, stride, pad, seed):
    K = np.random.default_rng(seed).standard_normal((c_out, c_in, k, k))
    A = conv2d_operator(K, n, stride=stride, padding=pad)
    true = np.linalg.norm(A.dense(), 2)
    b = conv_operator_norm(K, n, stride=stride, padding=pad, seed=seed)
    assert b.lower <= true * (1 + 1e-12) and true <= b.upper


@pytest.mark.parametrize(
    "kernel,input_shape,kwargs,match",
    [
        (np.ones((3, 3)), 5, {}, "kernel must be a 4-D array"),
        (np.ones((1, 1, 3, 3, 1)), 5, {}, "kernel must be a 4-D array"),
        (np.ones((1, 1, 7, 7)), 5, {}, "kernel of size \\(7, 7\\) is larger than the input"),
        (np.ones((1, 1, 7, 7)), 5, {"mode": "circular"}, "larger than the circular input"),
        (np.ones((1, 1, 3, 3)), 5, {"stride": 0}, "stride must be >= 1"),
        (np.ones((1, 1, 3, 3)), 5, {"padding": -1}, "padding must be >= 0"),
        (np.ones((1, 1, 3, 3)), 5, {"mode": "reflect"}, "mode must be"),
        (np.ones((1, 1, 3, 3)), (5, 5, 5), {}, "input_shape must be an int or a pair"),
        (np.full((1, 1, 3, 3), np.nan), 5, {}, "kernel has a non-finite entry"),
        (np.ones((1, 1, 3, 3)), 5, {"layout": "nchw"}, "layout must be"),
    ],
)
def test_bad_input_names_the_argument(kernel, input_shape, kwargs, match):
    with pytest.raises(SpecproofError, match=match):
        conv2d_operator(kernel, input_shape, **kwargs)


def test_bad_input_to_the_spectrum():
    with pytest.raises(SpecproofError, match="method must be"):
        circular_singular_values(np.ones((1, 1, 3, 3)), 4, method="eig")
    with pytest.raises(ValueError, match="larger than the circular input"):
        circular_singular_values(np.ones((1, 1, 5, 5)), 4)
    with pytest.raises(SpecproofError, match="grid applies to mode='zeros'"):
        conv_operator_norm(np.ones((1, 1, 3, 3)), 4, mode="circular", grid=8)


def test_torch_kernel_is_accepted():
    torch = pytest.importorskip("torch", reason="torch (extra 'torch') is not installed")
    w = torch.nn.Conv2d(2, 3, 3).weight  # requires grad
    K = as_kernel(w)
    assert K.shape == (3, 2, 3, 3) and K.dtype == np.float64
    assert np.array_equal(K, w.detach().numpy().astype(np.float64))


def test_an_upper_bound_below_the_witness_is_refused(monkeypatch):
    """Adversary: shrink the computed symbol norm by 10%; the Lanczos witness exposes it."""
    import specproof.certificates.convolution_norm as cn

    real = cn._certified_symbol_norm

    def shrunk(K, grid):
        s, margin, upper, freq = real(K, grid)
        return 0.9 * s, margin, 0.9 * upper, freq

    monkeypatch.setattr(cn, "_certified_symbol_norm", shrunk)
    K = np.random.default_rng(9).standard_normal((2, 2, 3, 3))
    with pytest.raises(SpecproofError, match="inconsistent bracket"):
        cn.conv_operator_norm(K, 5, mode="circular")


def test_near_duplicate_output_channels_keep_their_small_singular_values():
    # two output channels differing by 1e-9: at every frequency sigma_min ~ 1e-9 sigma_max.
    # sqrt of the Gram's eigenvalues would give it only to ~sqrt(u) sigma_max ~ 1e-8 (no
    # digit right); the default route detects the ill-conditioned Grams and takes the
    # SVD there, so the stated accuracy (1e-11 sigma_max) holds, and the tiny values
    # come out to within 1e-5 of themselves, the figure docs/spectral.md states (7.2e-7
    # measured: the SVD's u sigma_max absolute error over sigma_min ~ 1e-9 sigma_max)
    rng = np.random.default_rng(8)
    K = rng.standard_normal((4, 6, 3, 3))
    K[1] = K[0] + 1e-9 * rng.standard_normal((6, 3, 3))
    a = circular_singular_values(K, (8, 8), by_frequency=True)
    b = circular_singular_values(K, (8, 8), method="svd", by_frequency=True)
    smax = float(b.max())
    assert np.abs(a - b).max() <= 1e-11 * smax
    tiny = b[..., -1]
    assert 1e-11 * smax < float(tiny.min()) and float(tiny.max()) < 1e-8 * smax
    assert np.abs(a[..., -1] / tiny - 1.0).max() < 1e-5
    # adversary: the plain Gram eigenvalues are wrong for these values
    G = np.fft.fft2(K, s=(8, 8), axes=(2, 3)).transpose(2, 3, 0, 1)
    lam = np.linalg.eigvalsh(G @ np.conj(np.swapaxes(G, -1, -2)))
    plain = np.sqrt(np.maximum(lam[..., 0], 0.0))
    assert np.abs(plain / tiny - 1.0).max() > 1e-2


@pytest.mark.parametrize("grid", [(4, 4), (5, 6), (6, 5), (7, 3), (2, 4)])
def test_lapack_loop_and_conjugate_rows_equal_the_reference(grid):
    # c = 32 takes the per-frequency zhetrd + dsterf loop; rows h - i of columns 0 and
    # w / 2 are copied from row i (conjugate symbols): every frequency must still match
    import specproof.certificates.convolution_spectrum as cs

    assert cs._LOOP_MIN_SIZE <= 32
    rng = np.random.default_rng(11)
    K = rng.standard_normal((32, 40, 2, 3)) / 16
    a = circular_singular_values(K, grid, by_frequency=True)
    b = circular_singular_values(K, grid, method="svd", by_frequency=True)
    assert a.shape == b.shape == (*grid, 32)
    assert np.abs(a - b).max() <= 1e-13 * float(b.max())


def test_near_duplicate_channels_at_32_channels_take_the_svd_fallback():
    import specproof.certificates.convolution_spectrum as cs

    rng = np.random.default_rng(12)
    K = rng.standard_normal((32, 32, 3, 3))
    K[5] = K[3] + 1e-9 * rng.standard_normal((32, 3, 3))
    a = circular_singular_values(K, (4, 5), by_frequency=True)
    b = circular_singular_values(K, (4, 5), method="svd", by_frequency=True)
    smax = float(b.max())
    assert np.abs(a - b).max() <= 1e-11 * smax
    assert np.abs(a[..., -1] / b[..., -1] - 1.0).max() < 1e-5
    # the symbols the fallback builds tap by tap are fft2's
    freqs = np.array([[0, 0], [3, 2], [1, 4]])
    M = np.fft.fft2(K, s=(4, 5), axes=(2, 3)).transpose(2, 3, 0, 1)
    assert np.abs(cs._symbols_at(K, (4, 5), freqs) - M[freqs[:, 0], freqs[:, 1]]).max() < 1e-12


@pytest.mark.parametrize("block_bytes", [1, 3 * 16 * 32 * 32, 2**40])
@pytest.mark.parametrize("kernel_size", [(1, 1), (2, 3), (3, 3), (5, 2)])
def test_gram_blocks_and_paired_offsets_equal_the_symbols(monkeypatch, block_bytes,
                                                         kernel_size):
    # Grams are made in blocks of frequencies (one, three with a ragged last block, all)
    # from offsets d and -d paired into cos/sin terms: each must be M(w) M(w)^H of fft2's
    # symbols, and the blocked loop must give the same values as the reference SVD
    import specproof.certificates.convolution_spectrum as cs

    monkeypatch.setattr(cs, "_GRAM_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(13)
    K = rng.standard_normal((32, 36, *kernel_size)) / 20
    grid = (5, 6)
    G = cs._gram_symbols(K, grid)
    M = np.fft.rfft2(K, s=grid, axes=(2, 3)).transpose(2, 3, 0, 1)
    ref = M @ np.conj(np.swapaxes(M, -1, -2))
    assert np.abs(G - ref).max() <= 1e-13 * np.abs(ref).max()
    a = circular_singular_values(K, grid, by_frequency=True)
    b = circular_singular_values(K, grid, method="svd", by_frequency=True)
    assert np.abs(a - b).max() <= 1e-13 * float(b.max())


def test_the_loop_runs_on_one_blas_thread_at_small_sizes(monkeypatch):
    import specproof.certificates.convolution_spectrum as cs

    seen = []
    real = cs._hermitian_eigenvalues

    def spy(G):
        info = cs._blas_controller().info()
        seen.append({d["num_threads"] for d in info if d["user_api"] == "blas"})
        return real(G)

    monkeypatch.setattr(cs, "_hermitian_eigenvalues", spy)
    K = np.random.default_rng(14).standard_normal((32, 32, 3, 3)) / 17
    circular_singular_values(K, (4, 4))
    assert seen and all(s == {1} for s in seen)


@pytest.mark.parametrize("scale", [1e-300, 1e-170, 1e-160, 1e160, 1e300])
def test_gram_route_at_extreme_magnitudes(scale):
    # the Gram squares the values: unscaled, 1e-170 gave all zeros and 1e-160 lost half
    # the digits. Against the SVD route (LAPACK scales internally)
    K = np.random.default_rng(0).standard_normal((3, 2, 3, 3)) * scale
    gram = circular_singular_values(K, 5)
    svd = circular_singular_values(K, 5, method="svd")
    assert svd[0] > 0 and np.abs(gram - svd).max() <= 1e-13 * svd[0]


@settings(max_examples=25, deadline=None)
@given(k=st.integers(-900, 900), seed=st.integers(0, 1000))
def test_gram_route_commutes_exactly_with_powers_of_two(k, seed):
    # K 2^k is rescaled to the same kernel as K, so the values are bit for bit 2^k times
    K = np.random.default_rng(seed).uniform(-1.0, 1.0, (2, 3, 2, 2))
    base = circular_singular_values(K, 4)
    assert np.array_equal(circular_singular_values(np.ldexp(K, k), 4), np.ldexp(base, k))


@pytest.mark.parametrize("shift", [-1074, -1070, -1060])
@pytest.mark.parametrize("seed", range(6))
def test_certified_bounds_hold_for_subnormal_kernels(shift, seed):
    # integers times 2^shift: the operator is exactly 2^shift times an integer matrix,
    # whose SVD gives the norm. The upper bound was scaled back with math.ldexp (to
    # nearest): 160 units for a norm of 160.056 at 2^-1074
    K = np.random.default_rng(seed).integers(-40, 41, size=(1, 2, 3, 3)) * 2.0**shift
    for mode, kw in (("circular", {}), ("zeros", {"padding": 1}),
                     ("zeros", {"padding": 1, "stride": 2})):
        b = conv_operator_norm(K, (5, 5), mode=mode, **kw)
        D = conv2d_operator(np.ldexp(K, -shift), (5, 5), mode=mode, **kw).dense()
        true = np.linalg.svd(D, compute_uv=False)[0]
        assert b.lower / 2.0**shift <= true * (1 + 1e-13)
        assert b.upper / 2.0**shift >= true * (1 - 1e-13), (mode, kw, b.upper, true)


def test_gram_route_holds_its_accuracy_where_a_whole_frequency_is_tiny():
    # the fallback compared each frequency's smallest eigenvalue with its own largest: a
    # frequency whose values were all tiny kept the square root of rounding relative to
    # the whole kernel (2.1e-8 for a true 1e-16; 103 of 200 random high-pass kernels broke
    # the stated 1e-11 sigma_max)
    t = 2.0 * math.cos(2.0 * math.pi / 23.0)
    K = np.array([1.0, -t, 1.0]).reshape(1, 1, 1, 3)
    dense = np.linalg.svd(conv2d_operator(K, (1, 23), mode="circular").dense(),
                          compute_uv=False)
    got = circular_singular_values(K, (1, 23))
    assert np.abs(got - dense).max() <= 1e-11 * dense[0]
    rng = np.random.default_rng(0)
    for _ in range(40):
        k = rng.standard_normal((1, 2, 3, 3))
        k -= k.mean(axis=(2, 3), keepdims=True)  # high-pass: the symbol vanishes at 0
        dense = np.linalg.svd(conv2d_operator(k, (6, 7), mode="circular").dense(),
                              compute_uv=False)
        assert np.abs(circular_singular_values(k, (6, 7)) - dense).max() <= 1e-11 * dense[0]
    # four channels whose symbol at frequency 0 is 1e-7 times an orthogonal matrix
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    K4 = rng.standard_normal((4, 4, 3, 3))
    K4 += (1e-7 * Q - K4.sum(axis=(2, 3)))[:, :, None, None] / 9.0
    by_f = circular_singular_values(K4, (5, 5), by_frequency=True)
    assert np.allclose(by_f[0, 0], 1e-7, rtol=0, atol=1e-11 * by_f.max())


@pytest.mark.parametrize("method", ["gram", "svd"])
def test_singular_values_beyond_float64_are_an_error(method):
    # the gram route returned [inf, inf, 1e308], the svd route NaN or LinAlgError
    for K in (np.array([1e308, -1e308, 1e308]).reshape(1, 1, 1, 3), np.full((1, 1, 2, 2), 1e308)):
        with pytest.raises(SpecproofError, match="overflow float64"):
            circular_singular_values(K, (1, 3) if K.shape[3] == 3 else (2, 2), method=method)
    # at 1e300 both still work, exactly scaled
    K = np.full((1, 1, 2, 2), 1e300)
    assert circular_singular_values(K, (2, 2), method=method)[0] == pytest.approx(4e300)


@pytest.mark.parametrize("grid", [(10.9, 10.9), "10", (9, 9, 9), (float("nan"), 9), [None, 9]])
def test_embedding_grid_is_validated_by_name(grid):
    with pytest.raises(SpecproofError, match="grid must be"):
        conv_operator_norm(np.ones((1, 1, 3, 3)), (5, 5), grid=grid)
