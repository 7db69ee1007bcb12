"""Equivariant layers: linear layers, lifting and group convolutions."""


from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from specproof.groups import (
    EquivariantLinear,
    GridAction,
    GroupConv,
    GroupGridAction,
    LiftingConv,
    check_equivariance,
    correlate2d,
    cyclic,
    dihedral,
    direct_sum,
    irreps,
    verify_action,
)


def _random_basis_rep(G, rng, parts=2):
    irs = irreps(G)
    rho = direct_sum(*[irs[int(i)] for i in rng.integers(len(irs), size=parts)])
    q, _ = np.linalg.qr(rng.standard_normal((rho.dim, rho.dim)))
    return rho.change_of_basis(q @ np.diag(rng.uniform(0.5, 2.0, rho.dim)))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 6))
def test_hypothesis_equivariant_linear_layers(seed, n):
    G = dihedral(n)
    rng = np.random.default_rng(seed)
    a = direct_sum(G.regular_representation(), _random_basis_rep(G, rng))
    b = _random_basis_rep(G, rng, parts=3)
    layer = EquivariantLinear(a, b, seed=rng)
    # the layer is built numerically in a non-orthogonal basis, so it carries its own
    # construction error (seen: 3.3e-13, above the dtype-only default of 8e-14 at these
    # sizes); the property asserted is equivariance to 1e-12
    rep = check_equivariance(layer, G, a, b, rng=rng, tol=1e-12)
    assert rep.ok, rep.reason


@pytest.mark.parametrize("G", [cyclic(4), dihedral(4)], ids=lambda G: G.name)
@pytest.mark.parametrize("padding,ks", [("valid", 3), ("same", 3), ("valid", 4)])
def test_lifting_and_group_conv_equivariant(G, padding, ks):
    rng = np.random.default_rng(0)
    lift = LiftingConv(G, 2, 3, ks, seed=1, padding=padding)
    gconv = GroupConv(G, 3, 2, ks, seed=2, padding=padding)
    xs = [rng.standard_normal((2, 9, 9)) for _ in range(2)]
    r1 = check_equivariance(lift, G, GridAction(G, axes=(-2, -1)), GroupGridAction(G), inputs=xs)
    r2 = check_equivariance(lambda x: gconv(lift(x)), G, GridAction(G, axes=(-2, -1)),
                            GroupGridAction(G), inputs=xs)
    for r in (r1, r2):
        assert r.ok and r.worst_error <= 1e-12 and len(r.errors) == G.order


def test_unshared_filters_are_not_equivariant():
    G = cyclic(4)
    rng = np.random.default_rng(0)
    bank = rng.standard_normal((4, 1, 3, 3))  # four independent filters, no sharing
    xs = [rng.standard_normal((1, 7, 7))]

    def as_group(x):  # read the four output channels as the group axis
        return correlate2d(x, bank).reshape(1, 4, 5, 5)

    r = check_equivariance(as_group, G, GridAction(G, axes=(-2, -1)), GroupGridAction(G),
                           inputs=xs)
    assert not r.ok and r.worst_error > 0.1


def test_group_grid_action_and_conv_values():
    G = dihedral(4)
    assert verify_action(GroupGridAction(G, size=3, channels=2), samples=1, rng=0).ok
    # a delta kernel at the centre makes the lifting conv copy the image into every g
    k = np.zeros((1, 1, 3, 3))
    k[0, 0, 1, 1] = 1.0
    x = np.random.default_rng(0).standard_normal((1, 5, 5))
    out = LiftingConv(G, 1, 1, kernel=k, padding="same")(x)
    for g in range(8):
        np.testing.assert_array_equal(out[0, g], x[0])
    # correlate2d against a direct double loop
    kern = np.random.default_rng(1).standard_normal((2, 1, 3, 2))
    got = correlate2d(x, kern)
    ref = np.array([[[np.sum(kern[o, 0] * x[0, i:i + 3, j:j + 2]) for j in range(4)]
                     for i in range(3)] for o in range(2)])
    np.testing.assert_allclose(got, ref, atol=1e-13)


def test_conv_errors():
    with pytest.raises(ValueError, match="does not act exactly on a square grid"):
        LiftingConv(cyclic(8), 1, 1)
    with pytest.raises(ValueError, match="odd kernel"):
        correlate2d(np.ones((1, 5, 5)), np.ones((1, 1, 2, 2)), padding="same")
    with pytest.raises(ValueError, match=r"c_in = 2 \(from x of shape \(2, 5, 5\)\)"):
        correlate2d(np.ones((2, 5, 5)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"\(3, 8, H, W\), got shape \(3, 4, 5, 5\)"):
        GroupConv(dihedral(4), 3, 1)(np.ones((3, 4, 5, 5)))



def test_non_orthogonal_basis_found_by_hypothesis_is_equivariant_and_a_broken_map_is_not():
    # seed 98611, n = 4: relative error 3.3e-13, above the default tolerance at these sizes
    # (the layer's own construction error in a non-orthogonal basis); equivariant to 1e-12
    G = dihedral(4)
    rng = np.random.default_rng(98611)
    a = direct_sum(G.regular_representation(), _random_basis_rep(G, rng))
    b = _random_basis_rep(G, rng, parts=3)
    layer = EquivariantLinear(a, b, seed=rng)
    rep = check_equivariance(layer, G, a, b, rng=1, tol=1e-12)
    assert rep.ok, rep.reason
    w = np.random.default_rng(2).standard_normal((b.dim, a.dim))
    broken = check_equivariance(lambda x: w @ x, G, a, b, rng=1)
    assert not broken.ok and broken.code == "not_equivariant" and broken.worst_error > 1e-2
