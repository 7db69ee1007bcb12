"""Findings 0-6 of the s18 review of ``specproof.certificates`` (/tmp/probe_s18_cert).

0. a nonzero convolution whose live taps are tiny beside taps that read only padding was
   certified to have norm 0; 1. ``certify(..., C, data_bits=k)`` called a bound that is
   true for the user's X "FALSE"; 2-3. sizes the checkers refuse were solved first or
   crashed (RecursionError, MemoryError); 4. a ``.npy`` header claiming a huge shape made
   numpy allocate 298 GiB; 5. raw OverflowError / ValueError / silently read bools and
   text; 6. no size check on ``restarts``, an ignored ``seed``, ``--q ４`` read as 4 and a
   stale number in docs/certificates.md.
"""

from __future__ import annotations

import importlib
import itertools
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

import specproof.certificates as sc
from specproof._core import ArgumentError, ArgumentTypeError, ResourceLimitError
from specproof.certificates import (
    CertificationError,
    FalseBoundError,
    certify,
    check,
    conv2d_operator,
    conv_operator_norm,
    load_matrix,
)
from specproof.certificates.certificate import Certificate
from specproof.certificates.known import (
    boolean_cube,
    boolean_cube_certificate,
    identity_certificate,
)
from specproof.certificates.operator import spectral_norm
from specproof.certificates.peyrl_parrilo import relax
from specproof.certificates.power import power_method
from specproof.certificates.sos import solve_sos_fixed_bound
from specproof.cli import main

ROOT = Path(__file__).resolve().parents[2]
# the package exports the function certify under the module's name
certify_module = importlib.import_module("specproof.certificates.certify")


def _no_solve(*args, **kwargs):
    raise AssertionError("the solver ran: the request should be refused before any work")


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------ 0. convolutions


def _dead_corner_kernel(dead: float, live: float) -> np.ndarray:
    K = np.zeros((1, 1, 3, 3))
    K[0, 0, 0, 0] = dead  # on a 1x1 input with padding 1 it reads only padding
    K[0, 0, 1, 1] = live  # the centre tap: the whole operator, y = live * x
    return K


def test_finding_0_a_tiny_live_tap_beside_a_huge_dead_one_is_not_a_zero_operator():
    K = _dead_corner_kernel(1e300, 1e-300)
    assert conv2d_operator(K, (1, 1), padding=1).dense().tolist() == [[1e-300]]
    b = conv_operator_norm(K, (1, 1), padding=1)
    # before: lower = upper = 0, "zero-operator" (an upper bound below the norm)
    assert b.upper_method == "circular-embedding" and b.certificate.reason == ""
    assert Fraction(b.lower) <= Fraction(1e-300) <= Fraction(b.upper)
    assert b.upper <= 1e-300 * (1 + 1e-12) and b.lower >= 1e-300 * (1 - 1e-12)
    assert b.certificate.dead_taps == 8


def test_finding_0_stride_two_case_brackets_its_norm_tightly():
    K = np.zeros((1, 1, 2, 2))
    K[0, 0, 0, 0], K[0, 0, 1, 1] = 2.0**100, 2.0**-980  # only tap (1, 1) reads the input
    assert conv2d_operator(K, (1, 1), padding=1, stride=2).dense().tolist() == [[2.0**-980]]
    b = conv_operator_norm(K, (1, 1), padding=1, stride=2)
    assert Fraction(b.lower) <= Fraction(2) ** -980 <= Fraction(b.upper)
    assert b.upper <= 2.0**-980 * (1 + 1e-12) and b.certificate.dead_taps == 3


def test_finding_0_the_smallest_subnormal_live_tap_still_counts():
    b = conv_operator_norm(_dead_corner_kernel(1.7e308, 5e-324), (1, 1), padding=1)
    assert b.upper_method != "zero-operator" and b.upper >= 5e-324


