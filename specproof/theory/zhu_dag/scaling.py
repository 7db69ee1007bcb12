"""The statistical zhu-dag claims: quantities that decay with the width like 1/sqrt(m)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from specproof.claims import claim
from specproof.theory.zhu_dag import PAPER
from specproof.theory.zhu_dag.common import (
    ARCH_LABELS,
    SQRT_BAND,
    fit_summary,
    run_seeds,
    slopes_figure,
    sweeps,
    table,
)
from specproof.theory.zhu_dag.reference import (
    FD_WIDTH,
    GRAD_TOL,
    HESSIAN_TOL,
    NTK_TOL,
    hessian_reference,
    ntk_change_reference,
    ntk_reference,
)

_BAND = f"[{SQRT_BAND[0]}, {SQRT_BAND[1]}]"

#: Labels of the central-difference pins (see :mod:`specproof.theory.zhu_dag.reference`).
_FD_LABELS = {
    "fd_width": r"layer width $m$ of the central-difference pins",
    "fd_params": "parameters of each pinned network",
    "fd_grad_error": r"relative error of $\nabla_w f$ against central differences of $f$",
    "fd_hessian_norm_error": r"relative error of $\|H\|_2$ against $\|H_{\mathrm{fd}}\|_2$",
    "fd_hessian_dense_error": r"relative error of $H$ against $H_{\mathrm{fd}}$ (Frobenius)",
    "fd_ntk_error": r"relative error of $K$ against $J J^\top$ (Frobenius)",
    "fd_value_error": r"relative error of the measured $\|K - \Theta\|_F / \|\Theta\|_F$ "
                      r"against the one of $J J^\top$",
}


def _pins(refs: Sequence[dict], errors: dict[str, str]) -> dict:
    """The worst of each error over the pinned networks, for the evidence.

    ``errors`` maps an evidence key to the key of :func:`hessian_reference` or
    :func:`ntk_reference` whose maximum it records.
    """
    out = {"fd_width": FD_WIDTH,
           "fd_params": {r["architecture"] + (f" {r['activation']}" if "activation" in r
                                              else ""): r["n_params"] for r in refs}}
    out.update({key: max(float(r[err]) for r in refs) for key, err in errors.items()})
    return out


_HESSIAN_ERRORS = {"fd_grad_error": "grad_error", "fd_hessian_norm_error": "norm_error",
                   "fd_hessian_dense_error": "dense_error"}


def _hessian_pinned(pins: dict) -> bool:
    """The gradient and the Hessian (norm and matrix) agree with central differences."""
    return (pins["fd_grad_error"] <= GRAD_TOL and pins["fd_hessian_norm_error"] <= HESSIAN_TOL
            and pins["fd_hessian_dense_error"] <= HESSIAN_TOL)


def _hessian_expected(norm: str) -> str:
    """The pin's condition in words; ``norm`` names the Hessian norm that is pinned."""
    return (
        rf"; and at layer width {FD_WIDTH} (a few hundred parameters, one network per "
        rf"architecture) {norm} is within {HESSIAN_TOL:g} (relative) of the spectral norm of "
        r"the dense Hessian $H_{\mathrm{fd}}$ from central differences of the gradient, the "
        rf"Hessian assembled from Hessian-vector products within {HESSIAN_TOL:g} of "
        r"$H_{\mathrm{fd}}$ (Frobenius), and the gradient within "
        rf"{GRAD_TOL:g} of central differences of $f$ (step $2^{{-17}} \approx "
        r"(3\epsilon)^{1/3}$, error $\sim \epsilon^{2/3}$: about $10^{-10}$ here)"
    )


def _worst(fits, target: float = -0.5) -> float:
    """The fitted slope farthest from ``target`` (the summary's one number)."""
    return max((f.slope for f in fits.values()), key=lambda s: abs(s - target))


def _in_band(fits) -> bool:
    return all(f.within(*SQRT_BAND) for f in fits.values())


