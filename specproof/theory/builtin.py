"""The claim modules that ship with specproof, imported by ``load_builtin_claims``."""

from __future__ import annotations

import importlib

BUILTIN_MODULES: tuple[str, ...] = (
    "specproof.theory.lin_sn_gan",
    "specproof.theory.hopkins_tiegel",
    "specproof.theory.hopkins_tiegel_certificates",
    "specproof.theory.group_appendix",
    "specproof.theory.group_appendix_equivariance",
    "specproof.theory.zhu_dag",
)


def load_builtin_claims() -> None:
    """Import every built-in claim module so that its claims are registered.

    Importing twice is harmless: Python caches modules, so nothing registers twice.
    """
    for name in BUILTIN_MODULES:
        importlib.import_module(name)
