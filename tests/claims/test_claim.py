"""The claims engine: registration, verdicts, seeds, evidence."""

import numpy as np
import pytest

from specproof._core import to_jsonable
from specproof.claims import Context, Evidence, Registry, claim, run_claim


def _make(reg, name, check_holds, control_holds, raise_in=None, control=True):
    @claim(f"demo.{name}", paper="demo", kind="numerical", statement=f"{name} statement",
           profiles={"quick": {"n": 4}, "paper": {"n": 40}}, registry=reg)
    def check(ctx, n, variant="check"):
        if raise_in == variant:
            raise RuntimeError(f"boom in {variant}")
        x = ctx.rng.standard_normal(n)
        holds = check_holds if variant == "check" else control_holds
        return ctx.evidence(holds=holds, measured={"sum": float(x.sum()), "n": n},
                            expected="purpose-built", key="sum")

    if control:
        @check.control
        def ctl(ctx, n):
            """the variant"""
            return check.check(ctx, n, variant="control")

    return check


@pytest.mark.parametrize(
    ("check_holds", "control_holds", "raise_in", "control", "verdict"),
    [
        (True, False, None, True, "PASS"),
        (False, False, None, True, "FAIL"),
        (False, True, None, True, "FAIL"),
        (True, True, None, True, "VACUOUS"),
        (True, False, "check", True, "ERROR"),
        (True, False, "control", True, "ERROR"),
        (True, False, None, False, "ERROR"),
    ],
)
def test_each_verdict(check_holds, control_holds, raise_in, control, verdict):
    reg = Registry()
    c = _make(reg, "v", check_holds, control_holds, raise_in, control)
    result = run_claim(c, profile="quick", seed=1)
    assert result.verdict == verdict
    if raise_in:
        assert f"boom in {raise_in}" in (result.check.traceback or result.control.traceback)
    if not control:
        assert "no negative control" in result.reason


def test_same_seed_same_numbers_and_seed_recorded():
    reg = Registry()
    c = _make(reg, "seeded", True, False)
    a, b = run_claim(c, seed=7), run_claim(c, seed=7)
    other = run_claim(c, seed=8)
    assert a.check.measured == b.check.measured
    assert a.check.measured["sum"] != other.check.measured["sum"]
    assert a.seed == 7 and a.to_dict()["seed"] == 7
    # the expected number: the generator is seeded from (seed, crc32(id))
    expected = float(Context(seed=7, profile="quick", claim_id="demo.seeded")
                     .rng.standard_normal(4).sum())
    assert a.check.measured["sum"] == expected


def test_profiles_and_overrides():
    reg = Registry()
    c = _make(reg, "prof", True, False)
    assert run_claim(c, profile="paper").check.measured["n"] == 40
    assert run_claim(c, overrides={"n": 2}).check.measured["n"] == 2
    with pytest.raises(ValueError, match="profile must be one of"):
        run_claim(c, profile="huge")
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        run_claim(c, seed=-1)


def test_registration_errors():
    reg = Registry()
    ok = dict(paper="demo", kind="numerical", statement="s",
              profiles={"quick": {}, "paper": {}}, registry=reg)
    with pytest.raises(ValueError, match="claim_id must look like"):
        claim("NoDot", **ok)
    with pytest.raises(ValueError, match="must start with its paper key"):
        claim("other.x", **ok)
    with pytest.raises(ValueError, match="kind must be one of"):
        claim("demo.x", **{**ok, "kind": "vibes"})
    with pytest.raises(ValueError, match="missing \\['paper'\\]"):
        claim("demo.x", **{**ok, "profiles": {"quick": {}}})
    c = _make(reg, "twice", True, False)
    with pytest.raises(ValueError, match="already has a negative control"):
        c.control(lambda ctx, n: None)


