"""Mutation tests for group-appendix.group-axioms, group-appendix.regular-multiplicity,
pion.skew-momentum, zhu-dag.zero-hessian, zhu-dag.bottleneck and convnorm.channel-isometry
(findings F3-F6, F8 and F9 of the s18 mutation probe).

Each test patches one plausibly wrong variant in where the claim (or the library code it
runs) looks it up, and asserts the verdict: FAIL where the check itself must see the
mutation, VACUOUS where only the negative control can (a checker that never tests
associativity accepts every real group, so only the control's planted loop shows it). All
of these mutations used to PASS. The tests also assert which part caught the mutation, so
that a change making it fail for an unrelated reason does not hide a weaker check.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

import specproof.theory.convnorm as theory_convnorm
import specproof.theory.group_appendix.core as ga_core
from specproof.claims import run_claim
from specproof.groups import Representation, dihedral
from specproof.groups.axioms import AxiomCheck
from specproof.theory.group_appendix.references import PIN_F, PIN_LEFT, PIN_RIGHT
from specproof.theory.zhu_dag.structure import FLAT

pion_update = importlib.import_module("specproof.spectral.optimizers.pion_update")
dag_hessian = importlib.import_module("specproof.dag_nets.hessian")
dag_measures = importlib.import_module("specproof.dag_nets.measures")


def _run(claim_id, seed=0):
    return run_claim(claim_id, profile="quick", seed=seed)


@pytest.mark.parametrize("claim_id", [
    "group-appendix.group-axioms", "group-appendix.regular-multiplicity",
    "pion.skew-momentum", "zhu-dag.zero-hessian", "convnorm.channel-isometry",
])
def test_unmutated_claims_pass(claim_id):
    r = _run(claim_id)
    assert r.verdict == "PASS" and not r.control.holds


# --- F3: group-appendix.group-axioms ----------------------------------------------------


def test_group_axioms_control_catches_each_planted_defect():
    r = _run("group-appendix.group-axioms")
    ctrl = r.control.measured
    assert ctrl["failures"] == 0 and ctrl["planted"] == 2 and ctrl["planted_missed"] == []
    caught = {row["group"]: row["must fail"] for row in r.control.table if row.get("caught")}
    assert caught == {"loop5 (non-associative)": "associativity",
                      "D3, right action as left": "compatibility"}


def _without_associativity(table):
    """check_group_axioms testing closure, identity and inverses only."""
    t = np.asarray(table)
    n = len(t)
    r = np.arange(n)
    ids = [e for e in range(n) if (t[e] == r).all() and (t[:, e] == r).all()]
    ok = bool(ids) and all(((t[a] == ids[0]) & (t[:, a] == ids[0])).any() for a in range(n))
    return AxiomCheck(ok=ok, code="ok" if ok else "no_identity")


def _without_compatibility(original):
    """verify_action testing e.x = x only (a.(b.x) = (ab).x never fails)."""

    def verify(*args, **kwargs):
        res = original(*args, **kwargs)
        if res.code == "compatibility_fails":
            return dataclasses.replace(res, ok=True, code="ok", reason="")
        return res

    return verify


@pytest.mark.parametrize("name, mutant, missed", [
    ("check_group_axioms", lambda: _without_associativity, "loop5 (non-associative)"),
    ("verify_action", lambda: _without_compatibility(ga_core.verify_action),
     "D3, right action as left"),
], ids=["no-associativity", "no-compatibility"])
def test_group_axioms_with_an_axiom_untested_is_vacuous(monkeypatch, name, mutant, missed):
    monkeypatch.setattr(ga_core, name, mutant())
    r = _run("group-appendix.group-axioms")
    # every real group still passes, so only the control can show the axiom matters
    assert r.verdict == "VACUOUS"
    assert r.check.measured["failures"] == 0
    assert r.control.measured["planted_missed"] == [missed]


# --- F4: group-appendix.regular-multiplicity --------------------------------------------


def _d3_mul(x: int, y: int) -> int:
    """D3 from its definition: r^a s^i · r^b s^j = r^(a + (-1)^i b) s^(i+j), index k + 3j."""
    a, i, b, j = x % 3, x // 3, y % 3, y // 3
    return (a + (-1) ** i * b) % 3 + 3 * ((i + j) % 2)


def test_the_regular_pins_are_the_documented_conventions():
    inverse = {g: next(h for h in range(6) if _d3_mul(g, h) == 0) for g in range(6)}
    for h in (1, 3):  # r and s
        assert np.array_equal(PIN_RIGHT[h], [PIN_F[_d3_mul(g, h)] for g in range(6)])
        assert np.array_equal(PIN_LEFT[h], [PIN_F[_d3_mul(inverse[h], g)] for g in range(6)])
    # on D3 the two conventions differ at both generators, so the pins tell them apart
    assert all(not np.array_equal(PIN_LEFT[h], PIN_RIGHT[h]) for h in (1, 3))
    G = dihedral(3)
    assert all(G.table[x, y] == _d3_mul(x, y) for x in range(6) for y in range(6))


def test_regular_multiplicity_control_catches_each_planted_defect():
    r = _run("group-appendix.regular-multiplicity")
    m = r.check.measured
    assert m["max_homomorphism_defect"] == 0.0 and m["max_pin_error"] == 0.0
    assert r.control.measured["planted_missed"] == []


def _transposed_right_regular(monkeypatch):
    """R(h)^T = R(h^-1): an anti-homomorphism with the right characters."""
    original = ga_core.right_regular_representation

    def transposed(G):
        r = original(G)
        return Representation(G, np.transpose(r.matrices, (0, 2, 1)).copy(), name=r.name,
                              check="none")

    monkeypatch.setattr(ga_core, "right_regular_representation", transposed)


def _left_as_right(monkeypatch):
    """The left regular representation returned in place of the right one."""
    monkeypatch.setattr(ga_core, "right_regular_representation",
                        lambda G: G.regular_representation())


@pytest.mark.parametrize("mutate, homomorphism", [(_transposed_right_regular, 1.0),
                                                  (_left_as_right, 0.0)],
                         ids=["transposed", "left-as-right"])
def test_regular_multiplicity_fails_on_a_wrong_right_regular(monkeypatch, mutate, homomorphism):
    mutate(monkeypatch)
    r = _run("group-appendix.regular-multiplicity")
    assert r.verdict == "FAIL"
    m = r.check.measured
    assert m["mismatches"] == 0  # the characters cannot see either mutation
    assert m["max_homomorphism_defect"] == homomorphism
    assert m["pin_errors"]["left r"] == m["pin_errors"]["left s"] == 0.0
    assert m["pin_errors"]["right r"] > 0.5


# --- F5: pion.skew-momentum -------------------------------------------------------------


def _rescaled_generator(monkeypatch, rescale):
    """preconditioned_generator with A = -m / (something other than sqrt(v) + eps)."""
    original = pion_update.preconditioned_generator

    def mutant(*args, **kwargs):
        m, v, A = original(*args, **kwargs)
        eps = args[6]
        return m, v, A * (np.sqrt(v) + eps) / rescale(v, eps)

    monkeypatch.setattr(pion_update, "preconditioned_generator", mutant)


@pytest.mark.parametrize("rescale, skew", [
    (lambda v, eps: 1.0, True),                                               # A = -m
    (lambda v, eps: np.sqrt(v.mean()) + eps, True),                           # scalar v
    (lambda v, eps: np.sqrt(v.mean(axis=1, keepdims=True)) + eps, False),     # row-wise
], ids=["no-preconditioner", "scalar-v", "row-wise-v"])
def test_skew_momentum_fails_with_another_preconditioner(monkeypatch, rescale, skew):
    _rescaled_generator(monkeypatch, rescale)
    r = _run("pion.skew-momentum")
    assert r.verdict == "FAIL"
    m = r.check.measured
    assert m["max_generator_error"] > 0.1
    assert m["max_moment_error"] <= 1e-12  # the moments were left alone
    # an elementwise-symmetric rescaling keeps A skew: the asymmetry alone passed it
    assert (m["max_relative_asymmetry"] == 0.0) == skew


def test_skew_momentum_control_is_the_optimizer_without_second_moment():
    r = _run("pion.skew-momentum")
    ctrl = r.control.measured
    assert ctrl["second_moment"] is False and ctrl["max_relative_asymmetry"] == 0.0
    assert ctrl["max_generator_error"] > 0.5
    assert r.check.measured["max_generator_error"] <= 1e-14


# --- F6: zhu-dag.zero-hessian -----------------------------------------------------------


def _hvp_times(monkeypatch, factor):
    original = dag_hessian.hvp
    monkeypatch.setattr(dag_hessian, "hvp", lambda *a, **k: factor * original(*a, **k))


@pytest.mark.parametrize("factor", [0.0, 1.05], ids=["zeros", "times-1.05"])
def test_zero_hessian_with_a_wrong_hvp_is_vacuous(monkeypatch, factor):
    _hvp_times(monkeypatch, factor)
    r = _run("zhu-dag.zero-hessian")
    # layer 1's HVP is 0 either way: only the control's layer 2 can show the HVP is wrong
    assert r.verdict == "VACUOUS"
    ctrl = r.control.measured
    assert ctrl["nodes_nonzero_symbolic"] == ctrl["nodes_checked"] > 0  # sympy half refutes
    assert ctrl["nodes_nonzero_float"] == 0


def test_zero_hessian_examines_more_than_a_few_entries():
    r = _run("zhu-dag.zero-hessian")
    assert r.check.measured["entries_examined"] >= 18
    assert r.check.measured["max_abs_fd_float"] == 0.0
    ctrl = r.control.measured
    assert ctrl["nodes_nonzero_float"] == ctrl["nodes_checked"] > 0
    assert ctrl["max_abs_hvp_float"] > 0.1


# --- F8: zhu-dag.bottleneck -------------------------------------------------------------


# unmutated, zhu-dag.bottleneck (5-7 s) passes in test_zhu_dag, and a PASS now implies the
# stated paper widths: [4] in the check, and the layer widths in the failing control


def test_bottleneck_fails_with_a_wrong_paper_width(monkeypatch):
    # the maximum in-degree instead of the minimum: 1 for every network swept here
    monkeypatch.setattr(dag_measures, "width",
                        lambda g, inputs=None, outputs=None: max(d for _, d in g.in_degree()))
    r = _run("zhu-dag.bottleneck")
    assert r.verdict == "FAIL"
    m = r.check.measured
    assert m["slope"] >= FLAT and m["interval"][0] > -0.5  # the slope part still holds
    assert m["paper_widths"] != m["expected_paper_widths"] == [4]
    # the control's Hessian decays, but its paper width no longer grows with the layers:
    # it shows nothing about the width, so it holds
    ctrl = r.control.measured
    assert ctrl["slope"] < FLAT and ctrl["paper_widths"] != ctrl["expected_paper_widths"]
    assert r.control.holds


# --- F9: convnorm.channel-isometry ------------------------------------------------------


@pytest.mark.parametrize("wrong", [
    lambda K: np.swapaxes(K, 0, 1),       # c_out and c_in swapped (OIHW read as IOHW)
    lambda K: K[:, :, ::-1, ::-1],        # a convolution instead of a cross-correlation
], ids=["swapped-channels", "flipped-kernel"])
def test_channel_isometry_fails_on_the_layer_of_another_kernel(monkeypatch, wrong):
    original = theory_convnorm.convnorm_operator
    monkeypatch.setattr(theory_convnorm, "convnorm_operator",
                        lambda K, n, **k: original(np.ascontiguousarray(wrong(K)), n, **k))
    r = _run("convnorm.channel-isometry")
    assert r.verdict == "FAIL"
    m = r.check.measured
    # still the ConvNorm of some kernel, so still an isometry: only the reference sees it
    assert m["max_deviation"] < 1e-12
    assert m["operator_error"] > 0.01


def test_channel_isometry_operator_matches_its_reference():
    m = _run("convnorm.channel-isometry").check.measured
    assert m["operator_error"] <= 1e-14
