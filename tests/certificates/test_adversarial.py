"""Adversarial cases for the certificates package: forged files at every magnitude, and
brackets that must hold in exact arithmetic.

Each case of issue 8 ("what was found") is a test here, named after it; they failed on
the code before the fix (the numeric checker accepted false bounds whose q-th powers
underflow, ``two_to_q`` returned ``upper < lower`` on tiny data, brackets were off by an
ulp). A forged file must be rejected by *both* checkers; a true one accepted by both.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import hadamard

from specproof.certificates import (
    Certificate,
    boolean_cube_certificate,
    check,
    identity_certificate,
    project_gram,
    relax,
    target_coefficients,
    two_to_q,
)
from specproof.certificates.certificate import float_copies, float_copy

F = Fraction


def _cert(X_rational, C, basis, G_rational, q=4) -> Certificate:
    """A certificate with faithful float copies (null where no float is faithful)."""
    Xr = tuple(tuple(F(x) for x in row) for row in X_rational)
    Gr = tuple(tuple(F(x) for x in row) for row in G_rational)
    return Certificate(q=q, X=float_copies(Xr), X_rational=Xr, C=F(C), basis=tuple(basis),
                       gram=float_copies(Gr), gram_rational=Gr)


def _numeric_only(cert: Certificate, G_float: np.ndarray | None = None) -> Certificate:
    """The same statement with only a float Gram matrix (a numeric certificate)."""
    G = cert.gram if G_float is None else G_float
    return Certificate(q=cert.q, X=cert.X, X_rational=cert.X_rational, C=cert.C,
                       basis=cert.basis, gram=G)


def _both(cert: Certificate) -> tuple[bool, bool]:
    return check(cert, exact=True).ok, check(cert).ok


def _scaled(cert: Certificate, k: int) -> Certificate:
    """The certificate for ``X 2^k``: C and G scale by ``2^(q k)`` (exactly)."""
    s, t = F(2) ** k, F(2) ** (cert.q * k)
    Xr = [[x * s for x in row] for row in cert.X_rational]
    Gr = [[g * t for g in row] for row in cert.gram_rational]
    return _cert(Xr, cert.C * t, cert.basis, Gr, cert.q)


def _forged(cert: Certificate, C: Fraction) -> Certificate:
    """The most convincing forgery of ``||X||^q <= C``: G projected onto C's identity."""
    G = project_gram([list(r) for r in cert.gram_rational],
                     target_coefficients(cert.X_rational, C, cert.q), cert.basis)
    return _cert(cert.X_rational, C, cert.basis, G, cert.q)


# ---------------------------------------------------------------- issue 8, item 1
@pytest.mark.parametrize("x", [F(1e-80), F(1e-90), F(1e-200), F(5e-324)])
def test_found_1a_C_zero_with_underflowing_data_is_rejected(x):
    # 1x1 X, q = 4: x^4 underflows to 0; C = 0, G = 0 was VALID (numeric)
    cert = _cert([[x]], 0, [(2,)], [[0]])
    assert _both(cert) == (False, False)
    assert _both(_numeric_only(cert)) == (False, False)


@pytest.mark.parametrize("x", [F(1e-80), F(1e-90)])
def test_found_1b_negative_C_is_rejected(x):
    cert = _cert([[x]], F(-1, 10**400), [(2,)], [[0]])  # C.float is null (below 2^-1074)
    assert math.isnan(cert.c_float)
    assert _both(cert) == (False, False)
    flushed = Certificate(q=4, X=cert.X, X_rational=cert.X_rational, C=cert.C,
                          basis=cert.basis, gram=cert.gram, gram_rational=cert.gram_rational,
                          C_float=-0.0)  # C.float flushed to -0.0 beside C = -10^-400
    res = check(flushed)
    assert not res.ok and res.code == "inconsistent"


def test_found_1c_C_rounded_down_by_underflow_is_rejected():
    # C = fl(x^4) lies 6.4e-5 (relative) below the true x^4 for x = 1.001e-80
    x = F(1.001e-80)
    c = F(float(x) ** 4)
    assert c < x**4 and (x**4 - c) / x**4 > F(6, 10**5)
    cert = _cert([[x]], c, [(2,)], [[c - x**4]])  # the identity holds exactly; G < 0
    assert _both(cert) == (False, False)
    assert _both(_numeric_only(cert, np.array([[0.0]]))) == (False, False)


def test_found_1d_scaled_certificate_with_C_lowered_is_rejected():
    honest = relax(boolean_cube_certificate(3), F(1, 10**6))
    tiny = _scaled(honest, -350)
    assert _both(tiny) == (True, True)
    true4 = F(8) * (3 - F(2, 3)) * F(2) ** (-1400)
    forged = _forged(tiny, true4 * (1 - F(1, 1000)))
    assert _both(forged) == (False, False)
    # C lowered, the honest Gram matrix kept (this one was VALID: the residual underflowed)
    kept = _cert(tiny.X_rational, true4 * (1 - F(1, 1000)), tiny.basis, tiny.gram_rational)
    assert _both(kept) == (False, False)
    assert _both(_numeric_only(kept)) == (False, False)


