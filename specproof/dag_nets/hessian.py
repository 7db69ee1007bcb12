"""Exact Hessian-vector products (Pearlmutter's R-operator) and the Hessian spectral norm.

Forward over reverse: with the forward and backward passes at ``w`` cached, a product
``H V`` costs one forward R-pass and one backward R-pass (REFERENCES §2):

    R z_v = s_v sum_u (V_uv a_u + w_uv R a_u),      R a_v = sigma'(z_v) R z_v
    R g_u = sum_t s_t (w_ut R delta_t + V_ut delta_t)
    R delta_u = sigma''(z_u) R z_u g_u + sigma'(z_u) R g_u
    (H V)_uv = s_v (R delta_v a_u + delta_v R a_u)

``||H||`` is the largest |eigenvalue| (H is indefinite), found by Lanczos
(``scipy.sparse.linalg.eigsh``, ``which="LM"``) on a ``LinearOperator``; the residual
``||H u - theta u||`` of the returned unit vector ``u`` bounds the distance from
``theta`` to an eigenvalue of H.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from specproof._core import (
    ArgumentError,
    ArgumentTypeError,
    Displayable,
    Result,
    as_choice,
    as_float,
    as_generator,
    as_int,
    as_vector,
    first_nonfinite,
)
from specproof.dag_nets.errors import DtypeError
from specproof.dag_nets.hessian_reduced import ReducedHessian
from specproof.dag_nets.maps import require_finite, scaled_linear

if TYPE_CHECKING:
    from specproof.dag_nets.core import NetworkCore

#: The fewest Lanczos vectors ``hessian_norm`` accepts (``ncv``), ``2k + 1`` for the
#: ``k = 1`` eigenvalue sought: the floor of scipy's default ``min(n, max(2k + 1, 20))``.
#: With ``ncv=2`` ARPACK's restarted iteration converged to an eigenvalue 11 % below the
#: largest, with a residual of 1e-11 and ``ok=True``, for 7 of 25 start vectors (a small
#: residual shows *an* eigenvalue, not the largest); with 3, none of 225 runs on nine
#: networks did.
MIN_NCV = 3


@dataclass(frozen=True, repr=False)
class HessianNorm(Displayable, Result):
    """The Hessian spectral norm of one output w.r.t. the parameters.

    ``value = |eigenvalue|``; ``residual = ||H u - eigenvalue u||`` for the unit Ritz
    vector ``u`` (an eigenvalue of H lies within ``residual`` of ``eigenvalue``);
    ``n_hvp`` counts Hessian-vector products, the residual's included; ``method`` says
    whether Lanczos ran on all parameters or on the reduced subspace of dimension ``dim``.
    ``dtype`` is the dtype of the Hessian-vector products (the network's);
    ``lanczos_dtype`` that of Lanczos itself, always float64 (ARPACK's vectors): a float32
    network's products are widened for it, so ``value`` carries float32 accuracy.
    """

    value: float = float("nan")
    eigenvalue: float = float("nan")
    residual: float = float("nan")
    n_hvp: int = 0
    n_params: int = 0
    tol: float = 0.0
    method: str = "full"
    dim: int = 0
    dtype: str = "float64"
    lanczos_dtype: str = "float64"


class HessianOperator(LinearOperator):
    """A symmetric ``LinearOperator`` of Hessian-vector products in the network's dtype;
    ``n_hvp`` counts them."""

    def __init__(self, n: int, product, w: np.ndarray, cache) -> None:
        super().__init__(w.dtype, (n, n))
        self._product = product
        self.w, self.cache = w, cache
        self.n_hvp = 0

    def _matvec(self, v: np.ndarray) -> np.ndarray:
        dt = getattr(v, "dtype", None)
        if dt is not None and dt.kind == "f" and dt != self.dtype:
            # as hvp(): a float64 vector is not rounded to float32 silently
            raise DtypeError(
                f"v has dtype {dt.name} but the operator computes in {self.dtype.name}; "
                f"pass v.astype(np.{self.dtype.name})")
        if dt is not None and dt.kind == "c":
            # as hvp(): the cast below would drop the imaginary part (H Re(v), not H v)
            raise ArgumentTypeError(
                f"v must be real, got dtype {dt.name}; for a complex v apply the operator "
                "to v.real and v.imag (H v = H v.real + 1j H v.imag)")
        if dt is not None and dt.kind in "USV":
            raise ArgumentTypeError(f"v must be a numeric array, got dtype {dt}")
        try:
            v = np.ascontiguousarray(v, dtype=self.dtype).reshape(-1)
        except (TypeError, ValueError) as exc:  # an object array holding text, complex ...
            raise ArgumentTypeError(f"v must be a real numeric array: {exc}") from exc
        self.n_hvp += 1
        first_nonfinite(v, "v")
        return scaled_linear(self._product, v, "the Hessian-vector product")

    _rmatvec = _matvec

    def _adjoint(self) -> HessianOperator:
        return self


def _inputs(net: NetworkCore, x: Any) -> np.ndarray:
    arr = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if arr.ndim == 1:
        net._same_dtype(arr, "x")
        return net._batch(as_vector(x, None, "x").astype(net.dtype)[None, :], "x")
    return net._batch(x, "x")


def _float64(op: LinearOperator) -> LinearOperator:
    """``op`` for ARPACK, which runs in float64: float32 products widened, not rounded."""
    if op.dtype == np.float64:
        return op
    n = op.shape[0]

    def mv(v: np.ndarray) -> np.ndarray:
        return op.matvec(np.asarray(v, dtype=op.dtype)).astype(np.float64)

    return LinearOperator((n, n), matvec=mv, rmatvec=mv, dtype=np.float64)


def _cache(net: NetworkCore, w: np.ndarray, X: np.ndarray, output: Any, preactivation: bool):
    row, pre = net._target(output, preactivation)
    A, Z = net._forward(w, X)
    G, Yh = net._backward(w, Z, np.array([row]), np.ones((1, X.shape[0])), pre, A)
    require_finite(A[net.out_rows], "the outputs")
    require_finite(Yh, "the backward pass")
    D1 = np.zeros_like(Z)
    D2 = np.zeros_like(Z)
    for g in range(1, len(net.gen_rows)):
        p, q = net.gen_rows[g]
        D1[p:q] = net._d(Z, g, 1)
        D2[p:q] = net._d(Z, g, 2)
    return A, G, Yh, D1, D2


def _hvp(net: NetworkCore, w: np.ndarray, cache, V: np.ndarray) -> np.ndarray:
    A, G, Yh, D1, D2 = cache
    eng, s = net._engine, net.scale
    # the direction's own terms need no earlier R-result: one product each, up front
    Vw = V[: net.n_weights]
    RZ = eng.lin_fwd_all(Vw, A)
    RG = eng.lin_bwd_all(Vw, Yh)
    RA = np.zeros_like(A)
    ngen = len(net.gen_rows)
    for g in range(1, ngen):
        p, q = net.gen_rows[g]
        rz = RZ[p:q]
        if g > 1:
            rz += eng.lin_fwd(g, w, RA)
        rz *= s[p:q, None]
        net._add_bias(V, RZ, p, q)  # R z_v gains the direction's bias part
        np.multiply(D1[p:q], rz, out=RA[p:q])
    SR = np.zeros_like(A)
    for g in range(ngen - 1, 0, -1):
        p, q = net.gen_rows[g]
        rd = SR[p:q]
        np.multiply(D2[p:q], RZ[p:q], out=rd)
        rd *= G[p:q]
        rd += D1[p:q] * RG[p:q]
        rd *= s[p:q, None]
        if g > 1:
            eng.lin_bwd_add(g, w, rd, RG)
    return net._outer([(A, SR), (RA, Yh)])


def hessian_operator(
    net: NetworkCore,
    x: Any,
    output: Any = None,
    params: Any = None,
    preactivation: bool = False,
    allow_nonsmooth: bool = False,
) -> HessianOperator:
    """The Hessian of ``sum_i f_t(x_i)`` w.r.t. the parameters as a ``LinearOperator``.

    ``x`` is one input (1-D) or a batch (then the Hessian of the sum). The forward and
    backward passes are done once; each product is two R-passes. ``op.n_hvp`` counts the
    products done. Not thread-safe (the count); build one operator per thread.

    Raises
    ------
    NotSmoothError
        If an activation is not twice differentiable (unless ``allow_nonsmooth``; then
        ``sigma'' = 0`` where it exists).

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import compile, mlp
    >>> net = compile(mlp(6, depth=2, d_in=2), activation="tanh", seed=0)
    >>> H = net.hessian_operator(np.ones(2)) @ np.eye(net.n_params)
    >>> bool(np.allclose(H, H.T, atol=1e-13))
    True
    """
    if not allow_nonsmooth:
        net.require_smooth()
    w = net._params(params).copy()
    X = _inputs(net, x)
    cache = _cache(net, w, X, output, preactivation)
    return HessianOperator(net.n_params, lambda v: _hvp(net, w, cache, v), w, cache)


def hvp(
    net: NetworkCore,
    x: Any,
    v: Any,
    output: Any = None,
    params: Any = None,
    preactivation: bool = False,
    allow_nonsmooth: bool = False,
) -> np.ndarray:
    """One exact Hessian-vector product ``H v`` (see :meth:`hessian_operator`).

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import compile, mlp
    >>> net = compile(mlp(5, depth=2, d_in=2), seed=0)
    >>> x, v = np.ones(2), np.random.default_rng(0).standard_normal(net.n_params)
    >>> e = 1e-5
    >>> fd = (net.grad(x[None], params=net.params + e * v)
    ...       - net.grad(x[None], params=net.params - e * v)) / (2 * e)
    >>> bool(np.allclose(net.hvp(x, v), fd, atol=1e-8))
    True
    """
    op = hessian_operator(net, x, output, params, preactivation, allow_nonsmooth)
    out = op.matvec(net._array(v, "v", lambda a: as_vector(a, net.n_params, "v")))
    return require_finite(out, "the Hessian-vector product")


def _scale(v: np.ndarray) -> float:
    """A norm of ``v`` that neither underflows nor overflows (max |v_i| times ||v / max||)."""
    big = float(np.max(np.abs(v))) if v.size else 0.0
    return big * float(np.linalg.norm(v / big)) if big > 0.0 and math.isfinite(big) else big


def _scale_norm(v: np.ndarray) -> float:
    return _scale(np.asarray(v, dtype=np.float64))


#: the default relative accuracy of :func:`hessian_norm` per dtype of the network
DEFAULT_TOL: dict[str, float] = {"float64": 1e-10, "float32": 1e-5}


def hessian_norm(
    net: NetworkCore,
    x: Any,
    output: Any = None,
    params: Any = None,
    preactivation: bool = False,
    tol: float | None = None,
    seed: Any = 0,
    ncv: int | None = None,
    maxiter: int | None = None,
    allow_nonsmooth: bool = False,
    method: str = "auto",
) -> HessianNorm:
    """The spectral norm ``max |lambda(H)|`` of the Hessian of ``f_t`` at ``x`` (Lanczos).

    Parameters
    ----------
    x : array_like
        One input (1-D) or a batch (Hessian of the sum over the batch).
    tol : float, optional
        Relative accuracy asked of ``eigsh`` (0 = machine precision), and shown by the
        residual when ``ok``. Default :data:`DEFAULT_TOL` of the network's dtype: 1e-10
        for float64, 1e-5 for float32 (whose products carry about 1e-7 relative error, so
        a float64 tolerance could never be shown).
    seed : int or Generator
        Seeds the Lanczos start vector.
    ncv : int, optional
        Number of Lanczos vectors (default: scipy's, ``min(n, 20)``). At least
        :data:`MIN_NCV` (3), or the operator's dimension ``n`` when that is smaller:
        ``ncv=2`` converged to a smaller eigenvalue with a tiny residual and ``ok=True``.
        Values above ``n`` are capped at ``n``; prefer the default, which is safer.
    method : {"auto", "reduced", "full"}
        ``"full"``: Lanczos on all parameters. ``"reduced"`` (block networks only):
        Lanczos on the subspace that contains the range of H (see
        :mod:`specproof.dag_nets.hessian_reduced`), same non-zero eigenvalues, far cheaper
        products. ``"auto"`` takes ``"reduced"`` for block networks when the subspace is
        at most half the parameters. The residual is always computed in full space.

    Returns
    -------
    HessianNorm
        When ``H v0 = 0`` for the random start vector ``v0`` the Hessian is 0 with
        probability one and ``value = 0.0`` is returned. ``ok`` is False
        (``code="no_convergence"``) when ARPACK did not converge; the fields then hold its
        best estimate (a Ritz pair, or the start vector's Rayleigh quotient), whose
        residual is still an honest bound on the distance to an eigenvalue.

        ``ok=True`` means ARPACK converged and the residual certifies that ``eigenvalue``
        is within ``residual`` of *an* eigenvalue of H. That it is the largest in
        magnitude is what Lanczos finds in practice, not something certified: the one
        check made is that ``value`` is at least ``||H v0|| / ||v0||`` (a lower bound on
        ``||H||``); below it, ``ok`` is False with ``code="not_largest"``.

    Raises
    ------
    ArgumentError
        If ``ncv`` is below :data:`MIN_NCV` (and below ``n``), or ``maxiter`` below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from specproof.dag_nets import compile, mlp
    >>> net = compile(mlp(8, depth=2, d_in=2), seed=0)
    >>> r = net.hessian_norm(np.ones(2))
    >>> H = net.hessian_operator(np.ones(2)) @ np.eye(net.n_params)
    >>> bool(np.isclose(r.value, np.abs(np.linalg.eigvalsh(H)).max(), rtol=1e-9)), r.ok
    (True, True)
    """
    op = hessian_operator(net, x, output, params, preactivation, allow_nonsmooth)
    tol = DEFAULT_TOL[net.dtype.name] if tol is None else as_float(tol, "tol", minimum=0.0)
    method = as_choice(method, ("auto", "reduced", "full"), "method")
    if method == "reduced" and net.engine != "blocks":
        raise ArgumentError("method='reduced' needs a block network (engine 'blocks')")
    if method == "reduced" and net.n_biases:
        raise ArgumentError("method='reduced' covers weights only; a network with biases "
                            "needs method='full' (or 'auto')")
    red = None
    if method != "full" and net.engine == "blocks" and not net.n_biases:
        red = ReducedHessian(net, op.w, op.cache)
        if method == "auto" and red.dim > net.n_params // 2:
            red = None
    target: LinearOperator = op
    n = net.n_params
    if red is not None:
        n = red.dim
        target = LinearOperator((n, n), matvec=red.matvec, rmatvec=red.matvec,
                                dtype=net.dtype)
    full = _float64(op)
    target = _float64(target)
    if ncv is not None:
        ncv = as_int(ncv, "ncv", minimum=1)
        if ncv < min(MIN_NCV, n):
            raise ArgumentError(
                f"ncv must be at least {min(MIN_NCV, n)} (MIN_NCV = {MIN_NCV}, or the "
                f"operator's dimension {n} when smaller), got {ncv}: with fewer Lanczos "
                "vectors ARPACK can converge to an eigenvalue that is not the largest, "
                "with a tiny residual; leave ncv=None for scipy's default")
        ncv = min(ncv, n)  # scipy refuses ncv > n; more vectors than n add nothing
    if maxiter is not None:
        maxiter = as_int(maxiter, "maxiter", minimum=1)
    v0 = as_generator(seed).standard_normal(n)
    # an overflowed product must not reach ARPACK (which fails with -9999) nor the value
    hv0 = require_finite(target.matvec(v0), "the Hessian-vector product")
    # ||H v0|| / ||v0|| <= ||H|| (T = P^T H P with P a partial isometry has the same
    # norm): a converged value below it is certainly not the largest eigenvalue
    lower = _scale(hv0) / _scale(v0)
    # ARPACK's test ||r|| <= tol max(eps^(2/3), |theta|) turns absolute for |theta| below
    # ~4e-11: a Hessian of size 1e-20 came back 7e-5 off with ok = True. The operator is
    # divided by an exact power of two near ||H v0|| / ||v0|| first
    c = lower
    e = math.frexp(c)[1] if c > 0.0 and math.isfinite(c) else 0
    if e:
        unscaled = target
        target = LinearOperator((n, n), matvec=lambda v: np.ldexp(unscaled.matvec(v), -e),
                                rmatvec=lambda v: np.ldexp(unscaled.matvec(v), -e),
                                dtype=np.float64)
    if n <= 2:  # ARPACK needs k < n - 1; a 1x1 or 2x2 operator is formed exactly
        lam, U = np.linalg.eigh(target @ np.eye(n))
        i = int(np.argmax(np.abs(lam)))
        theta, u = float(lam[i]), U[:, i]
        ok, reason, code = True, "", "ok"
    elif not np.any(hv0):
        # H v0 = 0 for a random v0: v0 lies in the null space of H, which has measure zero
        # unless H = 0 (e.g. a pre-activation of layer 0 or 1, linear in the weights)
        theta, u = 0.0, v0
        ok, reason, code = True, "", "ok"
    else:
        try:
            lam, U = eigsh(target, k=1, which="LM", v0=v0, tol=tol, ncv=ncv, maxiter=maxiter)
            theta, u = float(lam[0]), U[:, 0]
            ok, reason, code = True, "", "ok"
        except ArpackNoConvergence as exc:
            if len(exc.eigenvalues):
                theta, u = float(exc.eigenvalues[0]), exc.eigenvectors[:, 0]
            else:  # no Ritz value at all: the Rayleigh quotient of the start vector
                u = v0 / np.linalg.norm(v0)
                theta = float(u @ target.matvec(u))
            ok, reason, code = False, f"eigsh did not converge: {exc}", "no_convergence"
    theta = math.ldexp(theta, e)
    # slack for the products' own rounding (a float32 network's are float32)
    slack = max(1e-12, 1e3 * float(np.finfo(net.dtype).eps))
    if ok and abs(theta) < lower * (1.0 - slack):
        ok, code = False, "not_largest"
        reason = (f"|eigenvalue| {abs(theta):.6g} is below ||H v0|| / ||v0|| = {lower:.6g}, "
                  "a lower bound on ||H||: Lanczos converged to an eigenvalue that is not "
                  "the largest (raise ncv or change seed)")
    if red is not None:
        u = red.lift(u)
    u = u / np.linalg.norm(u)
    # the residual's norm scaled too: its squares underflowed to 0 (a false "exact") for a
    # Hessian of size 1e-160 and overflowed to inf for one of 1e300
    res = _scale_norm(full.matvec(u) - theta * u) if np.all(np.isfinite(u)) else \
        float("nan")
    if ok and tol > 0.0 and not res <= tol * abs(theta):
        # |theta - lambda| <= ||r|| for a symmetric H: the accuracy asked is not shown
        ok, code = False, "residual"
        reason = (f"the residual {res:.3g} exceeds tol * |eigenvalue| = "
                  f"{tol * abs(theta):.3g}: the value is not shown to that accuracy")
        if net.dtype == np.float32 and tol < DEFAULT_TOL["float32"]:
            reason += (f" (the network's products are float32, relative accuracy about "
                       f"1e-7: ask tol >= {DEFAULT_TOL['float32']:g}, or compile in float64)")
    return HessianNorm(
        ok=ok, reason=reason, code=code, value=abs(theta), eigenvalue=theta, residual=res,
        n_hvp=op.n_hvp + (red.n_hvp if red is not None else 0), n_params=net.n_params,
        tol=tol, method="full" if red is None else "reduced", dim=n, dtype=net.dtype.name,
    )
