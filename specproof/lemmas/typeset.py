"""A statement and its domain as LaTeX for a paper: what the user wrote, not sympy's form.

sympy rewrites on parsing: ``abs(x)**3`` becomes ``x**2*Abs(x)`` for a real ``x``, so
:meth:`Statement.latex` typesets ``x^2 |x|`` where the author wrote ``|x|^3``.
:func:`latex_as_typed` reads the user's text again without evaluation and uses it only
when it expands to the statement that is checked; otherwise the statement's own LaTeX.
:func:`domain_latex` writes a domain in math (``x, y \\geq 0``), leaving out the
"where the statement is real" conditions that a stated part already implies.
"""

from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    parse_expr,
    standard_transformations,
)

from specproof.lemmas.domains import _DEFINED_NOTE, _REAL_NOTE, Domain, Part
from specproof.lemmas.statement import Statement

_RELATIONS = {">=": r"\geq", "<=": r"\leq", "==": "="}


def _unevaluated(text: str, names: dict[str, Any]) -> Any:
    return parse_expr(text, local_dict=names, evaluate=False,
                      transformations=standard_transformations + (convert_xor,))


def latex_as_typed(st: Statement) -> str:
    r"""The statement's LaTeX as the user typed it, when that reads to the same statement.

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> st = as_statement("x*y <= abs(x)**3/3 + 2*abs(y)**(3/2)/3")
    >>> r"x^{2} \left|{x}\right|" in st.latex()
    True
    >>> r"\left|{x}\right|^{3}" in latex_as_typed(st)
    True
    """
    fallback = st.latex()
    if st.is_black_box or st.matrices or not isinstance(st.text, str):
        return fallback
    parts = re.split(r"(>=|<=|==)", st.text)
    if len(parts) != 3 or parts[1] != st.relation:
        return fallback
    plain = {str(v): sympy.Symbol(str(v)) for v in st.variables}
    back = {sympy.Symbol(str(v)): v for v in st.variables}
    try:
        sides = [_unevaluated(p, plain) for p in (parts[0], parts[2])]
        # the display is used only where it is, evaluated, the statement that is checked
        same = all(sympy.expand(sympy.sympify(s).doit().xreplace(back) - want) == 0
                   for s, want in zip(sides, (st.lhs, st.rhs)))
        if not same:
            return fallback
        return f"{sympy.latex(sides[0])} {_RELATIONS[st.relation]} {sympy.latex(sides[1])}"
    except Exception:  # noqa: BLE001 - any text sympy cannot re-read keeps the fallback
        return fallback


def _names(part: Part) -> str:
    return ", ".join(sympy.latex(s) for s in part.symbols)


def _constraint_latex(text: str, symbols: tuple[Any, ...]) -> str | None:
    plain = {str(s): sympy.Symbol(str(s)) for s in symbols}
    m = re.fullmatch(r"(.*?)(>=|<=|==|>|<|!=)(.*)", text)
    if m is None:
        return None
    rel = {**_RELATIONS, ">": ">", "<": "<", "!=": r"\neq"}[m.group(2)]
    try:
        a, b = (_unevaluated(t, plain) for t in (m.group(1), m.group(3)))
    except Exception:  # noqa: BLE001 - shown in words by the caller instead
        return None
    return f"{sympy.latex(a)} {rel} {sympy.latex(b)}"


def _part_latex(part: Part) -> str | None:
    names = _names(part)
    if part.kind == "box":
        return ", ".join(rf"{sympy.latex(s)} \in [{sympy.latex(lo)}, {sympy.latex(hi)}]"
                         for s, (lo, hi) in zip(part.symbols, part.params))
    if part.kind in ("ball", "sphere"):
        r, c = part.params
        centre = "" if all(v == 0 for v in c) else (
            " - (" + ", ".join(sympy.latex(v) for v in c) + ")")
        rel = r"\leq" if part.kind == "ball" else "="
        return rf"\|({names}){centre}\| {rel} {sympy.latex(r)}"
    if part.kind == "simplex":
        return rf"({names}) \in \Delta"
    if part.kind == "orthant":
        return rf"{names} \geq 0"
    if part.kind in ("constraint", "positive") and part.params:
        text = str(part.params[0]).removesuffix(_REAL_NOTE).removesuffix(_DEFINED_NOTE)
        return _constraint_latex(text, part.symbols)
    return None


def domain_latex(domain: Domain) -> str | None:
    r"""The domain as LaTeX (``x, y \geq 0``), or None where a part has no LaTeX form.

    Examples
    --------
    >>> from specproof.lemmas.domains import box, orthant
    >>> import sympy
    >>> x, y = sympy.symbols("x y", real=True)
    >>> domain_latex(orthant([x, y]) & box({x: (0, 1)}))
    'x, y \\geq 0, \\; x \\in [0, 1]'
    """
    texts = [_part_latex(p) for p in domain.shown_parts()]
    if not texts or any(t is None for t in texts):
        return None
    return r", \; ".join(t for t in texts if t is not None)


__all__ = ["domain_latex", "latex_as_typed"]
