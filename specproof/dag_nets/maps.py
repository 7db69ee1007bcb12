"""Maps of a compiled network on a batch: outputs, VJP, JVP, gradients, Jacobian."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from specproof._core import (
    ArgumentError,
    ComputationError,
    ResourceLimitError,
    as_array,
    as_vector,
)
from specproof.dag_nets.params import DEFAULT_MAX_MEMORY, as_max_memory, format_bytes


def require_finite(arr: np.ndarray, what: str) -> np.ndarray:
    """Refuse to return an overflowed result (a NaN must not travel)."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ComputationError(
            f"{what} overflowed: entry {idx} is {arr[idx]} (weights or inputs too large for "
            f"{arr.dtype.name})"
        )
    return arr


def scaled_linear(fn: Callable[[np.ndarray], np.ndarray], v: np.ndarray,
                  what: str) -> np.ndarray:
    """``fn(v)`` for a map ``fn`` linear in ``v``, computed as ``2^e fn(2^-e v)`` with
    ``max |2^-e v| in [0.5, 1)``, and refused when not finite.

    A large direction times a zero derivative (a saturated activation) is ``inf * 0 =
    nan`` where the true product is finite; scaling by an exact power of two first keeps
    the intermediates in range and changes no rounding (only the exponents move).
    """
    big = float(np.max(np.abs(v))) if v.size else 0.0
    if big == 0.0 or not np.isfinite(big):
        return require_finite(fn(v), what)
    e = int(np.frexp(big)[1])
    out = fn(np.ldexp(v, -e).astype(v.dtype, copy=False))
    with np.errstate(over="ignore"):  # a product beyond the dtype's range is refused below
        out = np.ldexp(out, e).astype(out.dtype, copy=False)
    return require_finite(out, what)


