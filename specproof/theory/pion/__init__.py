"""Claims of Shi et al. on the Pion optimizer (paper key ``pion``).

``spectrum``: exact spectrum preservation, the E2 defect (sympy), the O(eta^4) drift of
E2, skew-symmetric preconditioned momentum, the descent rate along the flow and the
update RMS; ``training``: a matrix-sensing comparison with Adam and Muon.
"""

from specproof.claims import Paper

PAPER = Paper(
    key="pion",
    title="Pion: A Spectrum-Preserving Optimizer via Orthogonal Equivalence Transformation",
    authors="K. Shi, H. Li, Z. Qiu, Y. Wen, S. Buchholz, W. Liu",
    venue="arXiv 2605.12492 (2026)",
    url="https://arxiv.org/abs/2605.12492",
    note="The update rule follows the paper's formula and the official code as summarised "
    "in the project's references (E2 applied as E_out W E_in, RMS scaling c = 0.2); the "
    "official source itself was not found in the searchable archive, so details the formula "
    "leaves open (no bias correction, moments under 'alternate') are reconstructed.",
)
