"""Review of 2026-12-07 (second): stale verdicts, NaNs and crashes in the claims engine.

Each test failed before its fix: a claim defined in a notebook cell kept its PASS through
``--resume`` after the cell was edited to fail; a NaN in one row of a structured array
passed; ``--jobs 2`` ended in an internal error on results that cannot be pickled;
``ctx.evidence(measured=0.0)`` passed with nothing measured.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from specproof._core import ArgumentError, to_jsonable
from specproof.claims import REGISTRY, Registry, claim, run_claim, verify
from specproof.claims.decide import nan_in
from specproof.claims.fingerprint import code_file, code_fingerprint, outside_fingerprint

P = {"quick": {}, "paper": {}}

CELL = '''
from specproof.claims import claim
@claim("{cid}", paper="s22nb", kind="numerical", statement="err is small",
       profiles={{"quick": {{}}, "paper": {{}}}})
def check(ctx):
    err = 0.5
    return ctx.evidence(holds=err <= {tol}, measured={{"err": err}}, expected="err <= tol")
@check.control
def control(ctx):
    "a variant"
    return ctx.evidence(holds=False, measured={{"err": 9.0}})
'''


NOTEBOOK: dict = {"__name__": "__main__"}  # one kernel's namespace, as in a notebook


def _cell(cid: str, tol: float, name: str) -> None:
    """Define claim ``cid`` as a notebook cell does: code compiled from no file, run in
    the notebook's one namespace."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the registry warns when a cell is run again
        exec(compile(CELL.format(cid=cid, tol=tol), name, "exec"), NOTEBOOK)


@pytest.fixture
def notebook_claims():
    yield
    for cid in ("s22nb.tol", "s22nb.other"):
        if cid in REGISTRY:
            REGISTRY.remove(cid)


def test_a_notebook_claim_edited_to_fail_is_not_resumed(tmp_path, notebook_claims):
    out = tmp_path / "r"
    _cell("s22nb.tol", 1.0, "<ipython-input-1>")
    assert [r.verdict for r in verify([REGISTRY.get("s22nb.tol")], out, progress=None)
            .results] == ["PASS"]
    _cell("s22nb.tol", 0.1, "<ipython-input-2>")  # the cell edited: now false
    run = verify([REGISTRY.get("s22nb.tol")], out, progress=None, resume=True)
    assert run.resumed == []  # was ["s22nb.tol"], with its stale PASS and exit 0
    assert [r.verdict for r in run.results] == ["FAIL"]


def test_a_notebook_claim_is_not_carried_over_by_last_failed(tmp_path, notebook_claims):
    out = tmp_path / "r"
    _cell("s22nb.tol", 1.0, "<cell-1>")
    _cell("s22nb.other", 0.1, "<cell-2>")  # fails: --last-failed reruns it
    ids = ["s22nb.tol", "s22nb.other"]
    first = verify([REGISTRY.get(c) for c in ids], out, progress=None)
    assert [r.verdict for r in first.results] == ["PASS", "FAIL"]
    _cell("s22nb.tol", 0.1, "<cell-1, edited>")
    run = verify([REGISTRY.get("s22nb.other")], out, progress=None, keep_previous=True,
                 selection=ids)
    assert run.carried == []  # the passed notebook claim was carried as PASS
    assert sorted((r.id, r.verdict) for r in run.results) == [
        ("s22nb.other", "FAIL"), ("s22nb.tol", "FAIL")]


def test_which_code_the_fingerprint_covers(tmp_path):
    ns: dict = {}
    exec("def check(ctx): pass", ns)
    assert code_file(ns["check"]) is None
    assert "notebook cell" in outside_fingerprint([ns["check"]], code_fingerprint())
    assert outside_fingerprint([verify, None], code_fingerprint()) is None  # specproof's own
    helper = tmp_path / "helper_s22.py"
    helper.write_text("def check(ctx):\n    return 1\n")
    code = compile(helper.read_text(), str(helper), "exec")
    exec(code, ns)
    path = os.path.realpath(helper)
    assert "does not hash" in outside_fingerprint([ns["check"]], {"modules": []})
    assert outside_fingerprint([ns["check"]], {"modules": [{"path": path}]}) is None


def _measuring(reg: Registry, cid: str, value):
    c = claim(cid, paper="s22v", kind="numerical", statement="s", profiles=P, registry=reg)(
        lambda ctx: ctx.evidence(holds=True, measured={"worst": value}, expected="small"))
    c.control(lambda ctx: ctx.evidence(holds=False, measured={}), description="c")
    return c


