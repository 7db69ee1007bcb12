"""Mutation tests for group-appendix.character-orthogonality,
group-appendix.fourier-spectral-norm and hopkins-tiegel.closed-forms (the s19c probe).

Each test patches one plausibly wrong variant of the library in where the claim (or the
library code it runs) looks it up, and asserts that the check no longer holds, which pin
caught it, and that the rest of the check still held (so that a change making it fail for
an unrelated reason does not hide a weaker pin). Every one of these variants used to
PASS: a Gram matrix of characters is diag(c) for any orthonormal class functions; the
library's dense W and its Fourier norm agree when both read one wrong convention; and
for every closed-form matrix a row of X or its top singular vector is already a
maximiser, so the power method's iteration was never exercised.

Variants found equivalent (no observable wrong answer, so no test): ``character_inner``
with ``chi_2(g)`` in place of ``chi_2(g^-1)`` (real characters: ``chi(g^-1) = chi(g)``);
the irreps in a non-orthogonal basis (same characters); in the power method ``psi(y) =
sign(y) |y|^q`` (the iteration of ``||Xv||_{q+1}``, whose maximisers on every closed-form
matrix are those of ``||Xv||_q``; ``hopkins-tiegel.sandwich`` catches it, 1e-3 from its
multistart); ``solve_sos`` returning the power value (on the Boolean cube SoS_4 equals the
norm, to 3e-10).
"""

from __future__ import annotations

import dataclasses
import importlib

import matplotlib.pyplot as plt
import numpy as np
import pytest

import specproof.groups.fourier as fourier_module
import specproof.theory.group_appendix.core as ga_core
import specproof.theory.group_appendix.fourier as ga_fourier
import specproof.theory.hopkins_tiegel.norms as ht_norms
from specproof.claims import Context, run_claim
from specproof.groups import fourier_blocks, irreps, regular_representation
from specproof.groups.irrep import Irrep, deferred_irrep_checks
from specproof.theory import get_claim

power_module = importlib.import_module("specproof.certificates.power")

ORTHOGONALITY = "group-appendix.character-orthogonality"
FOURIER = "group-appendix.fourier-spectral-norm"
CLOSED_FORMS = "hopkins-tiegel.closed-forms"


def _check(claim_id):
    """The quick check alone, seed 0, as run_claim runs it (0.05-0.2 s against 0.2-0.7 s
    for run_claim, which also runs the control and draws the figure). A check that does
    not hold is a FAIL whatever the control does; the ``*_verdict_is_fail`` tests go
    through run_claim once per claim."""
    c = get_claim(claim_id)
    evidence = c.check(Context(seed=0, profile="quick", claim_id=c.id), **c.profiles["quick"])
    plt.close("all")  # the runner closes its figures; this runs without it
    return evidence


def _run(claim_id):
    return run_claim(claim_id, profile="quick", seed=0)


@pytest.mark.parametrize("claim_id", [ORTHOGONALITY, FOURIER, CLOSED_FORMS])
def test_unmutated_claims_pass_with_their_pins_far_inside_the_tolerances(claim_id):
    r = _run(claim_id)
    assert r.verdict == "PASS" and not r.control.holds
    m = r.check.measured
    if claim_id == ORTHOGONALITY:
        assert max(m["max_character_pin_error"], m["max_homomorphism_defect"]) < 1e-14
        assert m["irreps_not_as_documented"] == []
    elif claim_id == FOURIER:
        assert m["max_matrix_error"] == 0.0
        assert max(m["max_block_norm_error"], m["max_filter_error"]) < 1e-14
    else:
        assert m["max_random_start_rel_err"] < 1e-11 and m["max_sos4_rel_err"] < 1e-8


# --- group-appendix.character-orthogonality ---------------------------------------------


def _unchecked(p, matrices=None, name=None):
    """``p`` rebuilt without the library's validation (a wrong irreps table would not get
    through it; a claim must not rely on that, since ``irreps`` is what it checks)."""
    with deferred_irrep_checks():
        return Irrep(p.group, p.matrices if matrices is None else matrices,
                     name=name or p.name, type=p.type, check="none")


def _patch_irreps(monkeypatch, change):
    monkeypatch.setattr(ga_core, "irreps", lambda G: change(G, list(irreps(G))))


def _negated_flip(G, table):
    # -chi is orthonormal to the others as chi was, but chi(e) = -1: no character
    return [_unchecked(p, -p.matrices) if p.name == "flip" else p for p in table]