@claim(
    "zhu-dag.hessian-scaling",
    paper=PAPER.key,
    kind="statistical",
    statement=r"At initialisation the spectral norm of the Hessian of the output with respect "
              r"to the weights decays like $1/\sqrt{m}$ in the width $m$ (minimum in-degree) "
              r"for MLPs, ResNet skips, DenseNets and random neuron-level DAGs with smooth "
              r"activations (Thm 3.6).",
    labels={
        "worst_slope": r"worst slope $\hat\alpha$",
        "slopes": r"slopes $\hat\alpha$ by architecture",
        **_FD_LABELS,
    },
    profiles={
        # REFERENCES: "fewer than 8 seeds or m < 64 is noise": over 16...128 with 3 seeds
        # the slope ranged -0.52...-0.38 over run seeds 0-7 (0.02 from the band's edge);
        # over 64...512 with 8 seeds -0.47...-0.41 (1.5 s a run)
        "quick": {"archs": ["mlp"], "widths": [64, 128, 256, 512], "seeds": 8},
        "paper": {
            "archs": ["mlp", "resnet", "densenet", "random"],
            "widths": {
                "mlp": [64, 128, 256, 512, 1024, 2048],
                "resnet": [64, 128, 256, 512, 1024],
                "densenet": [64, 128, 256, 512, 1024],
                "random": [64, 128, 256, 512],
            },
            "seeds": 8,
        },
    },
)
def hessian_scaling(ctx, archs: Sequence[str], widths, seeds: int, activation: str = "erf",
                    parameterization: str = "ntk"):
    res = sweeps(ctx, "hessian", archs, widths, seeds, activation=activation,
                 parameterization=parameterization)
    fig, fits = slopes_figure(res, r"$\|H_f(w_0)\|_2$", title=f"{parameterization} "
                              "parameterisation")
    # A slope is blind to a Hessian off by a constant factor, or missing its sigma'' term
    # (that one still decays like 1/sqrt(m)): pin the measured value itself to a dense
    # central-difference Hessian on one small network per architecture. Its seed is drawn
    # after the sweeps', so the sweeps (and slopes) are unchanged.
    ref_seed = run_seeds(ctx, 1)[0]
    pins = _pins([hessian_reference("hessian", arch, ref_seed, activation=activation,
                                    parameterization=parameterization) for arch in archs],
                 _HESSIAN_ERRORS)
    return ctx.evidence(
        holds=_in_band(fits) and _hessian_pinned(pins),
        measured={"worst_slope": _worst(fits), "slopes": fit_summary(fits),
                  "activation": activation, "parameterization": parameterization, **pins},
        expected=rf"fitted slope of $\log \|H\|_2$ against $\log m$ in {_BAND} for every "
                 rf"architecture" + _hessian_expected(r"the measured $\|H\|_2$"),
        table=table(res),
        figure=fig,
        key="worst_slope",
    )


@hessian_scaling.control
def hessian_standard_parameterization(ctx, **params):
    r"""Standard parameterisation (weights $\mathcal{N}(0, 1/\text{fan-in})$, no
    $1/\sqrt{\text{fan-in}}$ factor): the Hessian entries are fan-in times larger and its
    norm does not decay, so the check must fail."""
    return hessian_scaling.check(ctx, **params, parameterization="standard")


_NTK_CHANGE_ERRORS = {"fd_grad_error": "grad_error", "fd_ntk_error": "ntk_error",
                      "fd_lr_error": "lr_error", "fd_value_error": "value_error"}