def test_finding_0_an_operator_of_dead_taps_only_is_exactly_zero():
    b = conv_operator_norm(_dead_corner_kernel(1e300, 0.0), (1, 1), padding=1)
    assert (b.lower, b.upper, b.upper_method) == (0.0, 0.0, "zero-operator")
    assert "every output reads only padding" in b.certificate.reason


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", [0, 1, 2, 3])
def test_finding_0_dropping_dead_taps_keeps_the_operator(stride, padding):
    from specproof.certificates.convolution import Conv2dOperator
    from specproof.certificates.convolution_norm import _live_kernel

    rng = np.random.default_rng(stride * 10 + padding)
    for shape in [(1, 1), (2, 3), (4, 4)]:
        K = rng.standard_normal((2, 2, 3, 4))
        try:
            A = conv2d_operator(K, shape, stride=stride, padding=padding)
        except ArgumentError:  # kernel larger than the padded input
            continue
        live, dead = _live_kernel(A.kernel, A.geometry)
        assert np.array_equal(Conv2dOperator(live, A.geometry).dense(), A.dense())
        # each dropped tap, alone, gives the zero operator; each kept one does not
        for a, b in itertools.product(range(3), range(4)):
            E = np.zeros_like(K)
            E[0, 0, a, b] = 1.0
            touches = np.any(Conv2dOperator(E, A.geometry).dense())
            assert touches == (live[0, 0, a, b] != 0)
        assert dead == int(np.sum(live[0, 0] == 0))


def test_finding_0_conv_operator_normalize_no_longer_calls_it_a_zero_weight():
    from specproof._core import ComputationError
    from specproof.spectral import conv_operator_normalize

    # before: "spectral norm 0"; the dead tap divided by the norm 1e-300 overflows, which
    # is refused naming the dead taps (tests/spectral/test_probe_s18_spectral.py), and
    # with the dead tap zeroed the live one normalises to 1
    with pytest.raises(ComputationError, match="dead_taps = 8") as info:
        conv_operator_normalize(_dead_corner_kernel(1e300, 1e-300), (1, 1), padding=1)
    assert "zero weight" not in str(info.value)
    Kn, b = conv_operator_normalize(_dead_corner_kernel(0.0, 1e-300), (1, 1), padding=1)
    assert Fraction(b.lower) <= Fraction(1e-300) <= Fraction(b.upper)
    assert 1 - 1e-12 <= Kn[0, 0, 1, 1] <= 1.0  # the live tap is normalised


# ------------------------------------------------------------------ 1. data_bits


def test_finding_1_a_bound_true_for_x_but_false_after_rounding_is_not_false():
    X = np.array([[0.99], [0.0]])  # ||X||_{2->4}^4 = 0.99^4 = 0.96059601 <= 0.98
    with pytest.raises(CertificationError) as info:
        certify(X, q=4, C=Fraction(98, 100), data_bits=2)  # 0.99 rounds to 1
    assert not isinstance(info.value, FalseBoundError)
    msg = str(info.value)
    assert "data_bits=2" in msg and "false for X rounded to multiples of 2^-2" in msg
    assert "||X_r v||_4^4 = 1 > C" in msg and "0.96059601 <= C" in msg
    assert "FALSE" not in msg


def test_finding_1_a_false_verdict_with_data_bits_is_about_the_users_x():
    X = np.array([[0.99], [0.0]])
    with pytest.raises(FalseBoundError) as info:
        certify(X, q=4, C=Fraction(9, 10), data_bits=2)
    # evaluated on X itself (before: on the rounded data, value 1)
    assert info.value.value == Fraction(0.99) ** 4 > Fraction(9, 10)
    assert "‖Xv‖₄⁴ = 0.9606 > C = 0.9" in str(info.value)


def test_finding_1_a_true_bound_with_data_bits_is_still_certified():
    cert = certify(np.array([[0.99], [0.0]]), q=4, C=Fraction(11, 10), data_bits=2,
                   exact=True)
    assert check(cert, exact=True).ok and cert.C == Fraction(11, 10)


# ------------------------------------------------------------------ 2-3. sizes


@pytest.mark.parametrize("exact", [False, True])
def test_finding_2_certify_past_the_monomial_limit_is_refused_before_the_solve(
        monkeypatch, exact):
    monkeypatch.setattr("specproof.certificates.sos.solve_sos", _no_solve)
    monkeypatch.setattr(certify_module, "rationalize", _no_solve)
    X = np.random.default_rng(0).standard_normal((200, 200))
    with pytest.raises(ResourceLimitError) as info:
        certify(X, q=2, exact=exact)
    msg = str(info.value)
    assert msg.startswith("X of shape 200x200 (d = 200 columns) at q = 2: a certificate "
                          "would have C(201, 2) = 20100 monomials of degree 2")
    assert "(20000, so at most d = 199 columns at q = 2)" in msg and "two_to_q" in msg
    assert "delta" not in msg


