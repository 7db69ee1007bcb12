"""Mutation tests of the convnorm and lin-sn-gan claims: plausible bugs must make them FAIL.

Each test replaces one function a claim relies on by a plausibly wrong variant, patched
where the claim (or the library function it calls) looks it up, and asserts that the
claim's verdict on the quick profile, seed 0, is FAIL: the check itself no longer holds.
These are the mutations a probe found passing before the checks compared the library
with references computed inside the checks. Unmutated, every claim PASSes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import specproof.spectral.convnorm as spectral_convnorm
import specproof.spectral.kernel_normalization as kernel_normalization
import specproof.spectral.normalization as normalization
import specproof.theory.convnorm as convnorm_claims
import specproof.theory.lin_sn_gan_normalization as sn_claims
from specproof.certificates.convolution_spectrum import _gram_values
from specproof.claims import run_claim
from specproof.dag_nets import MLPDiscriminator

CLAIMS = [
    "convnorm.spectral-norm-reduction",
    "convnorm.fft-singular-values",
    "lin-sn-gan.sn-gradient-norm",
    "lin-sn-gan.sn-weight-scale",
    "lin-sn-gan.reshape-underestimates",
    "lin-sn-gan.gradient-bound",
]


def _verdict(claim_id: str):
    """The claim's result on the quick profile with seed 0."""
    return run_claim(claim_id, profile="quick", seed=0)


def _assert_fails(claim_id: str):
    """The check must not hold under the mutation; return the check's measured values."""
    result = _verdict(claim_id)
    assert result.verdict == "FAIL", (result.verdict, result.reason, result.check.measured)
    return result.check.measured


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_unmutated_claims_pass(claim_id, quick_claim):
    # quick_claim is assert_claim_passes on the quick profile, seed 0 (shared per session)
    assert quick_claim(claim_id).verdict == "PASS"


# --- convnorm.spectral-norm-reduction ---------------------------------------------------


@pytest.mark.parametrize("factor", [0.99, 1 / math.sqrt(2)])
def test_norm_reduction_catches_a_scaled_filter(monkeypatch, factor):
    # V off by a constant factor in the library: every norm shrinks, still below the bounds
    original = spectral_convnorm.convnorm_filter
    monkeypatch.setattr(spectral_convnorm, "convnorm_filter",
                        lambda *a, **k: factor * original(*a, **k))
    m = _assert_fails("convnorm.spectral-norm-reduction")
    assert m["operator_error"] > 1e-3 and m["exact_one_deviation"] > 1e-3


def test_norm_reduction_catches_a_report_of_a_scaled_filter(monkeypatch):
    # the report the claim calls computed with V x 0.99: its norms are 0.99 times the true
    original = convnorm_claims.convnorm_report

    def report(*args, **kwargs):
        r = original(*args, **kwargs)
        return dataclasses.replace(r, channel_norms_after=0.99 * r.channel_norms_after,
                                   layer_norm_after=0.99 * r.layer_norm_after)

    monkeypatch.setattr(convnorm_claims, "convnorm_report", report)
    assert _assert_fails("convnorm.spectral-norm-reduction")["report_error"] > 1e-3


def test_norm_reduction_catches_a_crop_at_the_end(monkeypatch):
    # the whole crop of 2 (k - 1 - padding) taken at the end instead of half on each side
    def crop_at_end(y, start, stride):
        sh, sw = start
        H, W = y.shape[-2:]
        return y[..., : H - 2 * sh, : W - 2 * sw][..., :: stride[0], :: stride[1]]

    monkeypatch.setattr(spectral_convnorm, "_crop_stride", crop_at_end)
    assert _assert_fails("convnorm.spectral-norm-reduction")["operator_error"] > 1e-3


def test_norm_reduction_catches_a_layer_norm_that_is_a_block_norm(monkeypatch):
    # max_o ||B_o|| <= ||B|| <= sqrt(C_out) max_o ||B_o|| still holds for this report
    original = convnorm_claims.convnorm_report

    def report(*args, **kwargs):
        r = original(*args, **kwargs)
        return dataclasses.replace(r, layer_norm_after=float(r.channel_norms_after.max()))

    monkeypatch.setattr(convnorm_claims, "convnorm_report", report)
    m = _assert_fails("convnorm.spectral-norm-reduction")
    assert m["report_error"] > 1e-3 and m["norm_sandwich"] is True


# --- convnorm.fft-singular-values -------------------------------------------------------


