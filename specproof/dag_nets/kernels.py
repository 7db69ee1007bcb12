"""Gaussian expectations of activations: the building blocks of infinite-width kernels.

For ``(u, u') ~ N(0, [[a, c], [c, b]])`` every infinite-width recursion needs

    E[sigma(u) sigma(u')],     E[sigma'(u) sigma'(u')]      and      E[sigma(u)^2].

:func:`dual` returns them entrywise for a kernel ``c`` (shape ``(n1, n2)``) with
diagonals ``a`` (``n1``) and ``b`` (``n2``):

* **closed forms** for ``identity``, ``erf`` (Williams 1997), ``relu`` (the arc-cosine
  kernels of Cho & Saul 2009) and ``leaky_relu`` (ReLU's written for ``relu(z) -
  s relu(-z)``), with ``relu'(0) = 0``;
* **Gauss-Hermite quadrature** for every other activation (tanh, softplus, gelu,
  sigmoid, user activations): ``u = sqrt(a) xi_1``, ``u' = sqrt(b) (rho xi_1 +
  sqrt(1 - rho^2) xi_2)`` with ``rho = c / sqrt(a b)``, and a tensor rule of ``n``
  points in each of ``xi_1, xi_2`` (exact for polynomials of degree ``2n - 1`` in each).
  The integrand varies on the scale ``1 / sqrt(variance)`` in ``xi``, so the error grows
  with the variance: on erf (whose closed form is known) 64 nodes give 1e-13 at variance
  1 but 2e-6 at variance 3, 128 nodes 2e-9 there. The rule therefore doubles ``n`` from
  32 until two successive rules agree to ``tol`` (default 1e-10, relative to the largest
  expectation) in every entry, and reports that difference as its error estimate (the
  finer rule is the one returned, and is typically far more accurate than the
  estimate); past 256 nodes the trapezoid rule takes over, whose error falls
  exponentially in ``n`` for these integrands
  (:mod:`~specproof.dag_nets.dual_quadrature`); beyond ``max_nodes`` it raises.
  Cost: ``n1 n2 n^2`` activation evaluations per rule, in chunks of bounded memory.

Examples
--------
>>> import numpy as np
>>> c = np.array([[0.5]]); a = b = np.array([1.0])
>>> exact, quad = dual("erf", c, a, b), dual("erf", c, a, b, method="quadrature")
>>> bool(abs(exact.e - quad.e).max() < 1e-12), quad.nodes, quad.error < 1e-10
(True, 128, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError, as_choice, as_float, as_int
from specproof.dag_nets.activations import Activation, get_activation
from specproof.dag_nets.dual_args import (  # noqa: F401
    CORRELATION_SLACK,
    check_dual,
    correlations,
    pair_up,
)
from specproof.dag_nets.dual_quadrature import (  # noqa: F401
    DEFAULT_TOL,
    MAX_NODES,
    START_NODES,
    Dual,
    gaussian_quadrature,
)

#: Closed forms exist for these activations (by name).
CLOSED_FORM = ("identity", "erf", "relu", "leaky_relu")

# where closed_form compares an activation with the function its name promises
_PROBE = np.array([-1e3, -30.0, -6.0, -2.5, -1.0, -0.3, -1e-3, 0.0, 1e-3, 0.3, 1.0, 2.5,
                   6.0, 30.0, 1e3])


def closed_form(act: Activation) -> tuple[str, float] | None:
    """``("identity" | "erf" | "leaky", slope)`` when ``act`` computes a function whose
    Gaussian expectations have a closed form here, else None.

    Decided by what ``f`` and ``d1`` compute, not by the name alone: a user's
    ``Activation("erf", lambda z: 2 * np.tanh(z), ...)`` got erf's closed-form kernel, a
    silently wrong limit. A built-in object is trusted; any other is compared with the
    reference function, exactly, at a few points (a different function is then taken by
    quadrature, which is right for any smooth one).

    Examples
    --------
    >>> from specproof.dag_nets.activations import Activation, get_activation, leaky_relu
    >>> closed_form(get_activation("erf")), closed_form(leaky_relu(0.3))
    (('erf', 0.0), ('leaky', 0.3))
    >>> closed_form(Activation("erf", np.tanh, lambda z: 1 - np.tanh(z)**2, np.zeros_like))
    """
    from specproof.dag_nets.activations import ACTIVATIONS

    if act.identity:
        want: tuple[str, float] = ("identity", 0.0)
        ref_f, ref_d1 = (lambda z: z), np.ones_like
    elif act.name == "erf":
        want, ref_f, ref_d1 = ("erf", 0.0), ACTIVATIONS["erf"].f, ACTIVATIONS["erf"].d1
    elif act.name == "relu" or act.slope is not None:
        s = 0.0 if act.name == "relu" else float(act.slope)
        want = ("leaky", s)
        ref_f = lambda z: np.where(z > 0, z, s * z)  # noqa: E731
        ref_d1 = lambda z: np.where(z > 0, 1.0, s)  # noqa: E731
    else:
        return None
    if any(act is builtin for builtin in ACTIVATIONS.values()):
        return want
    try:
        with np.errstate(all="ignore"):
            same = all(np.array_equal(np.asarray(mine(_PROBE.copy()), dtype=float),
                                      np.asarray(ref(_PROBE.copy()), dtype=float))
                       for mine, ref in ((act.f, ref_f), (act.d1, ref_d1)))
    except Exception:  # noqa: BLE001 - a function that fails on the probe is not the reference
        return None
    return want if same else None


#: The largest relative uncertainty of erf's ``D = 1 + 2a + 2b + 4(ab - c^2)`` (from the
#: rounding of a, b and c alone) with which the closed form still returns a value.
ERF_UNCERTAINTY = 1e-8
# a, b and c each carry at least the rounding of their own last sum
_ERF_GAMMA = 2.0 * np.finfo(np.float64).eps / 2


_pair = pair_up  # the name the closed forms below use


# The closed forms work in place on kernel-sized arrays: at 2048 inputs one array is
# 32 MiB, and every temporary saved is a pass over memory saved.


def _two_product(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p, err)`` with ``p = fl(x y)`` and ``p + err = x y`` exactly (Dekker, Veltkamp's
    split); finite for ``|x|, |y|`` below ~1e150 (callers scale by powers of two)."""
    split = 134217729.0  # 2^27 + 1
    with np.errstate(over="ignore", invalid="ignore"):
        p = x * y
        t = split * x
        xh = t - (t - x)
        xl = x - xh
        t = split * y
        yh = t - (t - y)
        yl = y - yh
        err = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
    return p, err


