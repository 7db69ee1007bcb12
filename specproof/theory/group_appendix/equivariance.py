"""Claims from the appendix *Elements of group and representation theory* (``group-appendix``):
intertwiner dimensions and equivariance of lifting / group convolutions on image grids
(the spectral norm of equivariant maps is ``specproof.theory.group_appendix.fourier``).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from specproof.claims import claim
from specproof.groups import (
    TYPES,
    FiniteGroup,
    GridAction,
    GroupConv,
    GroupGridAction,
    LiftingConv,
    Representation,
    check_equivariance,
    correlate2d,
    cyclic,
    dihedral,
    direct_sum,
    hom_dimension,
    intertwiner_residual,
    intertwiners,
    irreps,
    nullspace_basis,
    subspace_gap,
)
from specproof.theory.group_appendix import PAPER

RESIDUAL_TOL = 1e-10
SUBSPACE_TOL = 1e-8


def _groups(n_max: int) -> list[FiniteGroup]:
    out: list[FiniteGroup] = []
    for N in range(1, n_max + 1):
        out += [cyclic(N), dihedral(N)]
    return out


def _random_rep(G: FiniteGroup, rng: np.random.Generator,
                parts: int) -> tuple[Representation, list[int], float]:
    """A random direct sum of irreps in a random basis (condition number <= ~10).

    Returns
    -------
    rho : Representation
        ``P (psi_1 + ... + psi_parts) P^-1``, built with the library's ``direct_sum`` and
        ``change_of_basis``.
    chosen : list of int
        The summands, as indices into ``irreps(G)``.
    construction_error : float
        ``max_g ||rho(g) - P blockdiag(psi_i(g)) P^-1||_F`` with the right-hand side formed
        here in numpy: a direct sum that dropped a summand, or a change of basis that did
        nothing, would leave every dimension consistent while testing another
        representation than the one stated.
    """
    irs = irreps(G)
    chosen = [int(i) for i in rng.integers(len(irs), size=parts)]
    summands = [irs[i] for i in chosen]
    rho = direct_sum(*summands) if len(summands) > 1 else summands[0]
    q, _ = np.linalg.qr(rng.standard_normal((rho.dim, rho.dim)))
    P = q @ np.diag(rng.uniform(0.3, 3.0, rho.dim))
    rho = rho.change_of_basis(P)
    blocks = np.stack([block_diag(*(p.matrices[g] for p in summands))
                       for g in range(G.order)])
    if blocks.shape != rho.matrices.shape:  # a summand lost (or one too many)
        return rho, chosen, float("inf")
    literal = P @ blocks @ np.linalg.inv(P)
    error = float(np.max(np.linalg.norm(rho.matrices - literal, axis=(1, 2))))
    return rho, chosen, error


def _schur_dimension(parts_in: list[int], parts_out: list[int], irs: list) -> int:
    """``dim Hom_G`` between two direct sums of irreps by Schur's lemma: ``c_psi`` for
    every pair of equal summands (``irreps`` lists one irrep per isomorphism class), 0 for
    every other pair; ``c_psi`` (1, 2 or 4) from the irrep's type R, C or H."""
    return sum(TYPES[irs[i].type] for i in parts_in for j in parts_out if i == j)


def _instrument_pins() -> dict[str, float]:
    """The residual and the subspace gap on a case with a known answer.

    Both measurements only ever see agreeing bases in the check, so a residual or gap that
    always read 0 would pass every wrong basis of the right dimension (a nullspace of
    ``rho_out(g) W = W rho_in(g)^-T``, say). On ``C_4`` acting on the plane by quarter
    turns ``R``, ``S = diag(1, -1) / sqrt(2)`` gives ``||R S - S R||_F = 2`` exactly (for
    ``R^3`` too), and ``span{S}`` is orthogonal to ``span{I}``: a gap of 1.
    """
    G = cyclic(4)
    turn = np.array([[0.0, -1.0], [1.0, 0.0]])
    rot = Representation(G, np.stack([np.linalg.matrix_power(turn, k) for k in range(4)]),
                         name="quarter turns")
    S = np.diag([1.0, -1.0])[None] / np.sqrt(2.0)
    return {"residual": intertwiner_residual(S, rot, rot),
            "gap": subspace_gap(np.eye(2)[None] / np.sqrt(2.0), S)}


