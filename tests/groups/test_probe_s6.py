"""Regression tests for the sixth adversarial probe of :mod:`specproof.groups`.

Each test failed before its fix: an intertwiner basis of the wrong size returned unchecked
for large groups, homomorphism tolerances set by the largest entry, no limit on the group
order, float16 representations accepted, and convolution sizes checked only at the first
call.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from specproof import ArgumentError, ArgumentTypeError, ComputationError, ResourceLimitError
from specproof.groups import (
    FiniteGroup,
    GroupConv,
    LiftingConv,
    NotAHomomorphismError,
    Representation,
    SignalAction,
    cyclic,
    dihedral,
    direct_product,
    direct_sum,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    irreps,
    quaternion,
    symmetric,
    trivial,
)
from specproof.groups.axioms import MAX_ORDER, check_order

# the package attribute `intertwiners` is the function; the module holds the budgets
_intertwiners_module = importlib.import_module("specproof.groups.intertwiner_checks")


def _skew(R: Representation, cond: float, rng: np.random.Generator) -> Representation:
    """``R`` in a random basis of condition number ``cond``."""
    U, _ = np.linalg.qr(rng.standard_normal((R.dim, R.dim)))
    V, _ = np.linalg.qr(rng.standard_normal((R.dim, R.dim)))
    return R.change_of_basis(U @ np.diag(np.geomspace(1, 1 / cond, R.dim)) @ V)


def _rotation_sums(N: int, m: int, cond: float) -> tuple[Representation, Representation]:
    """rot_1..rot_m and rot_2..rot_{m+1} of C_N, each in a skewed basis."""
    G = cyclic(N)
    ir = {p.name: p for p in irreps(G)}
    rng = np.random.default_rng(0)
    a = _skew(direct_sum(*[ir[f"rot_{k}"] for k in range(1, m + 1)]), cond, rng)
    b = _skew(direct_sum(*[ir[f"rot_{k}"] for k in range(2, m + 2)]), cond, rng)
    return a, b


# ---------------------------------------------------------------- 1. intertwiners


def test_intertwiners_c500_skewed_basis_is_refused_not_returned():
    # the probe's case: 40 matrices returned for a Hom space of dimension 38, residual 2.98
    a, b = _rotation_sums(500, 20, 1e3)
    assert hom_dimension(a, b) == 38
    with pytest.raises(ComputationError, match=r"gave 40 basis matrices.*= 38"):
        intertwiners(a, b)


def test_intertwiners_count_checked_when_residual_check_too_expensive(monkeypatch):
    # with the all-element budget at 0 the old code returned 19 matrices (Hom has 10)
    monkeypatch.setattr(_intertwiners_module, "_CHECK_FLOPS", 0.0)
    a, b = _rotation_sums(60, 6, 1e4)
    with pytest.raises(ComputationError, match=r"dim Hom_G\(rho_in, rho_out\) = 10"):
        intertwiners(a, b)


def test_intertwiners_sampled_residual_check_catches_a_bad_basis(monkeypatch):
    # the residual check runs on a sample instead of being skipped: with the count check
    # off, the sample alone refuses the basis
    monkeypatch.setattr(_intertwiners_module, "_CHECK_FLOPS", 1.0)
    monkeypatch.setattr(importlib.import_module("specproof.groups.intertwiners"),
                        "_check_dimension", lambda *args: None)
    a, b = _rotation_sums(60, 6, 1e4)
    with pytest.raises(ComputationError, match="residual over the checked elements"):
        intertwiners(a, b)


def test_intertwiners_sampled_check_accepts_a_good_basis(monkeypatch):
    monkeypatch.setattr(_intertwiners_module, "_CHECK_FLOPS", 1.0)
    a, b = _rotation_sums(100, 8, 1e3)
    basis = intertwiners(a, b)
    assert len(basis) == hom_dimension(a, b) == 14
    assert intertwiner_residual(basis, a, b) < 1e-6


# ---------------------------------------------------------------- 2. homomorphism check


def test_representation_refuses_small_error_next_to_a_huge_entry():
    # rho(r)^2 = diag(2.25, 1, 1): the global tolerance 64 d eps 1e16 ~ 400 accepted it
    M = np.array([np.eye(3), [[1.5, 0, 0], [0, 1, 1e8], [0, 0, -1]]])
    with pytest.raises(NotAHomomorphismError, match=r"\(1, 1\).*max error 1\.250e\+00"):
        Representation(cyclic(2), M)


def test_representation_accepts_a_huge_entry_when_it_is_exact():
    M = np.array([np.eye(3), [[1.0, 0, 0], [0, 1, 1e8], [0, 0, -1]]])
    assert Representation(cyclic(2), M).dim == 3


@pytest.mark.parametrize("cond", [1e3, 1e6])
def test_representation_accepts_valid_representations_in_skewed_bases(cond):
    # the per-entry tolerance must still leave the rounding of P rho P^-1 room, rows and
    # columns scaled differently included
    rng = np.random.default_rng(3)
    groups = [cyclic(7), dihedral(5), symmetric(4), quaternion()]
    for G in groups:
        for R in (G.regular_representation(), direct_sum(*irreps(G))):
            for row_scaled in (False, True):
                d = R.dim
                U, _ = np.linalg.qr(rng.standard_normal((d, d)))
                V, _ = np.linalg.qr(rng.standard_normal((d, d)))
                P = U @ np.diag(np.geomspace(1, 1 / cond, d)) @ V
                if row_scaled:
                    P = np.diag(np.geomspace(1, cond, d)) @ P
                M = P @ R.matrices @ np.linalg.inv(P)
                assert Representation(G, M).dim == d


def test_representation_refuses_errors_in_a_skewed_basis():
    G = dihedral(5)
    rng = np.random.default_rng(4)
    R = G.regular_representation()
    P = np.diag(np.geomspace(1, 1e3, R.dim)) @ rng.standard_normal((R.dim, R.dim))
    M = P @ R.matrices @ np.linalg.inv(P)
    M[1, 0, 0] *= 1 + 1e-6  # a relative error of 1e-6 in one entry
    with pytest.raises(NotAHomomorphismError):
        Representation(G, M)


# ---------------------------------------------------------------- 3. order limit


@pytest.mark.parametrize("build", [
    lambda: cyclic(20_000),
    lambda: cyclic(40_000),
    lambda: dihedral(6_000),
    lambda: direct_product(cyclic(200), cyclic(100)),
    lambda: FiniteGroup.from_permutations([[1, 2, 3, 4, 5, 6, 7, 0], [1, 0, 2, 3, 4, 5, 6, 7]]),
    lambda: FiniteGroup.from_table(np.broadcast_to(np.arange(10_001), (10_001, 10_001))),
])
def test_group_constructors_refuse_huge_orders_before_building(build):
    # a table view costs no memory: the limit must trip before the O(n^3) axiom check
    with pytest.raises(ResourceLimitError, match="10000") as info:
        build()
    assert isinstance(info.value, MemoryError)


def test_order_limit_keeps_the_largest_documented_groups():
    # symmetric(7), 5040 elements, is documented; building 10 000 would take seconds
    assert MAX_ORDER >= 5040
    check_order(MAX_ORDER, "cyclic(N)")  # the limit itself is allowed
    assert cyclic(2_000).order == 2_000


def test_permutation_array_over_the_limit_is_refused():
    # a view: the limit must trip before the rows are validated (or the table built)
    perms = np.broadcast_to(np.arange(3), (10_001, 3))
    with pytest.raises(ResourceLimitError, match="10001 elements"):
        FiniteGroup.from_permutation_array(perms)


# ---------------------------------------------------------------- 4. dtypes


def test_float16_representation_is_refused():
    # homomorphism error 0.39 was accepted (tolerance ~0.5), then LAPACK raised TypeError
    G = dihedral(4)
    M = G.regular_representation().matrices.copy()
    M[1, 0, :] += 0.3
    with pytest.raises(ComputationError, match="float16 is too coarse"):
        Representation(G, M.astype(np.float16))


def test_long_double_representation_is_refused():
    if np.dtype(np.longdouble) == np.dtype(np.float64):
        pytest.skip("long double is float64 here")
    M = np.array([[[1.0]], [[-1.0]]], dtype=np.longdouble)
    with pytest.raises(ArgumentTypeError, match="float64"):
        Representation(cyclic(2), M)


def test_intertwiners_refuse_float16_arrays_with_a_clear_error():
    c2 = np.stack([np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]])])
    with pytest.raises(ArgumentTypeError, match="rho_in has dtype float16"):
        intertwiners(c2.astype(np.float16), c2)
    # float32 and integer input still work
    assert intertwiners(c2.astype(np.float32), trivial(cyclic(2)).matrices).shape == (1, 1, 2)
    assert intertwiners(c2.astype(np.int64), c2).shape == (2, 2, 2)


# ---------------------------------------------------------------- 6. layer arguments


@pytest.mark.parametrize("layer", [LiftingConv, GroupConv])
@pytest.mark.parametrize("kwargs, match", [
    (dict(c_in=1, c_out=1, kernel_size=0), "kernel_size must be >= 1"),
    (dict(c_in=1, c_out=1, kernel_size=-1), "kernel_size must be >= 1"),
    (dict(c_in=0, c_out=1, kernel_size=3), "c_in must be >= 1"),
    (dict(c_in=1, c_out=0, kernel_size=3), "c_out must be >= 1"),
    (dict(c_in=1, c_out=1, kernel_size=2, padding="same"), "odd kernel_size"),
    (dict(c_in=1, c_out=1, kernel_size=3, padding="full"), "padding must be"),
])
def test_conv_layers_validate_at_construction(layer, kwargs, match):
    with pytest.raises(ArgumentError, match=match):
        layer(dihedral(4), seed=0, **kwargs)


def test_conv_layers_refuse_an_empty_or_even_same_kernel():
    with pytest.raises(ArgumentError, match="empty axis"):
        LiftingConv(dihedral(4), 1, 1, kernel=np.zeros((1, 0, 3, 3)))
    with pytest.raises(ArgumentError, match="odd kernel_size"):
        LiftingConv(dihedral(4), 1, 1, padding="same", kernel=np.ones((1, 1, 2, 2)))
    with pytest.raises(ArgumentError, match="odd kernel_size"):
        GroupConv(cyclic(4), 1, 1, padding="same", kernel=np.ones((1, 1, 4, 2, 2)))


def test_lifting_conv_names_x_for_wrong_input_channels():
    layer = LiftingConv(dihedral(4), c_in=2, c_out=1, kernel_size=3, seed=0)
    with pytest.raises(ArgumentError, match=r"x must have shape \(c_in, H, W\) = \(2, H, W\)"):
        layer(np.ones((3, 5, 5)))
    assert layer(np.ones((2, 5, 5))).shape == (1, 8, 3, 3)


def test_signal_action_refuses_zero_channels():
    with pytest.raises(ArgumentError, match="channels must be >= 1"):
        SignalAction(cyclic(3), channels=0)
