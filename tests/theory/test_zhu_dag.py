"""zhu-dag claims: each quick profile passes and its negative control fails."""

import sympy as sp

from specproof.testing import assert_claim_passes
from specproof.theory.zhu_dag.reference import NTK_TOL
from specproof.theory.zhu_dag.structure import _nonzero_hessian_entries, symbolic_preactivations

# each zhu-dag claim's quick profile passing with its control failing (seed 0) is tested
# once, with its figures, in test_registry's test of every built-in claim; the mutants of
# hessian-scaling, linearization and ntk-limit in test_claims_mutation_dag_groups


def test_ntk_limit_slopes_in_evidence_are_the_expected_decay():
    # (zhu-dag.ntk-limit is not in CLAIMS: this one run checks the claim and its control;
    # test_registry runs its full quick profile, ~30 s: here the earlier, smaller sweeps,
    # which pass at seed 0, check the evidence's structure)
    r = assert_claim_passes(
        "zhu-dag.ntk-limit", profile="quick", n_inputs=6,
        widths={"mlp": [32, 64, 128, 256, 512], "resnet": [32, 64, 128, 256, 512],
                "densenet": [32, 64, 128, 256, 512], "random": [32, 64, 128, 256]})
    assert r.control is not None and not r.control.holds
    slopes = r.check.measured["slopes"]
    assert set(slopes) == {"mlp erf", "resnet erf", "densenet erf", "random erf"}
    for s in slopes.values():
        assert -0.65 <= s["slope"] <= -0.35 and s["low"] < s["slope"] < s["high"]
    # the control's reference (NNGP) leaves an error that does not decay
    assert all(s["slope"] > -0.2 for s in r.control.measured["slopes"].values())
    # the unmutated run of test_claims_mutation_dag_groups' ntk-limit mutants (the same
    # sweeps): its central-difference pins far inside the tolerance, so a mutant's failure
    # there is the mutation's
    m = r.check.measured
    assert m["fd_ntk_error"] <= NTK_TOL / 100 and m["fd_value_error"] <= NTK_TOL / 100


def test_symbolic_preactivations_match_the_model_by_hand():
    import networkx as nx

    g = nx.DiGraph([(0, 2), (1, 2), (2, 3)])
    pre, w, _ = symbolic_preactivations(g)
    x0, x1 = sp.symbols("x_0 x_1", real=True)
    w02, w12, w23 = w[(0, 2)], w[(1, 2)], w[(2, 3)]
    sigma = sp.Function("sigma")
    assert sp.simplify(pre[2] - (w02 * x0 + w12 * x1) / sp.sqrt(2)) == 0
    assert sp.simplify(pre[3] - w23 * sigma((w02 * x0 + w12 * x1) / sp.sqrt(2))) == 0
    assert _nonzero_hessian_entries(pre[2], w) == (0, 4)
    nz, ex = _nonzero_hessian_entries(pre[3], w)
    # d2/dw23 dw02 = sigma' x0/sqrt2, d2/dw02^2 = w23 sigma'' x0^2/2, ...: all 9 entries but
    # d2/dw23^2 = 0 are non-zero
    assert (nz, ex) == (8, 9)