@claim(
    "group-appendix.hom-dimension",
    paper=PAPER.key,
    kind="numerical",
    statement=(
        r"$\dim \mathrm{Hom}_G(\rho_1, \rho_2) = \langle \chi_1, \chi_2 \rangle$: the "
        r"nullspace of the generator constraints $[\rho_2(g) \otimes I - I \otimes "
        r"\rho_1(g)^\top] \operatorname{vec}(W) = 0$ and the range of the Reynolds operator "
        r"have exactly this dimension, which is the one Schur's lemma gives, for all irrep "
        r"pairs of $C_N$, $D_N$ (all of them: $\sum_\psi \dim(\psi)^2 / c_\psi = |G|$) "
        r"and for random sums of two irreps in random bases."
    ),
    profiles={"quick": dict(n_max=6, random_reps=2), "paper": dict(n_max=12, random_reps=6)},
)
def hom_dimension_claim(ctx, n_max: int, random_reps: int, variant: str = "generators"):
    rows = []
    mismatches = schur_mismatches = 0
    worst_res, worst_gap, worst_construction = 0.0, 0.0, 0.0
    incomplete = []
    for G in _groups(n_max):
        gens = list(G.generators) if variant == "generators" else list(G.generators)[:1]
        irs = irreps(G)
        # the regular representation holds each real irrep dim / c times: a list that
        # misses an irrep would make "all irrep pairs" fewer pairs, every one agreeing
        regular = sum(p.dim**2 / TYPES[p.type] for p in irs)
        if regular != G.order:
            incomplete.append(G.name)
        # each pair with the summands it is made of, for Schur's count
        pairs = [(a, b, [i], [j]) for i, a in enumerate(irs) for j, b in enumerate(irs)]
        for _ in range(random_reps):
            (a, parts_a, err_a), (b, parts_b, err_b) = (_random_rep(G, ctx.rng, 2)
                                                         for _ in range(2))
            worst_construction = max(worst_construction, err_a, err_b)
            pairs.append((a, b, parts_a, parts_b))
        bad = bad_schur = 0
        for a, b, parts_a, parts_b in pairs:
            expected = hom_dimension(a, b)
            null = nullspace_basis(b.matrices[gens], a.matrices[gens])
            rey = intertwiners(a, b, method="reynolds", rng=ctx.rng)
            ok = len(null) == expected == len(rey)
            if ok:
                worst_res = max(worst_res, intertwiner_residual(null, a, b))
                worst_gap = max(worst_gap, subspace_gap(null, rey))
            bad += not ok
            # three computations that agree can still share one wrong input (a direct sum
            # that lost a summand, an irreps list with two copies of one class): Schur's
            # lemma gives the dimension from the summands alone
            bad_schur += expected != _schur_dimension(parts_a, parts_b, irs)
        mismatches += bad
        schur_mismatches += bad_schur
        rows.append({"group": G.name, "irreps": len(irs), "sum dim^2 / c": regular,
                     "pairs": len(pairs), "generators_used": len(gens), "mismatches": bad,
                     "Schur mismatches": bad_schur})
    instruments = _instrument_pins()
    instruments_ok = (abs(instruments["residual"] - 2.0) <= RESIDUAL_TOL
                      and abs(instruments["gap"] - 1.0) <= SUBSPACE_TOL)
    holds = (mismatches == 0 and worst_res <= RESIDUAL_TOL and worst_gap <= SUBSPACE_TOL
             and schur_mismatches == 0 and not incomplete
             and worst_construction <= RESIDUAL_TOL and instruments_ok)
    return ctx.evidence(
        holds=holds,
        measured={"mismatches": mismatches, "pairs": sum(r["pairs"] for r in rows),
                  "max_residual": worst_res, "max_subspace_gap": worst_gap,
                  "schur_mismatches": schur_mismatches, "incomplete_irreps": incomplete,
                  "max_construction_error": worst_construction,
                  "instrument_pins": instruments},
        expected=(rf"no dimension mismatch; $\max \|\rho_2(g)B - B\rho_1(g)\| \le$ "
                  rf"{RESIDUAL_TOL:g}; "
                  rf"$\sin$ of the largest principal angle between nullspace and Reynolds range "
                  rf"$\le$ {SUBSPACE_TOL:g}; $\langle \chi_1, \chi_2 \rangle$ equal to "
                  r"Schur's count from the summands ($c_\psi$ for each pair of equal ones) for "
                  r"every pair; $\sum_\psi \dim(\psi)^2 / c_\psi = |G|$ for every group; "
                  rf"each random representation within {RESIDUAL_TOL:g} of $P\,"
                  r"\mathrm{blockdiag}(\psi_i(g))\,P^{-1}$ formed in numpy; and on a literal "
                  r"case (quarter turns of the plane against $\mathrm{diag}(1, -1)$) the "
                  r"residual 2 and the gap 1"),
        table=rows,
        key="mismatches",
    )