def test_found_1e_rational_beside_a_flushed_float_is_inconsistent():
    cert = _cert([[F(1, 10**400)]], 1, [(2,)], [[1]])
    doc = cert.to_dict()
    assert doc["X"]["float"] == [[None]]  # no float is faithful to 10^-400
    doc["X"]["float"] = [[0.0]]
    for exact in (True, False):
        res = check(Certificate.from_dict(doc), exact=exact)
        assert not res.ok and res.code == "inconsistent", res.reason


# ---------------------------------------------------------------- forged files at every magnitude
MAGNITUDES = [-1074, -1060, -997, -700, -350, -200, -50, 0, 50, 200, 500, 900, 990]


@pytest.mark.parametrize("k", MAGNITUDES)
def test_true_certificates_are_accepted_by_both_checkers_at_every_magnitude(k):
    # X = 2^k times the Boolean cube: entries from the smallest subnormal to ~1e298
    honest = _scaled(relax(boolean_cube_certificate(3), F(1, 10**6)), k)
    assert _both(honest) == (True, True), (check(honest).reason, check(honest, True).reason)


@pytest.mark.parametrize("k", MAGNITUDES)
@pytest.mark.parametrize("below", [F(1, 10**3), F(1, 10**9), F(1, 2**60)])
def test_forged_bounds_are_rejected_by_both_checkers_at_every_magnitude(k, below):
    cube = _scaled(boolean_cube_certificate(3), k)
    true4 = F(8) * (3 - F(2, 3)) * F(2) ** (4 * k)
    forged = _forged(cube, true4 * (1 - below))
    assert _both(forged) == (False, False)
    # the numeric checker alone, given the forgery's float Gram matrix
    if np.all(np.isfinite(forged.gram)):
        assert not check(_numeric_only(forged)).ok


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-100, 1e-80, 1e80, 1e100, 1e300])
def test_identity_certificate_scaled_by_a_decimal_is_judged_by_its_truth(scale):
    # X = s I (s not a power of two): ||X||_{2->4}^4 = s^4 exactly; G = 2 s^4 on cross terms
    s = F(scale)
    base = identity_certificate(2)
    Xr = [[x * s for x in row] for row in base.X_rational]
    Gr = [[g * s**4 for g in row] for row in base.gram_rational]
    true = relax(_cert(Xr, s**4, base.basis, Gr), F(1, 10**6))
    assert _both(true) == (True, True), check(true).reason
    forged = _forged(_cert(Xr, s**4, base.basis, Gr), s**4 * (1 - F(1, 10**12)))
    assert _both(forged) == (False, False)


def test_subnormal_data_with_C_at_the_float_rounding_is_rejected():
    # every entry subnormal; C the float rounding of the true value, G projected
    for m in (2, 3):
        cube = _scaled(boolean_cube_certificate(m), -1070)
        true4 = F(2**m) * (3 - F(2, m)) * F(2) ** (-4280)
        c = F(float_copy(true4) or 0.0)  # 0.0: the true value is far below 2^-1074
        assert _both(_forged(cube, c)) == (False, False)


# ---------------------------------------------------------------- issue 8, items 2 and 3
@pytest.mark.parametrize("q", [4, 6])
@pytest.mark.parametrize("scale", [1e-300, 1e-120, 1e-82, 1e-54, 1e70, 1e100, 1e250])
def test_found_2_two_to_q_brackets_tiny_and_huge_data(q, scale):
    X0 = np.random.default_rng(1).standard_normal((7, 3))
    ref = two_to_q(X0, q=q, method="power")
    for method in ("auto", "baseline", "power"):
        b = two_to_q(X0 * scale, q=q, method=method)
        assert 0 < b.lower <= b.upper, (method, b)
        # homogeneous: the same bracket as the unscaled data, scaled
        assert b.lower == pytest.approx(ref.lower * scale, rel=1e-4)
        assert b.upper <= 1.8 * b.lower


def test_found_2_sos_bound_on_tiny_data_is_meaningful():
    X0 = np.random.default_rng(2).standard_normal((6, 3))
    ref = two_to_q(X0, q=4, method="sos")
    tiny = two_to_q(X0 * 1e-100, q=4, method="sos")
    assert tiny.upper == pytest.approx(ref.upper * 1e-100, rel=1e-6)
    assert tiny.lower <= tiny.upper


@pytest.mark.parametrize("q", [2, 4, 6, np.inf])
def test_found_3_hadamard_bracket_holds_exactly(q):
    for k in (2, 4, 8):
        b = two_to_q(hadamard(k).astype(float), q=q)  # the norm is sqrt(k) for every q
        assert F(b.lower) ** 2 <= k <= F(b.upper) ** 2