def _rotations_exchanged(G, table, characters_only):
    names = [p.name for p in table]
    if "rot_2" not in names:
        return table
    i, j = names.index("rot_1"), names.index("rot_2")
    if characters_only:  # character() disagrees with the matrices it should be read from
        a, b = _unchecked(table[i]), _unchecked(table[j])
        chi_a, chi_b = table[i].character(), table[j].character()
        a.character, b.character = (lambda: chi_b.copy()), (lambda: chi_a.copy())
        table[i], table[j] = a, b
    else:  # rot_1 built with the frequency of rot_2 and the other way round
        table[i], table[j] = (_unchecked(table[j], name="rot_1"),
                              _unchecked(table[i], name="rot_2"))
    return table


def _reflections_in_wrong_order(G, table):
    """``psi(r^k s) = psi(s) psi(r)^k`` instead of ``psi(r)^k psi(s)``: the same traces,
    and the same generator matrices (so the same commutant), but no homomorphism."""
    if G.family[0] != "dihedral":
        return table
    N = G.family[1]
    out = []
    for p in table:
        if p.dim == 2:
            M = p.matrices.copy()
            M[N:] = p.matrices[N] @ p.matrices[:N]
            p = _unchecked(p, M)
        out.append(p)
    return out


_ORTHOGONALITY_MUTANTS = {
    "negated-character": (_negated_flip, ("max_character_pin_error", "max_homomorphism_defect")),
    "characters-exchanged": (lambda G, t: _rotations_exchanged(G, t, True),
                             ("max_character_pin_error",)),
    "frequencies-exchanged": (lambda G, t: _rotations_exchanged(G, t, False),
                              ("max_character_pin_error",)),
    "not-a-homomorphism": (_reflections_in_wrong_order, ("max_homomorphism_defect",)),
}


@pytest.mark.parametrize("mutant", list(_ORTHOGONALITY_MUTANTS))
def test_character_orthogonality_fails_on_a_wrong_irreps_table(monkeypatch, mutant):
    change, caught_by = _ORTHOGONALITY_MUTANTS[mutant]
    _patch_irreps(monkeypatch, change)
    ev = _check(ORTHOGONALITY)
    assert not ev.holds
    m = ev.measured
    # the Gram matrix, the sum rule and the commutant types still agree: only a pin sees it
    assert m["max_error"] <= 1e-12 and m["sum_rule_holds"] and m["types_match_commutant"]
    assert m["irreps_not_as_documented"] == []
    for key in ("max_character_pin_error", "max_homomorphism_defect"):
        assert (m[key] > 1.0) == (key in caught_by), key


def test_character_orthogonality_verdict_is_fail_with_characters_exchanged(monkeypatch):
    _patch_irreps(monkeypatch, lambda G, t: _rotations_exchanged(G, t, True))
    r = _run(ORTHOGONALITY)
    assert r.verdict == "FAIL"
    assert r.check.measured["max_character_pin_error"] == pytest.approx(4.0)  # C6 at r^3


# --- group-appendix.fourier-spectral-norm -----------------------------------------------


def _indexing_swapped(monkeypatch):
    # "gh" read as "gh^-1" (and back) by every library function: the dense W and the
    # Fourier blocks then agree with each other on the wrong map
    original = fourier_module._indexing
    monkeypatch.setattr(fourier_module, "_indexing",
                        lambda i: {"gh": "gh^-1", "gh^-1": "gh"}[original(i)])


def _left_regular(monkeypatch):
    # W built with the left regular representation: L = J R J (J: g -> g^-1), the same
    # norm, but not the W of the statement
    monkeypatch.setattr(fourier_module, "right_regular_representation", regular_representation)


def _inverse_without_weights(monkeypatch):
    """The inverse transform without the ``d_psi / c_psi`` weights."""

    def inverse(fhat, G, irreps_=None):
        out = 0.0
        for p in irreps(G):
            d, block = p.dim, fhat[p.name]
            a, b = block.shape[0] // d, block.shape[1] // d
            out = out + np.einsum("gij,aibj->gab", p.matrices, block.reshape(a, d, b, d))
        return out / G.order

    monkeypatch.setattr(ga_fourier, "inverse_group_fourier_transform", inverse)