def _values_from_half_grid(K, grid, odd_width_bug):
    """The rfft2 half-grid route of circular_singular_values, with or without the
    off-by-one in the count of mirrored columns for odd widths."""
    h, w = grid
    half = _gram_values(np.asarray(K, dtype=float), (h, w))
    mult = np.ones(w // 2 + 1, dtype=int)
    mult[1 : w // 2 if odd_width_bug else (w + 1) // 2] = 2
    vals = np.repeat(half.reshape(-1, half.shape[-1]), np.tile(mult, h), axis=0)
    return np.sort(vals.ravel())[::-1]


def test_fft_values_catch_the_odd_width_mirror_count(monkeypatch):
    monkeypatch.setattr(convnorm_claims, "circular_singular_values",
                        lambda K, grid: _values_from_half_grid(K, grid, odd_width_bug=False))
    assert _verdict("convnorm.fft-singular-values").verdict == "PASS"  # the route is right
    monkeypatch.setattr(convnorm_claims, "circular_singular_values",
                        lambda K, grid: _values_from_half_grid(K, grid, odd_width_bug=True))
    assert _assert_fails("convnorm.fft-singular-values")["max_relative_error"] > 0.1


# --- lin-sn-gan.sn-gradient-norm and sn-weight-scale ------------------------------------


def _normalizer(kind: str, factor: float = 1.0):
    """A wrong spectral_normalize: by the Frobenius norm, or by ``factor`` times sigma."""
    def normalize(weight, c=1.0, dim=0):
        W = np.asarray(weight, dtype=float)
        if kind == "frobenius":
            return c * W / np.linalg.norm(W)
        return c * W / (factor * np.linalg.norm(W, 2))

    return normalize


@pytest.mark.parametrize("kind, factor", [("frobenius", 1.0), ("sigma", math.sqrt(2)),
                                          ("sigma", 1.05)])
def test_sn_gradient_norm_catches_a_wrong_normaliser(monkeypatch, kind, factor):
    monkeypatch.setattr(sn_claims, "spectral_normalize", _normalizer(kind, factor))
    m = _assert_fails("lin-sn-gan.sn-gradient-norm")
    assert m["max_ratio"] <= 1.0  # the one-sided bound alone cannot tell
    assert m["max_sn_norm_deviation"] > 1e-3


@pytest.mark.parametrize("factor", [1.05, 1.01, 0.99])
def test_sn_weight_scale_catches_a_sigma_off_by_a_percent(monkeypatch, factor):
    monkeypatch.setattr(sn_claims, "spectral_normalize", _normalizer("sigma", factor))
    m = _assert_fails("lin-sn-gan.sn-weight-scale")
    assert 0.85 <= m["ratio_min"] and m["ratio_max"] <= 1.15  # inside the statistical band
    assert m["max_sigma_deviation"] > 1e-3


# --- lin-sn-gan.reshape-underestimates --------------------------------------------------


@pytest.mark.parametrize("module", [kernel_normalization, sn_claims])
def test_reshape_catches_exact_sigma_ignoring_dim(monkeypatch, module):
    # in the library (bsn_sigmas' sigma_2) or where the claim calls exact_sigma
    original = normalization.exact_sigma
    monkeypatch.setattr(module, "exact_sigma", lambda weight, dim=0: original(weight))
    assert _assert_fails("lin-sn-gan.reshape-underestimates")["sigma_reference_error"] > 1e-3


def test_reshape_catches_a_reshape_that_does_not_move_the_axis(monkeypatch):
    def weight_to_matrix(weight, dim=0):
        W = np.asarray(weight, dtype=float)
        return W.reshape(W.shape[dim], -1)  # the c_in x (c_out k k) shape, wrong entries

    monkeypatch.setattr(normalization, "weight_to_matrix", weight_to_matrix)
    assert _assert_fails("lin-sn-gan.reshape-underestimates")["sigma_reference_error"] > 1e-3


def test_reshape_catches_sigmas_one_percent_low(monkeypatch):
    original = sn_claims.bsn_sigmas
    monkeypatch.setattr(sn_claims, "bsn_sigmas",
                        lambda K: tuple(0.99 * s for s in original(K)))
    m = _assert_fails("lin-sn-gan.reshape-underestimates")
    assert m["max_sigma_over_norm"] <= 1.0  # the bound the claim states still holds
    assert m["sigma_reference_error"] > 1e-3 and m["k1_max_deviation"] > 1e-3


def test_reshape_catches_a_conv_norm_one_percent_high(monkeypatch):
    original = sn_claims.circular_singular_values
    monkeypatch.setattr(sn_claims, "circular_singular_values",
                        lambda K, n: 1.01 * original(K, n))
    m = _assert_fails("lin-sn-gan.reshape-underestimates")
    assert m["max_sigma_over_norm"] <= 1.0
    assert m["norm_reference_error"] > 1e-3


# --- lin-sn-gan.gradient-bound ----------------------------------------------------------


def _frobenius_bounds(self, x):
    norms = np.array([np.linalg.norm(w) for w in self.weights])  # Frobenius, not spectral
    return np.array([np.linalg.norm(x) * np.prod(np.delete(norms, t))
                     for t in range(len(norms))])


def test_gradient_bound_catches_frobenius_norms(monkeypatch):
    monkeypatch.setattr(MLPDiscriminator, "gradient_bounds", _frobenius_bounds)
    assert _assert_fails("lin-sn-gan.gradient-bound")["bound_rel_error"] > 1e-3


def test_gradient_bound_catches_a_doubled_bound(monkeypatch):
    original = MLPDiscriminator.gradient_bounds
    monkeypatch.setattr(MLPDiscriminator, "gradient_bounds",
                        lambda self, x: 2.0 * original(self, x))
    m = _assert_fails("lin-sn-gan.gradient-bound")
    assert m["max_ratio"] <= 1.0 + 1e-12  # the statement's ratio, from the check's bound
    assert m["bound_rel_error"] > 0.5 and m["tight_max_deviation"] > 0.4
