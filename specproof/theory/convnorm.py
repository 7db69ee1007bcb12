"""Claims of Liu et al., *Convolutional Normalization* (NeurIPS 2021, arXiv 2103.00673).

- ``convnorm.fft-singular-values``: the singular values of a circular stride-1
  multi-channel convolution are those of its DFT symbol matrices (Sedghi, Gupta, Long
  2019), the Fourier analysis ConvNorm builds on.
- ``convnorm.channel-isometry``: with the circular ConvNorm preconditioner every output
  channel's row block satisfies ``B_o B_o^T = I``.
- ``convnorm.spectral-norm-reduction``: on the official code path (full convolution,
  filter, crop, stride) every ``||B_o|| <= 1`` and the layer ``||B||_2 <= sqrt(C_out)``,
  far below the norm of the same layer without ConvNorm.
"""

from __future__ import annotations

import math

import numpy as np

from specproof.certificates import circular_singular_values, conv2d_operator
from specproof.claims import Paper, claim
from specproof.plotting import figure, place_legend
from specproof.spectral import convnorm_operator, convnorm_report

PAPER = Paper(
    key="convnorm",
    title="Convolutional Normalization: Improving Deep Convolutional Network Robustness "
    "and Training",
    authors="Sheng Liu, Xiao Li, Yuexiang Zhai, Chong You, Zhihui Zhu, "
    "Carlos Fernandez-Granda, Qing Qu",
    venue="NeurIPS 2021",
    url="https://arxiv.org/abs/2103.00673",
)

KERNEL_SIZES = (2, 3, 1, 5)


def _kernel_shapes(rng: np.random.Generator, count: int, c_max: int, n: int) -> list[tuple]:
    """Random (c_out, c_in, k, k), cycling through kernel sizes that fit the grid."""
    sizes = [k for k in KERNEL_SIZES if k <= n]
    return [
        (int(rng.integers(1, c_max + 1)), int(rng.integers(1, c_max + 1)),
         sizes[i % len(sizes)], sizes[i % len(sizes)])
        for i in range(count)
    ]