@claim(
    "zhu-dag.ntk-change",
    paper=PAPER.key,
    kind="statistical",
    statement=r"Under gradient descent on the square loss with a sub-critical step size the "
              r"NTK stays nearly constant: the relative change $\|K_T - K_0\|_F / \|K_0\|_F$ "
              r"decays with the width at least like $m^{-0.35}$ (the paper's bound is "
              r"$O(1/\sqrt{m})$; transition to linearity). The measured change is the "
              r"stated one: at layer width 10 it matches, within $10^{-7}$, an independent "
              r"gradient-descent run whose kernels are $J J^\top$ ($J$ from central "
              r"differences) and whose step is $1/\lambda_{\max}(K_0)$.",
    labels={
        "worst_slope": r"worst slope $\hat\alpha$",
        "slopes": r"slopes $\hat\alpha$ by architecture",
        **_FD_LABELS,
        "fd_grad_error": r"relative error of $\nabla_w L$ against $J^\top (f - y)$ at $w_0$",
        "fd_lr_error": r"relative error of the step against $1 / \lambda_{\max}(J J^\top)$",
        "fd_value_error": r"relative error of the measured $\|K_T - K_0\|_F / \|K_0\|_F$ "
                          r"against the reference run's",
    },
    profiles={
        "quick": {"archs": ["mlp"], "widths": [16, 32, 64, 128], "seeds": 3, "steps": 100},
        # the MLP over REFERENCES' range (64...2048); skip and dense architectures to 512
        "paper": {"archs": ["mlp", "resnet", "densenet"],
                  "widths": {"mlp": [64, 128, 256, 512, 1024, 2048],
                             "resnet": [64, 128, 256, 512],
                             "densenet": [64, 128, 256, 512]},
                  "seeds": 8, "steps": 200},
    },
)
def ntk_change(ctx, archs: Sequence[str], widths, seeds: int, steps: int,
               output_activation: str | None = None):
    res = sweeps(ctx, "ntk-change", archs, widths, seeds, steps=steps,
                 output_activation=output_activation)
    fig, fits = slopes_figure(res, r"$\|K_T - K_0\|_F / \|K_0\|_F$",
                              title="output " + (output_activation or "linear"))
    # A slope is blind to a change measured off by a constant factor, with a step size a
    # third of the stated one, at a tenth of the steps, relative to ||K_T|| or in the
    # spectral norm, or after descent on the mean loss: all still decay like 1/m here.
    # So one small network per architecture is pinned to an independent run (seed drawn
    # after the sweeps', which stay unchanged)
    ref_seed = run_seeds(ctx, 1)[0]
    pins = _pins([ntk_change_reference(arch, ref_seed, steps, output_activation)
                  for arch in archs], _NTK_CHANGE_ERRORS)
    pinned = (pins["fd_grad_error"] <= GRAD_TOL and pins["fd_ntk_error"] <= NTK_TOL
              and pins["fd_lr_error"] <= NTK_TOL and pins["fd_value_error"] <= NTK_TOL)
    holds = all(f.slope < -0.35 for f in fits.values()) and pinned
    return ctx.evidence(
        holds=holds,
        measured={"worst_slope": max(f.slope for f in fits.values()),
                  "slopes": fit_summary(fits), "steps": steps, "lr": "1 / lambda_max(K_0)",
                  "output_activation": output_activation or "identity", **pins},
        expected="fitted slope of the relative NTK change against $m$ below $-0.35$ for every "
        f"architecture; and at layer width {FD_WIDTH} (one network per architecture) the "
        r"measured change within "
        f"{NTK_TOL:g} (relative) of an independent run of {steps} gradient steps with "
        r"kernels $J J^\top$ ($J$ the central-difference Jacobian of the outputs) and step "
        r"$1/\lambda_{\max}(J_0 J_0^\top)$, the measurement's $K_0$ and step within "
        f"{NTK_TOL:g} of these, and the loss gradient within {GRAD_TOL:g} of "
        r"$J_0^\top (f - y)$",
        table=table(res),
        figure=fig,
        key="worst_slope",
    )


@ntk_change.control
def ntk_change_nonlinear_output(ctx, **params):
    r"""An erf activation on the output: $f = \mathrm{erf}(\tilde f)$ keeps an $O(1)$ Hessian
    from the outer non-linearity, the NTK keeps changing by $O(1)$ at every width, and the
    check must fail."""
    return ntk_change.check(ctx, **params, output_activation="erf")


