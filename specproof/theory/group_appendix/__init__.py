"""Claims of the appendix *Elements of group and representation theory* (``group-appendix``).

``core``: group and action axioms, characters, the regular representation;
``equivariance``: equivariance checks, intertwiners and the group Fourier transform.
"""

from specproof.claims import Paper

PAPER = Paper(
    key="group-appendix",
    title="Elements of group and representation theory (appendix on equivariant networks)",
    authors="likely A. Behboodi, G. Cesa, T. Cohen",
    venue="NeurIPS 2022 (appendix)",
    url="https://arxiv.org/abs/2205.07362",
    note="Attribution reconstructed; the statements are the standard facts the appendix lists.",
)
