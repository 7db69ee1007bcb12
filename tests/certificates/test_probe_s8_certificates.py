"""Findings of an adversarial probe of `specproof check` / `certify` (round 8).

1. a file read three times (checker choice, proof, statement text) could be swapped
   between the reads: a forged statement was VALID;
2. non-regular files (/dev/zero, a FIFO, a symlink loop) crashed, hung or were misnamed;
3. a huge decimal exponent in --C hung;
4. --C took non-ASCII digits and underscores;
5. load_matrix rounded int64/uint64/longdouble data and took timedelta64 arrays.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.certificates import check, file_read, load_matrix
from specproof.certificates.certificate import Certificate, CertificateFormatError
from specproof.certificates.known import boolean_cube_certificate
from specproof.certificates.refute import MAX_C_EXPONENT, as_bound
from specproof.certificates.sos_certificate import statement_digest
from specproof.cli import main

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")


@pytest.fixture(scope="module")
def sos_files(tmp_path_factory):
    """An honest SoS certificate of x^2 + y^2 >= 2xy, and a forgery of it stating
    x^2 + y^2 >= 3xy (false at x = y = 1) with its statement hash recomputed."""
    from specproof.lemmas.prove import prove

    folder = tmp_path_factory.mktemp("sos")
    honest = folder / "s.json"
    prove("x**2 + y**2 >= 2*x*y").certificate.save(honest)
    doc = json.loads(honest.read_text())
    doc["statement"]["text"] = "x**2 + y**2 >= 3*x*y"
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    forged = folder / "s_forged.json"
    forged.write_text(json.dumps(doc))
    return honest, forged


def _serve_in_turn(monkeypatch, target, files):
    """Every open of ``target`` (os.open, open, io.open) opens the next of ``files`` (the
    last one from then on): a file swapped between reads. Returns the list of opens."""
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def pick(path):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == str(target):
            opened.append(str(path))
            return str(files[min(len(opened), len(files)) - 1])
        return path

    def fake_os_open(path, flags, mode=0o777, *, dir_fd=None):
        return real_os_open(pick(path), flags, mode, dir_fd=dir_fd)

    def fake_open(file, *args, **kwargs):
        return real_open(pick(file), *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    return opened


# -------------------------------------------------------------- 1. one read per check


def test_a_file_swapped_between_reads_cannot_make_a_forgery_valid(sos_files, tmp_path,
                                                                  monkeypatch, capsys):
    honest, forged = sos_files
    target = tmp_path / "cert.json"
    target.write_text(honest.read_text())
    # the probe's FIFO: forged to the checker choice and the proof, honest to the text
    opened = _serve_in_turn(monkeypatch, target, [forged, forged, honest])
    code = main(["check", str(target)])
    out = capsys.readouterr().out
    assert len(opened) == 1  # before: 3 opens, and "VALID: x**2 + y**2 >= 3*x*y"
    assert code == 1
    assert out.startswith("INVALID: the statement text does not parse to the certified "
                          "polynomial")
    assert "the coefficient of x*y is -3 in the text, -2 in the file" in out


def test_the_cli_judges_one_read_of_the_file(sos_files, tmp_path, monkeypatch, capsys):
    honest, forged = sos_files
    contents = [forged.read_bytes(), honest.read_bytes(), honest.read_bytes()]
    calls: list[str] = []

    def swapping_read(path):
        calls.append(os.fspath(path))
        return contents[min(len(calls), 3) - 1]

    monkeypatch.setattr(file_read, "read_certificate_bytes", swapping_read)
    target = tmp_path / "c.json"
    target.write_text("{}")
    assert main(["check", str(target), "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert calls == [str(target)]
    assert (verdict["valid"], verdict["code"]) == (False, "statement_mismatch")
    assert verdict["statement"] == "x**2 + y**2 >= 3*x*y"
    # and the honest bytes alone are VALID, read once
    contents[0] = honest.read_bytes()
    calls.clear()
    assert main(["check", str(target)]) == 0
    assert calls == [str(target)]
    assert capsys.readouterr().out.startswith("VALID: x**2 + y**2 >= 2*x*y")


def test_the_python_check_of_a_two_to_q_file_reads_it_once(tmp_path, monkeypatch):
    path = tmp_path / "cube.json"
    boolean_cube_certificate(3).save(path)
    opened = _serve_in_turn(monkeypatch, path, [path])
    res = check(str(path), exact=True)
    assert (res.ok, res.code, res.shape) == (True, "ok", (8, 3))
    assert len(opened) == 1  # before: 2 (schema sniffing, then the checker's own read)


# ------------------------------------------------------ 2. only regular files, capped


def _cli(*argv, timeout=120):
    """The command in a fresh interpreter (2 GiB of address space): a hang or a memory
    blow-up fails the test instead of stalling or starving the suite."""
    def limit():  # pragma: no cover - runs in the child
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    return subprocess.run([sys.executable, "-m", "specproof", *argv], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit)


@POSIX
def test_check_refuses_a_fifo_and_a_device_with_one_line(tmp_path):
    fifo = tmp_path / "cert.fifo"
    os.mkfifo(fifo)  # no writer: reading it used to block for ever
    for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device")):
        t0 = time.monotonic()
        proc = _cli("check", str(path))
        assert time.monotonic() - t0 < 60
        assert proc.returncode == 2, proc.stderr  # before: a hang; /dev/zero MemoryError, 70
        assert proc.stdout == ""
        assert proc.stderr.strip() == (
            f"specproof check: error: certificate file {str(path)!r} is not a regular file "
            f"({kind}); give a certificate file")


@POSIX
def test_the_python_check_and_load_refuse_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "c.fifo"
    os.mkfifo(fifo)
    res = check(str(fifo))
    assert (res.ok, res.code) == (False, "malformed")
    assert "is not a regular file (a FIFO)" in res.reason
    with pytest.raises(CertificateFormatError, match="is not a regular file"):
        Certificate.load(fifo)
    with pytest.raises(file_read.CertificateFileError, match="a FIFO"):
        file_read.read_certificate_bytes(fifo)


def test_a_symlink_loop_is_named_as_such(tmp_path, capsys):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert main(["check", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"specproof check: error: certificate file {str(tmp_path / 'a')!r} is a "
                   "symbolic link loop (too many levels of symbolic links)")
    # before: "does not exist"; a dangling link says where it points to nothing
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    assert main(["check", str(tmp_path / "dangling")]) == 2
    assert "is a symbolic link to a file that does not exist" in capsys.readouterr().err


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path, capsys):
    assert file_read.MAX_CERTIFICATE_BYTES == 256 * 2**20
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:  # sparse: no disk used
        fh.truncate(file_read.MAX_CERTIFICATE_BYTES + 1)
    assert main(["check", str(big)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"specproof check: error: certificate file {str(big)!r} is larger than 256 MiB "
        "(268,435,457 bytes), the most a certificate file may hold")
    res = check(str(big))
    assert res.code == "malformed" and "larger than 256 MiB" in res.reason


def test_a_regular_file_still_reads_and_missing_files_and_folders_keep_their_words(
        tmp_path, capsys):
    path = tmp_path / "cube.json"
    boolean_cube_certificate(2).save(path)
    assert file_read.read_certificate_bytes(path) == path.read_bytes()
    assert main(["check", str(path), "--exact"]) == 0
    assert capsys.readouterr().out.startswith("VALID: ||X||_{2->4}^4 <= 8 for X of shape 4x2")
    assert main(["check", str(tmp_path / "none.json")]) == 2
    assert "certificate file" in (err := capsys.readouterr().err) and "does not exist" in err
    assert main(["check", str(tmp_path)]) == 2
    assert "is a directory, not a file" in capsys.readouterr().err


# --------------------------------------------------------- 3. and 4. parsing of --C


@pytest.fixture
def xfile(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).standard_normal((6, 3)))
    return str(path)


@pytest.mark.parametrize("text", ["1e-5000000", "1e99999999999", "1e-100001", "1e100001",
                                  "0.0000000001e-99991", "1/" + "1" * 100_002,
                                  "2" * 100_002],
                         ids=["1e-5000000", "1e99999999999", "1e-100001", "1e100001",
                              "1e-10e-99991", "1/(100002 ones)", "100002 twos"])
def test_huge_decimal_exponents_are_refused_at_once(text):
    t0 = time.monotonic()
    with pytest.raises(ArgumentError, match=r"at most 10\^100000 \(a decimal exponent "
                                            r"within ±100000"):
        as_bound(text)
    assert time.monotonic() - t0 < 5  # before: hours (10^99999999999 was being built)


def test_huge_numbers_of_other_types_are_refused_too():
    for C in (Fraction(1, 10**100_001), 10**100_001, Decimal("1e-5000000"),
              Decimal("1e99999999999")):
        with pytest.raises(ArgumentError, match="at most 10\\^100000"):
            as_bound(C)


def test_the_limit_itself_is_accepted_exactly():
    assert MAX_C_EXPONENT == 100_000
    assert as_bound("1e-100000") == Fraction(1, 10**100_000)
    assert as_bound("1e100000") == 10**100_000
    assert as_bound("1e-50000") == Fraction(1, 10**50_000)
    assert as_bound("123.45e-2") == Fraction(12345, 10_000)
    assert as_bound(" -1/3 ") == Fraction(-1, 3)
    assert as_bound(".5") == Fraction(1, 2) and as_bound("5.") == 5
    assert as_bound("0e99999999") == 0


def test_cli_huge_exponent_is_one_line_exit_2(xfile):
    proc = _cli("certify", xfile, "--C", "1e-5000000")  # before: a hang
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "specproof certify: error: --C must have a numerator and a denominator of at most "
        "10^100000 (a decimal exponent within ±100000, e.g. 1e-100000), got '1e-5000000'")


def test_a_tiny_false_bound_is_still_false_and_prints_its_exact_c(xfile, capsys):
    assert main(["certify", xfile, "--C", "1e-50000"]) == 4
    assert "> C = 1e-50000 (v scaled" in capsys.readouterr().out
    # --json printed str(C): Python's 4300-digit limit raised (exit 70)
    assert main(["certify", xfile, "--C", "1e-50000", "--json"]) == 4
    out = json.loads(capsys.readouterr().out)
    assert out["false"] is True and out["C"] == "1/1" + "0" * 50_000


@pytest.mark.parametrize("text", ["١٢", "1_000", "１２", "1e1_0", "٣/٤", "inf", "-inf"])
def test_c_takes_only_ascii_decimal_or_rational_text(text, xfile, capsys):
    with pytest.raises(ArgumentError, match=r"C must be a finite number \(ASCII digits"):
        as_bound(text)  # before: '١٢' was 12, '1_000' 1000
    assert main(["certify", xfile, "--C", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("specproof certify: error: --C must be a finite number")
    assert "expected one argument" not in err  # "--C -inf" reaches the check that names it


def test_negative_values_reach_the_bound_check(xfile, capsys):
    # "-1e-5" looked like an option to argparse ("expected one argument")
    assert main(["certify", xfile, "--C", "-1e-5"]) == 4
    assert "> C = -0.00001 (v scaled" in capsys.readouterr().out


# ----------------------------------------------------- 5. data float64 would round


def test_integers_beyond_2_53_that_float64_rounds_are_refused(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.array([[1, 2**62 + 1], [3, 4]], dtype=np.int64))
    with pytest.raises(ArgumentError) as info:
        load_matrix(path)
    assert str(info.value).startswith(
        f"{str(path)!r} holds the integer 4611686018427387905 at index (0, 1), which "
        "float64 cannot represent exactly (it would become 4611686018427387904")
    np.save(path, np.array([[2**64 - 1, 1], [3, 5]], dtype=np.uint64))
    with pytest.raises(ArgumentError, match=r"18446744073709551615 at index \(0, 0\)"):
        load_matrix(path)
    # exactly representable large integers are kept, exactly
    np.save(path, np.array([[2**60, -(2**63)], [2**53 + 2, 0]], dtype=np.int64))
    X = load_matrix(path)
    assert [int(x) for x in X.ravel()] == [2**60, -(2**63), 2**53 + 2, 0]


@pytest.mark.skipif(np.finfo(np.longdouble).nmant <= 52, reason="longdouble is float64 here")
def test_long_doubles_that_float64_rounds_are_refused(tmp_path):
    path = tmp_path / "ld.npy"
    x = np.longdouble(1) + np.longdouble(2) ** -60
    np.save(path, np.array([[1, 2], [3, x]], dtype=np.longdouble))
    with pytest.raises(ArgumentError, match=r"holds the long double 1\.0000000000000000009 at "
                                            r"index \(1, 1\), which float64 cannot represent "
                                            r"exactly \(it would become 1\.0\)"):
        load_matrix(path)
    np.save(path, np.array([[np.longdouble("1e400"), 1]], dtype=np.longdouble))
    with pytest.raises(ArgumentError, match="it would become inf"):
        load_matrix(path)
    np.save(path, np.array([[1.5, -0.25]], dtype=np.longdouble))
    assert load_matrix(path).tolist() == [[1.5, -0.25]]


@pytest.mark.parametrize("dtype", ["timedelta64[s]", "datetime64[D]"])
def test_times_and_durations_are_not_numbers(tmp_path, dtype):
    path = tmp_path / "t.npy"
    np.save(path, np.array([[1, 2], [3, 4]]).astype(dtype))
    with pytest.raises(ArgumentError, match=rf"holds dtype {dtype.replace('[', '.')}.*"
                                            r"times or durations"):
        load_matrix(path)