@claim(
    "zhu-dag.ntk-limit",
    paper=PAPER.key,
    kind="statistical",
    statement=r"The empirical NTK at initialisation converges to the analytic infinite-width "
              r"NTK of its DAG (computed node by node), with relative error decaying like "
              r"$1/\sqrt{m}$, for an MLP, ResNet skips, a DenseNet and a random DAG.",
    labels={
        "worst_slope": r"worst slope $\hat\alpha$",
        "slopes": r"slopes $\hat\alpha$ by architecture",
        **_FD_LABELS,
    },
    profiles={
        # with 6 inputs and the random DAG at 32...256 a true statement FAILed at 2 of 8
        # run seeds (the random DAG's slope -0.26 and -0.31, the densenet's -0.32: pre-
        # asymptotic and noisy); with 16 inputs (a 16 x 16 kernel error averages more
        # entries) and the random DAG at 64...512, slopes over run seeds 0-9 stayed in
        # -0.57...-0.42 (MLP, ResNet, DenseNet) and -0.48...-0.37 (random; ~30 s a run)
        "quick": {"runs": {"mlp": ["erf"], "resnet": ["erf"], "densenet": ["erf"],
                           "random": ["erf"]},
                  "widths": {"mlp": [32, 64, 128, 256, 512],
                             "resnet": [32, 64, 128, 256, 512],
                             "densenet": [32, 64, 128, 256, 512],
                             "random": [64, 128, 256, 512]},
                  "seeds": 4, "n_inputs": 16},
        # the random DAG is neuron-level (m^2 edges per group): compiling it at 2048 and
        # beyond takes minutes per point, so it stops at 1024, with erf only (ReLU's
        # error there fell with slope -0.33 over 128...1024, pre-asymptotic: its mean
        # kernel matches the limit within the standard error; docs/dag_nets.md)
        "paper": {"runs": {"mlp": ["erf", "relu"], "resnet": ["erf", "relu"],
                           "densenet": ["erf", "relu"], "random": ["erf"]},
                  "widths": {"mlp": [256, 512, 1024, 2048, 4096],
                             "resnet": [256, 512, 1024, 2048, 4096],
                             "densenet": [256, 512, 1024, 2048, 4096],
                             "random": [128, 256, 512, 1024]},
                  "seeds": 8},
    },
)
def ntk_limit(ctx, runs: dict[str, Sequence[str]], widths, seeds: int, kernel: str = "ntk",
              n_inputs: int = 6):
    res = {}
    acts = list(dict.fromkeys(a for arch_acts in runs.values() for a in arch_acts))
    for act in acts:  # one seed draw per activation, shared by its architectures
        archs = [arch for arch, arch_acts in runs.items() if act in arch_acts]
        for arch, sw in sweeps(ctx, "kernel-error", archs, widths, seeds, activation=act,
                               kernel=kernel, n_inputs=n_inputs).items():
            res[f"{arch} {act}"] = replace(sw, label=f"{ARCH_LABELS.get(arch, arch)}, {act}")
    fig, fits = slopes_figure(res, r"$\|K - \Theta\|_F / \|\Theta\|_F$",
                              title=f"reference: analytic {kernel.upper()}", x="width")
    # An empirical NTK biased by a few per cent still converges at the same rate over these
    # widths (its offset hides in the fluctuations): pin K itself to J J^T, J the
    # central-difference Jacobian of the outputs, on one small network per architecture
    # and activation (seed drawn after the sweeps', which stay unchanged)
    ref_seed = run_seeds(ctx, 1)[0]
    pins = _pins([ntk_reference(arch, ref_seed, activation=act, kernel=kernel)
                  for arch, arch_acts in runs.items() for act in arch_acts],
                 {"fd_ntk_error": "ntk_error", "fd_value_error": "value_error"})
    pinned = pins["fd_ntk_error"] <= NTK_TOL and pins["fd_value_error"] <= NTK_TOL
    return ctx.evidence(
        holds=_in_band(fits) and pinned,
        measured={"worst_slope": _worst(fits), "slopes": fit_summary(fits),
                  "reference_kernel": kernel, "fitted_against": "layer width m", **pins},
        expected=f"fitted slope of the relative kernel error against $m$ in {_BAND} for every "
        f"architecture and activation; and at layer width {FD_WIDTH} (a few hundred "
        r"parameters, one network per architecture and activation) the empirical NTK $K$ "
        rf"within {NTK_TOL:g} (relative, Frobenius) of $J J^\top$, $J$ the central-difference "
        r"Jacobian of the outputs on the sweep's inputs (step $2^{-17}$, errors about "
        r"$10^{-11}$ measured), and the measured error $\|K - \Theta\|_F / \|\Theta\|_F$ "
        rf"within {NTK_TOL:g} (relative) of the same error computed from $J J^\top$",
        table=table(res),
        figure=fig,
        key="worst_slope",
    )


