"""Input errors a review found raw (numpy's MemoryError, a bare ValueError, a truthy "no")."""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ArgumentError, ArgumentTypeError, ResourceLimitError
from specproof.certificates import circular_singular_values, conv_operator_norm
from specproof.certificates.known import boolean_cube_certificate
from specproof.certificates.peyrl_parrilo import relax


def test_a_huge_input_shape_is_a_resource_limit_naming_it():
    with pytest.raises(ResourceLimitError, match=r"input_shape \(1000000, 1000000\)"):
        conv_operator_norm(np.ones((2, 3, 3, 3)), 10**6)


@pytest.mark.parametrize("delta", [float("nan"), float("inf"), -1])
def test_relax_names_delta(delta):
    with pytest.raises(ArgumentError, match="delta must be"):
        relax(boolean_cube_certificate(3), delta)


def test_relax_refuses_text_as_a_type_error():
    # text is refused by type since s18 (as bits and data_bits are): "0.1" was parsed
    with pytest.raises(ArgumentTypeError, match="delta must be a number"):
        relax(boolean_cube_certificate(3), "x")


@pytest.mark.parametrize("flag", ["no", 1, None])
def test_by_frequency_must_be_a_bool(flag):
    with pytest.raises(ArgumentTypeError, match="by_frequency must be a bool"):
        circular_singular_values(np.ones((1, 1, 1, 1)), 4, by_frequency=flag)


def test_data_bits_that_round_X_to_zero_are_named():
    from specproof.certificates import certify

    with pytest.raises(ArgumentError, match="data_bits=4 rounds every entry of X to 0"):
        certify([[0.001, 0.0]], q=4, data_bits=4)
    with pytest.raises(ArgumentError, match="X is the zero matrix"):
        certify([[0.0, 0.0]], q=4, data_bits=4)