def _transform_with_inverse_elements(monkeypatch):
    # f^(psi) = sum_g f(g) (x) psi(g^-1), the inverse left as it is
    monkeypatch.setattr(ga_fourier, "group_fourier_transform",
                        lambda f, G, irreps=None: fourier_blocks(f, G, indexing="gh^-1"))


_FOURIER_MUTANTS = {
    "indexing-swapped": (_indexing_swapped,
                         ("max_rel_error", "max_block_norm_error", "max_matrix_error")),
    "left-regular": (_left_regular, ("max_matrix_error",)),
    "inverse-without-weights": (_inverse_without_weights, ("max_filter_error",)),
    "transform-with-inverse": (_transform_with_inverse_elements, ("max_filter_error",)),
}


@pytest.mark.parametrize("mutant", list(_FOURIER_MUTANTS))
def test_fourier_spectral_norm_fails_on_a_wrong_transform(monkeypatch, mutant):
    mutate, caught_by = _FOURIER_MUTANTS[mutant]
    mutate(monkeypatch)
    ev = _check(FOURIER)
    assert not ev.holds
    m = ev.measured
    for key in ("max_rel_error", "max_block_norm_error", "max_matrix_error",
                "max_filter_error"):
        if key in caught_by:
            assert m[key] > 1e-3, key
        else:
            assert m[key] <= 1e-10, key


def test_fourier_spectral_norm_verdict_is_fail_with_the_indexing_swapped(monkeypatch):
    _indexing_swapped(monkeypatch)
    r = _run(FOURIER)
    assert r.verdict == "FAIL"
    # the library's dense W and its Fourier norm still agree with each other
    assert r.check.measured["max_matrix_error"] > 1.0


# --- hopkins-tiegel.closed-forms --------------------------------------------------------


def _psi_exponent(monkeypatch, exponent):
    original = power_module._psi
    monkeypatch.setattr(power_module, "_psi", lambda Y, q: original(Y, exponent(q)))


def _no_iterations(monkeypatch):
    # the starts evaluated, never improved
    original = power_module.power_iterations
    monkeypatch.setattr(power_module, "power_iterations",
                        lambda X, q, V, max_iter=1000, **k: original(X, q, V, max_iter=0, **k))


def _linear_step(monkeypatch):
    # psi(y) = y: the 2->2 power iteration whatever q
    monkeypatch.setattr(power_module, "_psi", lambda Y, q: Y)


def _sos_stopped_early(monkeypatch):
    # SoS_4 3e-7 high (an early stop): 7.5e-8 on the 4th root, inside the tolerance there
    original = ht_norms.solve_sos

    def solve(X, q=4, **k):
        res = original(X, q, **k)
        return dataclasses.replace(res, value=res.value * (1 + 3e-7))

    monkeypatch.setattr(ht_norms, "solve_sos", solve)


_CLOSED_FORM_MUTANTS = {
    # the iteration for the dual exponent q' = q / (q - 1) (psi(y) = |y|^(q' - 1))
    "psi-dual-exponent": (lambda mp: _psi_exponent(mp, lambda q: q / (q - 1)),
                          "max_random_start_rel_err"),
    "psi-linear": (_linear_step, "max_random_start_rel_err"),
    "no-iterations": (_no_iterations, "max_random_start_rel_err"),
    "sos-stopped-early": (_sos_stopped_early, "max_sos4_rel_err"),
}


@pytest.mark.parametrize("mutant", list(_CLOSED_FORM_MUTANTS))
def test_closed_forms_fails_on_a_wrong_power_method_or_sos(monkeypatch, mutant):
    mutate, caught_by = _CLOSED_FORM_MUTANTS[mutant]
    mutate(monkeypatch)
    ev = _check(CLOSED_FORMS)
    assert not ev.holds
    m = ev.measured
    # the default starts (rows of X, top singular vector) still give every closed form
    assert m["max_power_rel_err"] <= 1e-12
    for key in ("max_random_start_rel_err", "max_sos4_rel_err"):
        if key == caught_by:
            assert m[key] > 1e-7, key
        else:
            assert m[key] <= 1e-8, key


def test_closed_forms_verdict_is_fail_without_iterations(monkeypatch):
    _no_iterations(monkeypatch)
    r = _run(CLOSED_FORMS)
    assert r.verdict == "FAIL"
    worst = max(r.check.table, key=lambda row: row["rel_err"])
    assert worst["case"].split("_")[0] in ("orthogonal", "hadamard", "cube")
