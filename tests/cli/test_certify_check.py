"""`specproof certify` and `specproof check` on real files."""

import itertools
import json

import numpy as np
import pytest

from specproof.certificates.rigorous import root_upper
from specproof.cli import main


@pytest.fixture
def cube(tmp_path):
    path = tmp_path / "cube.npy"
    np.save(path, np.array(list(itertools.product([-1.0, 1.0], repeat=3))))
    return path


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_certify_json_sandwich_bounds_the_norm(cube, tmp_path, capsys):
    cert = tmp_path / "c.json"
    code, out, _ = _run(capsys, "certify", str(cube), "--q", "4", "--json", "-o", str(cert))
    assert code == 0
    s = json.loads(out)
    true_norm = (8 * (3 - 2 / 3)) ** 0.25  # Boolean cube m = 3: 2^m (3 - 2/m)
    assert s["q"] == 4 and s["method"] == "sos4"
    assert s["lower"] <= true_norm * (1 + 1e-12)
    assert true_norm <= s["upper"] <= true_norm * (1 + 1e-6)
    w = np.array(s["witness"])
    X = np.load(cube)
    assert abs(np.linalg.norm(w) - 1) < 1e-12
    assert abs(np.sum((X @ w) ** 4) ** 0.25 - s["lower"]) < 1e-12
    code, out, _ = _run(capsys, "check", str(cert))
    assert code == 0 and out.startswith("VALID")


def test_exact_round_trip_from_csv_and_tampering(tmp_path, capsys):
    data = tmp_path / "x.csv"
    np.savetxt(data, np.random.default_rng(1).standard_normal((9, 3)), delimiter=",")
    cert = tmp_path / "x.json"
    code, out, _ = _run(capsys, "certify", str(data), "--exact", "-o", str(cert))
    assert code == 0 and "sos4-exact" in out and "certificate written" in out
    code, out, _ = _run(capsys, "check", str(cert), "--exact")
    assert (code, out.split(":")[0]) == (0, "VALID")
    doc = json.loads(cert.read_text())
    num, den = (int(t) for t in doc["C"]["rational"].split("/"))
    doc["C"]["rational"] = f"{num - 1}/{den}"  # C lowered by one unit in the last place
    doc["C"]["float"] = num / den
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, _ = _run(capsys, "check", str(bad), "--exact")
    assert code == 1 and out.startswith("INVALID")
    code, out, _ = _run(capsys, "check", str(cert))  # the numeric checker accepts it too
    assert code == 0


def test_unreadable_files_exit_2(tmp_path, capsys):
    code, out, err = _run(capsys, "check", str(tmp_path / "missing.json"))
    assert code == 2 and out == "" and "does not exist" in err  # a usage error
    trunc = tmp_path / "t.json"
    trunc.write_text('{"schema": "specproof.certificate/1", "X": ')
    code, out, _ = _run(capsys, "check", str(trunc))
    assert code == 2 and out.startswith("INVALID")
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"hello": 1}))
    code, out, _ = _run(capsys, "check", str(wrong))
    assert code == 2 and out.startswith("INVALID")  # malformed, not a false bound


def test_certify_bad_input(tmp_path, capsys):
    nan = tmp_path / "nan.npy"
    np.save(nan, np.array([[1.0, np.nan], [0.0, 1.0]]))
    code, _, err = _run(capsys, "certify", str(nan))
    assert code == 2 and "(0, 1)" in err
    code, _, err = _run(capsys, "certify", str(tmp_path / "nothing.npy"))
    assert code == 2
    ok = tmp_path / "ok.npy"
    np.save(ok, np.eye(2))
    code, _, err = _run(capsys, "certify", str(ok), "-o", str(tmp_path / "no" / "dir.json"))
    assert code == 2 and "does not exist" in err
    code, _, err = _run(capsys, "certify", str(ok), "--q", "3")
    assert code == 2 and "even integer" in err
    code, _, err = _run(capsys, "certify", str(ok), "--q", "8")
    assert code == 2 and "at most 6" in err
    code, _, err = _run(capsys, "certify", str(ok), "--solver", "clarabell")
    assert code == 2 and "did you mean 'clarabel'" in err


def test_certified_norm_upper_never_below_the_root():
    from fractions import Fraction

    for c in (Fraction(16), Fraction(933334267, 50000000), Fraction(1, 3), Fraction(10**30 + 1),
              Fraction(1, 10**1300), Fraction(10**600 + 7, 3)):
        for q in (2, 4, 6):
            up = root_upper(c, q)
            assert Fraction(up) ** q >= c  # never below the root, at any magnitude
            assert Fraction(up) ** q <= c * (1 + Fraction(1, 10**14)) or up < 1e-300


def test_cli_profiles_are_the_engines_and_certify_help_loads_no_plotting():
    import subprocess
    import sys

    from specproof import cli
    from specproof.claims import PROFILES

    assert cli.PROFILES == PROFILES
    code = ("import sys; from specproof.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('matplotlib', 'scipy', 'cvxpy', 'clarabel', 'scs') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_certify_refuses_before_any_work(tmp_path, capsys, monkeypatch):
    # issue 8, item 5: -o checked first, the size estimated before building, X = 0 refused
    import importlib

    certify_module = importlib.import_module("specproof.certificates.certify")

    def no_work(*args, **kwargs):
        raise AssertionError("work started before the refusal")

    monkeypatch.setattr(certify_module, "rationalize", no_work)
    monkeypatch.setattr("specproof.certificates.conic.available_memory", lambda: 16 * 2**30)
    ok = tmp_path / "ok.npy"
    np.save(ok, np.eye(2))
    code, out, err = _run(capsys, "certify", str(ok), "-o", str(tmp_path))
    assert code == 2 and "is a folder" in err and err.count("\n") == 1 and not out
    big = tmp_path / "big.npy"
    np.save(big, np.ones((10000, 200)))
    code, out, err = _run(capsys, "certify", str(big), "--q", "4")
    assert code == 2 and "68685050 monomials" in err and err.count("\n") == 1
    monkeypatch.undo()
    zero = tmp_path / "zero.npy"
    np.save(zero, np.zeros((3, 2)))
    code, out, err = _run(capsys, "certify", str(zero))
    assert code == 2 and "nothing to certify" in err


def test_check_prints_the_bound_shape_and_hash(cube, tmp_path, capsys):
    cert = tmp_path / "c.json"
    assert _run(capsys, "certify", str(cube), "-o", str(cert))[0] == 0
    code, out, _ = _run(capsys, "check", str(cert))
    assert code == 0 and out.count("\n") == 1
    assert out.startswith("VALID: ||X||_{2->4}^4 <= ") and "for X of shape 8x3 (sha256 " in out
    code, out, _ = _run(capsys, "check", str(cert), "--json")
    verdict = json.loads(out)
    assert verdict["code"] == "ok" and verdict["shape"] == [8, 3] and len(verdict["x_sha256"]) == 64
