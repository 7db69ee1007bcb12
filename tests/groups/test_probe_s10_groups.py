"""Probe findings of session 10 in groups and fitting, each a test that failed before."""

import numpy as np
import pytest

from specproof._core import ArgumentTypeError
from specproof.fitting import fit_loglog
from specproof.groups import (
    NotAHomomorphismError,
    Representation,
    check_equivariance,
    cyclic,
    dihedral,
)


def _drifting_rotations(n, drift):
    # element k turns by 2 pi k / n plus drift * min(k, n - k): one rounding-sized step of
    # error per letter, so each generator product is within tolerance
    k = np.arange(n)
    angles = 2 * np.pi * k / n + drift * np.minimum(k, n - k)
    c, s = np.cos(angles), np.sin(angles)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)


@pytest.mark.parametrize("n", [150, 4000])  # all pairs, and the generators route
def test_a_representation_whose_error_grows_with_word_length_is_refused(n):
    with pytest.raises(NotAHomomorphismError, match="max error"):
        Representation(cyclic(n), _drifting_rotations(n, 1e-14))


def test_exact_rotations_of_a_large_cyclic_group_are_still_accepted():
    rho = Representation(cyclic(4000), _drifting_rotations(4000, 0.0))
    assert rho.dim == 2


def test_an_object_array_from_f_is_named():
    G = dihedral(4)
    R = G.regular_representation()
    with pytest.raises(ArgumentTypeError, match="f returned an array of dtype object"):
        check_equivariance(lambda x: np.array(list(x[..., ::-1]), dtype=object), G, R, R,
                           rng=0)


@pytest.mark.parametrize("x", [[True, 2, 4], (1, 2, np.True_), [[1, 2], [True, 4]]])
def test_a_bool_in_a_list_is_refused_by_the_fit(x):
    y = np.ones(np.shape(x)) * [1.0, 2.0, 4.0][: np.shape(x)[-1]]
    with pytest.raises(ValueError, match="x must hold real numbers, got a bool"):
        fit_loglog(x, y)


@pytest.mark.skipif(np.finfo(np.longdouble).maxexp <= 1024,
                    reason="long double is float64 here: 10**4000 is not finite in it")
def test_a_long_double_beyond_float64_is_named_as_such():
    x = np.array([np.longdouble(10) ** 4000, 2, 4], dtype=np.longdouble)
    with pytest.raises(ValueError, match="beyond float64's range"):
        fit_loglog(x, [1.0, 2.0, 4.0])
