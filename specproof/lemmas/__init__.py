"""A user's own lemma: refute it with an exact counterexample, or prove it with a certificate.

Statements are sympy relations, strings (read without evaluation), matrix inequalities
over :class:`Matrix` variables, or Python callables (black boxes: refutable, never
provable). See ``docs/lemmas.md``.

Examples
--------
>>> from specproof import lemmas as lm
>>> x = lm.symbols("x")
>>> lm.as_statement(x**2 >= 2*x - 1).difference()
x**2 - 2*x + 1
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# public name -> module that defines it; loaded on first use so that `specproof lemma`
# and `import specproof.lemmas` stay cheap (scipy, flint and z3 load only when needed)
_EXPORTS: dict[str, str] = {
    # statements
    "Statement": "statement", "as_statement": "statement", "symbols": "statement",
    "Matrix": "matrices", "norm": "matrices", "trace": "matrices", "det": "matrices",
    "expm": "matrices", "logm": "matrices", "two_to_q": "matrices", "schatten": "matrices",
    "eye": "matrices", "vector": "matrices",
    "Domain": "domains", "box": "domains", "ball": "domains", "sphere": "domains",
    "simplex": "domains", "orthant": "domains", "constraints": "domains",
    "StatementError": "errors", "ShapeError": "errors", "EmptyDomainError": "errors",
    # verdicts
    "Refuted": "verdicts", "NumericalCounterexample": "verdicts", "Undecided": "verdicts",
    "DecidedBySolver": "verdicts", "Interval": "verdicts", "Tightest": "verdicts",
    # refutation, rates, dimensions, SMT
    "refute": "refute", "shrink": "shrink", "confirm": "confirm",
    "scaling": "scaling", "ScalingResult": "scaling",
    "dimension_family": "dimension", "check_dimensions": "dimension",
    "smt_check": "smt", "MissingExtraError": "smt",
    # the prover (lemma-B)
    "prove": "prove", "Proved": "prove", "NotPolynomialError": "prove",
    "statement_matches": "recheck",
}


# sympy's scalar functions, for statements built in Python (lm.sqrt(x), lm.Eq(a, b), ...)
_SYMPY = ("sqrt", "exp", "log", "Abs", "Max", "Min", "Rational", "Eq")


def __getattr__(name: str) -> Any:
    if name in _SYMPY:
        import sympy

        return getattr(sympy, name)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'specproof.lemmas' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"specproof.lemmas.{module}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose exported functions are not shadowed by their own submodules.

    Once a submodule is loaded the import system binds it as an attribute of the package;
    where a submodule has the name of the function it exports (``refute``, ``prove``,
    ``shrink``, ``confirm``, ``scaling``), ``lm.refute`` must stay the function, whatever
    was imported first.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SYMPY])


__all__ = sorted([*_EXPORTS, *_SYMPY])
