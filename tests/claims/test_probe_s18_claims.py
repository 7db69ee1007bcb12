"""Session 18 review of claims, fitting and plotting (/tmp/probe_s18_claims/FINDINGS.md
items 1, 1b, 4, 5, 6, 8): each test failed before its fix."""

from __future__ import annotations

import collections
import dataclasses
import decimal
import types
import warnings

import mpmath
import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, to_jsonable
from specproof.claims import Registry, claim, run_claim, select_claims
from specproof.claims.decide import nan_in
from specproof.claims.isolation import global_numeric_state
from specproof.claims.values import format_inline
from specproof.fitting import fit_loglog, fit_loglog_bootstrap
from specproof.plotting import figure, log_ticks, loglog_fit, reference_line

P = {"quick": {}, "paper": {}}
NAN = float("nan")


def _claim_measuring(reg: Registry, claim_id: str, value) -> object:
    """A claim whose check holds with ``value`` as its measured ``errs`` and whose
    control fails: PASS unless the NaN check sees a NaN in ``value``."""
    c = claim(claim_id, paper=claim_id.split(".")[0], kind="numerical", statement="s",
              profiles=P, registry=reg)(
        lambda ctx: ctx.evidence(holds=True, measured={"errs": value}, expected="small"))
    c.control(lambda ctx: ctx.evidence(holds=False, measured={}), description="c")
    return c


# --- 1. a NaN inside a container that is no list, tuple or array ---------------------

@pytest.mark.parametrize("name, value, where, recorded", [
    ("deque", collections.deque([1e-9, NAN, 2e-9]), "[1]", [1e-9, "NaN", 2e-9]),
    ("userlist", collections.UserList([1e-9, NAN]), "[1]", [1e-9, "NaN"]),
    ("mpmath-matrix", mpmath.matrix([1e-9, mpmath.nan]), "[1][0]", [[1e-9], ["NaN"]]),
    ("values-view", {"a": 1e-9, "b": NAN}.values(), "[1]", [1e-9, "NaN"]),
    ("namespace", types.SimpleNamespace(a=1e-9, b=NAN), "['b']", {"a": 1e-9, "b": "NaN"}),
])
def test_nan_in_any_container_is_an_error_and_recorded_as_numbers(name, value, where,
                                                                   recorded):
    # was PASS, the container recorded as its text: 'deque([1e-09, nan, 2e-09])'
    r = run_claim(_claim_measuring(Registry(), f"demo.{name}", value))
    assert r.verdict == "ERROR"
    assert r.reason == (f"the check holds, but with NaN in measured['errs']{where}: a verdict "
                        "cannot rest on a measured value that is not a number")
    assert r.check.measured_json() == {"errs": recorded}


def test_container_without_nan_passes_with_its_numbers_recorded():
    r = run_claim(_claim_measuring(Registry(), "demo.window",
                                   collections.deque([1e-9, 2e-9], maxlen=5)))
    assert r.verdict == "PASS"
    assert r.check.measured_json() == {"errs": [1e-9, 2e-9]}
    assert to_jsonable(range(3)) == [0, 1, 2]
    # text, iterators and opaque objects stay as they were
    assert to_jsonable({"s": "abc", "b": b"ab"}) == {"s": "abc", "b": "b'ab'"}
    gen = (i for i in range(3))
    assert to_jsonable(gen).startswith("<generator object") and next(gen) == 0


def test_container_that_holds_itself_is_visited_once():
    d = collections.deque([1.0])
    d.append(d)
    assert to_jsonable(d) == [1.0, "<cycle>"]
    assert nan_in({"d": d}) is None
    # shown as the evidence holds it (was the deque's text, nested 6 deep)
    assert format_inline({"d": d}, "plain") == "d: [1, <cycle>]"
    d.appendleft(NAN)
    assert nan_in({"d": d}) == "measured['d'][0]"


@dataclasses.dataclass
class _Err:
    x: float


class _ToDict:
    def __init__(self, v: float) -> None:
        self.v = v

    def to_dict(self) -> dict:
        return {"x": self.v}


