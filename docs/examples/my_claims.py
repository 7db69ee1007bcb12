"""A user claim module: run it with `specproof verify --module docs/examples/my_claims.py`."""

import numpy as np

from specproof.claims import claim
from specproof.plotting import figure, loglog_fit


@claim(
    "mynotes.gaussian-spectral-norm",
    paper="mynotes",
    kind="statistical",
    statement=r"The spectral norm of an $n \times n$ standard Gaussian matrix grows like "
    r"$2\sqrt{n}$.",
    profiles={"quick": {"sizes": [25, 50, 100, 200], "seeds": 3},
              "paper": {"sizes": [100, 200, 400, 800, 1600], "seeds": 8}},
    labels={"slope": r"fitted slope $\hat\alpha$",
            "slope_interval": r"95% interval of $\hat\alpha$"},
)
def gaussian_spectral_norm(ctx, sizes, seeds, symmetric=False):
    xs, ys = [], []
    for n in sizes:
        for _ in range(seeds):
            a = ctx.rng.standard_normal((n, n))
            if symmetric:  # the control: a rank-one spike grows like n, not sqrt(n)
                a = a + np.ones((n, n))
            xs.append(n)
            ys.append(np.linalg.norm(a, 2))
    fig, ax = figure()
    fit = loglog_fit(ax, xs, ys, label=r"$\|A\|_2$", xlabel="$n$", ylabel=r"$\|A\|_2$",
                     reference_slope=0.5, reference_label=r"slope 1/2 ($\sqrt{n}$ rate)")
    return ctx.evidence(
        holds=fit.within(0.4, 0.6),
        measured={"slope": fit.slope, "slope_interval": [fit.low, fit.high]},
        expected=r"log-log slope of $\|A\|_2$ against $n$ in $[0.4, 0.6]$",
        figure=fig,
        key="slope",
    )


@gaussian_spectral_norm.control
def with_rank_one_spike(ctx, sizes, seeds):
    r"""$A + \mathbf{1}\mathbf{1}^\top$: the spike dominates and the slope is 1, so the
    check must fail."""
    return gaussian_spectral_norm.check(ctx, sizes, seeds, symmetric=True)
