"""A user's lemma as one object: variables, the two sides, the relation and the domain.

:func:`as_statement` accepts a sympy relation (``x**2 + 1 >= 2*x``), a string read by the
whitelisting parser (:mod:`specproof.lemmas.parse`), a plain Python callable over numpy
arrays (a black box: it can be refuted, never proved) or a :class:`Statement`. Every
variable is a real sympy symbol; a matrix variable ``Matrix("A", n, m, kind=...)``
expands into its entries ``A_0_1`` (a symmetric one shares ``A_i_j`` and ``A_j_i``, a
diagonal one has zeros off the diagonal) and its kind adds domain constraints (psd: the
principal minors are >= 0; orthogonal: ``A.T @ A == I``).

Decimal numbers are read as the exact decimal written (``0.38`` is ``19/50``), so that a
statement means what its text says.

Examples
--------
>>> x, y = symbols("x y")
>>> st = as_statement(x**2 + y**2 >= 2*x*y)
>>> st.variables, st.relation, st.difference()
((x, y), '>=', x**2 - 2*x*y + y**2)
>>> as_statement("x**3 - x >= -0.38").rhs
-19/50
>>> st.is_polynomial()
True
"""

from __future__ import annotations

import weakref
from typing import Any

import sympy

from specproof._core import ArgumentTypeError
from specproof.lemmas.domains import Domain
from specproof.lemmas.errors import StatementError
from specproof.lemmas.exact_numbers import exact_number, rationalize_floats, symbols
from specproof.lemmas.matrices import Matrix
from specproof.lemmas.statement_build import (
    _checked_statement,
    _from_callable,
    _from_relation,
    _register,
    from_parts,
    real_where_held,
    register_matrix,
)
from specproof.lemmas.statement_core import RELATIONS, Statement
from specproof.lemmas.statement_variables import _variable_list


def as_statement(obj: Any, variables: Any = None, domain: Domain | None = None) -> Statement:
    """A :class:`Statement` from a sympy relation, a string, a callable or a Statement.

    Parameters
    ----------
    obj
        ``x**2 >= 0`` (sympy), ``"x**2 >= 0"`` (string; ``=`` or ``==`` for identities,
        ``A @ B``, ``A.T``, ``norm``, ``trace``, ... for matrices), a callable returning a
        number claimed to be ``>= 0``, or a Statement.
    variables
        The variable order: symbols, ``Matrix`` variables or names (``"x,y"``); for a string
        they also say which names are matrices, as ``Matrix`` variables or a mapping
        name -> shape (``(n, m)``; ``()`` a scalar). For a callable a mapping name -> shape;
        each variable is passed to the callable's parameter of the same name (a callable
        whose parameters are named otherwise is refused, unless it takes ``*args``).
    domain
        Where the statement is claimed (default: everywhere).

    Examples
    --------
    >>> A = Matrix("A", 2, 2, kind="psd")
    >>> st = as_statement("trace(A @ A) >= 0", variables=[A])
    >>> st.variables
    (A_0_0, A_0_1, A_1_1)
    >>> st.domain.inequalities[:2]
    (A_0_0, A_1_1)
    """
    given = _variable_list(variables)
    if isinstance(obj, Statement):
        # one this function made is taken as it is: checking it again parses its text
        # again, and det(A) of a 7x7 A took 40 s to read (the command line asked three
        # times: refute, prove, refute)
        st = obj if _made_here(obj) else _checked_statement(obj)
    elif isinstance(obj, str):
        from specproof.lemmas.parse import parse_statement

        st = parse_statement(obj, [_named_variable(g) for g in given])
    elif callable(obj) and not isinstance(obj, sympy.Basic):
        st = _from_callable(obj, given)
    else:
        for g in given:
            if isinstance(g, Matrix):
                _register(g)
        st = real_where_held(_from_relation(obj, given))
    return _mark_made(st.with_domain(domain))


def _named_variable(g: Any) -> Any:
    """A ``(name, shape)`` item of a mapping ``variables`` as a string statement reads it:
    a ``Matrix`` of that shape (``(n, m)``; ``(n,)`` or ``n`` a column), the ``Matrix``
    given under its own name, or the name of a scalar (shape ``()`` or None). Other items
    pass as they are. A mapping was accepted and then every name in it was "unknown"."""
    if not (isinstance(g, tuple) and len(g) == 2 and isinstance(g[0], str)):
        return g
    name, shape = g
    if isinstance(shape, Matrix):
        if shape.label != name:
            raise StatementError(f"variables: the key {name!r} holds the Matrix "
                                 f"{shape.label!r}; give it under its own name")
        return shape
    if shape is None or (isinstance(shape, tuple) and shape == ()):
        return name
    dims = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
    if not (isinstance(dims, (tuple, list)) and 1 <= len(dims) <= 2 and all(
            isinstance(d, int) and not isinstance(d, bool) for d in dims)):
        raise ArgumentTypeError(f"variables: the shape of {name!r} must be () or None (a "
                                f"scalar), n, (n,) or (n, m), or a Matrix; got {shape!r}")
    return Matrix(name, dims[0], dims[1] if len(dims) == 2 else 1)


# the statements as_statement returned, by id (a weak reference: a frozen dataclass whose
# fields are sympy expressions may not be hashable, and none is kept alive by this)
_MADE: dict[int, weakref.ref[Statement]] = {}


def _mark_made(st: Statement) -> Statement:
    key = id(st)

    def forget(ref: weakref.ref[Statement], key: int = key) -> None:
        if _MADE.get(key) is ref:
            del _MADE[key]

    _MADE[key] = weakref.ref(st, forget)
    return st


def _made_here(st: Statement) -> bool:
    """Whether ``st`` is a statement :func:`as_statement` returned (so checked already)."""
    ref = _MADE.get(id(st))
    return ref is not None and ref() is st


__all__ = ["RELATIONS", "Statement", "as_statement", "exact_number", "from_parts",
           "rationalize_floats", "register_matrix", "symbols"]