def test_nan_in_second_of_containers_made_on_the_way_is_found():
    # the dict of a dataclass's fields (of a to_dict(), of a structured array's field)
    # was freed once visited and the next one got its id: taken as seen, its NaN passed
    assert nan_in({"a": [_Err(1.0), _Err(NAN)]}) == "measured['a'][1]['x']"
    assert nan_in({"a": [_ToDict(1.0), _ToDict(NAN)]}) == "measured['a'][1]['x']"
    arr = np.zeros(2, dtype=[("p", "f8"), ("q", "f8"), ("r", "f8")])
    arr["r"][1] = np.nan
    assert nan_in({"a": arr}) == "measured['a']['r'][1]"


# --- 1b. mpmath's precision and the decimal context leaked into the next claim --------

@pytest.fixture
def numeric_settings_restored():
    """Put mpmath's and decimal's settings back even where the engine did not."""
    prec, ctx = mpmath.mp.prec, decimal.getcontext().copy()
    # from mpmath's default: other test modules of the same worker set mp.dps = 60 when
    # imported, and these tests compare with 15 digits
    mpmath.mp.dps = 15
    yield
    mpmath.mp.prec = prec
    decimal.setcontext(ctx)


def test_mpmath_precision_set_by_a_control_does_not_reach_the_next_claim(
        numeric_settings_restored):
    reg = Registry()

    @claim("o.a", paper="o", kind="numerical", statement="s", profiles=P, registry=reg)
    def a(ctx, dps=30):
        mpmath.mp.dps = dps
        x = mpmath.mpf("1e-20")
        err = abs(((1 + x) - 1) - x)
        return ctx.evidence(holds=bool(err < 1e-30), measured={"err": float(err)})

    a.control(lambda ctx: a.check(ctx, dps=8), description="at 8 digits")

    @claim("o.b", paper="o", kind="numerical", statement="false identity", profiles=P,
           registry=reg)
    def b(ctx, offset=0.0):
        gap = abs(mpmath.zeta(2) - (mpmath.pi ** 2 / 6 + 3e-10 + offset))
        return ctx.evidence(holds=bool(gap < 1e-12),
                            measured={"gap": float(gap), "dps": mpmath.mp.dps})

    b.control(lambda ctx: b.check(ctx, offset=1e-6), description="off by 1e-6")
    alone = run_claim(b)
    assert run_claim(a).verdict == "PASS"
    after = run_claim(b)
    # was PASS with dps 8 (the gap rounded to 0) after o.a, FAIL alone
    assert alone.verdict == after.verdict == "FAIL"
    assert after.check.measured == alone.check.measured
    assert after.check.measured["dps"] == 15 and after.check.measured["gap"] > 1e-10
    assert mpmath.mp.dps == 15


def test_decimal_context_and_mpmath_settings_are_put_back(numeric_settings_restored):
    ctx_before = decimal.getcontext()
    prec_before = ctx_before.prec
    with global_numeric_state():
        decimal.getcontext().prec = 5  # in place
        mpmath.mp.dps = 50
        mpmath.mp.pretty = True
    assert decimal.getcontext() is ctx_before and decimal.getcontext().prec == prec_before
    assert (mpmath.mp.dps, mpmath.mp.pretty) == (15, False)
    with global_numeric_state():
        decimal.setcontext(decimal.Context(prec=3))  # replaced
    assert decimal.getcontext().prec == prec_before

    reg = Registry()

    @claim("d.third", paper="d", kind="exact", statement="s", profiles=P, registry=reg)
    def third(ctx, prec=None):
        if prec is not None:
            decimal.getcontext().prec = prec
        text = str(decimal.Decimal(1) / decimal.Decimal(3))
        return ctx.evidence(holds=len(text) > 20, measured={"digits": len(text) - 2})

    third.control(lambda ctx: third.check(ctx, prec=4), description="4 digits")
    assert run_claim(third).verdict == "PASS"
    assert run_claim(third).check.measured == {"digits": prec_before}  # not 4


def test_torch_default_dtype_is_put_back():
    torch = pytest.importorskip("torch")
    before = torch.get_default_dtype()
    try:
        with global_numeric_state():
            torch.set_default_dtype(torch.float64)
        assert torch.get_default_dtype() == before
    finally:
        torch.set_default_dtype(before)


# --- 4. within / interval_within with bounds that hold no slope ------------------------

