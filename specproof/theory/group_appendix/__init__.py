"""Claims of the appendix *Elements of group and representation theory* (``group-appendix``).

``core``: group and action axioms, characters, the regular representation;
``equivariance``: equivariance checks and intertwiners; ``fourier``: the spectral norm of
equivariant maps through the group Fourier transform; ``references``: the irreps,
characters and regular representations the claims compare the library with.
"""

from specproof.claims import Paper

PAPER = Paper(
    key="group-appendix",
    title="Elements of group and representation theory (appendix on equivariant networks)",
    # The attribution is unresolved, so no author, venue or address is printed as the
    # source; what is known is said once, in the note.
    note="Attribution unresolved: the appendix is probably the supplementary section "
    "'Elements of group and representation theory' of A. Behboodi, G. Cesa, T. Cohen, "
    "A PAC-Bayesian generalization bound for equivariant networks (NeurIPS 2022, "
    "arXiv:2210.13150), not confirmed against the paper. The statements are the standard "
    "facts the appendix lists.",
)
