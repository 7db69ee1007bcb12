"""conv_operator_normalize of a kernel whose dead taps dwarf its live ones.

A 3x3 kernel on a 1x1 input with padding 1 reads only its centre tap. With a corner of
1e300 and a centre of 1e-300 the operator's norm is 1e-300; the normalised corner was
inf (a RuntimeWarning), and a convolution with the result reads inf * 0 = NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

from specproof._core import ComputationError
from specproof.spectral import conv_operator_normalize


def _kernel(corner: float) -> np.ndarray:
    K = np.zeros((1, 1, 3, 3))
    K[0, 0, 0, 0], K[0, 0, 1, 1] = corner, 1e-300
    return K


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_an_overflowing_dead_tap_is_refused_naming_the_dead_taps(bound):
    with np.errstate(all="raise"):  # no RuntimeWarning on the way
        with pytest.raises(ComputationError, match=r"overflows float64 in 1 entry: .* norm is "
                                                   r"1e-300.*dead_taps = 8.*set them to 0"):
            conv_operator_normalize(_kernel(1e300), 1, padding=1, bound=bound)


def test_with_the_dead_taps_zeroed_the_live_tap_normalises_to_one():
    Kn, b = conv_operator_normalize(_kernel(0.0), 1, padding=1)
    assert Kn[0, 0, 1, 1] == pytest.approx(1.0, rel=1e-14) and Kn[0, 0, 1, 1] <= 1.0
    assert np.count_nonzero(Kn) == 1 and b.certificate.dead_taps == 8


def test_a_dead_tap_that_stays_finite_is_kept_as_the_user_gave_it():
    Kn, _ = conv_operator_normalize(_kernel(1.0), 1, padding=1)
    assert np.all(np.isfinite(Kn)) and Kn[0, 0, 0, 0] == pytest.approx(1e300, rel=1e-12)
