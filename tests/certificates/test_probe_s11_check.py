"""A certificate file that is valid JSON but not an object.

The numeric and exact checkers take a ``str`` as a path to read; a file holding only the
string ``"c.json"`` was therefore judged on that other file's bytes, resolved against the
current folder (VALID, exit 0), and ``[]`` or ``5`` read as Python's TypeError.
"""

import json
import subprocess
import sys

import pytest

from specproof.certificates import check
from specproof.certificates.checker import check_bytes
from specproof.certificates.known import boolean_cube_certificate


@pytest.mark.parametrize("body, kind", [('"c.json"', "string"), ("[]", "array"),
                                        ("5", "number"), ("2.5", "number"),
                                        ("null", "null"), ("true", "boolean"),
                                        ('"{}"', "string")])
@pytest.mark.parametrize("exact", [False, True])
def test_a_json_value_that_is_not_an_object_is_malformed(tmp_path, monkeypatch, body, kind,
                                                         exact):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text(json.dumps(boolean_cube_certificate(2).to_dict()))
    assert check(tmp_path / "c.json", exact=True).ok  # the file a string could point at
    (tmp_path / "r.json").write_text(body)
    r = check(tmp_path / "r.json", exact=exact)
    assert not r.ok and r.code == "malformed"
    assert f"a certificate is a JSON object, got a JSON {kind}" in r.reason
    assert not check_bytes(body.encode(), exact=exact).ok


def test_the_command_line_refuses_a_redirect_with_exit_2(tmp_path):
    (tmp_path / "c.json").write_text(json.dumps(boolean_cube_certificate(2).to_dict()))
    (tmp_path / "r.json").write_text('"c.json"')
    run = subprocess.run([sys.executable, "-m", "specproof", "check", "--exact", "r.json"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "INVALID: malformed certificate: a certificate is a JSON object" in run.stdout


@pytest.mark.parametrize("text, message", [
    ("1,2\n3,x\n", "line 2, column 2 is 'x', not a number"),
    ("1,2\n3\n", "line 2 has 1 column where the lines above have 2"),
    ("# c\n1,2\n\n3,4,\n", "line 4, column 3 is '', not a number"),
])
def test_a_bad_csv_is_named_by_line_and_column_from_1(tmp_path, text, message):
    # numpy said "at row 1, column 2" (rows from 0, columns from 1) and advised `usecols`
    from specproof._core import ArgumentError
    from specproof.certificates.io import load_matrix

    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(ArgumentError, match="is not a CSV of numbers: " + message) as err:
        load_matrix(path)
    assert "usecols" not in str(err.value)
