"""The :class:`Statement` object: variables, the two sides, the relation and the domain.

Made by :func:`specproof.lemmas.statement.as_statement` (which checks what it is given);
the classification here (polynomial, rational function) reads the expression tree, so a
product of high powers is not expanded to be recognised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy

from specproof.lemmas.display import as_written, plain_text
from specproof.lemmas.domains import EVERYWHERE, Domain, Part
from specproof.lemmas.errors import ArgumentTypeError, EmptyDomainError, StatementError
from specproof.lemmas.matrices import Matrix, functionals
from specproof.lemmas.statement_variables import _is_rational_polynomial

RELATIONS = (">=", "<=", "==")


def _rational_tree(expr: Any, variables: Sequence[sympy.Symbol], negative: bool) -> bool:
    """Whether ``expr`` is built from rationals and ``variables`` by ``+``, ``*`` and integer
    powers (non-negative unless ``negative``): then it is a polynomial (a rational function)
    over Q, seen without expanding it.

    Examples
    --------
    >>> from specproof.lemmas.matrices import real_symbol
    >>> x = real_symbol("x")
    >>> _rational_tree((x + 1) ** 1000 * (x - sympy.Rational(1, 3)), (x,), negative=False)
    True
    >>> _rational_tree(sympy.sqrt(2) * x, (x,), negative=False)
    False
    """
    wanted = set(variables)
    stack = [sympy.sympify(expr)]
    while stack:
        e = stack.pop()
        if e.is_Rational or e in wanted:
            continue
        if e.is_Add or e.is_Mul:
            stack.extend(e.args)
        elif e.is_Pow and e.exp.is_Integer and (negative or int(e.exp) >= 0):
            stack.append(e.base)
        else:
            return False
    return True


def _polynomial_over_q(expr: Any, variables: Sequence[sympy.Symbol]) -> bool:
    """:func:`_is_rational_polynomial`, bounded: sympy's ``Poly`` expands the whole
    expression, and ``(x+1)**1000*(x+2)**1000`` (degree 2000) or ``(x+y+z+1)**60`` (40,000
    monomials) took from 15 s to minutes there, beyond every budget of ``refute``. A tree
    of rationals, variables, ``+``, ``*`` and powers is a polynomial over Q as it stands;
    anything else (an irrational constant that might cancel) is expanded only while its
    expansion is small, and is otherwise not taken for one."""
    if _rational_tree(expr, variables, negative=False):
        return True
    from specproof.lemmas.prove_limits import MAX_EXPANSION_MONOMIALS, degree_bound

    d = degree_bound(expr, variables)
    if d is not None and variables and (
            d > MAX_EXPANSION_MONOMIALS
            or math.comb(len(variables) + d, d) > MAX_EXPANSION_MONOMIALS):
        return False
    return _is_rational_polynomial(expr, variables)


@dataclass(frozen=True)
class Statement:
    """``lhs relation rhs`` for every point of ``domain``; ``relation`` in ``>=, <=, ==``.

    ``variables`` is the fixed order of the scalar unknowns (matrix entries included);
    ``matrices`` the matrix variables (for showing a point in the user's own terms). A
    black-box statement has ``lhs = rhs = None`` and ``function`` set: it is called with
    one numpy array per entry of ``shapes`` and returns a number claimed to be ``>= 0``.
    """

    variables: tuple[sympy.Symbol, ...]
    lhs: sympy.Expr | None
    rhs: sympy.Expr | None
    relation: str
    domain: Domain = EVERYWHERE
    text: str = ""
    matrices: tuple[Matrix, ...] = ()
    function: Callable[..., Any] | None = field(default=None, compare=False)
    shapes: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # constants that must be >= 0, > 0 or != 0 for the statement to be real and that
    # certified arithmetic could not settle (real_conditions): nothing is decided then
    conditions: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise StatementError(f"relation must be one of >=, <=, ==, got {self.relation!r}")

    # -- what kind of statement ---------------------------------------------------------
    @property
    def is_black_box(self) -> bool:
        """True for a statement given as a Python callable (refutable, never provable)."""
        return self.function is not None

    def difference(self) -> sympy.Expr:
        """f with the statement "f >= 0 on the domain" (or "f == 0" for an identity).

        Examples
        --------
        >>> from specproof.lemmas.statement import as_statement
        >>> as_statement("x <= 1").difference()
        1 - x
        """
        if self.is_black_box:
            raise StatementError("a black-box statement (a Python callable) has no symbolic "
                                 "form; only refutation applies")
        return self.rhs - self.lhs if self.relation == "<=" else self.lhs - self.rhs

    def functionals(self) -> set[Any]:
        """The non-polynomial matrix functions (operator norms, expm, ...) it contains."""
        if self.is_black_box:
            return set()
        return functionals(self.lhs) | functionals(self.rhs)

    def is_polynomial(self) -> bool:
        """True when the difference and the domain constraints are polynomials over Q.

        Examples
        --------
        >>> from specproof.lemmas.statement import as_statement
        >>> as_statement("sqrt(x) >= 0").is_polynomial()
        False
        """
        if self.is_black_box or self.functionals():
            return False
        return all(_polynomial_over_q(e, self.variables)
                   for e in (self.difference(), *self.domain.inequalities,
                             *self.domain.equalities))

    def is_rational_function(self) -> bool:
        """True when the difference is a ratio of polynomials over Q (exact in Fraction).

        Examples
        --------
        >>> from specproof.lemmas.statement import as_statement
        >>> as_statement("(x+1)**1000 * (x+2)**1000 / (x**2 + 1) >= -1").is_rational_function()
        True
        """
        if self.is_black_box or self.functionals():
            return False
        diff = self.difference()
        if _rational_tree(diff, self.variables, negative=True):
            return True
        num, den = sympy.fraction(sympy.together(diff))
        return (_polynomial_over_q(num, self.variables)
                and _polynomial_over_q(den, self.variables))

    def matrix_of(self, symbol: sympy.Symbol) -> Matrix | None:
        for m in self.matrices:
            if symbol in m.symbols:
                return m
        return None

    def with_domain(self, domain: Domain | None) -> Statement:
        """The same statement on ``self.domain & domain``."""
        if domain is None:
            return self
        if not isinstance(domain, Domain):
            raise ArgumentTypeError(f"domain must be a Domain (box, ball, ...), got "
                                    f"{type(domain).__name__}")
        domain = _by_name(domain, self.variables)
        extra = [s for s in domain.symbols if s not in self.variables]
        matrices = [m for m in self.matrices if any(str(e) == m.label for e in extra)]
        if matrices:
            # --box A=0:1 on a matrix A: "A, which the statement does not use" was wrong
            m = matrices[0]
            first = m.symbols[0]
            raise StatementError(
                f"the domain names the matrix {m.label}; a box or ball bounds scalar "
                f"variables, so name its entries ({first}, ...: e.g. --box {first}=0:1), or "
                f"give the matrix a kind (psd, orthogonal, ...) for a matrix constraint")
        if extra:
            raise StatementError(f"the domain names {', '.join(map(str, extra))}, which the "
                                 f"statement does not use (variables: "
                                 f"{', '.join(map(str, self.variables))})")
        combined = self.domain & domain
        for sym, (lo, hi) in combined.bounds().items():
            if lo.is_number and hi.is_number and bool(lo > hi):
                # every statement holds on the empty set: a proof there says nothing
                raise EmptyDomainError(f"the domain is empty: its boxes leave {sym} in "
                                     f"[{lo}, {hi}]")
        return replace(self, domain=combined)

    def latex(self) -> str:
        """The statement as LaTeX (without dollars)."""
        if self.is_black_box:
            return rf"\texttt{{{self.text}}}"
        rel = {">=": r"\geq", "<=": r"\leq", "==": "="}[self.relation]
        return f"{as_written(self.lhs, tex=True)} {rel} {as_written(self.rhs, tex=True)}"

    def __str__(self) -> str:
        where = "" if self.domain.is_everywhere else f" on {self.domain.describe()}"
        return f"{self.text}{where}"

    def __repr__(self) -> str:
        # the text the user wrote, not the fields: sympy's repr of a constant over 4300
        # digits raises, and the expanded sides of a matrix statement run for pages
        where = "" if self.domain.is_everywhere else f", domain={self.domain.describe()!r}"
        return f"Statement({self.text!r}, variables={self.variables!r}{where})"

    def to_dict(self) -> dict[str, Any]:
        # plain_text: str() of an integer over 4300 digits raises (`specproof lemma
        # "x <= (10**1000)**5" --json` ended in a traceback)
        return {"text": self.text, "relation": self.relation,
                "lhs": None if self.lhs is None else plain_text(self.lhs),
                "rhs": None if self.rhs is None else plain_text(self.rhs),
                "variables": [str(v) for v in self.variables],
                "matrices": [repr(m) for m in self.matrices],
                "domain": self.domain.to_dict()}


def _by_name(domain: Domain, variables: Sequence[sympy.Symbol]) -> Domain:
    """``domain`` with each symbol that names exactly one variable replaced by it: a box on
    ``A_0_0`` (a plain symbol, or a keyword) bounds the entry of the statement's Matrix
    ``A``, whose entries are symbols of their own (:class:`MatrixEntry`)."""
    by_name: dict[str, list[sympy.Symbol]] = {}
    for v in variables:
        by_name.setdefault(v.name, []).append(v)
    swap = {s: by_name[s.name][0] for s in domain.symbols
            if s not in variables and len(by_name.get(s.name, ())) == 1}
    if not swap:
        return domain
    return Domain(
        tuple(Part(p.kind, tuple(swap.get(x, x) for x in p.symbols),
                   tuple(sympy.sympify(q).xreplace(swap) if isinstance(q, sympy.Basic) else q
                         for q in p.params))
              for p in domain.parts),
        tuple(g.xreplace(swap) for g in domain.inequalities),
        tuple(h.xreplace(swap) for h in domain.equalities),
    )


__all__ = ["RELATIONS", "Statement"]
