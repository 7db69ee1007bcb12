"""Checks that a lemma's statement is the one its author meant (names and call order).

Two ways a statement silently changed before: ``A_2_2`` beside a 2x2 matrix ``A`` became
a new scalar, and a callable ``f(y, x)`` given ``variables={"x": ..., "y": ...}`` was
called positionally, so its witness was printed with the names swapped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import sympy

from specproof.lemmas.errors import StatementError
from specproof.lemmas.matrices import Matrix

_ENTRY_NAME = re.compile(r"(?P<label>\w+?)_(?P<i>\d+)_(?P<j>\d+)")


def _refuse_out_of_range_entries(variables: Sequence[sympy.Symbol],
                                 mats: Sequence[Matrix]) -> None:
    """Refuse a scalar named like an entry of a matrix variable outside its shape.

    ``A_2_2`` beside a 2x2 matrix ``A`` (a 1-based index) silently became a new scalar
    variable, so ``trace(A) >= A_0_0 + A_2_2`` was REFUTED at ``A_2_2 = 1``: a statement
    other than the one meant. ``A_0_0`` itself is refused as a name clash elsewhere.
    """
    shapes = {m.label: m.shape for m in mats}
    own = {s for m in mats for s in m.symbols}
    for v in variables:
        if v in own:
            continue
        hit = _ENTRY_NAME.fullmatch(v.name)
        if hit is None or hit["label"] not in shapes:
            continue
        rows, cols = shapes[hit["label"]]
        i, j = int(hit["i"]), int(hit["j"])
        if i >= rows or j >= cols:
            raise StatementError(
                f"{v.name} names entry ({i}, {j}) of the matrix {hit['label']}, which is "
                f"{rows}x{cols} (entries {hit['label']}_0_0 to "
                f"{hit['label']}_{rows - 1}_{cols - 1}, indices from 0): use an entry "
                "inside the shape, or rename the variable")


def _bind_by_name(fn: Callable[..., Any], names: list[str], text: str) -> Callable[..., Any]:
    """``fn`` as a function of one argument per variable, in the order of ``names``.

    Every caller (the float search, the shrinker, the exact confirmation) passes the
    arguments positionally in the order of ``variables``. ``def f(y, x)`` with
    ``variables={"x": ..., "y": ...}`` was then called as ``f(y=x, x=y)``, and a witness
    labelled ``x = 0, y = -22`` that is no counterexample was printed as REFUTED. When
    the parameters carry the variables' names, the call binds them by keyword; when they
    do not, the statement is refused rather than guessed.

    Parameters
    ----------
    fn
        The user's callable.
    names
        The variable names, in the order the callers pass them.
    text
        The callable's name, for the error messages.

    Returns
    -------
    Callable
        ``fn`` itself when a positional call means the same, else a keyword-binding
        wrapper.

    Raises
    ------
    StatementError
        When the parameter names or their number do not match ``names``.
    """
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin or a C extension: nothing to match
        return fn
    kinds = inspect.Parameter
    params = list(sig.parameters.values())
    star = any(p.kind is kinds.VAR_POSITIONAL for p in params)
    named = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY,
                                             kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
    required = [p.name for p in named if p.default is kinds.empty]
    by_keyword = {p.name for p in named if p.kind is not kinds.POSITIONAL_ONLY}
    positional = [p.name for p in named if p.kind is not kinds.KEYWORD_ONLY]
    if positional[:len(names)] == names and set(required) <= set(names):
        return fn  # the positional call binds every variable to its own name already
    if set(names) <= by_keyword and set(required) <= set(names):
        def by_name(*args: Any) -> Any:
            return fn(**dict(zip(names, args)))

        by_name.__name__ = text
        return by_name
    if star and not set(names) & {p.name for p in named} \
            and len([p for p in named if p.kind is not kinds.KEYWORD_ONLY
                     and p.default is kinds.empty]) <= len(names) \
            and not [p for p in named if p.kind is kinds.KEYWORD_ONLY
                     and p.default is kinds.empty]:
        return fn  # f(*v): positional by design, in the order of variables
    shown = ", ".join(p.name if p.kind is not kinds.VAR_POSITIONAL else f"*{p.name}"
                      for p in params if p.kind is not kinds.VAR_KEYWORD)
    raise StatementError(
        f"the callable {text}'s parameters ({shown}) do not match the variables "
        f"({', '.join(names)}): it is called with one argument per variable, bound by "
        "name, so name its parameters like the variables (or give variables named like "
        "its parameters)")
