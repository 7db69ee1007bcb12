"""Claims from the appendix *Elements of group and representation theory* (``group-appendix``):
group and action axioms, orthogonality of real characters, the regular representation.

The intertwiner and equivariance claims live in
``specproof.theory.group_appendix.equivariance``, the Fourier claim in ``...fourier``, and
what the claims compare the library with (written out in numpy) in ``...references``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from specproof.claims import claim
from specproof.groups import (
    Conjugation,
    FeatureMapAction,
    FiniteGroup,
    GridAction,
    LeftMultiplication,
    Representation,
    SignalAction,
    character_inner,
    check_group_axioms,
    cyclic,
    decompose,
    dihedral,
    direct_product,
    endomorphism_dimension,
    irreps,
    klein_four,
    permutation_representation,
    quaternion,
    right_regular_representation,
    symmetric,
    verify_action,
)
from specproof.theory.group_appendix import PAPER
from specproof.theory.group_appendix.references import (
    documented_characters,
    homomorphism_defect,
    pin_errors,
)

# A loop of order 5: a Latin square with identity 0 and every element its own inverse, so
# closure, identity and inverses hold; only associativity fails (e.g. (1·1)·2 ≠ 1·(1·2)).
NON_ASSOCIATIVE_LOOP = np.array(
    [[0, 1, 2, 3, 4],
     [1, 0, 3, 4, 2],
     [2, 4, 0, 1, 3],
     [3, 2, 4, 0, 1],
     [4, 3, 1, 2, 0]]
)


class _RightMultiplicationAsLeft(LeftMultiplication):
    """``g.h = h·g``: a right action passed off as a left one (fails a.(b.x) = (ab).x)."""

    def act(self, g: int, x: Any) -> Any:
        return self.group.table[np.asarray(x), g]


def _expected_abelian(G: FiniteGroup) -> bool:
    fam = G.family
    if fam[0] in ("cyclic", "klein"):
        return True
    if fam[0] == "quaternion":
        return False
    if fam[0] == "dihedral":
        return fam[1] <= 2
    if fam[0] == "symmetric":
        return fam[1] <= 2
    if fam[0] == "product":
        return _expected_abelian(fam[1]) and _expected_abelian(fam[2])
    raise ValueError(f"no expected abelian flag for {G.name}")


def _expected_class_count(G: FiniteGroup) -> int | None:
    fam = G.family
    if fam[0] == "cyclic":
        return fam[1]
    if fam[0] == "klein":
        return 4
    if fam[0] == "quaternion":
        return 5
    if fam[0] == "dihedral" and fam[1] >= 3:
        N = fam[1]
        return (N + 3) // 2 if N % 2 else N // 2 + 3
    if fam[0] == "symmetric":  # number of partitions of n
        return {1: 1, 2: 2, 3: 3, 4: 5, 5: 7, 6: 11}[fam[1]]
    return None


def _named_groups(n_max: int, sym_max: int) -> list[FiniteGroup]:
    groups: list[FiniteGroup] = []
    for N in range(1, n_max + 1):
        groups += [cyclic(N), dihedral(N)]
    groups += [symmetric(n) for n in range(1, sym_max + 1)]
    groups += [klein_four(), quaternion(), direct_product(cyclic(2), cyclic(2)),
               direct_product(cyclic(2), dihedral(3)), direct_product(dihedral(2), cyclic(3))]
    return groups


def _planted_axiom_defects(samples: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """The control's planted defects, each with the test that must reject it and its code.

    Each row says whether that defect was caught by its own test: the loop by
    :func:`check_group_axioms` on associativity (it has closure, an identity and inverses,
    so no other axiom can reject it), the right action by :func:`verify_action` on
    compatibility (its identity axiom holds). A control that failed as soon as one of them
    was caught would not show that the other test works.
    """
    res = check_group_axioms(NON_ASSOCIATIVE_LOOP)
    act = verify_action(_RightMultiplicationAsLeft(dihedral(3)), samples=samples, rng=rng)
    return [
        {"group": "loop5 (non-associative)", "order": len(NON_ASSOCIATIVE_LOOP),
         "axioms": res.ok, "abelian": None, "classes": None, "actions_ok": None,
         "must fail": "associativity", "caught": res.code == "not_associative",
         "reason": res.reason},
        {"group": "D3, right action as left", "order": 6, "axioms": None, "abelian": None,
         "classes": None, "actions_ok": act.ok, "must fail": "compatibility",
         "caught": act.code == "compatibility_fails", "reason": act.reason},
    ]


@claim(
    "group-appendix.group-axioms",
    paper=PAPER.key,
    kind="exact",
    statement=(
        "$C_N$, $D_N$, $S_n$, the Klein and quaternion groups and direct products satisfy the "
        "group axioms on their Cayley tables (abelian exactly when expected), and $G$ acting "
        "on itself, on signals $[g.x](h) = x(g^{-1}h)$, and $C_4$, $D_4$ on image grids and "
        "feature maps satisfy $e.x = x$ and $a.(b.x) = (ab).x$."
    ),
    profiles={"quick": dict(n_max=6, sym_max=4, samples=2),
              "paper": dict(n_max=12, sym_max=5, samples=4)},
)
def group_axioms(ctx, n_max: int, sym_max: int, samples: int, variant: str = "true"):
    groups = _named_groups(n_max, sym_max)
    rows = []
    n_fail = 0
    for G in groups:
        res = check_group_axioms(G.table)
        abelian_ok = G.is_abelian == _expected_abelian(G)
        k = _expected_class_count(G)
        classes_ok = k is None or len(G.conjugacy_classes()) == k
        acts = [LeftMultiplication(G), Conjugation(G), SignalAction(G)]
        act_results = [verify_action(a, samples=samples, rng=ctx.rng) for a in acts]
        acts_ok = all(r.ok for r in act_results)
        ok = res.ok and abelian_ok and classes_ok and acts_ok
        n_fail += not ok
        rows.append({"group": G.name, "order": G.order, "axioms": res.ok,
                     "abelian": G.is_abelian, "classes": len(G.conjugacy_classes()),
                     "actions_ok": acts_ok,
                     "reason": res.reason or next((r.reason for r in act_results if not r.ok),
                                                  "")})
    # Image grids: the exact rotation/reflection groups, on images and feature maps.
    grid_groups = [cyclic(1), cyclic(2), cyclic(4), dihedral(1), dihedral(2), dihedral(4)]
    grid_fail = 0
    for G in grid_groups:
        acts = [GridAction(G, size=5)]
        acts += [FeatureMapAction(G, psi, size=4) for psi in irreps(G)]
        results = [verify_action(a, samples=samples, rng=ctx.rng) for a in acts]
        ok = all(r.ok for r in results)
        grid_fail += not ok
        rows.append({"group": f"{G.name} on grids", "order": G.order, "axioms": None,
                     "abelian": None, "classes": None, "actions_ok": ok,
                     "reason": next((r.reason for r in results if not r.ok), "")})
    failures = n_fail + grid_fail
    measured: dict[str, Any] = {"failures": failures, "groups_checked": len(groups),
                                "grid_groups_checked": len(grid_groups)}
    holds = failures == 0
    if variant == "broken":
        planted = _planted_axiom_defects(samples, ctx.rng)
        rows += planted
        missed = [row["group"] for row in planted if not row["caught"]]
        measured.update(planted=len(planted), planted_missed=missed)
        # the control fails only when every planted defect is rejected by its own test
        holds = failures == 0 and bool(missed)
    return ctx.evidence(
        holds=holds,
        measured=measured,
        expected=("every table satisfies the axioms exactly and every action both action "
                  "axioms (feature maps: to the float64 tolerance of default_tolerance); "
                  "the control's planted defects are each rejected by their own test"),
        table=rows,
        key="failures",
    )


@group_axioms.control
def non_associative_table(ctx, n_max: int, sym_max: int, samples: int):
    """Plants a non-associative loop of order 5 (identity and inverses, no associativity)
    and a right action passed off as a left one; the control fails only if the loop is
    rejected on associativity and the action on compatibility, each by its own test."""
    return group_axioms.check(ctx, n_max=n_max, sym_max=sym_max, samples=samples,
                              variant="broken")


ORTHOGONALITY_TOL = 1e-12


def _character_pin_error(p: Representation, closed: np.ndarray) -> float:
    """``max |chi - closed|`` for the library's character of ``p`` and for the trace of
    its matrices: a character that disagrees with the matrices it should be read from
    would pass a pin on either one alone."""
    trace = np.trace(p.matrices, axis1=1, axis2=2)
    return float(max(np.max(np.abs(p.character() - closed)), np.max(np.abs(trace - closed))))


@claim(
    "group-appendix.character-orthogonality",
    paper=PAPER.key,
    kind="numerical",
    statement=(
        r"For the real irreps of $C_N$, $D_N$ (and $Q_8$, whose 4-dimensional irrep has type "
        r"$\mathbb{H}$), $\langle \chi_\psi, \chi_\phi \rangle = c_\psi \delta_{\psi\phi}$ "
        r"with $c_\psi = \dim \mathrm{End}_G(\psi) \in \{1, 2, 4\}$, and $\sum_\psi d_\psi^2 / "
        r"c_\psi = |G|$; the irreps are representations whose characters are the "
        r"closed forms (e.g. $2\cos(2\pi f k / N)$ at $r^k$ for the rotation irrep "
        r"$\mathrm{rot}_f$)."
    ),
    profiles={"quick": dict(n_max=6), "paper": dict(n_max=12)},
)
def character_orthogonality(ctx, n_max: int, variant: str = "true"):
    rows = []
    worst = 0.0
    sum_ok = True
    c_ok = True
    # the Gram matrix alone accepts any set of orthonormal class functions: a character
    # negated, two characters exchanged between irreps, or matrices that are no
    # representation (psi(r^k s) = psi(s) psi(r)^k has the right traces) all leave it
    # diag(c). So each character is pinned to its closed form, and the matrices to the
    # homomorphism property on the whole Cayley table.
    worst_pin = worst_hom = 0.0
    not_as_documented = []
    groups = [G for N in range(1, n_max + 1) for G in (cyclic(N), dihedral(N))]
    for G in groups + [quaternion()]:
        table = irreps(G)
        if variant == "complex_as_real":
            c = np.ones(len(table))  # the mistake: every irrep treated as type R
        else:
            c = np.array([p.endomorphism_dim for p in table], dtype=float)
        d = np.array([p.dim for p in table], dtype=float)
        gram = np.array([[character_inner(p.character(), q.character(), G)
                          for q in table] for p in table])
        err = float(np.max(np.abs(gram - np.diag(c))))
        # c_psi recomputed by linear algebra (commutant), independent of characters
        c_linalg = [endomorphism_dimension(p) for p in table]
        total = float(np.sum(d**2 / c))
        worst = max(worst, err)
        sum_ok &= total == G.order
        c_ok &= c_linalg == c.astype(int).tolist()
        closed = documented_characters(G)
        if sorted(p.name for p in table) != sorted(closed):
            not_as_documented.append(G.name)
        pin = max((_character_pin_error(p, closed[p.name]) for p in table if p.name in closed),
                  default=0.0)
        hom = max(homomorphism_defect(G, p.matrices) for p in table)
        worst_pin, worst_hom = max(worst_pin, pin), max(worst_hom, hom)
        rows.append({"group": G.name, "irreps": len(table), "max_gram_error": err,
                     "sum_d2_over_c": total, "order": G.order,
                     "c": c.astype(int).tolist(), "c_commutant": c_linalg,
                     "character_pin_error": pin, "homomorphism_defect": hom})
    return ctx.evidence(
        holds=(worst <= ORTHOGONALITY_TOL and sum_ok and c_ok and not not_as_documented
               and worst_pin <= ORTHOGONALITY_TOL and worst_hom <= ORTHOGONALITY_TOL),
        figure=_gram_figure([cyclic(6), dihedral(6), quaternion()]) if variant == "true" else None,
        measured={"max_error": worst, "sum_rule_holds": sum_ok,
                  "types_match_commutant": c_ok,
                  "max_character_pin_error": worst_pin,
                  "max_homomorphism_defect": worst_hom,
                  "irreps_not_as_documented": not_as_documented},
        expected=(rf"$\max |\langle \chi_\psi, \chi_\phi \rangle - c_\psi \delta_{{\psi\phi}}| "
                  rf"\le$ "
                  f"{ORTHOGONALITY_TOL:g}, "
                  r"$\sum_\psi d_\psi^2 / c_\psi = |G|$ exactly, $c_\psi$ = dim of the commutant; "
                  r"the irreps named as documented, each character and "
                  r"$\mathrm{tr}\,\psi(g)$ within "
                  f"{ORTHOGONALITY_TOL:g} of its closed form and "
                  r"$\max |\psi(a)\psi(b) - \psi(ab)|, |\psi(e) - I| \le$ "
                  f"{ORTHOGONALITY_TOL:g} over the Cayley table"),
        table=rows,
        key="max_error",
    )


def _gram_figure(groups: list[FiniteGroup]):
    """Panels of the character Gram matrices <chi_psi, chi_phi>: diagonal = c_psi."""
    from specproof.plotting import annotate_cells, figure

    # one column wide, the panels stacked (side by side they would print at 1 in each),
    # each titled by its group; the identity they show is the figure's title
    fig, axes = figure(aspect=0.62, nrows=len(groups))
    for ax, G in zip(axes, groups, strict=True):
        table = irreps(G)
        gram = np.array([[character_inner(p, q, G) for q in table] for p in table])
        image = ax.imshow(gram, cmap="Blues", vmin=0, vmax=4)
        annotate_cells(ax, image, np.round(gram) + 0.0, fmt="{:.0f}")
        names = [p.name for p in table]
        ax.set_xticks(range(len(names)), names, rotation=90)
        ax.set_yticks(range(len(names)), names)
        ax.set_xlabel(r"irrep $\phi$")
        ax.set_ylabel(r"irrep $\psi$")
        ax.set_title(G.name)
        ax.grid(False)
    fig.suptitle(r"$\langle\chi_\psi, \chi_\phi\rangle = c_\psi\,\delta_{\psi\phi}$"
                 r" over the real irreps $\psi, \phi$", fontsize=8)
    return fig


@character_orthogonality.control
def complex_irreps_as_real(ctx, n_max: int):
    """Treats every irrep as real type: $c = 1$ for the complex-type rotation irreps of $C_N$
    and the quaternionic irrep of $Q_8$."""
    return character_orthogonality.check(ctx, n_max=n_max, variant="complex_as_real")


def _conjugation_representation(G: FiniteGroup):
    """Permutation representation of G acting on itself by conjugation (dimension |G|)."""
    perms = G.table[G.table, G.inverses[:, None]]  # perms[g, h] = g·h·g⁻¹
    return permutation_representation(G, perms, name=f"conjugation({G.name})")


def _transposed(rho: Representation, name: str) -> Representation:
    """``h -> rho(h)^T = rho(h^-1)``: the right regular representation transposed, an
    anti-homomorphism on a non-abelian group with exactly the same characters."""
    return Representation(rho.group, np.transpose(rho.matrices, (0, 2, 1)).copy(), name=name,
                          check="none")


@claim(
    "group-appendix.regular-multiplicity",
    paper=PAPER.key,
    kind="numerical",
    statement=(
        r"The regular representation of $G$ contains every real irrep $\psi$ with multiplicity "
        r"$d_\psi / c_\psi$ ($C_N$, $D_N$, Klein, $Q_8$, $S_3$, $S_4$, $C_2 \times D_3$, $D_3 "
        r"\times C_5$; left and right regular)."
    ),
    profiles={"quick": dict(n_max=6), "paper": dict(n_max=12)},
)
def regular_multiplicity(ctx, n_max: int, variant: str = "true"):
    groups = [G for N in range(2, n_max + 1) for G in (cyclic(N), dihedral(N))]
    groups += [klein_four(), quaternion(), symmetric(3), symmetric(4),
               direct_product(cyclic(2), dihedral(3)), direct_product(dihedral(3), cyclic(5))]
    rows = []
    mismatches = 0
    worst_hom = 0.0
    for G in groups:
        if variant == "conjugation":
            reps = [_conjugation_representation(G)]
        else:
            reps = [G.regular_representation(), right_regular_representation(G)]
        expected = {p.name: p.dim // p.endomorphism_dim for p in irreps(G)}
        for rho in reps:
            got = decompose(rho)
            bad = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
            # decompose reads only the character: that the matrices form a representation
            # at all is checked on the Cayley table (permutation matrices: exactly)
            hom = homomorphism_defect(G, rho.matrices)
            mismatches += bool(bad)
            worst_hom = max(worst_hom, hom)
            rows.append({"group": G.name, "rep": rho.name, "dim": rho.dim,
                         "multiplicities": got, "mismatch (got, expected)": bad,
                         "homomorphism defect": hom})
    D3 = dihedral(3)
    left, right = D3.regular_representation(), right_regular_representation(D3)
    if variant == "conjugation":
        # the planted defects the multiplicities cannot see: R(h)^T (same characters, not
        # a homomorphism) and the left regular representation passed off as the right one
        # (a representation, with the same characters, but of the other convention)
        transposed = _transposed(right, "right_regular(D3)^T")
        hom_planted = homomorphism_defect(D3, transposed.matrices)
        rows.append({"group": D3.name, "rep": transposed.name, "dim": 6,
                     "homomorphism defect": hom_planted})
        right = Representation(D3, left.matrices, name="left as right", check="none")
    pins = pin_errors(left, right)
    worst_pin = max(pins.values())
    measured: dict[str, Any] = {"mismatches": mismatches, "representations": len(rows),
                                "max_homomorphism_defect": worst_hom,
                                "max_pin_error": worst_pin, "pin_errors": pins}
    holds = mismatches == 0 and worst_hom == 0.0 and worst_pin == 0.0
    if variant == "conjugation":
        # the control fails only when each planted defect is caught by its own test: every
        # conjugation representation by its multiplicities, R^T by the homomorphism
        # defect, the left representation by the right one's pins
        caught = {"conjugation": mismatches == len(groups), "transposed": hom_planted > 0.5,
                  "left as right": min(pins["right r"], pins["right s"]) > 0.5}
        measured["planted_missed"] = [k for k, ok in caught.items() if not ok]
        holds = bool(measured["planted_missed"])
    return ctx.evidence(
        holds=holds,
        measured=measured,
        expected=r"$\mathrm{decompose}(\mathrm{regular}) = \{\psi: d_\psi / c_\psi\}$ for "
                 r"every group, $\rho(a)\rho(b) = \rho(ab)$ exactly on every pair, and on "
                 r"$D_3$ the conventions $(R_h f)(g) = f(gh)$, $(L_h f)(g) = f(h^{-1}g)$ on a "
                 r"literal example (the control: each planted defect caught by its own test)",
        table=rows,
        key="mismatches",
    )


@regular_multiplicity.control
def conjugation_representation(ctx, n_max: int):
    r"""The permutation representation of $G$ acting on itself by conjugation (same dimension
    $|G|$, not regular), the right regular representation transposed ($R(h)^\top$, same
    characters, not a homomorphism) and the left regular representation passed off as the
    right one; the control fails only if each is caught by its own test."""
    return regular_multiplicity.check(ctx, n_max=n_max, variant="conjugation")
