"""Findings of a review of the 2->q norm bounds, their printing and their arguments.

Each test failed before its fix: bools read as ``data_bits``, long doubles in float64's
subnormal range rounded by an absolute amount, bounds printed to nearest (text and
notebook HTML), ``epsnet`` on the zero matrix, and arguments accepted that meant
something else.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import replace
from fractions import Fraction as F

import numpy as np
import pytest

import specproof.certificates as sc
from specproof._core import ArgumentError, ArgumentTypeError
from specproof.certificates.api import METHODS
from specproof.certificates.certify_inputs import rationalize
from specproof.certificates.epsnet import epsnet_two_to_q
from specproof.certificates.known import boolean_cube_certificate
from specproof.certificates.sos import solve_sos
from specproof.cli import main

X = np.random.default_rng(0).standard_normal((6, 3))
ETA = F(2) ** -1074
WIDE_LONGDOUBLE = pytest.mark.skipif(
    np.finfo(np.longdouble).nmant <= 52, reason="this platform's longdouble is float64")


# ---------------------------------------------------------------- 1. data_bits / max_bits


@pytest.mark.parametrize("flag", [False, True, np.False_])
def test_data_bits_bool_is_refused_not_read_as_0_or_1(flag):
    # data_bits=False rounded X to integers: C came out below the user's ||X||^4
    with pytest.raises(ArgumentTypeError, match=r"data_bits must be a non-negative integer"):
        sc.certify(X, q=4, data_bits=flag)
    with pytest.raises(ArgumentTypeError, match="data_bits"):
        rationalize(X, data_bits=flag)


def test_data_bits_numpy_integer_is_accepted_as_the_int():
    cert = sc.certify(X, q=4, data_bits=np.int64(16))
    assert cert.X_rational == rationalize(X, data_bits=16)
    assert cert.X_rational[0][0] == F(round(F(X[0, 0]) * 2**16), 2**16)
    bits = cert.provenance["data_bits"]
    assert bits == 16 and type(bits) is int  # JSON-ready, not np.int64
    assert rationalize([[0.1]], data_bits=np.uint8(3)) == ((F(1, 8),),)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"max_bits": -1}, ArgumentError, "max_bits must be >= 1, got -1"),
    ({"max_bits": 0}, ArgumentError, "max_bits must be >= 1, got 0"),
    ({"max_bits": 64.0}, ArgumentTypeError, "max_bits must be an integer"),
    ({"bits": True}, ArgumentTypeError, "bits must be a positive integer or None"),
    ({"data_bits": -1}, ArgumentError, "data_bits must be >= 0, got -1"),
    ({"data_bits": 1.5}, ArgumentTypeError, "data_bits must be an integer"),
])
def test_certify_precision_arguments_are_validated(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        sc.certify(X, q=4, exact=True, **kwargs)


# ---------------------------------------------------------------- 2. subnormal long doubles


@WIDE_LONGDOUBLE
def test_longdouble_rounded_in_the_subnormal_range_is_refused():
    ld = np.longdouble
    # 1.5 * 2^-1074 becomes 2^-1073 in float64: lower = 7 ETA > the true 6 ETA (q = 2)
    low = np.full((1, 16), ld(1.5) * ld(2) ** -1074, dtype=ld)
    # 2.5 * 2^-1074 becomes 2^-1073: upper = 17 ETA < the true 20 ETA
    high = np.full((1, 64), ld(2.5) * ld(2) ** -1074, dtype=ld)
    for data in (low, high):
        for q in (2, 4, "inf"):
            with pytest.raises(ArgumentError, match=r"X has the entry .* at index \(0, 0\), "
                               r"which float64 cannot hold .*2\^-1022.*power of two"):
                sc.two_to_q(data, q)
    # the same refusal wherever a float64 matrix or vector is made
    with pytest.raises(ArgumentError, match=r"v0 has the entry .* at index \(1,\)"):
        sc.power_method(np.eye(2), 4, v0=np.array([1, ld(2) ** -1075], dtype=ld))
    # 2^-1022 (1 - 2^-60) rounds to the smallest normal: below it, inexact, refused too
    edge = np.array([[ld(2) ** -1022 * (1 - ld(2) ** -60), 1]], dtype=ld)
    with pytest.raises(ArgumentError, match="smallest normal"):
        sc.two_to_q(edge, 4)


@WIDE_LONGDOUBLE
def test_longdouble_that_float64_holds_exactly_still_brackets_the_norm():
    ld = np.longdouble
    # 3 * 2^-1074 is a float64 subnormal exactly: ||c J_{1x16}||_{2->q} = 4c = 12 ETA
    data = np.full((1, 16), ld(3) * ld(2) ** -1074, dtype=ld)
    for q in (2, 4, "inf"):
        b = sc.two_to_q(data, q)
        assert F(b.lower) <= 12 * ETA <= F(b.upper)
        assert b.lower > 0
    # normal-size long doubles are rounded relatively (2^-53): covered, accepted
    b = sc.two_to_q(np.array([[ld(1) / 3, 1]], dtype=ld), 2)
    assert b.lower > 1.05


# ---------------------------------------------------------------- 3. text reprs


def test_baseline_repr_rounds_upper_up_and_lower_down():
    r = sc.spectral_baseline(np.array([[1.0, 1.0], [1.0, -1.0]]), 4)  # ||H||_{2->4} = sqrt 2
    text = repr(r)
    upper = F(re.search(r"upper=([0-9.e+-]+)", text).group(1))
    lower = F(re.search(r"lower=([0-9.e+-]+)", text).group(1))
    assert upper * upper >= 2 >= lower * lower  # was upper=1.414213562 < sqrt(2)
    assert upper == F("1.414213563")
    assert upper >= F(r.upper) and lower <= F(r.lower)


def test_power_result_repr_rounds_lower_down():
    x = 1.23456789012358
    p = sc.power_method(np.array([[x]]), 4)
    shown = F(re.search(r"lower=([0-9.e+-]+)", repr(p)).group(1))
    assert shown <= F(p.lower) <= F(x)  # was lower=1.234567890124 > |x|
    assert shown == F("1.234567890123")


# ---------------------------------------------------------------- 4. notebook HTML


def _cell(page: str, key: str) -> str:
    return re.search(rf"<code>{key}</code></th><td>([^<]*)</td>", page).group(1)


def test_norm_bounds_html_rounds_bounds_outward():
    x = 1.23456749  # the norm of [[x]] is |x|: 7 digits to nearest, 1.234567 < x
    b = sc.two_to_q(np.array([[x]]), 4)
    page = b._repr_html_()
    upper, lower = F(_cell(page, "upper")), F(_cell(page, "lower"))
    assert lower <= F(b.lower) <= F(x) <= F(b.upper) <= upper
    assert (_cell(page, "lower"), _cell(page, "upper")) == ("1.234567", "1.234568")


def test_certificate_html_rounds_C_up():
    cert = boolean_cube_certificate(2)
    near_down = replace(cert, C=F(123456749, 10**8))  # nearest at 7 digits: 1.234567
    assert F(_cell(near_down._repr_html_(), "C")) == F("1.234568")
    # a C beyond the float range: float(C) raised OverflowError in the table
    huge = replace(cert, C=F(10**400 + 1))
    assert F(_cell(huge._repr_html_(), "C")) >= huge.C


# ---------------------------------------------------------------- 5. the zero matrix


def test_zero_matrix_is_exactly_zero_under_every_method():
    Z = np.zeros((3, 2))
    b = epsnet_two_to_q(Z, 4)  # was upper = 5.3e-177, ratio inf
    assert (b.lower, b.upper, b.ratio, b.upper_method) == (0.0, 0.0, 1.0, "zero-matrix")
    for method in METHODS:
        b = sc.two_to_q(Z, 4, method=method)
        assert (b.lower, b.upper, b.upper_method) == (0.0, 0.0, "zero-matrix"), method


def test_two_to_q_docstring_example_brackets_sqrt2():
    b = sc.two_to_q(np.array([[1.0, 1.0], [1.0, -1.0]]), 4)
    assert F(b.lower) ** 2 <= 2 <= F(b.upper) ** 2
    text = repr(b)
    assert "lower=1.414213562," in text and "upper=1.414213563," in text


# ---------------------------------------------------------------- 6. argument validation


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: sc.sos_two_to_q(X, polish="no"), ArgumentTypeError, "polish must be a bool"),
    (lambda: sc.sos_two_to_q(X, accept_inaccurate="yes"), ArgumentTypeError,
     "accept_inaccurate must be a bool"),
    (lambda: solve_sos(X, 4, accept_inaccurate="yes"), ArgumentTypeError,
     "accept_inaccurate must be a bool"),
    (lambda: sc.spectral_baseline(X, symmetrise="no"), ArgumentTypeError,
     "symmetrise must be a bool"),
    (lambda: epsnet_two_to_q(X, max_d="3"), ArgumentTypeError, "max_d must be an integer"),
    (lambda: epsnet_two_to_q(X, max_d=0), ArgumentError, "max_d must be >= 1, got 0"),
    (lambda: epsnet_two_to_q(X, eps=True), ArgumentTypeError, "eps must be a real number"),
    (lambda: epsnet_two_to_q(X, eps="0.1"), ArgumentTypeError, "eps must be a real number"),
    (lambda: epsnet_two_to_q(X, eps=1.0), ArgumentError, "eps must lie in (0, 1), got 1.0"),
    (lambda: sc.two_to_q(X, 4, eps="abc"), ArgumentTypeError, "eps must be a real number"),
    (lambda: sc.two_to_q(X, 4, method="power", eps=float("nan")), ArgumentError,
     "eps must be finite"),
    (lambda: sc.power_method(X, 4, max_iter=-1), ArgumentError, "max_iter must be >= 0"),
    (lambda: sc.power_method(X, 4, tol=float("nan")), ArgumentError, "tol must be finite"),
    (lambda: sc.power_method(X, 4, tol=-1e-3), ArgumentError, "tol must be >= 0.0"),
    (lambda: sc.power_method(X, 4, prune_after=-5), ArgumentError,
     "prune_after must be >= 0, got -5"),
    (lambda: sc.power_method(X, 4, row_starts=-1), ArgumentError,
     "row_starts must be >= 0, got -1"),
    (lambda: sc.power_method(X, 4, keep_history="no"), ArgumentTypeError,
     "keep_history must be a bool"),
    (lambda: sc.power_method(X, 4, v0=[0.0, 0.0, 0.0]), ArgumentError,
     "v0 must be non-zero, got the zero vector"),
])
def test_arguments_meaning_something_else_are_refused(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


@pytest.mark.parametrize("v0", [[1e-200, 0.0], [1e308, 1e308], [5e-324, 0.0]])
def test_power_method_v0_of_extreme_size_is_a_start(v0):
    # [1e-200, 0]: its norm underflowed ("v0 must be non-zero"); [1e308, 1e308]: it
    # overflowed to inf, a zero start, with a RuntimeWarning
    A = np.diag([2.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = sc.power_method(A, 4, v0=v0, restarts=0, row_starts=0, max_iter=0)
    assert p.starts == 2  # v0 and the top singular vector
    assert 1.99 < p.lower and F(p.lower) <= 2


def test_cli_accepts_an_integral_float_q_like_the_api(tmp_path, capsys):
    path = tmp_path / "x.npy"
    np.save(path, X)
    for text in ("4.0", "4e0"):
        assert main(["certify", str(path), "--q", text, "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["q"] == 4 and out["method"] == "sos4"
    assert main(["certify", str(path), "--q", "4.5"]) == 2
    assert "--q must be an even integer >= 2 and <= 6 for this method, got '4.5'" in \
        capsys.readouterr().err
