"""Statements with a dimension parameter: exact for small d, numerical beyond; the first failure.

``check_dimensions(family, dims=range(1, 7), exact_up_to=3)`` builds the statement for each
``d`` (``family(d)``: a relation, string or Statement). Up to ``exact_up_to`` a polynomial
statement goes to the prover (an exact certificate) when refutation finds nothing; every
``d`` is searched for a counterexample (confirmed exactly when one is found). The result
names the first ``d`` that fails: a counterexample, or no point at which the statement
could be evaluated (nothing tested there, a failure as for
:func:`specproof.testing.assert_no_counterexample`).

Examples
--------
>>> from specproof.lemmas.matrices import Matrix, trace
>>> def family(d):   # true for d = 1 (equality), false from d = 2 on
...     A, B = Matrix("A", d, d, kind="psd"), Matrix("B", d, d)
...     return trace(A @ B) <= trace(A) * trace(B)
>>> r = check_dimensions(family, dims=[1, 2, 3], exact_up_to=1, budget=2)
>>> r.first_failure, r.verdicts[1].verdict
(2, 'PROVED')
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from specproof.lemmas.errors import StatementError


@dataclass(frozen=True)
class DimensionFamily:
    """A statement for every dimension ``d`` in ``dims``: ``family.statement(d)``."""

    builder: Callable[[int], Any]
    dims: tuple[int, ...]

    def statement(self, d: int) -> Any:
        import sympy

        from specproof.lemmas.statement import as_statement

        # at d = 1 a family often degenerates to "a <= a", which sympy would decide (to
        # True) before we see it; then it is built again unevaluated, where it stays a
        # statement. Only then: under evaluate(False) sympy's det recursed without end
        obj = self.builder(d)
        if isinstance(obj, (bool, sympy.logic.boolalg.BooleanAtom)):
            with sympy.evaluate(False):
                obj = self.builder(d)
        return as_statement(obj)


def dimension_family(builder: Callable[[int], Any], dims: Iterable[int]) -> DimensionFamily:
    """``builder(d)`` for each ``d`` in ``dims`` (positive integers, increasing).

    Examples
    --------
    >>> dimension_family(lambda d: f"x >= {d}", range(1, 4)).dims
    (1, 2, 3)
    """
    given = list(dims)
    # int(d) truncated dims=[1.5] to 1 ("d=1: PROVED") and read True as 1
    if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in given):
        raise StatementError(f"dims must be increasing positive integers, got {given}")
    ds = tuple(int(d) for d in given)
    if not ds or any(d < 1 for d in ds) or list(ds) != sorted(set(ds)):
        raise StatementError(f"dims must be increasing positive integers, got {given}")
    return DimensionFamily(builder, ds)


@dataclass(frozen=True)
class DimensionResult:
    """Verdict per dimension, and the first ``d`` that fails (None when none did).

    A dimension fails when a counterexample is found, or when no point could be
    evaluated (the statement NaN, overflowing, raising or outside its domain at every
    point tried): then nothing was tested there, and ``first_failure is None`` would read
    as a pass. ``untested`` lists those dimensions (their verdicts are ``UNDECIDED``).

    Examples
    --------
    >>> from specproof.lemmas.verdicts import Undecided
    >>> DimensionResult({1: Undecided("log(-1 - x**2) >= 5", evaluated=0)}, 0, 1, (1,))
    ... # doctest: +ELLIPSIS
    DimensionResult(first failure: d = 1, where nothing was decided: ...; d=1: UNDECIDED ...)
    """

    verdicts: dict[int, Any] = field(default_factory=dict)
    exact_up_to: int = 0
    first_failure: int | None = None
    untested: tuple[int, ...] = ()

    def __repr__(self) -> str:
        rows = ", ".join(f"d={d}: {v.verdict}"
                         + (" (nothing evaluated)" if d in self.untested else "")
                         for d, v in self.verdicts.items())
        if self.first_failure is None:
            first = "none"
        elif self.first_failure in self.untested:
            first = (f"d = {self.first_failure}, where nothing was decided: no point could "
                     "be evaluated")
        else:
            first = f"d = {self.first_failure}"
        return f"DimensionResult(first failure: {first}; {rows})"

    def to_dict(self) -> dict[str, Any]:
        return {"exact_up_to": self.exact_up_to, "first_failure": self.first_failure,
                "untested": list(self.untested),
                "verdicts": {str(d): v.to_dict() for d, v in self.verdicts.items()}}


def check_dimensions(family: Any, dims: Iterable[int] | None = None, exact_up_to: int = 3, *,
                     seed: int = 0, budget: float = 2.0, stop_at_first: bool = True,
                     prove_options: dict[str, Any] | None = None) -> DimensionResult:
    """Check ``family`` dimension by dimension; stop at the first that fails (by default).

    ``family`` is a :class:`DimensionFamily` or a callable ``d -> statement`` (then
    ``dims`` is required). ``budget`` is the search time per dimension. A dimension
    where no point could be evaluated fails too (``first_failure``, listed in
    ``untested``): nothing was decided there, as ``assert_no_counterexample`` and
    ``lemma_claim`` count it.
    """
    from specproof.lemmas.refute import refute

    if isinstance(exact_up_to, bool) or not isinstance(exact_up_to, numbers.Integral) \
            or exact_up_to < 0:
        raise StatementError(f"exact_up_to must be an integer >= 0 (the largest dimension "
                             f"proved exactly; 0 for none), got {exact_up_to!r}")
    fam = family if isinstance(family, DimensionFamily) else dimension_family(
        family, dims if dims is not None else range(1, 7))
    verdicts: dict[int, Any] = {}
    first = None
    untested: list[int] = []
    for d in fam.dims:
        st = fam.statement(d)
        v = refute(st, seed=seed, budget=budget, progress=False)
        if (v.verdict == "UNDECIDED" and d <= exact_up_to and not st.is_black_box
                and st.is_polynomial()):
            try:
                from specproof.lemmas.prove import prove
            except ImportError:  # pragma: no cover - the prover ships with the package
                prove = None
            if prove is not None:
                try:
                    p = prove(st, **(prove_options or {}))
                except (ValueError, ArithmeticError):  # the prover refuses: keep the search's
                    p = None
                v = p if p is not None and p.verdict == "PROVED" else v
        verdicts[d] = v
        # an UNDECIDED that evaluated no point tested nothing: not a pass
        nothing = v.verdict == "UNDECIDED" and bool(getattr(v, "nothing_evaluated", False))
        if nothing:
            untested.append(d)
        if nothing or v.verdict in ("REFUTED", "NUMERICAL COUNTEREXAMPLE"):
            first = d if first is None else first
            if stop_at_first:
                break
    return DimensionResult(verdicts, exact_up_to, first, tuple(untested))


__all__ = ["DimensionFamily", "DimensionResult", "check_dimensions", "dimension_family"]