@pytest.mark.parametrize("d, q, fits", [(25, 4, 24), (14, 6, 13)])
def test_finding_2_the_limit_at_q_4_and_6(monkeypatch, d, q, fits):
    monkeypatch.setattr(certify_module, "rationalize", _no_solve)
    with pytest.raises(ResourceLimitError, match=f"at most d = {fits} columns at q = {q}"):
        certify(np.ones((3, d)), q=q)


def test_finding_2_cli_size_refusal_is_exit_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "d200.npy"
    np.save(path, np.random.default_rng(0).standard_normal((200, 200)))
    code, out, err = _run(capsys, "certify", path, "--q", "2")
    assert code == 2 and out == ""  # before: "could not certify", exit 1, after the solve
    assert err.count("\n") == 1 and "20100 monomials of degree 2" in err


def test_finding_2_identity_certificate_is_refused_where_its_checker_would_be():
    with pytest.raises(ResourceLimitError) as info:
        identity_certificate(25)  # before: built, then "malformed" from check
    assert str(info.value) == (
        "d = 25 at q = 4: a certificate would have C(28, 4) = 20475 monomials of degree 4, "
        "more than the checkers handle (20000, so at most d = 24 columns at q = 4); refused "
        "before any work. Use d <= 24.")
    cert = identity_certificate(24)  # the largest: the checkers' reader takes it
    assert Certificate.from_dict(cert.to_dict()).C == 1


@pytest.mark.parametrize("m, words", [(20, "more than the 256 MiB a checker reads"),
                                      (25, "C(28, 4) = 20475 monomials")])
def test_finding_2_boolean_cube_certificate_beyond_what_a_checker_reads(m, words):
    with pytest.raises(ResourceLimitError, match=re.escape(words)):
        boolean_cube_certificate(m)


@pytest.mark.parametrize("f, size", [(identity_certificate, 10**6),
                                     (identity_certificate, 300),
                                     (boolean_cube_certificate, 30),
                                     (boolean_cube, 30), (boolean_cube, 10**9)])
def test_finding_3_closed_forms_refuse_sizes_before_building(f, size):
    # before: RecursionError (10**6), MemoryError (300, 30), OOM kill (cube 30)
    with pytest.raises(ResourceLimitError, match=rf"^(d|m) = {size}"):
        f(size)


# ------------------------------------------------------------------ 4. .npy headers


def _npy(path: Path, shape: tuple[int, ...], data: bytes, descr: str = "<f8") -> Path:
    with open(path, "wb") as fh:
        npy_format.write_array_header_1_0(
            fh, {"descr": descr, "fortran_order": False, "shape": shape})
        fh.write(data)
    return path


def test_finding_4_a_header_claiming_a_huge_shape_is_refused_before_loading(
        tmp_path, monkeypatch):
    path = _npy(tmp_path / "hdr_big.npy", (200000, 200000), np.ones(4).tobytes())
    monkeypatch.setattr(np, "load", _no_solve)  # no allocation may be attempted
    with pytest.raises(ArgumentError) as info:
        load_matrix(path)
    assert str(info.value) == (
        f"{str(path)!r} is truncated or damaged: its header says shape (200000, 200000) of "
        "dtype float64, 320000000000 bytes of data, but the file holds 32 bytes after the "
        "header")


def test_finding_4_cli_exit_2_one_line(tmp_path, capsys):
    path = _npy(tmp_path / "hdr_big.npy", (200000, 200000), np.ones(4).tobytes())
    code, out, err = _run(capsys, "certify", path, "--q", "4")
    assert code == 2 and "truncated or damaged" in err and err.count("\n") == 1  # was 70


def test_finding_4_a_cut_short_file_is_truncated_not_an_object_array(tmp_path):
    full = tmp_path / "full.npy"
    np.save(full, np.array([[1.0, 2.0], [3.0, 4.0]]))
    cut = tmp_path / "trunc.npy"
    cut.write_bytes(full.read_bytes()[:140])
    with pytest.raises(ArgumentError, match="truncated or damaged") as info:
        load_matrix(cut)
    assert "object" not in str(info.value)


