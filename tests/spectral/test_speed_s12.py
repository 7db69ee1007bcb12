"""Session-12 speed changes of the dense Pion step: each keeps the values it replaced.

- the Paterson-Stockmeyer chunks are added in place (``axpy``), for numpy of any
  order and dtype and for torch;
"""

import math

import numpy as np
import pytest

from specproof.spectral.optimizers.skew_series import _taylor_polynomial

torch = pytest.importorskip(
    "torch", reason="torch not installed (extra 'torch'): the torch chunks not tested"
)


def _naive(C, m):
    return sum(np.linalg.matrix_power(C, k) / math.factorial(k) for k in range(m + 1))


@pytest.mark.parametrize("m", [0, 1, 2, 3, 4, 5, 8, 9, 14])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_paterson_stockmeyer_in_place_leaves_C_and_matches_the_sum(m, layout):
    rng = np.random.default_rng(m)
    base = rng.standard_normal((14, 14)) / 8.0
    C = {"C": base.copy(), "F": np.asfortranarray(base),
         "strided": np.repeat(base, 2, 1)[:, ::2]}[layout]
    before = C.copy()
    got = _taylor_polynomial(C, m)
    assert np.array_equal(C, before)  # the chunks never write C or its powers' source
    np.testing.assert_allclose(got, _naive(base, m), rtol=0, atol=2e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_paterson_stockmeyer_torch_equals_numpy(dtype):
    rng = np.random.default_rng(3)
    C = (rng.standard_normal((12, 12)) / 6.0).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-15
    for m in (0, 3, 8):
        ref = _naive(C.astype(np.float64), m)
        got_np = _taylor_polynomial(C, m)
        got_t = _taylor_polynomial(torch.tensor(C), m).numpy()
        assert got_np.dtype == dtype and got_t.dtype == dtype
        np.testing.assert_allclose(got_np, ref, rtol=0, atol=tol)
        np.testing.assert_allclose(got_t, ref, rtol=0, atol=tol)
