"""Claims of Hopkins & Tiegel on the 2->q norm (paper key ``hopkins-tiegel``).

``norms``: closed forms, the spectral baseline's guarantee, SoS exactness for d <= 3 and
the sandwich; ``certificates``: SoS certificates checked exactly.
"""

from specproof.claims import Paper

PAPER = Paper(
    key="hopkins-tiegel",
    title="Polynomially-improved approximation factors for the 2->q norm",
    authors="S. B. Hopkins, S. Tiegel",
    venue="arXiv 2605.25303",
    url="https://arxiv.org/abs/2605.25303",
    note="The paper's own d^(1/8) algorithm could not be read; specproof ships the SoS "
    "relaxation with rounding and measures its ratios instead.",
)