def test_finding_4_object_arrays_and_damaged_headers_say_so(tmp_path):
    obj = tmp_path / "obj.npy"
    np.save(obj, np.array([[1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(ArgumentError, match=r"object array .*allow_pickle"):
        load_matrix(obj)
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00")
    with pytest.raises(ArgumentError, match="damaged .npy header"):
        load_matrix(bad)
    neg = _npy(tmp_path / "neg.npy", (-2, 2), np.ones(4).tobytes())
    with pytest.raises(ArgumentError, match="negative dimension"):
        load_matrix(neg)
    v2 = tmp_path / "v2.npy"
    with open(v2, "wb") as fh:  # format 2.0 is read as before
        npy_format.write_array(fh, np.eye(2), version=(2, 0))
    assert load_matrix(v2).tolist() == [[1.0, 0.0], [0.0, 1.0]]


# ------------------------------------------------------------------ 5. raw exceptions


X2 = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_finding_5_q_beyond_the_float_range():
    with pytest.raises(ArgumentError, match=r"^q must be at most 2\^40 .* got an integer of "
                                            r"about 401 digits"):
        sc.two_to_q(X2, q=10**400)
    with pytest.raises(ArgumentError, match="got an integer of about 401 digits"):
        certify(X2, q=10**400)


@pytest.mark.parametrize("exact", [False, True])
def test_finding_5_a_huge_C_is_refused_before_the_solve(monkeypatch, exact):
    monkeypatch.setattr("specproof.certificates.sos.solve_sos", _no_solve)
    with pytest.raises(ArgumentError) as info:
        certify(X2, q=4, C=Fraction(10**400, 3), exact=exact)
    msg = str(info.value)
    # X2's largest entry 4 is in [2^2, 2^3): scale 2^12, limit 2^1012
    assert msg.startswith("C must be at most 2^1000 times the scale of this X (2^12: its "
                          "largest entry lies in [2^2, 2^3)), i.e. at most 4.3889e+304, got "
                          "3.33333e+399")
    assert "||X||_{2->4}^4 <= ||X||_F^4 = 900 <= C" in msg  # ||X2||_F^2 = 30


def test_finding_5_a_huge_negative_C_is_false_without_a_solve(monkeypatch):
    monkeypatch.setattr("specproof.certificates.sos.solve_sos", _no_solve)
    with pytest.raises(FalseBoundError) as info:
        certify(X2, q=4, C=-(10**400))
    assert info.value.value > 0 > info.value.C


def test_finding_5_the_largest_C_allowed_is_certified_also_with_many_bits():
    X = np.array([[0.5, 0.75], [0.6, 0.9]])  # scale 2^0
    C = Fraction(2) ** 1000
    cert = certify(X, q=4, C=C, exact=True, bits=64)  # bits = 64: OverflowError before
    assert cert.C == C and check(cert, exact=True).ok
    assert check(certify(X, q=4, C=C), exact=False).ok


def test_finding_5_a_ragged_list_is_named():
    with pytest.raises(ArgumentTypeError, match=r"^X must be a 2-D array \(n, d\) .* rows "
                                                "of equal length"):
        certify([[1, 2], [3]], q=4)


@pytest.mark.parametrize("bound, error, words", [
    ("abc", ArgumentTypeError, "bound must be a real number (int, float, Fraction or "
                               "Decimal), got str 'abc'"),
    (True, ArgumentTypeError, "bound must be a real number"),
    (10**400, ArgumentError, "bound must be finite and within the float range (about "
                             "1.8e308), got an integer of about 401 digits"),
    (float("nan"), ArgumentError, "bound must be finite"),
])
def test_finding_5_solve_sos_fixed_bound_names_bound(monkeypatch, bound, error, words):
    monkeypatch.setattr("specproof.certificates.sos._problem", _no_solve)
    with pytest.raises(error, match=re.escape(words)):
        solve_sos_fixed_bound(np.eye(2), 4, bound)


def test_finding_5_solve_sos_fixed_bound_still_takes_numbers():
    r = solve_sos_fixed_bound(np.eye(2), 4, Fraction(11, 10))
    assert r.value == 1.1 and r.lam > 0


@pytest.mark.parametrize("delta", [True, np.True_, "0.1", None, [0.1]])
def test_finding_5_relax_refuses_bools_and_text(delta):
    # before: True doubled C (112/3) and "0.1" was parsed (308/15)
    with pytest.raises(ArgumentTypeError, match="^delta must be a number >= 0"):
        relax(boolean_cube_certificate(3), delta)


def test_finding_5_relax_takes_numpy_numbers_and_names_cert():
    cube = boolean_cube_certificate(3)
    assert relax(cube, np.int64(1)).C == relax(cube, 1).C == Fraction(112, 3)
    assert relax(cube, 0.1).C == Fraction(308, 15)
    with pytest.raises(ArgumentTypeError, match="cert must be a Certificate, got str"):
        relax("cube.json", 0.1)


# ------------------------------------------------------------------ 6. low severity


def test_finding_6_power_method_refuses_too_many_restarts_up_front(monkeypatch):
    monkeypatch.setattr("specproof.certificates.solver_choice.available_memory",
                        lambda: 16 * 2**30)
    X = np.random.default_rng(0).standard_normal((6, 3))
    for f in (lambda: power_method(X, 4, restarts=10**9),
              lambda: sc.two_to_q(X, 4, restarts=10**9)):
        with pytest.raises(ResourceLimitError) as info:
            f()
        msg = str(info.value)
        assert msg.startswith("restarts=1000000000 (1000000008 starts of the power method) "
                              "on X of shape 6x3 with max_iter=1000 need about")
        assert "more than the 16 GiB available" in msg
    assert power_method(X, 4, restarts=50).starts == 50 + 6 + 1  # + rows and top vector


def test_finding_6_spectral_norm_checks_its_seed_on_the_dense_path():
    X = np.random.default_rng(0).standard_normal((6, 3))
    with pytest.raises(ArgumentTypeError, match="seed must be an int, a numpy Generator or "
                                                "None, got str"):
        spectral_norm(X, seed="a")
    with pytest.raises(ArgumentTypeError, match="tol must be a real number"):
        spectral_norm(X, tol="x")
    assert spectral_norm(X, seed=None).value == spectral_norm(X).value


@pytest.mark.parametrize("q", ["\uff14", "\u0664", "4_0", " 4"])
def test_finding_6_cli_q_takes_ascii_digits_only(tmp_path, capsys, q):
    path = tmp_path / "g.npy"
    np.save(path, np.random.default_rng(0).standard_normal((6, 3)))
    code, out, err = _run(capsys, "certify", path, "--q", q)
    assert code == 2 and out == ""  # before: q = 4, exit 0
    assert err == (f"specproof certify: error: --q must be an even integer >= 2 and <= 6 "
                   f"for this method, got {q!r}\n")


def test_finding_6_docs_certify_example_prints_what_the_command_prints(
        tmp_path, capsys, monkeypatch):
    text = (ROOT / "docs" / "certificates.md").read_text(encoding="utf-8")
    block = text.split("```console\n$ specproof certify cube.npy --q 4 -o c.json", 1)[1]
    block = block.split("```", 1)[0]
    sessions = [s.split("\n", 1) for s in block.split("\n$ ")]
    monkeypatch.chdir(tmp_path)
    np.save("cube.npy", boolean_cube(3))
    commands = [["certify", "cube.npy", "--q", "4", "-o", "c.json"]]
    commands += [cmd.split()[1:] for cmd, _ in sessions[1:]]
    shown = [sessions[0][1]] + [out for _, out in sessions[1:]]
    for argv, doc in zip(commands, shown):
        code, out, err = _run(capsys, *argv)
        expected = [line for line in doc.splitlines() if line]
        got = (out + err).splitlines()
        assert got == expected, argv
    # the printed C is the certified C rounded up (18.6666666862 was below it)
    assert Fraction("18.6666666863") >= Certificate.load(tmp_path / "c.json").C


def test_finding_6_docs_name_the_limits():
    text = " ".join((ROOT / "docs" / "certificates.md").read_text(encoding="utf-8").split())
    assert "at most d = 199 columns at q = 2, 24 at q = 4, 13 at q = 6" in text
    for d, q in [(199, 2), (24, 4), (13, 6)]:
        assert math.comb(d + q - 1, q) <= 20000 < math.comb(d + q, q)
