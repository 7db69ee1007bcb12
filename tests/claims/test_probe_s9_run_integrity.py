"""Probe s9: a run's verdict and evidence are the check's own, whatever the check does.

A1. A NaN inside a non-numpy array-like (torch tensor, ``array.array``, ``memoryview``,
    anything with ``__array__``) or only in the check's table is seen by the NaN rule;
    ``to_jsonable`` writes array-likes as numbers.
A6. A record read back from ``evidence.json`` is judged by the same NaN rule.
A7. The control cannot overwrite the check's recorded numbers (a shared buffer).
A8. ``np.seterr``, the warnings filters and matplotlib's rcParams do not leak from one
    claim into the next.
A4. ``os._exit`` in a check is the claim's ERROR in this process; a forked child exits.
C2. A measured value whose conversion raises is the claim's ERROR; the run goes on.
D4. Display converts only what it shows.
"""

from __future__ import annotations

import array
import contextlib
import io
import json
import math
import os
import sys
import textwrap
import warnings

import numpy as np
import pytest

from specproof._core import to_jsonable
from specproof.claims import REGISTRY, Registry, claim, run_claim
from specproof.claims.decide import nan_in
from specproof.claims.display import format_value
from specproof.claims.results import record_verdict
from specproof.claims.resume import result_from_record
from specproof.claims.values import format_inline, measured_rows
from specproof.cli import main

NAN_CHECK = "the check holds, but with NaN in "


