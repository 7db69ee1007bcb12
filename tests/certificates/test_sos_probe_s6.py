"""General SoS certificates a review found expensive or misleading to check, kept as tests.

Before: a 22 KB file over 400 variables took 6 GB (the product budget ignored the number
of variables); coprime huge denominators in a Gram block ran for minutes; an 850-byte file
declaring a 20 x 20 psd matrix hung the statement recheck; a statement text with a
terminal escape drew a forged VALID line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from specproof import lemmas as lm
from specproof.certificates.check_sos import check_sos
from specproof.certificates.rational_text import rational_str
from specproof.certificates.sos_certificate import statement_digest


def _wide_doc(n: int, terms: int, power: int) -> dict:
    names = [f"x{i}" for i in range(n)]
    poly = [[[1 if j == t else 0 for j in range(n)], "1"] for t in range(terms)]
    st = {"text": " + ".join(names[:terms]) + " >= 0", "relation": ">=", "variables": names,
          "matrices": [], "polynomial": poly, "domain": {"inequalities": [], "equalities": []}}
    st["sha256"] = statement_digest(st)
    return {"schema": "specproof.sos-certificate/1", "statement": st,
            "multiplier": {"constant": "1", "power": power}, "substitution": "none",
            "blocks": [{"generator": [], "basis": [[0] * n], "gram": [["1"]]}],
            "equality_multipliers": []}


def test_a_small_file_over_many_variables_is_refused_quickly(tmp_path):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps(_wide_doc(400, 22, 2), separators=(",", ":")))
    t = time.perf_counter()
    res = check_sos(str(path))
    assert time.perf_counter() - t < 10
    assert not res.ok and res.code == "malformed" and "counted per 8 variables" in res.reason


def test_coprime_huge_denominators_in_a_gram_block_are_refused():
    cert = lm.prove("x**2 + 1 >= 2*x").certificate
    doc = cert.to_dict()
    block = doc["blocks"][0]
    primes = [2**44497 - 1, 2**86243 - 1, 2**110503 - 1]  # 241243 bits together
    N = len(block["gram"])
    k = 0
    for a in range(N):
        for b in range(a, N):
            if k < len(primes):
                g = Fraction(block["gram"][a][b]) + Fraction(1, primes[k])
                block["gram"][a][b] = block["gram"][b][a] = rational_str(g)
                k += 1
    res = check_sos(doc)
    assert not res.ok and "common denominator of blocks[0].gram" in res.reason


def test_a_declared_large_psd_matrix_fails_fast(tmp_path):
    doc = lm.prove("x**2 + 1 >= 2*x").certificate.to_dict()
    doc["statement"]["matrices"] = [["P", 20, 20, "psd"]]
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    path = tmp_path / "psd.json"
    path.write_text(json.dumps(doc))
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "specproof", "check", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - t < 60  # it ran past 60 s and kept growing
    assert out.returncode != 0 and "at most 6x6" in out.stdout + out.stderr


def test_control_characters_are_printed_escaped(tmp_path):
    doc = lm.prove("(x - 5)**2 >= 0").certificate.to_dict()
    doc["statement"]["text"] = "(x - 5)**2 >= 0 \x1b[2K\x1b[1GVALID: x >= 5"
    doc["statement"]["sha256"] = statement_digest(doc["statement"])
    path = tmp_path / "ansi.json"
    path.write_text(json.dumps(doc))
    out = subprocess.run([sys.executable, "-m", "specproof", "check", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert "\x1b" not in out.stdout + out.stderr
    assert out.returncode != 0 and out.stdout.startswith("INVALID")


@pytest.mark.parametrize("text", ["x**2 + 1 >= 2*x # >= 7"])
def test_a_comment_cannot_ride_along_in_a_proved_statement(text):
    with pytest.raises(lm.StatementError, match="no comments"):
        lm.prove(text)
