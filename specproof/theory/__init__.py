"""The papers' claims: one module (or subpackage) per paper key.

Each paper module declares a module-level ``PAPER`` (:class:`specproof.claims.Paper`)
next to its claims. Built-in papers are found by scanning this package, so adding a
paper is one new file: nothing else to edit.

Examples
--------
>>> from specproof.theory import get_claim, papers
>>> "hopkins-tiegel" in papers()
True
>>> from specproof.claims import run_claim
>>> run_claim(get_claim("lin-sn-gan.homogeneity"), profile="quick", seed=0).verdict
'PASS'
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from specproof.claims import REGISTRY, Claim, Paper


def builtin_modules(package: str = __name__) -> list[str]:
    """Dotted names of every module under ``package`` (the built-in claim modules).

    Examples
    --------
    >>> "specproof.theory.lin_sn_gan" in builtin_modules()
    True
    """
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        names.append(info.name)
    return names


def load_builtin_claims(package: str = __name__) -> None:
    """Import every module under ``package``, registering its papers and claims.

    Importing twice is harmless: Python caches modules, so nothing registers twice.
    """
    for name in builtin_modules(package):
        _register_paper(importlib.import_module(name))


def _register_paper(module: ModuleType) -> None:
    paper = getattr(module, "PAPER", None)
    if isinstance(paper, Paper):
        REGISTRY.add_paper(paper)


def papers() -> dict[str, Paper]:
    """The declared papers (built-in ones included) by key."""
    load_builtin_claims()
    return REGISTRY.declared_papers()


def get_claim(claim_id: str) -> Claim:
    """The registered claim with this id (built-in claims are loaded first)."""
    load_builtin_claims()
    return REGISTRY.get(claim_id)


__all__ = ["builtin_modules", "get_claim", "load_builtin_claims", "papers"]