def _erf(c, a, b, pairs=None, rounded: bool = False):
    # E[erf erf] = (2/pi) arcsin(q), q = 2c / sqrt(P), P = (1 + 2a)(1 + 2b);
    # E[erf' erf'] = (4/pi) / sqrt(D), D = P - 4c^2 = 1 + 2a + 2b + 4 (ab - c^2), with
    # ab - c^2 >= 0 from exact products: through 1 - q^2 the cancellation cost
    # u (1 + 2a)(1 + 2b) / D, 5 % at a = 1e15 and inf from 1e17 on the diagonal.
    # a, b, c are scaled by 2^-k (exactly) to about 1 where they exceed it, since the exact
    # products overflowed from a ~ 1e154 on (ed read NaN): D = 4^k D', sqrt(P) = 2^k sP.
    aa, bb = _pair(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), pairs)
    k = np.maximum(np.frexp(np.maximum(aa, bb))[1], 0)
    a_s, b_s, c_s = np.ldexp(aa, -k), np.ldexp(bb, -k), np.ldexp(c, -k)
    p1, e1 = _two_product(a_s, b_s)
    p2, e2 = _two_product(c_s, c_s)
    det = (p1 - p2) + (e1 - e2)
    np.maximum(det, 0.0, out=det)
    tiny = np.ldexp(1.0, -k)
    D = tiny * tiny + tiny * (2.0 * a_s + 2.0 * b_s) + 4.0 * det
    if rounded:
        _refuse_unresolved(D, a_s, b_s, c_s, c, pairs)
    ed = np.divide(4 / np.pi, np.ldexp(np.sqrt(D), k))
    sP = np.sqrt((tiny + 2.0 * a_s) * (tiny + 2.0 * b_s))
    q = np.clip(2.0 * c_s / sP, -1.0, 1.0)
    e = np.arcsin(q)
    e *= 2 / np.pi
    # near |q| = 1 (near-equal inputs) arcsin(q) lost 1e-8: 1 - |q| = D / (sP (sP + 2|c|)),
    # computed without cancellation, and arcsin|q| = pi/2 - 2 arcsin(sqrt((1 - |q|) / 2))
    near = np.abs(q) > 0.5
    if np.any(near):
        one_minus = D / (sP * (sP + 2.0 * np.abs(c_s)))
        e_near = np.sign(c_s) * (1.0 - (4 / np.pi) * np.arcsin(np.sqrt(one_minus / 2.0)))
        e = np.where(near, e_near, e)
    return e, ed, _erf_variance(a), _erf_variance(b)


