"""Probe s16: the claims engine runs what it is given and keeps no stale verdict.

1. ``verify`` runs the Claim objects it is given (a claim of a private Registry ran the
   global registry's claim of the same id, or failed to be found).
2. ``--resume`` / ``--last-failed`` rerun a claim whose parameters changed, and see a
   helper that a check imports only while it runs.
3. Two claims built from different large arrays are not "the same claim".
4. An override the control does not take is refused before anything runs.
5. A FAIL reason shows a measured float in full.
6. Python's ``"nan"`` text is a NaN, as ``"NaN"`` is.
7. ``deciding_values`` names the side ``deciding_side`` names.
8. ``--module path.py`` imports a helper beside the file.
9. Malformed registrations and module names are one clear error.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError
from specproof.claims import REGISTRY, Registry, claim, run_claim, select_claims, verify
from specproof.claims.claim import DuplicateClaimError
from specproof.claims.resume import ResumeError, params_change
from specproof.claims.selection import UserModuleError, import_user_modules
from specproof.cli import main
from specproof.theory import load_builtin_claims

P = {"quick": {}, "paper": {}}


@pytest.fixture
def forget():
    """Claims and modules a test registers or imports, removed afterwards."""
    load_builtin_claims()
    before = {c.id for c in REGISTRY}
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    for c in list(REGISTRY):
        if c.id not in before:
            REGISTRY.remove(c.id)
    for name in set(sys.modules) - modules:
        if name.startswith(("_specproof_user_", "s16")):
            del sys.modules[name]
    sys.path[:] = path


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _constant_claim(reg: Registry, holds: bool, cid: str = "s16reg.x") -> None:
    @claim(cid, paper=cid.split(".")[0], kind="exact", statement="a constant verdict",
           profiles=P, registry=reg)
    def chk(ctx, flip=False):
        return ctx.evidence(holds=holds != flip, measured={"holds_const": holds})

    @chk.control
    def ctl(ctx, flip=False):
        """flipped"""
        return chk.check(ctx, flip=True)


# 1. verify runs the claims it is given ------------------------------------------------

def test_verify_runs_the_claim_objects_it_is_given(tmp_path, forget):
    mine = Registry()
    _constant_claim(mine, holds=False)  # the user's claim: false
    _constant_claim(REGISTRY, holds=True)  # another claim of that id: true
    run = verify(select_claims(registry=mine), tmp_path / "r", progress=None)
    assert [(r.id, r.verdict) for r in run.results] == [("s16reg.x", "FAIL")]
    assert run.results[0].check.measured == {"holds_const": False}
    assert run.exit_code == 1


def test_verify_of_a_private_registry_without_a_global_twin_runs(tmp_path, forget):
    mine = Registry()
    _constant_claim(mine, holds=True)
    run = verify(select_claims(registry=mine), tmp_path / "r", progress=None)
    assert [(r.id, r.verdict) for r in run.results] == [("s16reg.x", "PASS")]


def test_a_pool_refuses_claims_its_workers_would_not_find(tmp_path, forget):
    mine = Registry()
    _constant_claim(mine, holds=False)
    _constant_claim(mine, holds=False, cid="s16reg.y")
    _constant_claim(REGISTRY, holds=True)
    with pytest.raises(ArgumentError, match=r"claim 's16reg.x' is not the one registered "
                                            r"there .*run it with jobs=1"):
        verify(select_claims(registry=mine), tmp_path / "r", progress=None, jobs=2)
    assert not (tmp_path / "r" / "evidence.json").exists()


# 2. resume and --last-failed: parameters and lazily imported helpers ------------------

PARAM_CLAIMS = textwrap.dedent('''
    import json, os
    from specproof.claims import claim
    HERE = os.path.dirname(os.path.abspath(__file__))
    N = json.load(open(os.path.join(HERE, "s16_params.json")))["n"]

    @claim("s16res.sum", paper="s16res", kind="exact", statement="1 + ... + n < 100",
           profiles={"quick": {"n": N}, "paper": {"n": N}})
    def total(ctx, n, bound=100):
        s = n * (n + 1) // 2
        return ctx.evidence(holds=s < bound, measured={"s": s}, expected="s < bound")

    @total.control
    def low(ctx, n):
        """bound 1"""
        return total.check(ctx, n, bound=1)

    @claim("s16res.lazy", paper="s16res", kind="numerical", statement="err below TOL",
           profiles={"quick": {}, "paper": {}})
    def lazy(ctx, err=0.5):
        from s16_lazy_tol import TOL  # imported only when the check runs
        return ctx.evidence(holds=err <= TOL, measured={"err": err, "tol": TOL})

    @lazy.control
    def big(ctx):
        """err 10"""
        return lazy.check(ctx, err=10.0)
    ''')


def _param_project(tmp_path: Path, n: int) -> tuple[Path, Path]:
    mod = tmp_path / "s16_param_claims.py"
    mod.write_text(PARAM_CLAIMS)
    (tmp_path / "s16_params.json").write_text(json.dumps({"n": n}))
    (tmp_path / "s16_lazy_tol.py").write_text("TOL = 1.0\n")
    return mod, tmp_path / "r"


def _new_process(mod: Path) -> None:
    """What a new process sees: the claim module imported afresh, no helper loaded."""
    for c in list(REGISTRY):
        if c.paper == "s16res":
            REGISTRY.remove(c.id)
    for name in list(sys.modules):
        if name.startswith(("_specproof_user_", "s16")):
            del sys.modules[name]


def test_resume_reruns_a_claim_whose_parameters_changed(tmp_path, forget):
    mod, out = _param_project(tmp_path, n=10)
    args = ("verify", "--module", str(mod), "--paper", "s16res", "--out", str(out))
    assert _run(*args)[0] == 0  # 55 < 100
    (tmp_path / "s16_params.json").write_text(json.dumps({"n": 20}))  # 210: false now
    _new_process(mod)
    code, _, err = _run(*args, "--resume")
    assert "s16res.sum runs again: its parameter n was 10 there and is 20 now" in err
    # the module reads the file when it is imported: any of its claims may use what it
    # read, so the other runs again too (session 23: module-level data kept stale PASSes)
    assert ("s16res.lazy runs again: " + repr(str(tmp_path / "s16_params.json"))
            + ", which the claims' modules read when they were imported, changed") in err
    assert code == 1
    doc = json.loads((out / "evidence.json").read_text())
    verdicts = {rec["id"]: (rec["verdict"], rec["params"]) for rec in doc["claims"]}
    assert verdicts == {"s16res.sum": ("FAIL", {"n": 20}), "s16res.lazy": ("PASS", {})}


def test_last_failed_reruns_a_passed_claim_whose_parameters_changed(tmp_path, forget):
    mod, out = _param_project(tmp_path, n=10)
    args = ("verify", "--module", str(mod), "--paper", "s16res", "--out", str(out))
    assert _run(*args)[0] == 0
    (tmp_path / "s16_params.json").write_text(json.dumps({"n": 20}))
    _new_process(mod)
    code, _, err = _run(*args, "--last-failed")
    assert "--last-failed: s16res.sum runs again: its parameter n was 10 there" in err
    assert code == 1
    doc = json.loads((out / "evidence.json").read_text())
    assert {rec["id"]: rec["verdict"] for rec in doc["claims"]} == {
        "s16res.sum": "FAIL", "s16res.lazy": "PASS"}


@pytest.mark.parametrize("flag", ["--resume", "--last-failed"])
def test_a_helper_imported_inside_a_check_is_part_of_the_code(tmp_path, forget, flag):
    mod, out = _param_project(tmp_path, n=10)
    sys.path.insert(0, str(tmp_path))
    args = ("verify", "--module", str(mod), "--paper", "s16res", "--out", str(out))
    assert _run(*args)[0] == 0
    helper = str((tmp_path / "s16_lazy_tol.py").resolve())
    modules = json.loads((out / "evidence.json").read_text())["environment"]["fingerprint"]
    assert helper in [rec["path"] for rec in modules["modules"]]  # recorded after it ran
    (tmp_path / "s16_lazy_tol.py").write_text("TOL = 0.1  # the claim is false now\n")
    _new_process(mod)  # the helper is not loaded when the run starts
    code, _, err = _run(*args, flag)
    assert code == 2
    assert f"{flag}: {helper!r} (imported by the claims) changed since the run" in err
    assert json.loads((out / "evidence.json").read_text())["summary"]["PASS"] == 2  # kept
    _new_process(mod)
    assert _run(*args)[0] == 1  # a fresh run sees the edited helper


def test_a_deleted_lazy_helper_is_a_change_too(tmp_path, forget):
    from specproof.claims.resume import changed_code

    gone = str(tmp_path / "gone.py")
    before = {"specproof": {"version": "1"},
              "modules": [{"name": "gone", "path": gone, "sha256": "aa"}]}
    assert changed_code(before, {"specproof": {"version": "1"}, "modules": []}) == (
        f"{gone!r} (imported by the claims)", "it cannot be read now")


def test_params_change_compares_what_the_evidence_holds():
    assert params_change({"n": 10}, {"n": 10}) is None
    assert params_change({"w": [1.0, "NaN"]}, {"w": np.array([1.0, np.nan])}) is None
    assert params_change({"w": [1.0, 2.0]}, {"w": np.array([1.0, 2.5])}) == (
        "its parameter w was [1.0, 2.0] there and is [1.0, 2.5] now")
    assert params_change({"n": 1}, {"n": 1, "m": 2}) == "its parameter m is new"
    assert params_change({"n": 1, "m": 2}, {"n": 1}) == "its parameter m is gone"
    assert params_change(None, {}) is None


# 3. two large arrays are two claims ---------------------------------------------------

def test_claims_built_from_different_large_arrays_are_two_claims(forget):
    reg = Registry()

    def check(ctx, w):
        return ctx.evidence(holds=bool(w.max() < 1), measured={"max": float(w.max())})

    def ctl(ctx, w):
        """w + 10"""
        return check(ctx, w + 10)

    def register(w):
        c = claim("s16arr.x", paper="s16arr", kind="numerical", statement="max w < 1",
                  profiles={"quick": {"w": w}, "paper": {"w": w}}, registry=reg)(check)
        c.control(ctl)

    a = np.zeros(5000)
    b = a.copy()
    b[2500] = 7.0  # numpy prints both as array([0., 0., 0., ..., 0., 0., 0.])
    assert repr(a) == repr(b)
    register(b)
    assert run_claim(reg.get("s16arr.x")).verdict == "FAIL"
    with pytest.raises(DuplicateClaimError, match="different profiles"):
        register(a)
    assert run_claim(reg.get("s16arr.x")).verdict == "FAIL"  # the first stays
    register(b.copy())  # the same values again: the same claim, no error


def test_arrays_of_other_dtype_or_shape_differ_and_nan_equals_nan():
    from specproof.claims.registry import _same_value

    x = np.arange(2000.0)
    assert _same_value(x, x.copy())
    assert not _same_value(x, x.astype(np.float32))
    assert not _same_value(x, x.reshape(40, 50))
    assert not _same_value(x, list(x))
    y = x.copy()
    y[7] = np.nan
    assert _same_value(y, y.copy())
    assert _same_value([x, {"a": y}], [x.copy(), {"a": y.copy()}])
    z = y.copy()
    z[1999] = -1.0
    assert not _same_value([x, {"a": y}], [x, {"a": z}])


# 4. an override the control does not take ---------------------------------------------

def test_an_override_the_control_does_not_take_is_refused_before_running(forget):
    reg = Registry()
    ran = []

    @claim("s16ov.x", paper="s16ov", kind="numerical", statement="err <= tol",
           profiles={"quick": {"tol": 1.0}, "paper": {"tol": 1.0}}, registry=reg)
    def chk(ctx, tol, err=0.5):
        ran.append(err)
        return ctx.evidence(holds=err <= tol, measured={"err": err})

    @chk.control
    def ctl(ctx, tol):
        """err 10"""
        return chk.check(ctx, tol, err=10.0)

    with pytest.raises(ArgumentError, match=r"override 'err' for claim 's16ov.x': its check "
                                            r"takes it, but its negative control ctl does "
                                            r"not \(it takes tol\)"):
        run_claim(reg.get("s16ov.x"), overrides={"err": 1e-5})
    assert ran == []
    assert run_claim(reg.get("s16ov.x"), overrides={"tol": 2.0}).verdict == "PASS"


# 5. a FAIL reason shows the value that failed -----------------------------------------

def test_a_fail_reason_shows_a_float_in_full(forget):
    reg = Registry()

    @claim("s16fr.x", paper="s16fr", kind="numerical", statement="slope <= 0.6",
           profiles=P, registry=reg)
    def chk(ctx, slope=0.60004, err=1.00004e-6):
        return ctx.evidence(holds=slope <= 0.6 and err <= 1e-6,
                            measured={"slope": slope, "err": err},
                            expected="slope <= 0.6 and err <= 1e-6", key="slope")

    @chk.control
    def ctl(ctx):
        """slope 2"""
        return chk.check(ctx, slope=2.0)

    r = run_claim(reg.get("s16fr.x"))
    assert r.verdict == "FAIL"
    assert r.reason == ("the check does not hold: expected slope <= 0.6 and err <= 1e-6; "
                        "measured slope=0.60004, err=1.00004e-06")


# 6. "nan" as Python writes it ---------------------------------------------------------

@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "NAN"])
def test_a_nan_written_as_text_is_no_pass(forget, text):
    reg = Registry()

    @claim("s16nan.x", paper="s16nan", kind="numerical", statement="err <= tol",
           profiles=P, registry=reg)
    def chk(ctx, err=float("nan")):
        return ctx.evidence(holds=not err > 1e-3, measured={"err": text if err != err
                                                            else f"{err:.3g}"})

    @chk.control
    def ctl(ctx):
        """err 1"""
        return chk.check(ctx, err=1.0)

    r = run_claim(reg.get("s16nan.x"))
    assert r.verdict == "ERROR"
    assert "measured['err']" in r.reason
    assert f"{math.nan:.3g}" == "nan"  # what a user's f-string writes


def test_text_that_merely_contains_nan_is_text():
    from specproof.claims.decide import nan_in

    assert nan_in({"name": "nano", "b": "banana", "n": "n"}, recorded=True) is None


# 7. deciding_values --------------------------------------------------------------------

def test_deciding_values_are_the_checks_when_its_nan_decided(forget):
    reg = Registry()

    @claim("s16dv.x", paper="s16dv", kind="numerical", statement="err <= tol",
           profiles=P, registry=reg)
    def chk(ctx, err=float("nan")):
        return ctx.evidence(holds=not err > 1e-3, measured={"err": err})

    @chk.control
    def ctl(ctx):
        """err 5"""
        return chk.check(ctx, err=5.0)

    r = run_claim(reg.get("s16dv.x"))
    from specproof.claims.decide import deciding_side

    assert r.verdict == "ERROR" and deciding_side(r) == "check"
    assert math.isnan(r.deciding_values()["err"])


# 8. --module path.py imports its neighbours -------------------------------------------

def test_a_module_given_by_path_imports_a_helper_beside_it(tmp_path, forget):
    (tmp_path / "s16_sibling.py").write_text("TOL = 1.0\n")
    mod = tmp_path / "s16_uses_sibling.py"
    mod.write_text(textwrap.dedent('''
        from specproof.claims import claim
        from s16_sibling import TOL

        @claim("s16sib.x", paper="s16sib", kind="exact", statement="0.5 <= TOL",
               profiles={"quick": {}, "paper": {}})
        def chk(ctx, err=0.5):
            return ctx.evidence(holds=err <= TOL, measured={"err": err})

        @chk.control
        def ctl(ctx):
            """err 10"""
            return chk.check(ctx, err=10.0)
        '''))
    code, out, err = _run("verify", "--module", str(mod), "--paper", "s16sib",
                          "--out", str(tmp_path / "r"))
    assert code == 0, err
    assert str(tmp_path) == sys.path[-1]  # appended: the standard library comes first


# 9. malformed registrations and module names ------------------------------------------

@pytest.mark.parametrize("profiles, what", [
    ({"quick": 5, "paper": {}}, "profile 'quick' must be a mapping"),
    ({"quick": None, "paper": {}}, "profile 'quick' must be a mapping"),
    ({"quick": {1: 2}, "paper": {}}, "profile 'quick' must be a mapping parameter name"),
    ([("quick", {}), ("paper", {})], "profiles must be a mapping profile name"),
])
def test_malformed_profiles_are_one_clear_error(profiles, what):
    with pytest.raises(ArgumentTypeError, match=what):
        claim("s16bad.x", paper="s16bad", kind="exact", statement="s", profiles=profiles,
              registry=Registry())


def test_a_blank_statement_a_non_function_and_a_bad_description_are_refused():
    reg = Registry()
    with pytest.raises(ArgumentError, match="statement must be a non-blank string"):
        claim("s16bad.x", paper="s16bad", kind="exact", statement="   ", profiles=P,
              registry=reg)
    with pytest.raises(ArgumentTypeError,
                       match=r"the decorator claim\(\.\.\.\) applies to the check"):
        claim("s16bad.x", paper="s16bad", kind="exact", statement="s", profiles=P,
              registry=reg)(42)
    assert len(reg) == 0

    @claim("s16bad.y", paper="s16bad", kind="exact", statement="s", profiles=P,
           registry=reg)
    def chk(ctx):
        return ctx.evidence(holds=True, measured={})

    for bad in (5, ["a"], "   "):
        with pytest.raises(ArgumentTypeError, match="description must be non-blank text"):
            chk.control(lambda ctx: chk.check(ctx), description=bad)
    with pytest.raises(ArgumentTypeError, match="must be a function"):
        chk.control("not a function")
    assert chk.control_check is None


@pytest.mark.parametrize("name", ["", ".s16claims", "a..b", "1abc"])
def test_a_module_name_that_is_no_name_is_one_line(name):
    with pytest.raises(UserModuleError, match="is neither a module name"):
        import_user_modules([name])
    code, out, err = _run("verify", "--module", name, "--out", tempfile.mkdtemp())
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_resume_error_still_names_a_changed_module_file(tmp_path, forget):
    mod, out = _param_project(tmp_path, n=10)
    args = ("verify", "--module", str(mod), "--paper", "s16res", "--out", str(out))
    assert _run(*args)[0] == 0
    mod.write_text(PARAM_CLAIMS + "\n# edited\n")
    _new_process(mod)
    import_user_modules([str(mod)])
    with pytest.raises(ResumeError, match="changed since the run"):
        verify(select_claims(papers=["s16res"]), out, progress=None, resume=True,
               modules=[str(mod)])