@hom_dimension_claim.control
def one_generator_only(ctx, n_max: int, random_reps: int):
    """The nullspace stacks only the first generator (the rotation $r$ of $D_N$): too big a
    space."""
    return hom_dimension_claim.check(ctx, n_max=n_max, random_reps=random_reps,
                                     variant="first-generator")


class _UnconstrainedLifting:
    """Ordinary convolution with |G| independent filters, then a random mixing of the
    group axis: the same shapes as a lifting convolution, no weight sharing over G."""

    def __init__(self, G: FiniteGroup, c_in: int, c_out: int, k: int, rng, padding: str):
        self.n, self.c_out, self.padding = G.order, c_out, padding
        self.bank = rng.standard_normal((c_out * G.order, c_in, k, k)) / k
        self.mix = rng.standard_normal((G.order, G.order))

    def __call__(self, x):
        out = correlate2d(x, self.bank, self.padding)
        out = out.reshape(self.c_out, self.n, *out.shape[1:])
        return np.einsum("gh,chij->cgij", self.mix, out)


#: A literal 3 x 3 image (row 0 on top) and, written out by hand rather than computed, its
#: images under the generators in GridAction's documented convention: ``r`` is ``np.rot90``
#: (a counter-clockwise quarter turn as displayed: the right column becomes the top row)
#: and ``s`` the left-right mirror ``x[:, ::-1]``. Layers and actions are all built on
#: GridAction, so an equivariance check alone cannot see r turned the other way (or s
#: mirrored up-down): every layer and both actions would change together.
PIN_IMAGE = np.array([[0.0, 1.0, 2.0],
                      [3.0, 4.0, 5.0],
                      [6.0, 7.0, 8.0]])
PIN_R = np.array([[2.0, 5.0, 8.0],
                  [1.0, 4.0, 7.0],
                  [0.0, 3.0, 6.0]])
PIN_S = np.array([[2.0, 1.0, 0.0],
                  [5.0, 4.0, 3.0],
                  [8.0, 7.0, 6.0]])


def _generator_pins(G: FiniteGroup) -> list[dict]:
    """Check the two actions the claim uses on the literal image, generator by generator.

    ``GridAction(G, axes=(-2, -1))`` must map every channel of a stack of
    :data:`PIN_IMAGE` to :data:`PIN_R` (``r``) or :data:`PIN_S` (``s``, dihedral only);
    ``GroupGridAction(G)`` must map ``F[h] = PIN_IMAGE + 10 h`` to ``(g.F)[h] =
    PIN_g + 10 (g^-1 h)``: the grid turned as above and the group axis moved by left
    multiplication with ``g^-1``, read from the Cayley table (``[g.F](h, p) = F(g^-1 h,
    g^-1 p)``).
    """
    pins = [("r", PIN_R)] + ([("s", PIN_S)] if G.family[0] == "dihedral" else [])
    rows = []
    for label, literal in pins:
        g = G.index(label)
        stack = np.stack([PIN_IMAGE, PIN_IMAGE])  # (channels, H, W): the claim's axes
        grid_ok = np.array_equal(GridAction(G, axes=(-2, -1)).act(g, stack),
                                 np.stack([literal, literal]))
        F = (PIN_IMAGE + 10.0 * np.arange(G.order)[:, None, None])[None]
        moved = G.table[G.inverses[g]]  # h -> g^-1 h
        expected = (literal + 10.0 * moved[:, None, None])[None]
        group_ok = np.array_equal(GroupGridAction(G).act(g, F), expected)
        rows.append({"group": G.name, "generator": label, "image_grid": bool(grid_ok),
                     "G_x_grid": bool(group_ok)})
    return rows


