"""A seventh probe of the claims engine, the test helpers and the pytest plugin: each
finding kept as a test.

Before the fixes: a lemma search that evaluated no point passed ``assert_no_counterexample``;
a factory called twice with one claim id replaced the first (false) claim silently; the
check was accepted as its own control; a global-RNG check ignored the run seed; a NaN
decided a PASS; a failing check whose control raised was an ERROR about the control;
``seed=5`` as an override raised a TypeError or set the run seed; ``--specproof-seed=-1``
failed every test with a traceback; ``--tb=line`` cut the failure at 50 characters; a
generator parameter gave a bare "cannot pickle"; a claim named ``test_*`` was not
collected.
"""

from __future__ import annotations

import importlib.util
import random
import sys
import textwrap
import threading
import warnings
from importlib import metadata

import numpy as np
import pytest

from specproof._core import ArgumentError
from specproof.claims import REGISTRY, Registry, claim, run_claim
from specproof.claims.display import format_value
from specproof.claims.providers import load_claim_providers
from specproof.lemmas.verdicts import Tightest, Undecided
from specproof.testing import (
    ClaimFailed,
    LemmaFailed,
    assert_claim_passes,
    assert_no_counterexample,
    failure_report,
)

pytest_plugins = ["pytester"]

# as in test_pytest_plugin.py: the claim modules load before any in-process pytester run
load_claim_providers()

P = {"quick": {}, "paper": {}}


def _plugin_args() -> list[str]:
    installed = any(ep.value == "specproof.pytest_plugin"
                    for ep in metadata.entry_points(group="pytest11"))
    return [] if installed else ["-p", "specproof.pytest_plugin"]


def _run(pytester, *args):
    return pytester.runpytest_inprocess(*_plugin_args(), "-p", "no:cacheprovider",
                                        "-p", "no:randomly", *args)


@pytest.fixture
def forget():
    """Claim ids to remove from the global registry after the test."""
    ids: list[str] = []
    yield ids
    for cid in ids:
        REGISTRY.remove(cid)


# -- 1. a search that evaluated no point tested nothing ---------------------------------

@pytest.mark.parametrize("statement", ["10**400 + x**2 <= 0", "sqrt(-1 - x**2) >= 1"])
def test_a_search_that_evaluates_no_point_fails(statement):
    # (an exact fallback in the search may find the counterexample instead: a failure too)
    with pytest.raises(LemmaFailed, match="no point could be evaluated|counterexample"):
        assert_no_counterexample(statement, budget=0.3)


NOTHING = ("no point gave a finite value in the domain: the statement was NaN, raised or "
           "was outside the domain at every point tried")


@pytest.mark.parametrize(("tried", "fails"), [
    (("10 points", NOTHING), True),
    (("10 points", "exact evaluation at 6 simple rational points: none is in the domain",
      NOTHING), True),
    # floats overflowed and a few exact points held: a handful of points is not a search
    # (10**400*(x-3)**2 >= 10**400 held at 6 such points and is false at x = 3)
    (("10 points", "exact evaluation at 6 simple rational points: the statement held at "
      "each", NOTHING), True),
    (("10 points", "exact evaluation at 6 simple rational points: the statement held at 2; "
      "4 were outside the domain", NOTHING), True),
    # no variables, decided by evaluation: no tightest case, and nothing left to test
    (("no variables: 2 >= 2, by exact evaluation: the statement holds",), False),
])
def test_an_undecided_verdict_without_any_evaluated_point_fails(monkeypatch, tried, fails):
    # the module, not the function specproof.lemmas exports under the same name
    refute_module = importlib.import_module("specproof.lemmas.refute")
    monkeypatch.setattr(refute_module, "refute", lambda *a, **k: Undecided("f(x) >= 0", tried))
    if fails:
        with pytest.raises(LemmaFailed, match="no point could be evaluated.*nothing was "
                           "tested"):
            assert_no_counterexample("x >= 0")
    else:
        assert assert_no_counterexample("x >= 0").verdict == "UNDECIDED"
    searched = Undecided("f(x) >= 0", ("10 points",), Tightest({"x": 0.0}, 0.0, 0.0, 0.0))
    monkeypatch.setattr(refute_module, "refute", lambda *a, **k: searched)
    assert assert_no_counterexample("x >= 0") is searched


