"""specproof: the theory of spectral norms in learning, made executable.

Subpackages: ``certificates`` (norms with proofs), ``groups`` (finite groups and
representations), ``spectral`` (operations on a weight's spectrum), ``dag_nets``
(networks on DAGs) and ``theory`` (the papers' claims and the verification report).
"""

from specproof import certificates, dag_nets, groups, spectral, theory
from specproof._core.errors import SpecproofError

__version__ = "0.1.0"

__all__ = ["SpecproofError", "__version__", "certificates", "dag_nets", "groups", "spectral", "theory"]
