"""check_equivariance: worst element, refusals, tolerances."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof._core import Result
from specproof.groups import (
    EquivariantLinear,
    Representation,
    check_equivariance,
    cyclic,
    dihedral,
    irrep,
)


def test_check_equivariance_reports_worst_element():
    G = dihedral(4)
    R = G.regular_representation()
    layer = EquivariantLinear(R, R, seed=0, bias=True)
    rep = check_equivariance(layer, G, R, R, rng=0)
    assert rep.ok and rep.worst_error <= 1e-12 and set(rep.errors) == set(G.labels)
    # M commutes with the rotations (they keep the coset of s) but not with reflections.
    M = np.diag(np.where(np.arange(8) < 4, 1.0, 2.0))
    bad = check_equivariance(lambda x: M @ x, G, R, R, rng=0)
    assert not bad.ok and bad.worst_element.endswith("s") and "not equivariant" in bad.reason
    assert bad.errors["e"] == 0.0 and bad.errors["r"] == 0.0 and bad.errors["s"] > 0.1
    # the Result convention: code to branch on, generic to_dict, bool
    assert (rep.code, bad.code, bool(rep), bool(bad)) == ("ok", "not_equivariant", True, False)
    assert isinstance(bad, Result)
    d = bad.to_dict()
    assert list(d)[:3] == ["ok", "reason", "code"] and d["worst_element"] == bad.worst_element
    assert d["errors"]["s"] == bad.errors["s"]


def test_check_equivariance_refuses_elements_outside_group():
    G = dihedral(4)
    R = G.regular_representation()
    f = EquivariantLinear(R, R, seed=1)
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(f, G, R, R, elements=[8])
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(f, G, R, R, elements=[-1])
    with pytest.raises(ValueError, match="'t', which is not an element of D4"):
        check_equivariance(f, G, R, R, elements=["t"])
    with pytest.raises(ValueError, match="is not rho\\(g\\) for any g"):
        check_equivariance(f, G, R, R, elements=[np.eye(8)[[1, 0, 2, 3, 4, 5, 6, 7]]])
    with pytest.raises(TypeError):
        check_equivariance(f, G, R, R, elements=[True])
    # a matrix that is rho(g) is accepted and resolved to g
    rep = check_equivariance(f, G, R, R, elements=[R("rs"), "r", 0], rng=0)
    assert set(rep.errors) == {"rs", "r", "e"}
    with pytest.raises(ValueError, match="representation of C4, not of D4"):
        check_equivariance(f, G, cyclic(4).regular_representation(), R)


@settings(max_examples=25, deadline=None)
@given(g=st.one_of(st.integers(max_value=-1), st.integers(min_value=8)),
       label=st.text(min_size=1, max_size=4))
def test_hypothesis_refuses_any_index_or_label_outside_group(g, label):
    G = dihedral(4)
    R = G.regular_representation()
    with pytest.raises(ValueError, match="not an element of D4"):
        check_equivariance(lambda x: x, G, R, R, elements=[g])
    if label not in G.labels:
        with pytest.raises(ValueError, match="not an element of D4"):
            check_equivariance(lambda x: x, G, R, R, elements=[label])


def test_check_equivariance_dimension_mismatch_names_shapes():
    G = cyclic(4)
    R = G.regular_representation()
    psi = irrep(G, "rot_1")
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\); got shape \(4,\)"):
        check_equivariance(lambda x: x, G, R, psi, rng=0)
    layer = EquivariantLinear(R, psi, seed=0)
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\), got shape \(3,\)"):
        layer(np.ones(3))


def test_check_equivariance_samples_large_groups():
    G = dihedral(600)
    # the defining 2-d representation, built directly (irreps(G) would build all 300)
    k, j = np.arange(G.order) % 600, np.arange(G.order) // 600
    c, s = np.cos(2 * np.pi * k / 600), np.sin(2 * np.pi * k / 600)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)
    psi = Representation(G, rot @ np.where(j[:, None, None] == 1, np.diag([1.0, -1.0]),
                                           np.eye(2)), check="generators")
    rep = check_equivariance(lambda x: 2.0 * x, G, psi, psi, rng=0)
    assert rep.ok and rep.sampled and len(rep.errors) <= 64 + len(G.generators)
    assert {G.labels[g] for g in G.generators} <= set(rep.errors)


def test_tolerance_from_dtype():
    G = cyclic(4)
    R = G.regular_representation()
    f64 = check_equivariance(lambda x: x, G, R, R, rng=0)
    f32 = check_equivariance(lambda x: x.astype(np.float32), G, R, R, rng=0)
    ratio = f32.tolerance / f64.tolerance
    assert ratio == pytest.approx(np.finfo(np.float32).eps / np.finfo(np.float64).eps)

