"""Independent references for the zhu-dag claims: central finite differences.

The statistical claims fit slopes, and a slope cannot see a derivative that is wrong by a
constant factor or a missing term that decays at the same rate. Each of them therefore
also pins, on one small network of every architecture it sweeps, the quantity it measures
against a dense reference computed here from the network's forward pass alone (and the
gradient, once that is itself pinned to the forward pass):

- the gradient ``df/dw`` against central differences of ``f``;
- the dense Hessian against central differences of the (checked) gradient;
- the empirical NTK against ``J J^T`` with ``J`` the central-difference Jacobian of the
  outputs on the sweep's inputs.

Step and tolerances
-------------------
A central difference ``(F(w + h e_i) - F(w - h e_i)) / 2h`` of a smooth ``F`` has
truncation error ``h^2 |F'''| / 6`` and rounding error about ``eps |F| / h``; the sum is
smallest at ``h ~ (3 eps)^(1/3) ~ 9e-6`` (``eps = 2.2e-16``), where it is about
``eps^(2/3) ~ 4e-11`` times the scale of ``F`` and its derivatives (all O(1) here: weights
N(0, 1), inputs N(0, 1), erf). :data:`STEP` is ``2^-17 ~ 7.6e-6``, and the divisor is the
step actually taken, ``(w_i + h) - (w_i - h)``, so the representation error of
``w_i +- h`` does not enter. Over a few hundred parameters the relative errors measured
at :data:`FD_WIDTH` are 1e-13...1e-9 (MLP, ResNet skips, DenseNet, random DAG; erf and
ReLU; NTK and standard parameterisation); the tolerances (:data:`GRAD_TOL`,
:data:`HESSIAN_TOL`, :data:`NTK_TOL`) leave two or more orders of magnitude of margin
above them and sit four or more below the smallest defect worth catching (a derivative 1 %
off, a kernel 2 % off).

ReLU (in the paper profile of ``zhu-dag.ntk-limit``) is piecewise linear, so its
differences of the output are exact unless a pre-activation lies within about
``h / sqrt(fan-in)`` of the kink: for the few dozen neurons and six inputs of a pinned
network that has probability about 1e-4, and the errors measured are 1e-11.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from specproof.dag_nets import MEASURES, build_graph, compile, measurement_config
from specproof.dag_nets.measures import limit_kernel, sweep_inputs, sweep_targets

#: Central-difference step: ~ (3 eps)^(1/3), a power of two (see the module docstring).
STEP = 2.0**-17

#: Layer width of the reference networks: 150...460 parameters, so the dense references
#: (2 n gradients, 2 n forward passes) cost tenths of a second.
FD_WIDTH = 10

#: Allowed relative error of the gradient against central differences of the output.
GRAD_TOL = 1e-7

#: Allowed relative error of the Hessian (its spectral norm, and the dense matrix in the
#: Frobenius norm) against central differences of the gradient: the differences carry
#: ~1e-9, Lanczos (tol 1e-8 in the measurements) ~1e-8 on the norm.
HESSIAN_TOL = 1e-6

#: Allowed relative Frobenius error of the empirical NTK against ``J J^T``.
NTK_TOL = 1e-7


def central_jacobian(fun: Callable[[np.ndarray], np.ndarray], w: np.ndarray,
                     step: float = STEP) -> np.ndarray:
    """Central-difference Jacobian of ``fun`` at ``w``, shape ``(fun(w).size, w.size)``.

    Parameters
    ----------
    fun : callable
        ``w -> array``; only its values are used.
    w : numpy.ndarray
        The point, a flat float64 vector.
    step : float
        The step ``h``; the divisor is the step actually taken.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> J = central_jacobian(lambda v: np.array([v[0] * v[1], v[1] ** 2]), np.array([2.0, 3.0]))
    >>> np.round(J, 8).tolist()
    [[3.0, 2.0], [0.0, 6.0]]
    """
    w = np.array(w, dtype=np.float64)
    cols = []
    for i in range(w.size):
        wp, wm = w.copy(), w.copy()
        wp[i] += step
        wm[i] -= step
        # the step actually represented, not the nominal one (w_i + h is rounded)
        cols.append((np.ravel(fun(wp)) - np.ravel(fun(wm))) / (wp[i] - wm[i]))
    return np.stack(cols, axis=1)


def rel(a: np.ndarray | float, b: np.ndarray | float) -> float:
    """``||a - b|| / ||b||``: Euclidean for vectors, Frobenius for matrices."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def small_network(measure: str, arch: str, seed: int, width: int = FD_WIDTH,
                  **options: Any):
    """The network and inputs a measurement sees at ``width`` and ``seed``.

    Built as the measurements build theirs (same graph, weights, inputs), so the value the
    measurement returns at this point can be compared with a reference on this network.

    Returns
    -------
    config : dict
        The measurement's configuration at ``width``.
    graph : networkx.DiGraph
    net : specproof.dag_nets.DagNet
    X : numpy.ndarray
        The sweep's inputs, ``(n_inputs, net.n_inputs)``.
    """
    cfg = {**measurement_config(measure, arch=arch, **options), "width": int(width)}
    g = build_graph(cfg)
    net = compile(g, activation=cfg["activation"], parameterization=cfg["parameterization"],
                  seed=int(seed), bias=float(cfg["bias"]))
    return cfg, g, net, sweep_inputs(cfg, net.n_inputs)