def _true_norm_power(a: list[int], b: list[int], s: int, q: float) -> tuple[Fraction, int]:
    """``(||a b^T 2^s||_{2->q}^p, p)`` exactly: p = 2q for integer q, 2 for q = inf."""
    nb = sum(F(x) ** 2 for x in b)
    if math.isinf(q):
        return max(F(x) ** 2 for x in a) * F(2) ** (2 * s) * nb, 2
    qi = int(q)
    na = sum(abs(F(x)) ** qi for x in a)
    return na**2 * F(2) ** (2 * s * qi) * nb**qi, 2 * qi


@settings(max_examples=60, deadline=None)
@given(
    a=st.lists(st.integers(-1000, 1000), min_size=1, max_size=5).filter(any),
    b=st.lists(st.integers(-1000, 1000), min_size=1, max_size=3).filter(any),
    s=st.integers(-1074, 990),
    q=st.sampled_from([2.0, 3.0, 4.0, 5.0, 6.0, math.inf]),
    method=st.sampled_from(["auto", "power", "baseline", "epsnet", "exact"]),
)
def test_rank_one_bracket_holds_in_exact_arithmetic(a, b, s, q, method):
    # X = a b^T 2^s is exactly representable (|a_i b_j| < 2^20, s >= -1074) and
    # ||X||_{2->q} = ||a||_q ||b||_2 2^s in closed form
    X = np.ldexp(np.outer(np.array(a, float), np.array(b, float)), s)
    if method == "baseline" and (math.isinf(q) or int(q) % 2):
        method = "power"
    if method == "exact" and q not in (2.0, math.inf):
        method = "auto"
    bounds = two_to_q(X, q=q, method=method, restarts=2, eps=0.05)
    true, p = _true_norm_power(a, b, s, q)
    assert F(bounds.lower) ** p <= true <= F(bounds.upper) ** p, (bounds, float(true))


def test_rank_one_bracket_holds_for_sos_too():
    rng = np.random.default_rng(7)
    for s in (-1000, -300, 0, 300, 900):
        a = [int(x) for x in rng.integers(-50, 50, 4)]
        b = [int(x) for x in rng.integers(-50, 50, 3)]
        X = np.ldexp(np.outer(np.array(a, float), np.array(b, float)), s)
        bounds = two_to_q(X, q=4, method="sos")
        true, p = _true_norm_power(a, b, s, 4.0)
        assert F(bounds.lower) ** p <= true <= F(bounds.upper) ** p


# ---------------------------------------------------------------- issue 8, item 4
def test_found_4_duplicate_keys_are_rejected_and_named(tmp_path):
    cert = relax(boolean_cube_certificate(3), F(1, 10**6))
    text = json.dumps(cert.to_dict())
    # a first "C" claiming ||X||^4 <= 1 (the truth is 56/3) before the honest one
    forged = text.replace('"C": {', '"C": {"rational": "1", "float": 1.0}, "C": {', 1)
    p = tmp_path / "dup.json"
    p.write_text(forged)
    for exact in (True, False):
        res = check(str(p), exact=exact)
        assert not res.ok and res.code == "malformed"
        assert "duplicate key 'C'" in res.reason


def test_found_4_the_valid_line_states_the_bound_shape_and_hash():
    cert = relax(boolean_cube_certificate(3), F(1, 10**6))
    res = check(cert)
    assert res.ok and res.statement == "||X||_{2->4}^4 <= 7000007/375000"
    line = res.verdict_line
    assert line.startswith("VALID: ||X||_{2->4}^4 <= 7000007/375000 for X of shape 8x3")
    assert res.x_sha256[:16] in line and len(res.x_sha256) == 64
    other = relax(boolean_cube_certificate(2), F(1, 10**6))
    assert check(other).x_sha256 != res.x_sha256


def test_gram_entries_near_the_float_range_never_crash_the_numeric_checker():
    # huge G entries: sums overflow (math.fsum raises); the verdict is a clean rejection
    base = identity_certificate(2)
    G = np.array(base.gram)
    G[0, 1] = G[1, 0] = 1.7e308
    G[2, 2] = 1.7e308
    cert = Certificate(q=4, X=base.X, X_rational=base.X_rational, C=F(10) ** 300,
                       basis=base.basis, gram=G)
    res = check(cert)
    assert not res.ok and res.code in {"out_of_range", "not_psd", "margin_too_small"}


def test_a_norm_beyond_the_float_range_is_a_clear_error():
    from specproof._core import ComputationError

    X = np.full((3, 2), 1.7e308)  # ||X||_{2->4} ~ 1.7e308 * 6^(1/4) * sqrt(2) > 1.8e308
    with pytest.raises(ComputationError, match="exceeds the largest float"):
        two_to_q(X, q=4, method="power")
    b = two_to_q(X / 16, q=4, method="power")  # scaled by a power of two: fine
    assert 0 < b.lower <= b.upper < math.inf
