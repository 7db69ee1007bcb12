"""Where claims come from when an id is asked for before its module was imported.

Packages announce claim providers as entry points of the group ``specproof.claims``
(a callable that imports and registers their claims). specproof's own provider,
``specproof.theory:load_builtin_claims``, is declared in ``pyproject.toml``; it is also
the fallback when the installed metadata lists none (a source checkout that was never
installed). The engine names it as a string only: it imports no paper module itself.
"""

from __future__ import annotations

import importlib
from importlib import metadata

GROUP = "specproof.claims"
BUILTIN_PROVIDER = "specproof.theory:load_builtin_claims"

_loaded = False


def _call(target: str) -> None:
    module, _, attr = target.partition(":")
    fn = getattr(importlib.import_module(module), attr)
    fn()


def load_claim_providers(force: bool = False) -> None:
    """Run every registered claim provider once (the built-in one included).

    Examples
    --------
    >>> load_claim_providers()
    >>> from specproof.claims import REGISTRY
    >>> "lin-sn-gan.homogeneity" in REGISTRY
    True
    """
    global _loaded
    if _loaded and not force:
        return
    targets = [ep.value for ep in metadata.entry_points(group=GROUP)]
    if BUILTIN_PROVIDER not in targets:
        targets.insert(0, BUILTIN_PROVIDER)
    for target in targets:
        _call(target)
    _loaded = True