def test_a_nan_in_one_row_of_a_structured_array_is_an_error():
    runs = np.zeros(3, dtype=[("n", "i8"), ("err", "f8")])
    runs["err"] = [1e-9, np.nan, 1e-10]
    assert nan_in({"worst": runs[1]}) == "measured['worst']['err']"
    assert nan_in({"best": runs[0]}) is None
    assert to_jsonable({"worst": runs[1]}) == {"worst": [0, "NaN"]}  # was "(0, nan)"
    result = run_claim(_measuring(Registry(), "s22v.void", runs[1]))
    assert result.verdict == "ERROR"  # was PASS


def test_numpy_times_are_recorded_and_not_a_time_is_an_error():
    assert to_jsonable({"t": np.timedelta64(5, "s"), "d": np.datetime64("2020-01-02"),
                        "ns": np.timedelta64(7, "ns")}) == {
        "t": "5 seconds", "d": "2020-01-02", "ns": "7 nanoseconds"}  # was a TypeError
    assert run_claim(_measuring(Registry(), "s22v.td", np.timedelta64(5, "s"))).verdict \
        == "PASS"  # was ERROR: "could not be recorded"
    assert run_claim(_measuring(Registry(), "s22v.nat", np.datetime64("NaT"))).verdict \
        == "ERROR"  # NaT compares False, as NaN does; it was recorded as null and passed
    assert nan_in({"a": np.array([1, "NaT"], dtype="timedelta64[s]")}) == "measured['a'][1]"


@pytest.mark.parametrize("kwargs, said", [
    ({"measured": 0.0}, "measured must be a mapping"),       # was a PASS, nothing measured
    ({"measured": np.array([1e-9])}, "measured must be a mapping"),
    ({"measured": [("a", 1)]}, "measured must be a mapping"),
    ({"table": {"a": 1}}, "table must be a list of rows"),
    ({"table": [1, 2]}, r"table\[0\] must be a mapping"),
    ({"labels": ["a"]}, "labels must be a mapping"),
])
def test_evidence_arguments_are_named(kwargs, said):
    reg = Registry()
    c = claim("s22e.x", paper="s22e", kind="numerical", statement="s", profiles=P,
              registry=reg)(lambda ctx: ctx.evidence(holds=True, **kwargs))
    c.control(lambda ctx: ctx.evidence(holds=False, measured={}), description="c")
    result = run_claim(c)
    assert result.verdict == "ERROR"
    assert "ctx.evidence: " in result.reason
    assert re.search(said, result.reason), result.reason


def test_a_profile_that_is_not_a_name_is_refused():
    reg = Registry()
    c = claim("s22p.x", paper="s22p", kind="numerical", statement="s", profiles=P,
              registry=reg)(lambda ctx: ctx.evidence(holds=True, measured={}))
    with pytest.raises(ArgumentError, match="profile must be one of"):
        run_claim(c, profile=["quick"])  # was TypeError: unhashable type: 'list'


PICKLE_HOSTILE = '''
import dataclasses
import numpy as np
from specproof.claims import claim

@claim("s22pk.fn", paper="s22pk", kind="numerical", statement="f is 1-Lipschitz",
       profiles={"quick": {"f": lambda x: np.tanh(x)}, "paper": {"f": lambda x: np.tanh(x)}})
def lip(ctx, f):
    x = np.linspace(-3, 3, 101)
    ratio = float(np.max(np.abs(np.diff(f(x))) / np.diff(x)))
    return ctx.evidence(holds=ratio <= 1, measured={"ratio": ratio}, expected="ratio <= 1")

@lip.control
def lip_ctl(ctx, f):
    "2f is not"
    return lip.check(ctx, lambda x: 2 * f(x))

@claim("s22pk.local", paper="s22pk", kind="numerical", statement="s",
       profiles={"quick": {}, "paper": {}})
def local(ctx):
    @dataclasses.dataclass
    class Result:
        err: float
    return ctx.evidence(holds=True, measured={"r": Result(0.0)})

@local.control
def local_ctl(ctx):
    "a variant"
    return ctx.evidence(holds=False, measured={})
'''


@pytest.mark.skipif(sys.platform == "win32", reason="worker processes start by fork here")
def test_jobs_two_runs_claims_whose_results_cannot_be_pickled(tmp_path):
    module = tmp_path / "s22pk.py"
    module.write_text(PICKLE_HOSTILE)
    out = tmp_path / "r"
    proc = subprocess.run(
        [sys.executable, "-m", "specproof", "verify", "--module", str(module), "--paper",
         "s22pk", "--out", str(out), "--jobs", "2"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
    # exit 70 and "internal error" before: the results could not come back from a worker
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 claims: 2 PASS" in proc.stdout
    assert Path(out, "evidence.json").is_file()