# -- 2. one claim id twice in one execution of a module ---------------------------------

FACTORY = '''
from specproof.claims import claim

P = {"quick": {}, "paper": {}}


def make(cid, bound):
    @claim(cid, paper="pd", kind="numerical", statement="bound", profiles=P)
    def check(ctx):
        return ctx.evidence(holds=bound > 1.5, measured={"bound": bound})

    check.control(lambda ctx: ctx.evidence(holds=False))
    return check


for cid, b in [("pd.bound-a", 1.0), ("pd.bound-a", 2.0)]:
    make(cid, b)
'''

LITERAL = '''
from specproof.claims import claim

P = {"quick": {}, "paper": {}}


@claim("pd.lit", paper="pd", kind="numerical", statement="first", profiles=P)
def first(ctx):
    return ctx.evidence(holds=False)


@claim("pd.lit", paper="pd", kind="numerical", statement="second", profiles=P)
def second(ctx):
    return ctx.evidence(holds=True)
'''


def _exec_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


@pytest.mark.parametrize(("source", "cid", "where"), [
    (FACTORY, "pd.bound-a", "twice at line 17"),
    (LITERAL, "pd.lit", "at line 7 and at line 12"),
], ids=["factory-in-a-loop", "two-literal-definitions"])
def test_an_id_registered_twice_in_one_execution_is_an_error(tmp_path, forget, source, cid,
                                                             where):
    forget.append(cid)
    path = tmp_path / "pd_claims.py"
    path.write_text(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an error, not a warning beside a silent swap
        with pytest.raises(ArgumentError, match=f"claim id '{cid}' is registered twice in "
                           f"one execution of .*pd_claims.py, {where}"):
            _exec_file(path, "pd_claims_s7")


def test_a_re_import_or_a_reload_still_replaces_a_claim(tmp_path, forget, monkeypatch):
    forget.append("pd.once")
    path = tmp_path / "pd_once.py"
    path.write_text(textwrap.dedent('''
        from specproof.claims import claim

        @claim("pd.once", paper="pd", kind="exact", statement="s",
               profiles={"quick": {}, "paper": {}})
        def once(ctx):
            return ctx.evidence(holds=True)
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = importlib.import_module("pd_once")
        first = REGISTRY.get("pd.once")
        importlib.reload(module)
        assert REGISTRY.get("pd.once") is not first
        sys.modules.pop("pd_once")
        importlib.import_module("pd_once")  # a fresh module object
        sys.modules.pop("pd_once")
        _exec_file(path, "pd_once")  # as verify imports a file given by path


# -- 3. the check as its own control; the global random generators ----------------------

def test_the_check_is_refused_as_its_own_control():
    reg = Registry()

    @claim("cc.coin", paper="cc", kind="numerical", statement="s", profiles=P, registry=reg)
    def coin(ctx):
        return ctx.evidence(holds=True)

    for fn in (coin.check, coin):
        with pytest.raises(ArgumentError, match="'cc.coin': the negative control is the check "
                           "itself; a control must be a variant where the statement is false"):
            coin.control(fn, description="the same check")
    assert coin.control_check is None


def test_a_check_using_the_global_generators_is_reproducible_from_the_seed():
    reg = Registry()

    @claim("cc.global", paper="cc", kind="numerical", statement="s", profiles=P, registry=reg)
    def uses_global(ctx, sign=1.0):
        x = float(np.random.standard_normal()) + random.random()  # noqa: NPY002
        return ctx.evidence(holds=sign > 0, measured={"x": x})

    uses_global.control(lambda ctx: uses_global.check(ctx, sign=-1.0))
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    before = (np.random.get_state()[1].copy(), random.getstate())  # noqa: NPY002
    a, b, other = (run_claim(uses_global, seed=s) for s in (3, 3, 4))
    assert a.check.measured == b.check.measured != other.check.measured
    assert a.control.measured == a.check.measured  # both calls start from the same state
    # the caller's generators are put back
    assert np.array_equal(np.random.get_state()[1], before[0])  # noqa: NPY002
    assert random.getstate() == before[1]


# -- 4. NaN decides nothing -------------------------------------------------------------

def _claim(reg, cid, check_measured, control_measured, check_holds=True,
           control_holds=False):
    @claim(cid, paper="nn", kind="numerical", statement="s", profiles=P, registry=reg)
    def check(ctx, variant="check"):
        if variant == "check":
            return ctx.evidence(holds=check_holds, measured=check_measured,
                                expected="err <= 1e-9")
        return ctx.evidence(holds=control_holds, measured=control_measured,
                            expected="err <= 1e-9")

    check.control(lambda ctx: check.check(ctx, variant="control"))
    return check


def test_a_check_that_holds_with_nan_is_an_error():
    c = _claim(Registry(), "nn.check", {"err": 0.0, "errs": np.array([0.0, np.nan])},
               {"err": 1.0})
    r = run_claim(c)
    assert r.verdict == "ERROR"
    assert r.reason == ("the check holds, but with NaN in measured['errs'][1]: a verdict "
                        "cannot rest on a measured value that is not a number")
    assert "measured (check):" in failure_report(r)
    assert "| `errs` | [0.0, NaN] |" in r._repr_markdown_()  # the values that decided it


def test_a_control_that_fails_with_nan_is_an_error():
    c = _claim(Registry(), "nn.ctl", {"err": 0.0}, {"err": float("nan")})
    r = run_claim(c)
    assert r.verdict == "ERROR"
    assert "the negative control fails, but with NaN in measured['err']" in r.reason
    assert "measured (control):" in failure_report(r)


def test_an_infinity_compares_as_a_number_and_a_false_check_with_nan_is_a_fail():
    reg = Registry()
    assert run_claim(_claim(reg, "nn.inf", {"err": 0.0}, {"err": float("inf")})).verdict \
        == "PASS"
    assert run_claim(_claim(reg, "nn.fail", {"err": float("nan")}, {"err": 1.0},
                            check_holds=False)).verdict == "FAIL"


# -- 5. a false statement is FAIL whatever its control did ------------------------------

@pytest.mark.parametrize("control", ["raises", "missing"])
def test_a_failing_check_is_a_fail_whatever_the_control_did(control):
    reg = Registry()

    @claim("ff.false", paper="ff", kind="numerical", statement="s", profiles=P, registry=reg)
    def false(ctx):
        return ctx.evidence(holds=False, measured={"gap": 0.25}, expected="gap == 0")

    if control == "raises":
        @false.control
        def broken(ctx):
            """A variant."""
            raise RuntimeError("control boom")

    r = run_claim(false)
    assert r.verdict == "FAIL"
    assert r.reason.startswith("the check does not hold: expected gap == 0; measured gap=0.25")
    note = ("the negative control raised RuntimeError: control boom" if control == "raises"
            else "no negative control is registered")
    assert note in r.reason
    report = failure_report(r)
    assert "expected (check): gap == 0" in report and "    gap = 0.25" in report


# -- 7. seed, profile and claim_id are the helpers' own names ---------------------------

def test_a_check_parameter_named_like_a_helper_keyword_is_refused():
    reg = Registry()
    for name in ("seed", "profile", "claim_id"):
        with pytest.raises(ArgumentError, match=f"claim 'ps.p': its check takes a parameter "
                           f"named '{name}'"):
            claim("ps.p", paper="ps", kind="exact", statement="s", registry=reg,
                  profiles=P)(eval(f"lambda ctx, {name}=0: None"))  # noqa: S307
    with pytest.raises(ArgumentError, match="profile 'quick' names a parameter named 'seed'"):
        claim("ps.p", paper="ps", kind="exact", statement="s", registry=reg,
              profiles={"quick": {"seed": 1}, "paper": {}})(lambda ctx, **kw: None)


def test_an_override_named_seed_is_refused():
    reg = Registry()

    @claim("ps.kw", paper="ps", kind="exact", statement="s", profiles=P, registry=reg)
    def kw(ctx, **params):
        return ctx.evidence(holds=True)

    with pytest.raises(ArgumentError, match="override 'seed' for claim 'ps.kw'"):
        run_claim(kw, overrides={"seed": 5})


SEEDP = '''
import pytest
from specproof.claims import claim

@claim("ps.seedp", paper="ps", kind="exact", statement="s",
       profiles={"quick": {}, "paper": {}})
def seedp(ctx, **params):
    return ctx.evidence(holds=True)

seedp.control(lambda ctx, **params: ctx.evidence(holds=False))

@pytest.mark.specproof("ps.seedp", seed=5)
def test_marker():
    pass

def test_fixture(specproof_claim):
    specproof_claim("ps.seedp", profile="paper")

def test_fixture_claim_id(specproof_claim):
    specproof_claim("ps.seedp", claim_id="x")
'''


def test_seed_profile_or_claim_id_as_an_override_fails_in_one_line(pytester, forget):
    forget.append("ps.seedp")
    pytester.makepyfile(test_seedp=SEEDP)
    result = _run(pytester)
    result.assert_outcomes(failed=3)
    out = result.stdout.str()
    for where, name in (("@pytest.mark.specproof", "seed"), ("specproof_claim", "profile"),
                        ("specproof_claim", "claim_id")):
        assert f"{where}('ps.seedp'): {name!r} is not a claim parameter: the profile and " \
               "the seed come from --specproof-profile and --specproof-seed" in out, out
    assert "TypeError" not in out and "multiple values" not in out


# -- 8. --specproof-seed is checked at startup ------------------------------------------

@pytest.mark.parametrize("value", ["-1", "abc"])
def test_a_bad_seed_option_is_a_usage_error(pytester, value):
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = _run(pytester, f"--specproof-seed={value}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "argument --specproof-seed: must be a non-negative integer, got " \
           f"{value!r}" in err, err


# -- 9. the one-line form of a failure --------------------------------------------------

ONELINE = '''
import pytest
from specproof.claims import claim

@claim("po.false", paper="po", kind="exact", statement="s",
       profiles={"quick": {}, "paper": {}})
def false(ctx):
    return ctx.evidence(holds=False, measured={"gap": 1.0}, expected="gap == 0")

false.control(lambda ctx: ctx.evidence(holds=False))

@pytest.mark.specproof("po.false")
def test_marker():
    pass

def test_fixture(specproof_claim):
    x = 1
    specproof_claim("po.false")
'''


def test_tb_line_shows_the_verdict_at_the_test_line(pytester, forget):
    forget.append("po.false")
    path = pytester.makepyfile(test_oneline=ONELINE)
    result = _run(pytester, "--tb=line")
    result.assert_outcomes(failed=2)
    lines = result.stdout.str().splitlines()
    source = path.read_text().splitlines()
    marker = source.index('@pytest.mark.specproof("po.false")') + 1  # the test's first line
    call = source.index('    specproof_claim("po.false")') + 1
    assert f"{path}:{marker}: ClaimFailed: po.false: FAIL" in lines, lines
    assert f"{path}:{call}: ClaimFailed: po.false: FAIL" in lines, lines
    # the old crash line: the text cut at 50 characters, as two lines
    assert "reason: the check does" not in lines
    # the long form and the short summary are as before
    result = _run(pytester, "-rf")
    out = result.stdout.str()
    assert "reason: the check does not hold: expected gap == 0; measured gap=1" in out
    assert "FAILED test_oneline.py::test_marker - ClaimFailed: po.false: FAIL" in out


# -- 10. a parameter that cannot be copied ----------------------------------------------

def test_a_parameter_that_cannot_be_deep_copied_is_named():
    reg = Registry()

    @claim("pc.gen", paper="pc", kind="exact", statement="s",
           profiles={"quick": {"items": [1]}, "paper": {"items": [1]}}, registry=reg)
    def gen(ctx, items):
        return ctx.evidence(holds=True)

    with pytest.raises(ArgumentError, match="claim 'pc.gen': override 'items' \\(a generator\\) "
                       "cannot be deep-copied .*every value must support copy.deepcopy"):
        run_claim(gen, overrides={"items": (i for i in range(3))})
    with pytest.raises(ArgumentError, match="claim 'pc.lock': profile 'quick' parameter "
                       "'lock' \\(a lock\\) cannot be deep-copied"):
        claim("pc.lock", paper="pc", kind="exact", statement="s", registry=reg,
              profiles={"quick": {"lock": threading.Lock()}, "paper": {}})(
            lambda ctx, lock=None: None)


# -- 11. a claim named like a test is a test --------------------------------------------

COLLECTED = '''
from specproof.claims import claim

@claim("pt.false", paper="pt", kind="exact", statement="s",
       profiles={"quick": {}, "paper": {}})
def test_false_claim(ctx):
    return ctx.evidence(holds=False, measured={"gap": 1.0}, expected="gap == 0")

test_false_claim.control(lambda ctx: ctx.evidence(holds=False))

@claim("pt.true", paper="pt", kind="exact", statement="s",
       profiles={"quick": {}, "paper": {}})
def test_true_claim(ctx, sign=1):
    return ctx.evidence(holds=sign > 0)

test_true_claim.control(lambda ctx: test_true_claim.check(ctx, sign=-1))
'''


def test_a_claim_named_like_a_test_is_collected_and_run(pytester, forget):
    forget += ["pt.false", "pt.true"]
    pytester.makepyfile(test_collected=COLLECTED)
    result = _run(pytester, "-rf")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "FAILED test_collected.py::test_false_claim - ClaimFailed: pt.false: FAIL" in out
    assert "cannot collect" not in out


# -- cosmetic: one spelling of NaN and of booleans ---------------------------------------

def test_nan_and_booleans_read_alike_alone_and_in_arrays():
    assert format_value([float("nan"), 1.0]) == "[NaN, 1.0]"
    assert format_value(np.array([np.nan, -np.inf])) == "[NaN, -Infinity]"
    assert format_value(float("nan")) == "NaN"
    assert format_value(np.bool_(True)) == "True" and format_value([True, None]) == \
        "[True, None]"


def test_a_failure_report_and_its_reason_spell_a_boolean_alike():
    reg = Registry()

    @claim("cf.flag", paper="cf", kind="exact", statement="s", profiles=P, registry=reg)
    def flag(ctx):
        return ctx.evidence(holds=False, measured={"ok": np.bool_(True)})

    flag.control(lambda ctx: ctx.evidence(holds=False))
    with pytest.raises(ClaimFailed) as info:
        assert_claim_passes(flag)
    text = str(info.value)
    assert "measured ok=True" in text and "    ok = True" in text


def test_loading_the_plugin_explicitly_is_harmless_where_it_is_installed(tmp_path):
    # under the entry-point name "specproof", -p specproof.pytest_plugin and
    # pytest_plugins = [...] aborted pytest: "Plugin already registered under a different
    # name"; and -p no:<name> with --strict-markers must turn a marker test into an error
    import subprocess

    (tmp_path / "test_m.py").write_text(textwrap.dedent('''
        import pytest

        @pytest.mark.specproof("lin-sn-gan.homogeneity")
        def test_x():
            pass
        '''))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["specproof.pytest_plugin"]\n')

    def pytest_in(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               *args, "test_m.py"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    for extra in ([], ["-p", "specproof.pytest_plugin"]):
        r = pytest_in(*extra)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "1 passed" in r.stdout
    (tmp_path / "conftest.py").unlink()
    r = pytest_in("-p", "no:specproof.pytest_plugin", "--strict-markers")
    assert r.returncode != 0 and "'specproof' not found in `markers`" in r.stdout + r.stderr
