"""``prove``: an exact, independently checked SoS / Putinar certificate, or Undecided.

What is tried, in order (each attempt is :func:`specproof.lemmas.sos_search.attempt`):

* an **identity** (``==``) over all of R^n: exact expansion in sympy over Q;
* on **R^n**: ``p`` as a sum of squares over the half Newton polytope basis (which is
  bihomogeneous for what matrix inequalities expand to), split into sign-symmetry
  blocks; then ``m p`` with the Reznick multiplier ``m = (sum x_i^2)^k`` (homogeneous
  ``p``) or ``(1 + sum x_i^2)^k``, ``k = 1 .. max_power``;
* on the **orthant** (every ``x_i >= 0`` among the constraints): the same for ``p(y^2)``
  (``x_i = y_i^2``);
* on a **domain** of polynomial constraints: Putinar's ``p = sigma_0 + sum g_j sigma_j +
  sum h_k tau_k`` at increasing degree (``generators="schmudgen"`` adds the products
  ``g_i g_j``).

A success is exact: the Gram matrices are rational and the file is accepted by the
independent checker :func:`specproof.certificates.check_sos` before ``Proved`` is
returned. Anything else is :class:`~specproof.lemmas.verdicts.Undecided` with what was
tried and why each attempt failed.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import sympy

from specproof._core.jsonable import to_jsonable
from specproof.lemmas.errors import EmptyDomainError, StatementError
from specproof.lemmas.prove_limits import too_big_to_expand
from specproof.lemmas.verdicts import Undecided, Verdict

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]
MULTIPLIERS = ("auto", "none", "reznick")
SOLVERS = ("auto", "clarabel", "scs")
GENERATORS = ("putinar", "schmudgen")


class NotPolynomialError(StatementError):
    """``prove`` was given a statement that is not polynomial (only refutation applies)."""


@dataclass(frozen=True)
class Proved(Verdict):
    """The statement holds: an exact certificate the independent checker accepted.

    Attributes
    ----------
    text : str
        The statement.
    certificate : SoSCertificate or None
        The general SoS certificate (``save(path)`` writes it); None for an identity,
        whose proof is the exact expansion itself.
    method : str
        ``"identity"``, ``"sos"``, ``"sos (x = y^2)"`` or ``"putinar"`` / ``"schmudgen"``.
    multiplier : str
        ``"1"`` or e.g. ``"(1 + x^2 + y^2)^1"``: the certificate decomposes ``multiplier * p``.
    degree : int
        Degree of the decomposed polynomial.
    basis_sizes : tuple of int
        Gram block sizes in the certificate.
    seconds : float
    check_message : str
        The independent checker's verdict sentence.
    details : dict
        Solver, ``t*``, facial reductions, bits, timings, what failed before.
    """

    text: str
    certificate: Any = field(repr=False)
    method: str = "sos"
    multiplier: str = "1"
    degree: int = 0
    basis_sizes: tuple[int, ...] = ()
    seconds: float = 0.0
    check_message: str = ""
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    verdict = "PROVED"
    code = "proved"

    @property
    def trust(self) -> str:  # type: ignore[override]
        """How far to trust it: a checked certificate, or (no file) an exact computation."""
        if self.certificate is None and self.method.startswith("certified interval"):
            return "decided by certified interval arithmetic (arb); no certificate file"
        if self.certificate is None:
            return "decided by exact rational computation (sympy); no certificate file"
        return "certificate checked exactly by the independent checker"

    def __repr__(self) -> str:
        if self.method == "identity":
            return f"Proved({self.text}: exact polynomial identity)"
        if self.certificate is None:
            return f"Proved({self.text}: {self.method})"
        sizes = sorted(self.basis_sizes, reverse=True)
        shown = ", ".join(map(str, sizes[:8])) + (", ..." if len(sizes) > 8 else "")
        blocks = f"{len(sizes)} Gram blocks of sizes [{shown}]"
        return (f"Proved({self.text}: {self.method}, multiplier {self.multiplier}, degree "
                f"{self.degree}, {blocks}; certificate checked exactly)")

    def save(self, path) -> Any:
        """Write the certificate file (``specproof check FILE --exact`` re-checks it)."""
        if self.certificate is None:
            raise ValueError(f"a proof by {self.method} has no certificate file: its proof is "
                         "the exact computation itself")
        return self.certificate.save(path)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "trust": self.trust, "text": self.text,
                "method": self.method, "multiplier": self.multiplier, "degree": self.degree,
                "basis_sizes": list(self.basis_sizes), "seconds": self.seconds,
                "check": self.check_message, "details": to_jsonable(self.details),
                "certificate": None if self.certificate is None else
                self.certificate.to_dict()}


def to_poly(expr: sympy.Expr, variables) -> Poly:
    """Exact rational coefficients of a polynomial expression (exponents in variable order).

    Examples
    --------
    >>> x, y = sympy.symbols("x y")
    >>> to_poly(x**2 / 2 - y, (x, y))
    {(2, 0): Fraction(1, 2), (0, 1): Fraction(-1, 1)}
    """
    P = sympy.Poly(sympy.expand(expr), *variables, domain="QQ")
    return {tuple(int(a) for a in m): Fraction(int(c.numerator), int(c.denominator))
            for m, c in P.terms() if c != 0}


def prove(statement: Any, degree: int | None = None, multiplier: str = "auto",
          solver: str = "auto", *, variables: Any = None, domain: Any = None,
          max_power: int = 2, generators: str = "putinar",
          bits: int | None = None, progress: bool | None = None) -> Proved | Undecided:
    """Prove a polynomial statement with an exact certificate, or say what was tried.

    Parameters
    ----------
    statement : sympy relation, string or Statement
        A polynomial inequality (``>=``, ``<=``) or identity (``==``); matrix statements
        expand entrywise (:func:`~specproof.lemmas.as_statement`).
    degree : int or None
        Largest degree of the decomposed polynomial (Putinar's ``2d``); None: the
        statement's degree, plus 2 on a domain.
    multiplier : {"auto", "none", "reznick"}
        ``"auto"``: plain SoS first, then the Reznick multiplier; ``"none"``: plain only;
        ``"reznick"``: only with a multiplier.
    solver : {"auto", "clarabel", "scs"}
    variables, domain
        As in :func:`~specproof.lemmas.as_statement`.
    max_power : int
        Largest ``k`` of the multiplier ``(c + sum x_i^2)^k`` (1 .. 8).
    generators : {"putinar", "schmudgen"}
        On a domain: multipliers of single constraints, or also of pairwise products.
    bits : int or None
        Rounding precision (None: 24, 40, 64 in turn).
    progress : bool or None
        Print each attempt to stderr as it finishes; None: when stderr is a terminal.

    Returns
    -------
    Proved or Undecided

    Raises
    ------
    NotPolynomialError
        The statement is not polynomial (norms, roots, callables): only refutation applies.

    Examples
    --------
    >>> x, y = sympy.symbols("x y", real=True)
    >>> r = prove(x**2 - 2*x*y + y**2 >= 0)
    >>> r.method, r.multiplier, r.basis_sizes
    ('sos', '1', (2,))
    >>> prove("x**4*y**2 + x**2*y**4 - 3*x**2*y**2 + 1 >= 0").multiplier     # Motzkin
    '(1 + x^2 + y^2)^1'
    """
    from specproof.lemmas.closed import is_closed
    from specproof.lemmas.prove_paths import run_paths
    from specproof.lemmas.real_conditions import undecided_reason
    from specproof.lemmas.statement import as_statement

    if multiplier not in MULTIPLIERS:
        raise StatementError(f"multiplier must be one of {list(MULTIPLIERS)}, got {multiplier!r}")
    if solver not in SOLVERS:
        raise StatementError(f"solver must be one of {list(SOLVERS)} (prove talks to Clarabel "
                             f"and SCS directly), got {solver!r}")
    if generators not in GENERATORS:
        raise StatementError(f"generators must be one of {list(GENERATORS)}, got {generators!r}")
    if isinstance(max_power, bool) or not isinstance(max_power, int) or not 0 <= max_power <= 8:
        raise StatementError(f"max_power must be an integer in 0..8, got {max_power!r}")
    if bits is not None and (isinstance(bits, bool) or not isinstance(bits, int)
                             or not 8 <= bits <= 512):
        raise StatementError(f"bits must be None or an integer in 8..512, got {bits!r}")
    if degree is not None and (isinstance(degree, bool) or not isinstance(degree, int)
                               or degree < 0):
        raise StatementError(f"degree must be a non-negative integer, got {degree!r}")
    t0 = time.perf_counter()
    st = as_statement(statement, variables=variables, domain=domain)
    text = st.text or str(st)
    unreal = undecided_reason(st)
    if unreal is not None:  # x**2 >= sqrt(c)**2 is x**2 >= c to sympy: c >= 0 is open
        return Undecided(text=text, tried=(unreal,), evaluated=0)
    if is_closed(st):
        # no variables: one number compared with 0, and pi >= 3 is as decidable as 2 >= 1
        # (it was refused as "not polynomial")
        return _closed(st)
    if not st.is_black_box:
        # bounded before sympy expands anything (is_polynomial builds a Poly):
        # (x+y+z+w)**40 took 40 s and 2.5 GB there
        why = too_big_to_expand(st.difference(), st.variables)
        if why is not None:
            return Undecided(text=text, tried=(why,))
    if st.is_black_box or not st.is_polynomial():
        what = "a Python callable" if st.is_black_box else "not polynomial (it contains " + (
            ", ".join(sorted(map(str, st.functionals()))) or "non-polynomial terms") + ")"
        bad = _irrational_domain(st)
        if bad is not None:
            # the statement was blamed for the domain's sqrt(2)
            raise NotPolynomialError(
                f"prove needs polynomial constraints with rational coefficients; the domain "
                f"of {text!r} has {bad}: give rational (or decimal) bounds, or use refute")
        raise NotPolynomialError(f"prove needs a polynomial statement; {text!r} is {what}: "
                                 "only refutation applies (use refute)")
    if not st.domain.is_everywhere:
        _refuse_contradictory_bounds(st, text)
    if st.relation == "==":
        found = _identity(st, text, t0)
        if found.verdict == "PROVED" and not st.domain.is_everywhere:
            # an identity on an empty domain (log(-1 - x**2) == log(-1 - x**2), real
            # nowhere) was PROVED like any other
            _refuse_if_empty(st, found, solver, generators, bits)
        return found
    if progress is None:
        progress = sys.stderr.isatty()
    found = run_paths(st, text, t0, degree=degree, multiplier=multiplier, solver=solver,
                      max_power=max_power, generators=generators, bits=bits,
                      progress=bool(progress))
    if found.verdict == "PROVED" and not st.domain.is_everywhere:
        _refuse_if_empty(st, found, solver, generators, bits)
    return found


def _refuse_contradictory_bounds(st: Any, text: str) -> None:
    """Raise when the domain's one-variable linear bounds contradict each other: the
    checker refuses every certificate on such a domain (it would prove anything), so the
    search would end UNDECIDED instead of naming the empty domain."""
    from specproof.certificates.sos_certificate import SoSCertificate
    from specproof.certificates.sos_domain import contradictory_bounds

    variables = st.variables
    domain = SoSCertificate(
        text="-1 >= 0", variables=tuple(str(v) for v in variables),
        polynomial={(0,) * len(variables): Fraction(-1)},
        inequalities=tuple(to_poly(g, variables) for g in st.domain.inequalities),
        equalities=tuple(to_poly(h, variables) for h in st.domain.equalities))
    why = contradictory_bounds(domain)
    if why is not None:
        raise EmptyDomainError(
            f"the domain is empty: {st.domain.describe()} has no point ({why}), so "
            f"every statement holds there and a proof of {text!r} would say nothing")


def _refuse_if_empty(st: Any, found: Proved, solver: str, generators: str,
                     bits: int | None) -> None:
    """Raise when ``-1 >= 0`` is provable on the statement's domain: every statement holds
    on the empty set, so the proof just found says nothing (``x >= 5`` was PROVED on
    ``{x >= 2, x <= 1}`` and on ``{x**2 + 1 <= 0}``, and its certificate checked VALID).

    Tried at the degree of the proof found; a domain that is empty but needs a higher
    degree to show it stays undetected (the proof is then still correct, vacuously).
    """
    from specproof.lemmas.prove_paths import run_paths

    probe = replace(st, lhs=sympy.Integer(-1), rhs=sympy.Integer(0), relation=">=",
                    text="-1 >= 0")
    try:
        empty = run_paths(probe, "-1 >= 0", time.perf_counter(),
                          degree=max(2, found.degree or 0), multiplier="none", solver=solver,
                          max_power=0, generators=generators, bits=bits, progress=False)
    except Exception:  # noqa: BLE001 - the solver failed on the probe (SCS could not
        # allocate its work for x >= 0 on [0, 1e308]): emptiness not shown, and the proof
        # found is correct either way (vacuously on an empty domain), as at any degree
        # the probe does not reach
        return
    if empty.verdict == "PROVED":
        raise EmptyDomainError(
            f"the domain is empty: {st.domain.describe()} has no point (an exact "
            f"certificate proves -1 >= 0 on it), so every statement holds there and the "
            f"proof found for {found.text!r} says nothing")


def _irrational_domain(st: Any) -> str | None:
    """The first domain inequality or equality that is not a polynomial over Q, when the
    statement's own difference is one (then the domain, not the statement, is to blame)."""
    from specproof.lemmas.statement_variables import _is_rational_polynomial

    if st.functionals() or not _is_rational_polynomial(st.difference(), st.variables):
        return None
    for e in (*st.domain.inequalities, *st.domain.equalities):
        if not _is_rational_polynomial(e, st.variables):
            return f"the constraint {sympy.sstr(e)} >= 0 (irrational or non-polynomial)"
    return None


def _closed(st: Any) -> Proved | Undecided:
    """A statement without variables, decided by evaluation; false is Undecided here
    (``prove`` returns no counterexample: ``refute`` gives the exact one)."""
    from specproof.lemmas.closed import EXACT, INTERVAL, SIMPLIFIED, decide_closed
    from specproof.lemmas.verdicts import Refuted, show

    found = decide_closed(st)
    if not isinstance(found, Refuted):
        return found
    name = "rhs - lhs" if st.relation == "<=" else "lhs - rhs"
    how = (SIMPLIFIED if "simplification" in found.how_found
           else EXACT if found.exact else INTERVAL)
    sign = "not 0" if st.relation == "==" else "negative"
    return Undecided(text=found.text, tried=(f"{how}: {name} = {show(found.margin)}, which is "
                                             f"{sign}: the statement is false (refute gives "
                                             "the witness)",))


def _identity(st, text: str, t0: float) -> Proved | Undecided:
    diff = sympy.expand(st.difference())
    if diff == 0:
        return Proved(text=text, certificate=None, method="identity",
                      degree=_degree_or_zero(st), seconds=time.perf_counter() - t0,
                      check_message="lhs - rhs expands to 0 over Q (sympy)")
    where = "" if st.domain.is_everywhere else " (on a domain an identity needs an ideal " \
        "membership proof, which prove does not attempt)"
    return Undecided(text=text, tried=(f"exact identity test: lhs - rhs expands to "
                                       f"{sympy.sstr(diff)[:200]}, not 0{where}; not "
                                       "proved (false only if refute finds a point where "
                                       "it fails)",))


def _degree_or_zero(st) -> int:
    """Degree of the identity's lhs; 0 where it is not a polynomial in the variables
    (``sqrt(x**2) == abs(x)``: sympy reads both sides as ``Abs(x)``, the difference is 0)
    or where it is the zero polynomial (``x - x == 0``: sympy's degree of 0 is -oo, and
    ``int(-oo)`` raised OverflowError on a true identity)."""
    if not st.variables:
        return 0
    try:
        poly = sympy.Poly(sympy.expand(st.lhs), *st.variables)
    except sympy.PolynomialError:
        return 0
    return 0 if poly.is_zero else int(poly.total_degree())
