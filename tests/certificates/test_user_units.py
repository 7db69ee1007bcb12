"""Values a user sees are in the user's units; false bounds are called FALSE; the failure
paths of every exact backend; a convolution that is exactly zero."""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from specproof.certificates import (
    Certificate,
    CertificationError,
    FalseBoundError,
    certify,
    check_exact,
    conv_operator_norm,
    rationalize,
    two_to_q,
)
from specproof.certificates.known import boolean_cube_certificate
from specproof.certificates.ldl import BACKENDS, ldl_psd
from specproof.certificates.refute import exact_ratio

# largest entry ~3.1: the solver sees X / 4 (e = 2), the 4th powers scale by 2^8
X = np.random.default_rng(0).standard_normal((30, 5)) * 1.3


@pytest.fixture(scope="module")
def sos_bounds():
    return two_to_q(X, q=4, method="sos")


def _z(v, basis):
    return np.array([np.prod(v ** np.array(b)) for b in basis])


def test_sos_certificate_value_and_gram_are_in_the_users_units(sos_bounds):
    res = sos_bounds.certificate
    assert res.scale_exponent == 2 and res.in_user_units
    assert res.to_dict()["scale_exponent"] == 2
    # the value is ||X||_{2->4}^4 (the SoS relaxation is tight here), not that of X/4
    assert res.value == pytest.approx(sos_bounds.lower ** 4, rel=1e-6)
    assert res.value > 500
    # the Gram matrix proves t||v||^4 - sum <x_i,v>^4 = z^T G z in the user's units
    rng = np.random.default_rng(1)
    for _ in range(3):
        v = rng.standard_normal(5)
        lhs = res.value * np.dot(v, v) ** 2 - np.sum((X @ v) ** 4)
        z = _z(v, res.basis)
        assert z @ res.gram @ z == pytest.approx(lhs, rel=1e-6, abs=1e-6 * res.value)


def test_a_false_bound_is_false_with_its_witness_in_the_users_units(sos_bounds):
    lower4 = sos_bounds.lower ** 4
    C = 0.99 * lower4
    with pytest.raises(FalseBoundError) as info:
        certify(X, q=4, exact=True, C=C)
    exc = info.value
    assert exc.code == "false_bound" and isinstance(exc, CertificationError)
    m = re.fullmatch(r"FALSE: the witness v gives ‖Xv‖₄⁴ = ([0-9.]+) > C = ([0-9.]+) "
                     r"\(v scaled to ‖v‖₂ = 1; decided in exact arithmetic\)", str(exc))
    assert m, str(exc)
    assert float(m.group(1)) == pytest.approx(lower4, rel=1e-4)
    assert float(m.group(2)) == pytest.approx(C, rel=1e-4)
    # the verdict is exact: the witness's exact value exceeds the exact C
    assert exc.C == Fraction(repr(C))
    assert exact_ratio(rationalize(X), exc.witness, 4) == exc.value > exc.C


def test_a_true_user_bound_is_certified_in_the_users_units(sos_bounds):
    C = Fraction(round(sos_bounds.upper ** 4 * 1.001))
    cert = certify(X, q=4, C=C)
    assert cert.C == C and cert.provenance["scale_exponent"] == 2


def test_failure_messages_state_the_users_numbers(sos_bounds):
    with pytest.raises(CertificationError) as info:
        certify(X, q=4, delta=1e-15)
    t = float(re.search(r"SoS value t = ([0-9.e+-]+)", str(info.value)).group(1))
    assert t == pytest.approx(sos_bounds.lower ** 4, rel=1e-6)
    assert "2^" not in str(info.value)  # no rescaling shown


@pytest.mark.parametrize("bad", [float("nan"), "x/y", True])
def test_user_bound_must_be_a_number(bad):
    with pytest.raises(ValueError, match="C must be"):
        certify(X, q=4, C=bad)