def test_within_refuses_reversed_nan_and_non_number_bounds():
    fit = fit_loglog([1, 2, 4, 8, 16], [1, 0.71, 0.5, 0.35, 0.25])
    assert fit.within(-0.6, -0.4) and fit.interval_within(-0.6, -0.4)
    assert fit.within(-np.inf, 0) and not fit.within(0, np.inf)
    for method in (fit.within, fit.interval_within):
        # were False whatever the data, without a word
        with pytest.raises(ArgumentError, match=r"^lo must be <= hi, got lo=-0\.4 > "
                           r"hi=-0\.6: the range \[lo, hi\] is empty \(for a negative slope "
                           r"the lower bound is the more negative\)$"):
            method(-0.4, -0.6)
        with pytest.raises(ArgumentError, match=r"^lo must be a number, got nan"):
            method(NAN, 0.0)
        with pytest.raises(ArgumentError, match=r"^hi must be a number, got nan"):
            method(-1.0, np.float64("nan"))
        # was a raw TypeError naming no argument
        with pytest.raises(ArgumentTypeError,
                           match=r"^lo must be a real number, got None \(NoneType\)$"):
            method(None, 0.0)
        with pytest.raises(ArgumentTypeError, match=r"^hi must be a real number, got True"):
            method(0.0, True)


# --- 5. loglog_fit checks ax and mathtext before drawing -------------------------------

X, Y = [1, 2, 4, 8], [1, 2.1, 3.9, 8.2]


def test_loglog_fit_refuses_what_is_not_one_axes():
    import matplotlib.pyplot as plt

    fig, axs = figure(nrows=2)
    try:
        with pytest.raises(ArgumentTypeError, match=r"^ax must be one matplotlib Axes, got "
                           r"an array of 2 axes of shape \(2,\) .*pass one of them"):
            loglog_fit(axs, X, Y, reference_slope=1)
        with pytest.raises(ArgumentTypeError, match=r"^ax must be one matplotlib Axes, got "
                           r"a Figure \(pass one of its axes, e\.g\. fig\.axes\[0\]\)$"):
            loglog_fit(fig, X, Y, reference_slope=1)
        for call in (lambda: loglog_fit(None, X, Y), lambda: log_ticks(None),
                     lambda: reference_line(None, 1.0, X, Y)):
            with pytest.raises(ArgumentTypeError,
                               match=r"^ax must be one matplotlib Axes, got None$"):
                call()
        assert all(not ax.lines and not ax.collections for ax in axs)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("kwargs, name", [
    ({"xlabel": r"$\frac{1$"}, "xlabel"),
    ({"ylabel": r"$\nope$"}, "ylabel"),
    ({"reference_slope": 1, "reference_label": r"$x^$"}, "reference_label"),
    ({"label": r"$\alpha_$"}, "label"),
])
def test_loglog_fit_names_a_mathtext_error_before_drawing(kwargs, name):
    import matplotlib.pyplot as plt

    fig, ax = figure()
    try:
        # was matplotlib's ValueError (ParseSyntaxException ...), naming no argument,
        # with the points and the lines already drawn
        with pytest.raises(ArgumentError, match=rf"^{name} is not valid mathtext: '.*': "
                           r"Parse(Syntax|Fatal)Exception"):
            loglog_fit(ax, X, Y, **kwargs)
        assert not ax.lines and not ax.collections
        assert ax.get_xlabel() == ax.get_ylabel() == ""
    finally:
        plt.close(fig)


def test_loglog_fit_draws_nothing_when_its_reference_line_is_refused():
    import matplotlib.pyplot as plt

    fig, ax = figure()
    try:
        with pytest.raises(ArgumentError, match="reference line of slope 400 over x in"):
            loglog_fit(ax, [1, 10, 100], [1, 2, 3], reference_slope=400)
        assert not ax.lines  # the points and the fit were drawn before the refusal
        # valid text (a dollar sign escaped, plain text, mathtext) is drawn as before
        fit = loglog_fit(ax, X, Y, label=r"costs \$5", xlabel=r"$\alpha$",
                         reference_slope=1, reference_label="slope one")
        assert round(fit.slope, 3) == 1.0 and len(ax.lines) == 3
        assert ax.get_xlabel() == r"$\alpha$"
    finally:
        plt.close(fig)


# --- 6. fit_loglog_bootstrap refuses coinciding logs before computing -----------------

