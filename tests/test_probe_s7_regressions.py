"""Regressions a probe found in this session's own changes, each kept as a test."""

from __future__ import annotations

import dataclasses
import decimal
import os
from fractions import Fraction

import numpy as np
import pytest
import sympy

from specproof._core import ArgumentError, real_scalar
from specproof._core.files import writable_target
from specproof.claims import Registry, claim, run_claim
from specproof.claims.decide import nan_in
from specproof.fitting import fit_loglog
from specproof.plotting import figure, log_tick_values

P = {"quick": {}, "paper": {}}


def test_a_measured_value_that_holds_itself_is_not_a_crash():
    # nan_in recursed without end: RecursionError, exit 70, no report for any claim
    loop = [1.0]
    loop.append(loop)
    reg = Registry()

    @claim("cyc.a", paper="cyc", kind="numerical", statement="s", profiles=P, registry=reg)
    def a(ctx):
        return ctx.evidence(holds=True, measured={"loop": loop})

    a.control(lambda ctx: ctx.evidence(holds=False))
    assert run_claim(a, profile="quick", seed=0).verdict == "PASS"


@dataclasses.dataclass
class _Fit:
    err: float


class _Report:
    def to_dict(self):
        return {"err": float("nan")}


@pytest.mark.parametrize("value", [
    sympy.nan, sympy.Float("nan"), {float("nan")}, frozenset({float("nan")}),
    _Fit(float("nan")), _Report(), decimal.Decimal("NaN"),
    np.array([(1.0, 2), (np.nan, 3)], dtype=[("a", float), ("b", int)]),
])
def test_nan_is_found_wherever_the_evidence_writer_looks(value):
    assert nan_in({"v": value}) is not None


@pytest.mark.parametrize("value", [float("inf"), "NaN", {1.0, 2.0}, _Fit(0.5), 10**400])
def test_no_nan_where_there_is_none(value):
    assert nan_in({"v": value}) is None


def test_real_numbers_of_every_kind_are_accepted_and_others_refused():
    assert [real_scalar(v) for v in (Fraction(1, 4), decimal.Decimal("1.5"), sympy.Integer(2),
                                     np.float32(0.5), np.array(3))] == [0.25, 1.5, 2.0, 0.5, 3.0]
    assert [real_scalar(v) for v in (True, 1j, "1", None, np.array([1.0]))] == [None] * 5
    # refused after this session's checks, accepted before them
    assert fit_loglog([Fraction(1), Fraction(2), Fraction(4)], [1, 4, 16]).slope == 2.0
    assert log_tick_values(np.array(1.0), np.array(100.0)) == [1.0, 10.0, 100.0]
    fig, _ = figure(aspect=np.array(0.5), ncols=np.array(1))
    assert fig.get_size_inches()[1] == pytest.approx(0.5 * fig.get_size_inches()[0])


def test_a_huge_python_int_is_a_bad_entry_by_index_not_an_overflow():
    with pytest.raises(ValueError, match=r"x holds .* at index 2, a finite number beyond "
                                         r"float64's range"):
        fit_loglog([1, 2, 10**400], [1, 2, 3])


@pytest.mark.skipif(os.name != "posix", reason="symbolic links as POSIX makes them")
def test_a_loop_of_links_is_refused_and_a_dangling_link_is_followed(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ArgumentError, match="is a loop of symbolic links"):
        writable_target(tmp_path / "a")
    (tmp_path / "d").symlink_to(tmp_path / "new.json")
    assert writable_target(tmp_path / "d") == tmp_path / "new.json"


def test_an_internal_error_exits_70_even_when_stderr_is_closed(tmp_path):
    import subprocess
    import sys

    code = ("import sys, specproof.cli.certify as c\n"
            "from specproof.cli import main\n"
            "def broken(args): raise RuntimeError('boom')\n"
            "c._cmd_certify = broken\n"
            "sys.exit(main(['certify', 'x.npy']))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, stderr=subprocess.DEVNULL,
                       timeout=120)
    assert r.returncode == 70
    r = subprocess.run(f'{sys.executable} -c "{code}" 2>&-', shell=True, cwd=tmp_path,
                       timeout=120)
    assert r.returncode == 70