def _not_psd_certificate() -> Certificate:
    """The identity holds (C lowered by 1 and G by the Gram matrix of ||v||^4) but G is
    not PSD: C = 56/3 - 1 is below ||X||^4 of the cube."""
    cube = boolean_cube_certificate(3)
    G = [list(r) for r in cube.gram_rational]
    for a, beta in enumerate(cube.basis):  # D = diag(2!/beta!) in the file's own basis
        G[a][a] -= Fraction(2, math.prod(math.factorial(b) for b in beta))
    Gr = tuple(tuple(r) for r in G)
    return Certificate(q=4, X=cube.X, X_rational=cube.X_rational, C=cube.C - 1,
                       basis=cube.basis, gram=np.array([[float(x) for x in r] for r in Gr]),
                       gram_rational=Gr)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_reports_a_non_psd_certificate_alike(backend):
    res = check_exact(_not_psd_certificate(), backend=backend)
    default = check_exact(_not_psd_certificate())
    assert (res.ok, res.code) == (default.ok, default.code) == (False, "not_psd")
    json.dumps(res.to_dict())  # every field is plain JSON, whatever the arithmetic


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("A", [
    [[1, 2], [2, 1]],                       # negative pivot
    [[0, 1], [1, 5]],                       # zero pivot with a nonzero below it
    [[1, 0, 0], [0, -1, 0], [0, 0, 2]],     # negative diagonal
    [[2, 1], [1, 1]],                       # PSD
])
def test_every_backend_gives_plain_results_on_every_path(backend, A):
    A = [[Fraction(x) for x in row] for row in A]
    res = ldl_psd(A, backend=backend)
    assert res.psd == ldl_psd(A, backend="fraction").psd
    assert res.min_pivot is None or isinstance(res.min_pivot, Fraction)
    json.dumps(res.to_dict())


def test_zero_convolution_operator_is_the_bracket_zero_with_a_reason():
    b = conv_operator_norm(np.ones((1, 1, 1, 1)), (1, 3), stride=(2, 2), padding=(1, 0))
    assert (b.lower, b.upper) == (0.0, 0.0) and b.upper_method == "zero-operator"
    assert b.certificate.reason == (
        "the operator is zero: with stride (2, 2) and padding (1, 0), every output reads "
        "only padding (no input pixel reaches a nonzero kernel tap)")
    z = conv_operator_norm(np.zeros((2, 1, 3, 3)), (4, 4), padding=1)
    assert (z.lower, z.upper) == (0.0, 0.0)
    assert z.certificate.reason == "the operator is zero: the kernel is zero"
    # one input row more and the same operator is not zero
    nz = conv_operator_norm(np.ones((1, 1, 1, 1)), (3, 3), stride=(2, 2), padding=(1, 0))
    assert nz.lower > 0.99 and nz.upper < 1.01 and nz.certificate.reason == ""



def test_a_huge_even_q_returns_at_once_and_a_void_one_is_refused():
    # auto formed d^(q/2) = 3^500000000 as an integer before comparing it with the limit
    # (no answer within minutes); q = 1e308 overflowed in the rounding-error analysis
    import specproof.certificates as sc
    from specproof._core import ArgumentError
    from specproof.certificates.baseline import flattening_too_long

    X = np.random.default_rng(0).standard_normal((4, 3))
    b = sc.two_to_q(X, 1e9)
    row_max = np.linalg.norm(X, axis=1).max()  # ||X||_{2->inf} <= ||X||_{2->q}
    assert b.lower <= b.upper and b.upper >= row_max * (1 - 1e-12)
    assert b.upper == pytest.approx(np.linalg.norm(X, 2), rel=1e-12)
    with pytest.raises(Exception, match="3\\^500000000 = 10\\^2.386e\\+08 entries"):
        sc.two_to_q(X, 1e9, method="baseline")
    for q in (1e15, 1e308):
        with pytest.raises(ArgumentError, match="q must be at most 2\\^40"):
            sc.two_to_q(X, q)
    assert not flattening_too_long(1, 10**12) and flattening_too_long(2, 25)
    assert not flattening_too_long(2, 24)  # 2^24 entries is the limit itself