def test_check_returning_non_evidence_is_error():
    reg = Registry()

    @claim("demo.bad", paper="demo", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def bad(ctx):
        return True

    bad.control(lambda ctx: ctx.evidence(holds=False))
    r = run_claim(bad)
    assert r.verdict == "ERROR"
    assert "must return Evidence" in r.check.traceback


def test_evidence_validation_and_json():
    with pytest.raises(TypeError, match="holds must be a bool"):
        Evidence(holds="yes")
    with pytest.raises(ValueError, match="not among the measured"):
        Evidence(holds=True, measured={"a": 1}, key="b")
    assert to_jsonable({"x": np.float32(0.5), "y": np.array([[1, 2]]), "z": float("nan"),
                        "w": -np.inf, "b": np.bool_(True)}) == {
        "x": 0.5, "y": [[1, 2]], "z": "NaN", "w": "-Infinity", "b": True}


def test_error_reason_names_the_exception_and_the_users_line():
    reg = Registry()

    @claim("demo.badkey", paper="demo", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def badkey(ctx):
        return ctx.evidence(holds=True, measured={"x": 1.0}, key="nope")

    badkey.control(lambda ctx: ctx.evidence(holds=False))
    r = run_claim(badkey)
    line = badkey.check.__code__.co_firstlineno + 3  # the ctx.evidence(...) line
    assert r.verdict == "ERROR"
    assert r.reason == (
        "the check raised specproof.ArgumentError: Evidence.key='nope' is not "
        f"among the measured quantities ['x'] (at test_claim.py:{line} in badkey)")
    assert r.check.error in r.reason

    @claim("demo.boolean", paper="demo", kind="exact", statement="s",
           profiles={"quick": {}, "paper": {}}, registry=reg)
    def boolean(ctx):
        return True

    boolean.control(lambda ctx: ctx.evidence(holds=False))
    r = run_claim(boolean)
    line = boolean.check.__code__.co_firstlineno
    assert r.reason == (
        "the check raised TypeError: a check must return Evidence (use ctx.evidence(...)), "
        f"got bool (at test_claim.py:{line} in boolean)")


def test_fail_and_vacuous_reasons_quote_the_measurements():
    reg = Registry()
    fail = _make(reg, "f", False, False)
    r = run_claim(fail, seed=1)
    assert r.reason.startswith("the check does not hold: expected purpose-built; measured sum=")
    vac = _make(reg, "v2", True, True)
    r = run_claim(vac, seed=1)
    assert r.reason.startswith("the negative control holds too: the check cannot tell true "
                               "from false (control measured sum=")


def test_a_check_that_mutates_its_parameters_changes_nothing_else():
    # profiles were shared by reference: a check appending to its list made the second
    # run (same seed) see a longer list, the control see the check's list, and the
    # evidence record the mutated list
    reg = Registry()
    seen = []

    @claim("demo.mutates", paper="demo", kind="numerical", statement="s",
           profiles={"quick": {"sizes": [10, 20]}, "paper": {"sizes": [10, 20]}},
           registry=reg)
    def check(ctx, sizes):
        seen.append(list(sizes))
        sizes.append(99)
        return ctx.evidence(holds=True, measured={"n": len(sizes)}, expected="-", key="n")

    @check.control
    def ctl(ctx, sizes):
        """mutated too"""
        seen.append(list(sizes))
        sizes.append(98)
        return ctx.evidence(holds=False, measured={"n": len(sizes)}, expected="-", key="n")

    a, b = run_claim(check, seed=np.int64(3)), run_claim(check, seed=3)
    assert seen == [[10, 20]] * 4
    assert a.params == b.params == {"sizes": [10, 20]}
    assert a.verdict == b.verdict == "PASS" and a.seed == 3 and type(a.seed) is int
    assert check.params("quick") == {"sizes": [10, 20]}


def test_a_profile_must_fit_the_checks_parameters_at_registration():
    # a misspelt or missing parameter was an ERROR verdict only when the claim ran
    from specproof._core import ArgumentError

    reg = Registry()
    with pytest.raises(ArgumentError, match="profile 'quick' names 'nn' \\(did you mean 'n'"):
        @claim("demo.typo", paper="demo", kind="numerical", statement="s",
               profiles={"quick": {"nn": 2}, "paper": {"n": 3}}, registry=reg)
        def typo(ctx, n):
            return ctx.evidence(holds=True)
    with pytest.raises(ArgumentError, match="profile 'paper' gives no value for the "
                                            "check's parameter 'n'"):
        @claim("demo.gap", paper="demo", kind="numerical", statement="s",
               profiles={"quick": {"n": 2}, "paper": {}}, registry=reg)
        def gap(ctx, n):
            return ctx.evidence(holds=True)
    assert "demo.typo" not in {c.id for c in reg} and "demo.gap" not in {c.id for c in reg}

    @claim("demo.kwargs", paper="demo", kind="numerical", statement="s",
           profiles={"quick": {"anything": 1}, "paper": {}}, registry=reg)
    def flexible(ctx, **kw):
        return ctx.evidence(holds=True)
    assert "demo.kwargs" in {c.id for c in reg}
