"""zhu-dag claims: each quick profile passes and its negative control fails."""

import sympy as sp

from specproof.theory.zhu_dag.structure import _nonzero_hessian_entries, symbolic_preactivations

# each zhu-dag claim's quick profile passing with its control failing (seed 0) is tested
# once, with its figures, in test_registry's test of every built-in claim; the mutants of
# hessian-scaling, linearization and ntk-limit in test_claims_mutation_dag_groups


# zhu-dag.ntk-limit's evidence (four slopes in the band, the control's that do not decay,
# its pins far inside their tolerances) is read off test_registry's run of the claim


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