@claim(
    "group-appendix.conv-equivariance",
    paper=PAPER.key,
    kind="numerical",
    statement=(
        r"Lifting convolutions (images to functions on $G \times \text{grid}$) and group "
        r"convolutions ($G \times \text{grid} \to G \times \text{grid}$) on square grids are "
        r"exactly equivariant under $C_4$ (rot90) and $D_4$ (rot90 and mirrors): $f(g.x) = "
        r"g.f(x)$ to machine precision."
    ),
    profiles={"quick": dict(size=7, channels=2, kernel_size=3, samples=2),
              "paper": dict(size=17, channels=4, kernel_size=5, samples=4)},
)
def conv_equivariance(ctx, size: int, channels: int, kernel_size: int, samples: int,
                      variant: str = "equivariant"):
    rows = []
    worst, worst_tol, all_ok = 0.0, 0.0, True
    pins = []
    for G in (cyclic(4), dihedral(4)):
        pins += _generator_pins(G)
        for padding in ("valid", "same"):
            seed = int(ctx.rng.integers(2**31))
            if variant == "equivariant":
                lift = LiftingConv(G, channels, channels, kernel_size, seed=seed, padding=padding)
            else:
                lift = _UnconstrainedLifting(G, channels, channels, kernel_size,
                                             np.random.default_rng(seed), padding)
            gconv = GroupConv(G, channels, channels, kernel_size, seed=seed + 1,
                              padding=padding)
            xs = [ctx.rng.standard_normal((channels, size, size)) for _ in range(samples)]
            r1 = check_equivariance(lift, G, GridAction(G, axes=(-2, -1)), GroupGridAction(G),
                                    inputs=xs)
            feats = [ctx.rng.standard_normal((channels, G.order, size, size))
                     for _ in range(samples)]
            r2 = check_equivariance(gconv, G, GroupGridAction(G), GroupGridAction(G),
                                    inputs=feats)
            for name, r in (("lifting", r1), ("group", r2)):
                all_ok &= r.ok
                if r.worst_error > worst:
                    worst, worst_tol = r.worst_error, r.tolerance
                rows.append({"group": G.name, "layer": name, "padding": padding,
                             "worst_element": r.worst_element, "worst_error": r.worst_error,
                             "tolerance": r.tolerance, "ok": r.ok})
    wrong = [f"{p['group']} {p['generator']}" for p in pins
             if not (p["image_grid"] and p["G_x_grid"])]
    return ctx.evidence(
        holds=bool(all_ok and worst <= 1e-12 and not wrong),
        measured={"max_relative_error": worst, "tolerance_at_max": worst_tol,
                  "layers_checked": len(rows), "generators_pinned": len(pins),
                  "generators_wrong": wrong},
        expected=r"every layer passes check_equivariance (dtype tolerance) and max error $\le "
                 r"10^{-12}$; and on a literal $3 \times 3$ image $r$ acts as np.rot90 "
                 r"(counter-clockwise as displayed) and $s$ as the left-right mirror, exactly, "
                 r"on images and on functions on $G \times \text{grid}$ (group axis moved by "
                 r"$g^{-1}$)",
        table=rows,
        key="max_relative_error",
    )


@conv_equivariance.control
def unconstrained_kernel(ctx, size: int, channels: int, kernel_size: int, samples: int):
    """The lifting layer is an ordinary convolution with unshared filters per group channel
    followed by a random (non-equivariant) mixing of the group axis."""
    return conv_equivariance.check(ctx, size=size, channels=channels, kernel_size=kernel_size,
                                   samples=samples, variant="unconstrained")