class MapsMixin:
    """Forward and first-order maps for :class:`specproof.dag_nets.DagNet`."""

    def forward(self, X: Any, params: Any = None) -> np.ndarray:
        """The outputs ``f(X)``, shape ``(n, n_outputs)``, for a batch ``X`` of shape
        ``(n, n_inputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(8, depth=2, d_in=2), seed=0)
        >>> net.forward([[0.0, 0.0]])  # erf(0) = 0 and no biases
        array([[0.]])
        """
        A, _ = self._forward(self._params(params), self._batch(X))
        return require_finite(A[self.out_rows].T.copy(), "the outputs")

    __call__ = forward

    def activations_of(
        self, X: Any, params: Any = None, preactivation: bool = False
    ) -> dict[Hashable, np.ndarray]:
        """Every node's activations (or pre-activations), each ``(n, size(v))``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> compile(mlp(5, depth=1, d_in=2), seed=0).activations_of(np.ones((3, 2)))["h1"].shape
        (3, 5)
        """
        A, Z = self._forward(self._params(params), self._batch(X))
        M = Z if preactivation else A
        return {v: M[self.start[v] : self.start[v] + self.sizes[v]].T.copy() for v in self.start}

    def vjp(self, X: Any, cotangent: Any, params: Any = None) -> np.ndarray:
        """``sum_i cotangent[i] . df(x_i)/dw``: a flat vector of length ``n_params``.

        ``cotangent`` has the shape of the outputs, ``(n, n_outputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> net.vjp(np.ones((3, 2)), np.ones((3, 1))).shape
        (12,)
        """
        w = self._params(params)
        X = self._batch(X)
        C = self._array(cotangent, "cotangent", lambda v: as_array(v, "cotangent", ndim=2))
        if C.shape != (X.shape[0], self.n_outputs):
            raise ArgumentError(
                f"cotangent must have shape {(X.shape[0], self.n_outputs)}, got {C.shape}"
            )
        A, Z = self._forward(w, X)
        _, Yh = self._backward(w, Z, self.out_rows, C.T, A=A)
        return require_finite(self._outer([(A, Yh)]), "the gradient")

    def grad(self, X: Any, output: Any = None, params: Any = None,
             preactivation: bool = False) -> np.ndarray:
        """Gradient of ``sum_i f_t(x_i)`` for one output (or neuron) ``t``, flat.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> x = np.ones((1, 2)); e = 1e-6 * np.eye(net.n_params)[0]
        >>> fd = (net.forward(x, net.params + e) - net.forward(x, net.params - e)) / 2e-6
        >>> bool(abs(fd[0, 0] - net.grad(x)[0]) < 1e-8)
        True
        """
        w = self._params(params)
        X = self._batch(X)
        row, pre = self._target(output, preactivation)
        A, Z = self._forward(w, X)
        _, Yh = self._backward(w, Z, np.array([row]), np.ones((1, X.shape[0])), pre, A)
        return require_finite(self._outer([(A, Yh)]), "the gradient")

    def loss_and_grad(self, X: Any, Y: Any, params: Any = None) -> tuple[float, np.ndarray]:
        """Square loss ``L = 1/2 sum_i ||f(x_i) - y_i||^2`` (a sum, not a mean) and its
        gradient, flat.

        With this normalisation gradient descent on the outputs follows
        ``f <- f - lr K (f - y)``, so ``lr < 2 / lambda_max(K)`` is stable.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.ones((3, 2)); L, g = net.loss_and_grad(X, net.forward(X))
        >>> L, float(np.abs(g).max())
        (0.0, 0.0)
        """
        w = self._params(params)
        X = self._batch(X)
        Y = self._array(Y, "Y", lambda v: as_array(v, "Y"))
        if Y.ndim == 1 and self.n_outputs == 1:
            Y = Y[:, None]
        if Y.shape != (X.shape[0], self.n_outputs):
            raise ArgumentError(f"Y must have shape {(X.shape[0], self.n_outputs)}, "
                                f"got {Y.shape}")
        A, Z = self._forward(w, X)
        R = A[self.out_rows] - Y.T
        _, Yh = self._backward(w, Z, self.out_rows, R, A=A)
        loss = 0.5 * float(np.sum(R * R))
        return loss, require_finite(self._outer([(A, Yh)]), "the gradient")

    def _rforward(self, w, V, A, Z) -> tuple[np.ndarray, np.ndarray]:
        eng, s = self._engine, self.scale
        RA = np.zeros_like(A)
        RZ = np.zeros_like(Z)
        for g in range(1, len(self.gen_rows)):
            p, q = self.gen_rows[g]
            rz = eng.lin_fwd(g, V, A)
            if g > 1:
                rz += eng.lin_fwd(g, w, RA)
            rz *= s[p:q, None]
            RZ[p:q] = rz
            self._add_bias(V, RZ, p, q)
            RA[p:q] = self._d(Z, g, 1) * RZ[p:q]
        return RA, RZ

    def jvp(self, X: Any, tangent: Any, params: Any = None) -> np.ndarray:
        """Directional derivative ``df(x_i)/dw . tangent`` for each row, ``(n, n_outputs)``.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.ones((1, 2)); t = np.arange(net.n_params) / 10
        >>> bool(np.isclose(net.jvp(X, t)[0, 0], net.grad(X) @ t))
        True
        """
        w = self._params(params)
        X = self._batch(X)
        V = self._array(tangent, "tangent", lambda v: as_vector(v, self.n_params, "tangent"))
        A, Z = self._forward(w, X)
        require_finite(A[self.out_rows], "the outputs")
        return scaled_linear(lambda t: self._rforward(w, t, A, Z)[0][self.out_rows].T.copy(),
                             V, "the Jacobian-vector product")

    def jacobian(
        self,
        X: Any,
        output: Any = None,
        params: Any = None,
        preactivation: bool = False,
        max_memory: float | None = DEFAULT_MAX_MEMORY,
    ) -> np.ndarray:
        """Per-example gradients ``J[i] = df_t(x_i)/dw``, shape ``(n, n_params)``.

        Computed in chunks of examples; refuses (before any work) a Jacobian larger than
        ``max_memory`` bytes (None: no limit), since :meth:`ntk` never needs it.

        Examples
        --------
        >>> from specproof.dag_nets import compile, mlp
        >>> net = compile(mlp(4, depth=1, d_in=2), seed=0)
        >>> X = np.random.default_rng(0).standard_normal((3, 2))
        >>> J = net.jacobian(X)
        >>> bool(np.allclose(J @ J.T, net.ntk(X)))
        True
        """
        limit = as_max_memory(max_memory)
        w = self._params(params)
        X = self._batch(X)
        need = self.dtype.itemsize * X.shape[0] * self.n_params
        if need > limit:
            raise ResourceLimitError(
                f"the Jacobian would take {format_bytes(need)} (> max_memory="
                f"{format_bytes(limit)}); use ntk(), vjp() or jvp() instead, or raise "
                "max_memory"
            )
        row, pre = self._target(output, preactivation)
        out = np.empty((X.shape[0], self.n_params), dtype=self.dtype)
        chunk = max(1, min(X.shape[0], (1 << 24) // max(self.n_params, 1)))
        for lo in range(0, X.shape[0], chunk):
            Xc = X[lo : lo + chunk]
            A, Z = self._forward(w, Xc)
            _, Yh = self._backward(w, Z, np.array([row]), np.ones((1, Xc.shape[0])), pre, A)
            for g in range(1, len(self.gen_rows)):
                self._engine.per_example(g, A, Yh, out[lo : lo + chunk])
            if self.n_biases:
                out[lo : lo + chunk, self.n_weights :] = self._bias_part(Yh).T
        return out

    # Implemented in ntk.py and hessian.py (kept there to keep modules small).