def gradient_and_hessian(net, x: np.ndarray) -> dict[str, Any]:
    """The gradient and dense Hessian of ``f(x)`` by central differences, with the relative
    error of ``net.grad`` against the first.

    The Hessian differences the gradient, so the gradient is pinned to the forward pass
    first: a gradient and Hessian wrong together would otherwise agree with each other.

    Parameters
    ----------
    net : specproof.dag_nets.DagNet
        A network with one output.
    x : numpy.ndarray
        One input, ``(net.n_inputs,)``.

    Returns
    -------
    dict
        ``grad`` (``net.grad``), ``grad_fd`` (differences of ``net.forward``),
        ``grad_error`` (their relative error), ``H`` (differences of ``net.grad``,
        symmetrised), ``hessian_asymmetry`` (``||H_raw - H_raw^T||_F / ||H_raw||_F``
        before symmetrising, a diagnostic of the differences' accuracy) and
        ``hessian_norm_fd`` (``||H||_2``).
    """
    x = np.asarray(x, dtype=np.float64).reshape(1, -1)
    w0 = np.array(net.params, dtype=np.float64)
    g_fd = central_jacobian(lambda w: net.forward(x, params=w)[0, 0], w0)[0]
    grad = net.grad(x)
    H = central_jacobian(lambda w: net.grad(x, params=w), w0)
    asym = float(np.linalg.norm(H - H.T) / np.linalg.norm(H))
    H = (H + H.T) / 2
    return {"grad": grad, "grad_fd": g_fd, "grad_error": rel(grad, g_fd), "H": H,
            "hessian_asymmetry": asym, "hessian_norm_fd": float(np.linalg.norm(H, 2))}


def hessian_reference(measure: str, arch: str, seed: int, **options: Any) -> dict[str, Any]:
    """Pin a Hessian measurement at :data:`FD_WIDTH` to central differences.

    Parameters
    ----------
    measure : {"hessian", "linearization"}
        ``"hessian"``: its value is ``net.hessian_norm``. ``"linearization"``: it reports
        the Lanczos ``||H||`` whose eigenvector it moves along, and linearises with
        ``net.grad``.
    arch : str
        An architecture of :func:`specproof.dag_nets.build_graph`.
    seed : int
        Weight seed of the pinned network.
    **options
        Further options of the measurement (activation, parameterisation, ...).

    Returns
    -------
    dict
        ``grad_error`` (``net.grad`` against differences of the output), ``norm_error``
        (the measurement's ``||H||`` against ``||H_fd||_2``), ``dense_error`` (the
        Hessian of ``net.hessian_operator``, ``n`` exact products, against ``H_fd``,
        Frobenius), all relative; the two norms, ``asymmetry``, ``architecture`` and
        ``n_params``.
    """
    cfg, _, net, X = small_network(measure, arch, seed, **options)
    out = MEASURES[measure](cfg, int(seed))
    measured = out["value"] if measure == "hessian" else out["hessian_norm"]
    ref = gradient_and_hessian(net, X[0])
    H_op = net.hessian_operator(X[0]) @ np.eye(net.n_params)
    return {"architecture": arch, "n_params": int(net.n_params),
            "grad_error": ref["grad_error"],
            "norm_measured": float(measured), "norm_fd": ref["hessian_norm_fd"],
            "norm_error": abs(float(measured) - ref["hessian_norm_fd"]) / ref["hessian_norm_fd"],
            "dense_error": rel(H_op, ref["H"]), "asymmetry": ref["hessian_asymmetry"]}