@claim(
    "convnorm.fft-singular-values",
    paper=PAPER.key,
    kind="numerical",
    statement=r"The singular values of a circular stride-1 multi-channel 2-D convolution on an "
              r"$n \times n$ grid are those of its $c_{\mathrm{out}} \times c_{\mathrm{in}}$ "
              r"DFT symbol matrices, $n^2 \min(c_{\mathrm{out}}, c_{\mathrm{in}})$ values in "
              r"all (Sedghi, Gupta, Long 2019), the Fourier picture ConvNorm builds on.",
    profiles={
        "quick": {"kernels": 4, "n": 6, "c_max": 3},
        "paper": {"kernels": 16, "n": 10, "c_max": 6},
    },
)
def fft_singular_values(ctx, kernels: int, n: int, c_max: int, operator: str = "circular"):
    rows, worst = [], 0.0
    for shape in _kernel_shapes(ctx.rng, kernels, c_max, n):
        K = ctx.rng.standard_normal(shape)
        k = shape[2]
        A = conv2d_operator(K, n, mode=operator, padding=(k - 1) // 2)
        dense = np.linalg.svd(A.dense(), compute_uv=False)
        fft = circular_singular_values(K, n)
        r = fft.size
        # the rest of the dense spectrum is zero (rank <= r); a zero-padded layer with an
        # even kernel has fewer outputs, so pad the shorter list with zeros
        ref = np.zeros(max(r, dense.size))
        ref[: dense.size] = dense
        got = np.zeros_like(ref)
        got[:r] = fft
        err = float(np.abs(got - ref).max() / dense[0])
        worst = max(worst, err)
        rows.append({"c_out": shape[0], "c_in": shape[1], "k": k, "values": r,
                     "sigma_max": float(dense[0]), "max rel. error": err})
    return ctx.evidence(
        holds=worst < 1e-10,
        measured={"max_relative_error": worst, "kernels": kernels, "operator": operator},
        expected=r"$\max |\sigma_{\mathrm{fft}} - \sigma_{\mathrm{dense}}| / \sigma_{\max} < "
                 r"10^{-10}$ "
                 "for every kernel",
        table=rows,
        key="max_relative_error",
    )


@fft_singular_values.control
def zero_padded_operator(ctx, kernels: int, n: int, c_max: int):
    """The zero-padded ("same") convolution compared with the circular formula: the
    boundary breaks the block diagonalisation, so the values must differ."""
    return fft_singular_values.check(ctx, kernels, n, c_max, operator="zeros")


@claim(
    "convnorm.channel-isometry",
    paper=PAPER.key,
    kind="numerical",
    statement=r"With the ConvNorm preconditioner $V_o = (\sum_c |\hat K_{o,c}|^2)^{-1/2}$ on a "
              r"circular grid, every output channel's row block is an isometry on its rows: "
              r"$B_o B_o^\top = I$ (channel-wise isometry).",
    labels={
        "max_deviation": r"$\max |B_o B_o^\top - I|$",
        "max_o |B_o B_o^T - I|": r"$\max_o |B_o B_o^\top - I|$",
    },
    profiles={
        "quick": {"kernels": 3, "n": 6, "c_max": 4},
        "paper": {"kernels": 12, "n": 8, "c_max": 8},
    },
)
def channel_isometry(ctx, kernels: int, n: int, c_max: int, convnorm: bool = True):
    rows, worst = [], 0.0
    for shape in _kernel_shapes(ctx.rng, kernels, c_max, n):
        K = ctx.rng.standard_normal(shape)
        if convnorm:
            B = convnorm_operator(K, n, form="circular").dense()
        else:
            B = conv2d_operator(K, n, mode="circular").dense()
        m = n * n
        devs = [
            float(np.abs(B[o * m:(o + 1) * m] @ B[o * m:(o + 1) * m].T - np.eye(m)).max())
            for o in range(shape[0])
        ]
        worst = max(worst, max(devs))
        rows.append({"c_out": shape[0], "c_in": shape[1], "k": shape[2],
                     "max_o |B_o B_o^T - I|": max(devs)})
    return ctx.evidence(
        holds=worst < 1e-10,
        measured={"max_deviation": worst, "kernels": kernels, "convnorm": convnorm},
        expected=r"$\max_{o,i,j} |(B_o B_o^\top - I)_{ij}| < 10^{-10}$",
        table=rows,
        key="max_deviation",
    )


@channel_isometry.control
def without_convnorm(ctx, kernels: int, n: int, c_max: int):
    """The same layers without ConvNorm: a random convolution's row blocks are not
    isometries, so the check must fail."""
    return channel_isometry.check(ctx, kernels, n, c_max, convnorm=False)


@claim(
    "convnorm.spectral-norm-reduction",
    paper=PAPER.key,
    kind="numerical",
    statement=r"On the ConvNorm code path (full convolution, Fourier filter, crop, stride) "
              r"every channel's block has $\|B_o\|_2 \le 1$ and the layer's spectral norm is "
              r"at most $\sqrt{C_{\mathrm{out}}}$, well below that of the same layer without "
              r"ConvNorm.",
    labels={
        "max_block_norm": r"$\max_o \|B_o\|_2$",
        "max ||B_o||": r"$\max_o \|B_o\|_2$",
        "||B|| before": r"$\|B\|_2$ before",
        "||B|| after": r"$\|B\|_2$ after",
        "sqrt(C_out)": r"$\sqrt{C_{\mathrm{out}}}$",
    },
    profiles={
        "quick": {"kernels": 6, "n": 6, "c_max": 4},
        "paper": {"kernels": 24, "n": 8, "c_max": 8},
    },
)
def spectral_norm_reduction(ctx, kernels: int, n: int, c_max: int, convnorm: bool = True):
    rows = []
    before, after, bound = [], [], []
    block_max, layer_ratio = [], []
    worst_block, worst_layer = 0.0, 0.0
    for i, shape in enumerate(_kernel_shapes(ctx.rng, kernels, c_max, n)):
        K = ctx.rng.standard_normal(shape) * math.sqrt(2.0 / (shape[1] * shape[2] ** 2))
        k = shape[2]
        stride, padding = 1 + i % 2, (k - 1) // 2
        r = convnorm_report(K, n, stride=stride, padding=padding)
        blocks = r.channel_norms_after if convnorm else r.channel_norms_before
        layer = r.layer_norm_after if convnorm else r.layer_norm_before
        worst_block = max(worst_block, float(blocks.max()))
        worst_layer = max(worst_layer, layer / r.sqrt_c_out)
        block_max.append(float(blocks.max()))
        layer_ratio.append(layer / r.sqrt_c_out)
        before.append(r.layer_norm_before)
        after.append(r.layer_norm_after)
        bound.append(r.sqrt_c_out)
        rows.append({"c_out": shape[0], "c_in": shape[1], "k": k, "stride": stride,
                     "padding": padding, "max ||B_o||": float(blocks.max()),
                     "||B|| before": r.layer_norm_before, "||B|| after": r.layer_norm_after,
                     "sqrt(C_out)": r.sqrt_c_out})
    tol = 1e-10
    fig = _bounds_figure(block_max, layer_ratio, convnorm)
    return ctx.evidence(
        holds=worst_block <= 1 + tol and worst_layer <= 1 + tol,
        measured={
            "max_block_norm": worst_block,
            "max_layer_norm_over_sqrt_c_out": worst_layer,
            "median_reduction": float(np.median(np.array(before) / np.array(after))),
            "convnorm": convnorm,
        },
        expected=r"every $\|B_o\|_2 \le 1$ and $\|B\|_2 / \sqrt{C_{\mathrm{out}}} \le 1$ "
                 r"(up to $10^{-10}$), dense SVDs",
        table=rows,
        figure=fig,
        key="max_block_norm",
    )


def _bounds_figure(block_max: list[float], layer_ratio: list[float], convnorm: bool):
    """The two quantities the check bounds by 1, per kernel: the control's figure (the
    layers without ConvNorm) shows them above the bound, the check's below it."""
    fig, ax = figure()
    idx = np.arange(len(block_max))
    ax.plot(idx, block_max, "o", label=r"$\max_o \|B_o\|_2$")
    ax.plot(idx, layer_ratio, "s", label=r"$\|B\|_2 / \sqrt{C_{out}}$")
    ax.axhline(1.0, color="k", lw=0.8, ls="--", label="bound 1")
    if max(max(block_max), max(layer_ratio)) > 4:
        ax.set_yscale("log")
    ax.set_xlabel(r"random kernel $i$ ($k \in \{1,2,3,5\}$, stride 1 or 2)")
    ax.set_ylabel("norm over its bound")
    ax.set_title("with ConvNorm (code path)" if convnorm else "without ConvNorm")
    place_legend(ax)
    return fig


@spectral_norm_reduction.control
def layer_without_convnorm(ctx, kernels: int, n: int, c_max: int):
    """The same bounds on the layers without ConvNorm (He-scaled random kernels): their
    block norms exceed 1, so the check must fail."""
    return spectral_norm_reduction.check(ctx, kernels, n, c_max, convnorm=False)
