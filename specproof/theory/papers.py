"""The papers whose claims specproof makes executable, keyed as in the claim ids."""

from __future__ import annotations

PAPERS: dict[str, str] = {
    "hopkins-tiegel": "Hopkins & Tiegel, Polynomially-improved approximation factors for the "
    "2->q norm (arXiv 2605.25303)",
    "zhu-dag": "Zhu, Liu, Belkin, Transition to linearity of general neural networks with DAG "
    "architecture (NeurIPS 2022)",
    "group-appendix": "Elements of group and representation theory (appendix; equivariant "
    "networks, likely Behboodi, Cesa, Cohen, NeurIPS 2022)",
    "pion": "Shi et al., Pion: a spectrum-preserving optimizer via orthogonal equivalence "
    "transformation",
    "convnorm": "Liu et al., Convolutional Normalization (NeurIPS 2021)",
    "lin-sn-gan": "Lin, Sekar, Fanti, Why spectral normalization stabilizes GANs (NeurIPS 2021)",
}