@ntk_limit.control
def ntk_limit_against_nngp(ctx, **params):
    """The same empirical NTKs compared with the analytic NNGP kernel (the Gaussian-process
    kernel of the outputs, a different limit): the error plateaus at the gap between the
    two kernels, and the check must fail."""
    return ntk_limit.check(ctx, **params, kernel="nngp")


@claim(
    "zhu-dag.linearization",
    paper=PAPER.key,
    kind="statistical",
    statement=r"On the ball of radius $R$ around $w_0$ the network is close to its "
              r"linearisation: $\max |f(w) - f_{\mathrm{lin}}(w)|$ decays like $1/\sqrt{m}$ "
              r"(Cor 3.7).",
    labels={
        "worst_slope": r"worst slope $\hat\alpha$",
        "slopes": r"slopes $\hat\alpha$ by architecture",
        **_FD_LABELS,
    },
    profiles={
        # over 16...128 with 3 seeds a true statement FAILed at run seed 4 (slope -0.29);
        # over 64...512 with 8 seeds: -0.47...-0.42 over run seeds 0-7
        "quick": {"archs": ["mlp"], "widths": [64, 128, 256, 512], "seeds": 8, "radius": 1.0},
        "paper": {"archs": ["mlp"], "widths": [64, 128, 256, 512], "seeds": 8,
                  "radius": 1.0},
    },
)
def linearization(ctx, archs: Sequence[str], widths, seeds: int, radius: float,
                  output_activation: str | None = None):
    res = sweeps(ctx, "linearization", archs, widths, seeds, radius=radius,
                 output_activation=output_activation)
    fig, fits = slopes_figure(res, r"$\max_{\|w - w_0\| = R} |f(w) - f_{\mathrm{lin}}(w)|$",
                              title="output " + (output_activation or "linear"))
    # f_lin is built on net.grad and the direction on the Hessian: a gradient 1 % short
    # leaves a gap R |grad| / 100 whose slope still passes, so both are pinned to central
    # differences on one small network per architecture (seed drawn after the sweeps')
    ref_seed = run_seeds(ctx, 1)[0]
    pins = _pins([hessian_reference("linearization", arch, ref_seed, radius=radius,
                                    output_activation=output_activation) for arch in archs],
                 _HESSIAN_ERRORS)
    return ctx.evidence(
        holds=_in_band(fits) and _hessian_pinned(pins),
        measured={"worst_slope": _worst(fits), "slopes": fit_summary(fits), "radius": radius,
                  "directions": "top Hessian eigenvector and gradient, both signs",
                  "output_activation": output_activation or "identity", **pins},
        expected=f"fitted slope of the linearisation gap against $m$ in {_BAND}"
                 + _hessian_expected(r"the $\|H\|_2$ whose top eigenvector gives the "
                                   r"direction"),
        table=table(res),
        figure=fig,
        key="worst_slope",
    )


@linearization.control
def linearization_nonlinear_output(ctx, **params):
    """An erf output activation: its curvature along the gradient is $O(1)$ at every width, so
    the gap does not decay and the check must fail."""
    return linearization.check(ctx, **params, output_activation="erf")