def ntk_reference(arch: str, seed: int, **options: Any) -> dict[str, Any]:
    """Pin the empirical NTK of a ``kernel-error`` point at :data:`FD_WIDTH` to ``J J^T``.

    ``J`` is the central-difference Jacobian of the outputs on the sweep's inputs (all of
    them at once: one batched forward pass per difference).

    Parameters
    ----------
    arch : str
        An architecture of :func:`specproof.dag_nets.build_graph`.
    seed : int
        Weight seed of the pinned network.
    **options
        Further options of ``kernel-error`` (``activation``, ``kernel``, ...).

    Returns
    -------
    dict
        ``ntk_error`` (``net.ntk`` against ``J J^T``, relative Frobenius) and
        ``value_error`` (the measured ``||K - Theta||_F / ||Theta||_F`` against the same
        quantity with ``K = J J^T``, relative; ``Theta`` is the library's analytic kernel
        in both, so only the empirical side is pinned), with both values,
        ``architecture``, ``activation`` and ``n_params``.
    """
    cfg, g, net, X = small_network("kernel-error", arch, seed, **options)
    out = MEASURES["kernel-error"](cfg, int(seed))
    w0 = np.array(net.params, dtype=np.float64)
    J = central_jacobian(lambda w: net.forward(X, params=w)[:, 0], w0)
    K_ref = J @ J.T
    T = limit_kernel(g, X, cfg)
    value_ref = rel(K_ref, T)
    return {"architecture": arch, "activation": cfg["activation"],
            "n_params": int(net.n_params), "ntk_error": rel(net.ntk(X), K_ref),
            "value_measured": float(out["value"]), "value_fd": value_ref,
            "value_error": abs(float(out["value"]) - value_ref) / value_ref}


def ntk_change_reference(arch: str, seed: int, steps: int,
                          output_activation: str | None) -> dict:
    """Pin one ``ntk-change`` point at :data:`FD_WIDTH` to an independent training run.

    The reference shares only the network's forward pass and its loss gradient with the
    library: its kernels are ``J J^T`` (``J`` the central-difference Jacobian of the
    outputs), its step ``1 / lambda_max`` of that ``K_0``, its loop plain gradient descent
    written here, and the gradient is itself pinned to ``J^T (f - y)`` at ``w_0``.

    Parameters
    ----------
    arch : str
        An architecture of :func:`specproof.dag_nets.build_graph`.
    seed : int
        Weight seed of the pinned network.
    steps : int
        Gradient steps (the claim's).
    output_activation : str or None
        As the measurement's option.

    Returns
    -------
    dict
        ``grad_error`` (loss gradient against ``J^T (f - y)`` at ``w_0``), ``ntk_error``
        (``net.ntk`` at ``w_0`` against ``J J^T``), ``lr_error`` (the measurement's step
        against ``1 / lambda_max(J J^T)``) and ``value_error`` (its ``||K_T - K_0||_F /
        ||K_0||_F`` against the reference run's), all relative; both values,
        ``architecture`` and ``n_params``.
    """
    cfg, _, net, X = small_network("ntk-change", arch, seed, steps=steps,
                                   output_activation=output_activation)
    out = MEASURES["ntk-change"](cfg, int(seed))
    Y = sweep_targets(cfg, net.n_inputs)  # the data, shared: the training is what is pinned

    def jacobian(w):
        return central_jacobian(lambda v: net.forward(X, params=v)[:, 0], w)

    w0 = np.array(net.params, dtype=np.float64)
    J0 = jacobian(w0)
    K0 = J0 @ J0.T
    lr = 1.0 / float(np.linalg.eigvalsh(K0)[-1])
    # the loss 1/2 sum (f - y)^2 has gradient J^T (f - y): a gradient of the mean loss, or
    # one a few per cent short, would slow the reference run exactly as the library's
    grad_error = rel(net.loss_and_grad(X, Y, params=w0)[1],
                     J0.T @ (net.forward(X, params=w0)[:, 0] - Y))
    w = w0.copy()
    for _ in range(int(steps)):
        w = w - lr * net.loss_and_grad(X, Y, params=w)[1]
    JT = jacobian(w)
    value = rel(JT @ JT.T, K0)  # ||K_T - K_0||_F / ||K_0||_F
    return {"architecture": arch, "n_params": int(net.n_params), "grad_error": grad_error,
            "ntk_error": rel(net.ntk(X), K0), "lr_error": abs(out["lr"] - lr) / lr,
            "value_measured": float(out["value"]), "value_fd": value,
            "value_error": abs(float(out["value"]) - value) / value}