def test_bootstrap_refuses_coinciding_logs_without_a_warning_first():
    a = 1e300
    b = np.nextafter(a, np.inf)
    c = np.nextafter(b, np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was RuntimeWarning: invalid value ... divide
        with pytest.raises(ArgumentError, match=r"^x must take at least two distinct "
                           r"values whose logs differ \(the 6 values differ by a few ulps"):
            fit_loglog_bootstrap([a, a, b, b, c, c], [1, 1.1, 2, 2.1, 3, 3.1])


# --- 8. argument messages of the claims API ------------------------------------------

def test_select_claims_takes_one_string_as_one_key_or_glob():
    reg = Registry()
    for cid in ("pa.one", "pa.two", "pb.one"):
        _claim_measuring(reg, cid, 1.0)
    # were "unknown paper key 'p'" and "--only 'p' matches no claim"
    assert [c.id for c in select_claims(papers="pa", registry=reg)] == ["pa.one", "pa.two"]
    assert [c.id for c in select_claims(only="*.one", registry=reg)] == ["pa.one", "pb.one"]
    assert [c.id for c in select_claims(papers="pb", only="pb.*", registry=reg)] == ["pb.one"]
    with pytest.raises(ArgumentTypeError, match=r"^papers must hold strings, got 3 \(int\)"):
        select_claims(papers=[3], registry=reg)
    with pytest.raises(ArgumentTypeError, match=r"^only must be a str or a sequence of str"):
        select_claims(only=3, registry=reg)
    with pytest.raises(ArgumentTypeError, match=r"^registry must be a Registry or None"):
        select_claims(registry={})


def test_claim_refuses_a_registry_that_is_no_registry_and_a_paper_that_is_no_key():
    # was AttributeError: 'dict' object has no attribute 'add', when decorating
    with pytest.raises(ArgumentTypeError, match=r"^claim 'a\.b': registry must be a "
                       r"specproof\.claims\.Registry \(Registry\(\)\) or None for the global "
                       r"REGISTRY, got dict$"):
        claim("a.b", paper="a", kind="exact", statement="s", profiles=P, registry={})
    # was "claim_id 'a.b' must start with its paper key None"
    with pytest.raises(ArgumentTypeError, match=r"^claim 'a\.b': paper must be a paper key, "
                       r"a str \(here 'a', the start of the id\), got None \(NoneType\)$"):
        claim("a.b", paper=None, kind="exact", statement="s", profiles=P)


def test_run_claim_asks_for_a_dict_of_overrides_and_a_folder_path():
    reg = Registry()
    c = claim("a.d", paper="a", kind="exact", statement="s",
              profiles={"quick": {"n": 1}, "paper": {"n": 2}}, registry=reg)(
        lambda ctx, n: ctx.evidence(holds=True, measured={"n": n}))
    c.control(lambda ctx, n: ctx.evidence(holds=False), description="x")
    # was "unknown override ('n', 1) for claim 'a.d'; its check takes n"
    with pytest.raises(ArgumentTypeError, match=r"^overrides for claim 'a\.d' must be a "
                       r"dict parameter name -> value, like \{'n': 1\}, got list"):
        run_claim(c, overrides=[("n", 1)])
    # was TypeError: expected str, bytes or os.PathLike object, not int
    with pytest.raises(ArgumentTypeError, match=r"^figure_dir must be a folder path \(a str "
                       r"or an os\.PathLike\) or None, got 3 \(int\)$"):
        run_claim(c, figure_dir=3)
    with pytest.raises(ArgumentTypeError, match=r"^certificate_dir must be a folder path"):
        run_claim(c, certificate_dir=2.5)
    assert run_claim(c, overrides={"n": 5}).check.measured == {"n": 5}


def test_display_of_a_vacuous_result_says_the_values_are_the_controls():
    reg = Registry()

    @claim("z.v", paper="z", kind="numerical", statement="s", profiles=P, registry=reg)
    def v(ctx, k=1.0):
        return ctx.evidence(holds=True, measured={"k": k}, key="k")

    v.control(lambda ctx: v.check(ctx, k=2.0), description="d")
    r = run_claim(v)
    assert r.verdict == "VACUOUS" and repr(r).endswith("k=1.0)")  # the check's key value
    # the table showed the control's k = 2 headed just "measured"
    assert "| control measured | value |\n|---|---|\n| `k` | 2 |" in r._repr_markdown_()
    assert "<tr><th>control measured</th><th>value</th></tr>" in r._repr_html_()
    p = run_claim(_claim_measuring(reg, "z.p", 0.5))
    assert p.verdict == "PASS"
    assert "| check measured | value |\n|---|---|\n| `errs` | 0.5 |" in p._repr_markdown_()
    assert "<tr><th>check measured</th><th>value</th></tr>" in p._repr_html_()