def _claim(reg, name, body, control_holds=False):
    """A claim whose check returns ``body(ctx)`` and whose control fails cleanly."""

    @claim(f"s9.{name}", paper="s9", kind="numerical", statement=name,
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def check(ctx):
        return body(ctx)

    @check.control
    def control(ctx):
        """a variant that fails"""
        return ctx.evidence(holds=control_holds, measured={"v": 1.0}, expected="v")

    return check


def _holds_with(measured=None, table=None):
    return lambda ctx: ctx.evidence(holds=True, measured=measured or {"ok": 1},
                                    table=table, expected="no err > tol")


class FakeTensor:
    """An array-like as torch's: ``__array__``, and ``float()`` of several elements raises."""

    def __init__(self, values):
        self.values = list(values)

    def __array__(self, dtype=None, copy=None):
        return np.array(self.values, dtype=dtype)

    def __float__(self):
        raise RuntimeError("only one element tensors can be converted to Python scalars")

    def __gt__(self, other):
        return FakeTensor([v > other for v in self.values])

    def any(self):
        return any(self.values)


# A1 ------------------------------------------------------------------------------------

ARRAY_LIKES = {
    "fake-tensor": lambda: FakeTensor([1e-5, math.nan, 2e-5]),
    "array.array": lambda: array.array("d", [1e-5, math.nan, 2e-5]),
    "memoryview": lambda: memoryview(np.array([1e-5, math.nan, 2e-5])),
    "masked": lambda: np.ma.masked_invalid([1e-5, math.nan, 2e-5]),
}


@pytest.mark.parametrize("kind", sorted(ARRAY_LIKES))
def test_a_check_holding_with_nan_in_an_array_like_is_an_error(kind):
    def body(ctx):
        errs = ARRAY_LIKES[kind]()
        holds = not bool((np.asarray(errs) > 1e-3).any())  # NaN > tol is False
        return ctx.evidence(holds=holds, measured={"errs": errs}, expected="no err > tol")

    r = run_claim(_claim(Registry(), "arr", body))
    assert (r.verdict, r.reason) == ("ERROR", NAN_CHECK + "measured['errs'][1]: a verdict "
                                     "cannot rest on a measured value that is not a number")
    assert nan_in({"e": ARRAY_LIKES[kind]()}) == "measured['e'][1]"


def test_a_nan_in_a_torch_tensor_is_seen_and_stored_as_numbers():
    torch = pytest.importorskip("torch")
    grad = torch.tensor([1.0, 2.0], requires_grad=True) * torch.tensor([1.0, math.nan])
    for value in (torch.tensor([1e-5, math.nan]), grad, torch.tensor([0.5, math.nan],
                                                                    dtype=torch.bfloat16)):
        assert nan_in({"e": value}) == "measured['e'][1]"
        assert to_jsonable(value)[1] == "NaN" and isinstance(to_jsonable(value)[0], float)
    r = run_claim(_claim(Registry(), "torch", _holds_with({"e": torch.tensor([0.0, math.nan])})))
    assert r.verdict == "ERROR" and NAN_CHECK + "measured['e'][1]" in r.reason
    assert r.to_dict()["check"]["measured"]["e"] == [0.0, "NaN"]


def test_a_nan_only_in_the_checks_table_is_an_error():
    r = run_claim(_claim(Registry(), "table", _holds_with(table=[{"err": 0.0},
                                                                 {"err": math.nan}])))
    assert r.verdict == "ERROR"
    assert r.reason.startswith(NAN_CHECK + "table[1]['err']: a verdict cannot rest")


def test_to_jsonable_writes_array_likes_as_numbers():
    assert to_jsonable({"a": array.array("d", [0.5, math.nan]),
                        "m": memoryview(np.array([1, 2])), "t": FakeTensor([1.5]),
                        "z": np.array(2.5)}) == {"a": [0.5, "NaN"], "m": [1, 2],
                                                 "t": [1.5], "z": 2.5}


# A6 ------------------------------------------------------------------------------------

def _passing_record():
    return run_claim(_claim(Registry(), "rec", _holds_with({"err": 1e-9}))).to_dict()


@pytest.mark.parametrize("nan", ['"NaN"', "NaN"])  # as to_jsonable writes it, or bare
@pytest.mark.parametrize("where", ["check", "control", "table"])
def test_a_record_read_back_with_a_nan_is_judged_by_the_nan_rule(nan, where):
    rec = _passing_record()
    assert record_verdict(rec)[0] == "PASS"
    text = json.dumps(rec).replace('"err": 1e-09', f'"err": {nan}')
    if where == "control":
        text = json.dumps(rec).replace('"v": 1.0', f'"v": {nan}')
    if where == "table":
        rec["check"]["table"] = [{"err": 0.0}, {"err": "NaN"}]
        text = json.dumps(rec).replace('"NaN"', nan)
    edited = json.loads(text)
    verdict, reason = record_verdict(edited)
    assert verdict == "ERROR"
    expected = {"check": NAN_CHECK + "measured['err']",
                "control": "the negative control fails, but with NaN in measured['v']",
                "table": NAN_CHECK + "table[1]['err']"}[where]
    assert reason.startswith(expected)
    assert result_from_record(edited).verdict == "ERROR"  # --resume keeps it as ERROR


def test_a_value_written_as_nan_gets_the_same_verdict_live_and_read_back():
    # evidence.json writes a NaN as "NaN": a string "NaN" reads back as one, so the live
    # verdict treats it as one too (the report of the run rendered ERROR beside a PASS)
    r = run_claim(_claim(Registry(), "str", _holds_with({"status": "NaN"})))
    assert (r.verdict, record_verdict(r.to_dict())[0]) == ("ERROR", "ERROR")
    assert r.reason.startswith(NAN_CHECK + "measured['status']")
    assert nan_in({"status": "NaN"}) is None  # as a measured value, a string is no number


# A7 ------------------------------------------------------------------------------------

def test_the_control_cannot_overwrite_the_checks_recorded_numbers():
    buf = np.zeros(3)
    reg = Registry()

    @claim("s9.buf", paper="s9", kind="numerical", statement="errors are small",
           profiles={"quick": {"scale": 1e-12}, "paper": {"scale": 1e-12}}, registry=reg)
    def chk(ctx, scale):
        buf[:] = scale
        return ctx.evidence(holds=bool(buf.max() < 1e-6), measured={"errs": buf},
                            table=[{"row": buf}], expected="max err < 1e-6")

    @chk.control
    def ctl(ctx, scale):
        """errors blown up"""
        return chk.check(ctx, scale=1.0)

    r = run_claim(chk)
    assert r.verdict == "PASS"
    assert r.check.measured["errs"].tolist() == [1e-12] * 3
    rec = r.to_dict()
    assert rec["check"]["measured"]["errs"] == [1e-12] * 3
    assert rec["check"]["table"] == [{"row": [1e-12] * 3}]
    assert rec["control"]["measured"]["errs"] == [1.0] * 3


# A8 ------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
def test_global_numeric_state_does_not_leak_between_claims():
    reg = Registry()
    plt = pytest.importorskip("matplotlib")  # imported: its rcParams are put back too
    size = plt.rcParams["font.size"]

    def meddle(ctx):
        np.seterr(all="raise")
        warnings.simplefilter("error")
        plt.rcParams["font.size"] = 31.0
        return ctx.evidence(holds=True, measured={"v": 0.0}, expected="v")

    def log_bound(ctx):
        x = np.linspace(0, 3, 7)
        gap = float(np.max(np.log(x) - (x - 1)))  # log 0 = -inf: raises if "raise" leaked
        warnings.warn("harmless", UserWarning, stacklevel=1)  # raises if "error" leaked
        return ctx.evidence(holds=gap <= 0, measured={"gap": gap}, expected="gap <= 0")

    before = (np.geterr(), list(warnings.filters))
    first = run_claim(_claim(reg, "meddle", meddle))
    second = run_claim(_claim(reg, "log", log_bound))
    assert (first.verdict, second.verdict) == ("PASS", "PASS"), second.reason
    assert (np.geterr(), list(warnings.filters)) == before
    assert plt.rcParams["font.size"] == size


# A4 ------------------------------------------------------------------------------------

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _in_child(fn):
    """``fn()`` run in a forked child, its JSON-able result sent back: where os._exit is
    not caught, it ends the child only (it ended pytest itself, with exit status 0)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then end without pytest's exit handlers
        os.close(read)
        try:
            out = {"result": fn()}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out = {"raised": repr(exc)}
        with os.fdopen(write, "w") as f:
            f.write(json.dumps(out))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        text = f.read()
    os.waitpid(pid, 0)
    assert text, "the process ended without an answer: os._exit ended it"
    answer = json.loads(text)
    assert "raised" not in answer, answer["raised"]
    return answer["result"]


@needs_fork
def test_os_exit_in_a_check_is_its_error_and_a_forked_child_still_exits():
    def dies(ctx):
        os._exit(0)

    def swallows(ctx):
        try:
            os._exit(3)
        except BaseException:  # noqa: BLE001 - a bare except, as a library may have
            pass
        return ctx.evidence(holds=True, measured={"v": 0.0}, expected="v")

    def forks(ctx):
        pid = os.fork()
        if pid == 0:
            os._exit(7)  # the child ends as it always did
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        return ctx.evidence(holds=code == 7, measured={"code": code}, expected="code == 7")

    def run_all():
        reg, real = Registry(), os._exit
        out = [(r.verdict, r.reason) for r in (run_claim(_claim(reg, n, body)) for n, body in
                                               (("dies", dies), ("swallows", swallows),
                                                ("forks", forks)))]
        return out, os._exit is real

    (dead, swallowed, forked), restored = _in_child(run_all)
    assert dead[0] == "ERROR"
    assert dead[1].startswith("the check called os._exit(0) (at test_probe_s9_run_integrity.py")
    assert dead[1].endswith("which would have ended the whole run with no report")
    assert swallowed[0] == "ERROR" and swallowed[1].startswith("the check called os._exit(3)")
    assert forked == ["PASS", "the check holds and the negative control fails"]
    assert restored


# C2 ------------------------------------------------------------------------------------

class Result:
    def to_dict(self):
        return {"err": self.err}  # an attribute never set


class BadFloat:
    def __float__(self):
        raise LookupError("no scalar")


class BadStr:
    def __str__(self):
        raise KeyError("str boom")


def _deep(n):
    x = 0.0
    for _ in range(n):
        x = [x]
    return x


@pytest.mark.parametrize(("value", "error"), [
    (Result(), "AttributeError: 'Result' object has no attribute 'err' "
               "(at test_probe_s9_run_integrity.py"),
    (BadFloat(), "LookupError: no scalar (at test_probe_s9_run_integrity.py"),
    (BadStr(), "KeyError: 'str boom' (at test_probe_s9_run_integrity.py"),
    (_deep(3000), "RecursionError: maximum recursion depth exceeded"),
], ids=["to_dict", "float", "str", "deep"])
def test_a_value_that_cannot_be_recorded_is_the_claims_error(value, error):
    r = run_claim(_claim(Registry(), "rec", _holds_with({"x": 1.0, "r": value})))
    assert r.verdict == "ERROR"
    assert r.reason.startswith("the check's measured['r'] could not be recorded: " + error)
    json.dumps(r.to_dict(), allow_nan=False)  # writable: the run goes on
    r = run_claim(_claim(Registry(), "cell", _holds_with(table=[{"a": 1}, {"b": value}])))
    assert r.reason.startswith("the check's table[1]['b'] could not be recorded: " + error)


MODULE = textwrap.dedent('''
    import os
    from specproof.claims import claim

    class Result:
        def to_dict(self):
            return {"err": self.err}

    @claim("s9run.obj", paper="s9run", kind="numerical", statement="s",
           profiles={"quick": {}, "paper": {}})
    def obj(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"r": Result()}, expected="x")

    @obj.control
    def obj_c(ctx):
        """flip"""
        return obj.check(ctx, flip=True)

    @claim("s9run.dies", paper="s9run", kind="numerical", statement="exits",
           profiles={"quick": {}, "paper": {}})
    def dies(ctx):
        os._exit(0)

    @dies.control
    def dies_c(ctx):
        """x"""
        return ctx.evidence(holds=False, measured={}, expected="")

    @claim("s9run.innocent", paper="s9run", kind="numerical", statement="runs after",
           profiles={"quick": {}, "paper": {}})
    def inn(ctx, flip=False):
        return ctx.evidence(holds=not flip, measured={"v": 0}, expected="x")

    @inn.control
    def inn_c(ctx):
        """flip"""
        return inn.check(ctx, flip=True)
''')


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "s9run_claims.py"
    path.write_text(MODULE)
    yield path
    for cid in ("s9run.obj", "s9run.dies", "s9run.innocent"):
        if cid in REGISTRY:
            REGISTRY.remove(cid)
    for name in [n for n in sys.modules if n.startswith("_specproof_user_")]:
        del sys.modules[name]


@needs_fork
def test_verify_goes_on_after_a_claim_that_cannot_be_recorded_or_exits(module, tmp_path):
    out = tmp_path / "rep"

    def verify():
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["verify", "--module", str(module), "--paper", "s9run",
                         "--out", str(out)])
        return code, stderr.getvalue()

    code, stderr = _in_child(verify)  # exit status 70 or 0 and no report, before
    assert code == 1, stderr
    doc = json.loads((out / "evidence.json").read_text())
    verdicts = {r["id"]: (r["verdict"], r["reason"]) for r in doc["claims"]}
    assert verdicts["s9run.innocent"][0] == "PASS"
    assert verdicts["s9run.obj"][0] == "ERROR"
    assert verdicts["s9run.obj"][1].startswith(
        "the check's measured['r'] could not be recorded: AttributeError:")
    assert verdicts["s9run.dies"][0] == "ERROR"
    assert verdicts["s9run.dies"][1].startswith("the check called os._exit(0)")
    assert doc["summary"] == {"PASS": 1, "FAIL": 0, "VACUOUS": 0, "ERROR": 2}


# D4 ------------------------------------------------------------------------------------

def test_display_converts_only_what_it_shows():
    # a value past what is shown that would raise if converted: display never gets to it
    long = [0.5] * 200 + [BadStr()]
    arr = np.array(long, dtype=object)
    assert format_inline(long, "plain") == "[" + "0.5, " * 8 + "… (193 more)]"
    assert format_inline({"a": arr}, "md") == "a: [" + "0.5, " * 8 + "… (193 more)]"
    assert format_value(long) == format_value([0.5] * 200)
    assert format_value(arr, limit=40) == format_value([0.5] * 200, limit=40)
    assert format_value(arr, limit=40) == "[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0..."
    row = measured_rows({"x": arr}, {"x": 1.0})[0]
    assert format_inline(row.check, "plain").endswith("… (193 more)]")
    # a list nested 300 deep (which the evidence records) is shown to a depth of 20: the
    # report writer recursed past Python's limit on one nested 400 deep
    assert format_value(_deep(300)) == "[" * 20 + "…" + "]" * 20
    assert format_inline({"d": _deep(300)}, "md") == "d: " + "[" * 19 + "…" + "]" * 19
    # the same text as the whole value converted
    big = np.linspace(0, 1, 100_001)
    assert format_inline(big, "tex") == format_inline(to_jsonable(big), "tex")
    assert format_value(big) == format_value(to_jsonable(big))