def _refuse_unresolved(D, a_s, b_s, c_s, c, pairs) -> None:
    """Raise where the rounding of ``a, b, c`` alone leaves erf's ``D`` unknown.

    ``ab - c^2`` is exact from the rounded ``a, b, c``, but their own rounding (``gamma``
    relative, ``gamma sqrt(ab)`` for ``c``) moves it by up to ``4 gamma ab``: for nearly
    parallel inputs at a large variance (``ab - c^2`` far below ``u ab``) that is more
    than ``D`` itself, and the kernel came out 10^4 times too small. Pairs with ``c = a = b``
    exactly (identical inputs, kept so through the recursion) are exact.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        uncertainty = (16.0 * _ERF_GAMMA) * (a_s * b_s) / D
    bad = uncertainty > ERF_UNCERTAINTY
    if not bad.any():
        return
    bad &= ~((c_s == a_s) & (c_s == b_s))
    if not bad.any():
        return
    flat = int(np.argmax(np.where(bad, uncertainty, -1.0)))
    where = np.unravel_index(flat, bad.shape)
    if pairs is not None:
        pair = (int(pairs[0][where[-1]]), int(pairs[1][where[-1]]))
    else:
        pair = (int(where[-2]), int(where[-1])) if bad.ndim >= 2 else (int(where[0]),)
    raise ComputationError(
        f"the erf kernel between inputs {pair} is not determined in float64: their "
        f"covariance {float(c[where]):.6g} is so close to the product of their variances "
        "(nearly parallel inputs at a large variance) that the rounding of the three moves "
        f"E[erf' erf'] by a relative {float(uncertainty[where]):.2g}, beyond "
        f"{ERF_UNCERTAINTY:g}; scale the inputs down, or merge nearly equal inputs")


def _erf_variance(a):
    """``(2/pi) arcsin(2a / (1 + 2a))`` to a few ulps for every variance ``a >= 0``."""
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(over="ignore"):  # 4a = inf past 4.5e307: the limit 1 is right
        # near 1 (a > 1/2) as 1 - (4/pi) arcsin(1 / sqrt(2 + 4a)): no arcsin near 1; below,
        # directly (that form cancelled to 0 at a = 1e-300 and lost 1e-13 at a = 1e-3)
        near_one = 1.0 - (4 / np.pi) * np.arcsin(1.0 / np.sqrt(2.0 + 4.0 * a))
    low = np.minimum(a, 0.5)  # both branches are evaluated
    small = (2 / np.pi) * np.arcsin(2.0 * low / (1.0 + 2.0 * low))
    return np.where(a > 0.5, near_one, small)


def _leaky(c, a, b, s: float, pairs=None):
    # leaky(z) = relu(z) - s relu(-z). With theta = arccos(rho) (sin theta = sqrt(1 -
    # rho^2), cos theta = rho): E[relu relu'] / (sa sb) = J1 = (sin + (pi - theta) rho) /
    # (2 pi) (Cho & Saul's arc-cosine kernel of degree 1), at -rho: (sin - theta rho) /
    # (2 pi); E[relu' relu'] = (pi - theta) / (2 pi)
    rho, sa, sb = correlations(c, a, b, pairs)
    th = np.arccos(rho)
    sin = np.multiply(rho, rho)
    np.subtract(1.0, sin, out=sin)
    np.sqrt(sin, out=sin)
    e = np.subtract(np.pi, th)
    e *= rho
    e += sin
    if s:
        e *= 1 + s * s
        e -= 2 * s * (sin - th * rho)
    e *= sa / (2 * np.pi)
    e *= sb
    ed = np.subtract(np.pi, th, out=th)  # theta is not needed any more
    if s:
        ed *= 1 + s * s
        ed += 2 * s * (np.pi - ed / (1 + s * s))  # + 2 s theta
    ed /= 2 * np.pi
    za, zb = _pair(a == 0, b == 0, pairs)
    if za.any() or zb.any():
        # a zero variance gives u = 0 a.s., where relu'(0) = 0 and leaky'(0) = s:
        # E = s E[sigma'(u')] = s (1 + s) / 2 when one is 0, s^2 when both are
        ed[...] = np.where(za & zb, s * s, np.where(za | zb, s * (1 + s) / 2, ed))
    return e, ed, (1 + s * s) * a / 2, (1 + s * s) * b / 2


def dual(
    activation: Any,
    c: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    method: str = "auto",
    tol: float = DEFAULT_TOL,
    max_nodes: int = MAX_NODES,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> Dual:
    """``E[s(u)s(u')]``, ``E[s'(u)s'(u')]``, ``E[s(u)^2]`` and ``E[s(u')^2]`` entrywise.

    Parameters
    ----------
    activation : str or Activation
    c : numpy.ndarray, shape (n1, n2) or (k, n1, n2)
        Covariances ``E[u u']`` (optionally a stack of ``k`` kernels).
    a, b : numpy.ndarray, shapes (n1,), (n2,) (or (k, n1), (k, n2))
        Variances of ``u`` (rows) and ``u'`` (columns).
    method : {"auto", "closed", "quadrature"}
        ``"auto"``: the closed form when there is one, quadrature otherwise.
    tol : float
        Quadrature only: the node count doubles (from 32) until two successive rules
        agree to ``tol`` times the largest expectation in every entry; that difference
        (absolute) is returned as ``error``.
    max_nodes : int
        Quadrature only: give up (``ComputationError``) beyond this many nodes per
        dimension.
    pairs : (numpy.ndarray, numpy.ndarray), optional
        Row and column indices of the entries ``c`` holds (its last axis), for a kernel
        stored as some of its entries (a symmetric one as its upper triangle); default:
        ``c`` is the full ``(n1, n2)`` kernel.

    Returns
    -------
    Dual
        ``(e, ed, da, db, error, nodes)``: ``E[s s']``, ``E[s' s']``, the two diagonals,
        the quadrature error estimate (0.0 for closed forms) and the nodes used (0 for
        closed forms).

    Examples
    --------
    >>> import numpy as np
    >>> r = dual("relu", np.array([[0.0]]), np.ones(1), np.ones(1))
    >>> float(r.e[0, 0]), float(r.ed[0, 0]), float(r.da[0])  # 1/(2 pi), 1/4, 1/2
    (0.15915494309189535, 0.25, 0.5)

    Raises
    ------
    ArgumentError
        Naming ``c``, ``a``, ``b`` or ``pairs``: a non-finite or non-numeric entry,
        shapes that do not match (a scalar included), a negative variance, or a
        covariance with ``|c_ij| > sqrt(a_i b_j)`` beyond :data:`CORRELATION_SLACK`.
    """
    c, a, b, pairs = check_dual(c, a, b, pairs)
    return _dual(activation, c, a, b, method, tol, max_nodes, pairs)


def _dual(
    activation: Any,
    c: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    method: str = "auto",
    tol: float = DEFAULT_TOL,
    max_nodes: int = MAX_NODES,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    rounded: bool = False,
) -> Dual:
    """:func:`dual` without its argument checks, for the kernels built here (valid by
    construction, and a pass over kernel-sized arrays saved per layer).

    ``rounded``: ``a, b, c`` are computed sums (a recursion's kernels), not exact values;
    erf then refuses entries their rounding leaves undetermined (:func:`_refuse_unresolved`).
    """
    act: Activation = get_activation(activation)
    method = as_choice(method, ("auto", "closed", "quadrature"), "method")
    # checked before a closed form returns, which never reads them
    tol = as_float(tol, "tol", minimum=0.0)
    max_nodes = as_int(max_nodes, "max_nodes", minimum=2)
    form = closed_form(act)
    named = act.name in CLOSED_FORM or act.slope is not None
    if method == "closed" and form is None:
        raise ArgumentError(
            f"activation {act.name!r} has no closed-form Gaussian expectation (closed forms: "
            f"{list(CLOSED_FORM)}" + (", and it computes something else than the built-in "
                                     "of its name" if named else "") +
            "); use method='quadrature'"
        )
    if method != "quadrature" and form is not None:
        kind, slope = form
        if kind == "identity":
            return Dual(c.copy(), np.ones_like(c), a.copy(), b.copy(), 0.0, 0)
        if kind == "erf":
            return Dual(*_erf(c, a, b, pairs, rounded), 0.0, 0)
        return Dual(*_leaky(c, a, b, slope, pairs), 0.0, 0)
    if not act.smooth and method == "auto":
        raise ArgumentError(
            f"activation {act.name!r} is not smooth and has no closed form here" +
            (" (it computes something else than the built-in of its name)" if named else "")
            + "; Gauss-Hermite quadrature converges slowly on kinks (pass "
            "method='quadrature' to use it anyway)"
        )
    return gaussian_quadrature(act, c, a, b, tol, max_nodes, pairs)
