"""Confirm a counterexample in exact arithmetic, or with certified interval enclosures.

At a rational point a polynomial or rational function is evaluated exactly (sympy
rationals, i.e. ``Fraction``). Square roots, ``exp``/``log``, norms, ``expm`` and ``logm``
are enclosed in python-flint's arb balls, at increasing precision until the enclosure of
the difference excludes 0: singular values of a rational matrix are the roots of the exact
characteristic polynomial of ``M^T M`` (isolated by flint), otherwise flint's rigorous
``acb_mat.eig``; ``logm`` by rigorous eigenvectors or, for repeated eigenvalues, the atanh
series with its tail bounded; the 2->q norm lies between a witness ``||M v||_q / ||v||``
and the operator norm. The point must
also satisfy the domain exactly (every g >= 0, every h == 0 at rationals). A black box is
called with arrays of ``Fraction``: if it answers with an exact rational, that counts.

Examples
--------
>>> from fractions import Fraction as F
>>> from specproof.lemmas.statement import as_statement
>>> st = as_statement("x**3 - x >= -0.38")
>>> c = confirm(st, {st.variables[0]: F(41, 71)})
>>> c.lhs, c.rhs, c.margin
(Fraction(-137760, 357911), Fraction(-19, 50), Fraction(-87691, 17895550))
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy

from specproof.lemmas.arb_matrices import (
    _arb_max,
    _exact_singular_values,
    _logm,
    _singular_values,
    _two_to_q_enclosure,
)
from specproof.lemmas.errors import StatementError
from specproof.lemmas.matrices import MatrixFunctional
from specproof.lemmas.verdicts import Interval

PRECISIONS = (64, 128, 256, 1024, 4096)


class Unconfirmable(StatementError):
    """The value cannot be enclosed rigorously (a 2->q norm, logm, a float-only black box).

    ``bound``: when the enclosure of lhs - rhs was computed but contains 0, a float upper
    bound on ``|lhs - rhs|`` (None otherwise): a float evaluation that claims a larger
    difference is contradicted by it."""

    bound: float | None = None


@dataclass(frozen=True)
class Confirmation:
    """The outcome at one point: values exact (Fraction) or certified (Interval)."""

    violated: bool
    lhs: Any
    rhs: Any
    margin: Any  # the difference f (claimed >= 0 or == 0); Fraction or Interval
    exact: bool


def _fraction(v: sympy.Rational) -> Fraction:
    return Fraction(int(v.p), int(v.q))


@contextlib.contextmanager
def _precision(bits: int) -> Iterator[None]:
    import flint

    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


MAX_EXPONENT_BITS = 10**6  # a ball beyond 2**(+-10**6) is not expanded into a Fraction


def _arb_interval(a: Any) -> Interval:
    mid, rad = a.mid(), a.rad()
    m, e = mid.man_exp()
    rm, re_ = rad.man_exp()
    if max(abs(int(e)), abs(int(re_))) > MAX_EXPONENT_BITS:
        # exp(exp(1000)) is 2**(10**434): Fraction(2)**e grew memory without end
        raise Unconfirmable(f"a value beyond 2**(+-{MAX_EXPONENT_BITS}) in size (too large "
                            "or too small to write as an exact interval)")
    mid_q = Fraction(int(m)) * Fraction(2) ** int(e)
    rad_q = Fraction(int(rm)) * Fraction(2) ** int(re_)
    return Interval(mid_q - rad_q, mid_q + rad_q)


def _arb(e: sympy.Basic, cache: dict[Any, Any]) -> Any:
    import flint

    if e.is_Rational:
        return flint.arb(flint.fmpq(int(e.p), int(e.q)))
    if e is sympy.pi:
        return flint.arb.pi()
    if e is sympy.E:
        return flint.arb(1).exp()
    if e is sympy.GoldenRatio:
        return (1 + flint.arb(5).sqrt()) / 2
    if e is sympy.EulerGamma:
        return flint.arb.const_euler()
    if e is sympy.Catalan:
        return flint.arb.const_catalan()
    if isinstance(e, sympy.Add):
        out = flint.arb(0)
        for a in e.args:
            out += _arb(a, cache)
        return out
    if isinstance(e, sympy.Mul):
        out = flint.arb(1)
        for a in e.args:
            out *= _arb(a, cache)
        return out
    if isinstance(e, sympy.Pow):
        base, ex = e.args
        b = _arb(base, cache)
        if ex.is_Integer:
            return b ** int(ex) if int(ex) >= 0 else 1 / (b ** (-int(ex)))
        if ex == sympy.Rational(1, 2):
            return b.sqrt()
        if ex == -sympy.Rational(1, 2):
            return b.rsqrt()
        return b ** _arb(ex, cache)
    if isinstance(e, sympy.Abs):
        return abs(_arb(e.args[0], cache))
    if isinstance(e, sympy.Max):
        return _arb_max([_arb(a, cache) for a in e.args])
    if isinstance(e, sympy.Min):
        return -_arb_max([-_arb(a, cache) for a in e.args])
    if isinstance(e, sympy.exp):
        return _arb(e.args[0], cache).exp()
    if isinstance(e, sympy.log):
        return _arb(e.args[0], cache).log()
    if isinstance(e, MatrixFunctional):
        return _arb_functional(e, cache)
    raise Unconfirmable(f"cannot enclose {type(e).__name__} ({e}) in interval arithmetic")


def _arb_functional(node: MatrixFunctional, cache: dict[Any, Any]) -> Any:
    import flint

    kind = node.kind
    rows = node.matrix.tolist()
    M = flint.arb_mat([[_arb(v, cache) for v in row] for row in rows])
    if kind == "two_to_q":
        return _two_to_q_enclosure(M, rows, _arb(node.params[0], cache), float(node.params[0]))
    if kind in ("opnorm", "schatten"):
        svals = _exact_singular_values(rows)
        svals = svals if svals is not None else _singular_values(M)
    if kind == "opnorm":
        return _arb_max(svals)
    if kind == "schatten":
        p = _arb(node.params[0], cache)
        total = flint.arb(0)
        for s in svals:
            total += s**p
        return total ** (1 / p)
    key = (kind, str(node.matrix))
    if key not in cache:
        cache[key] = M.exp() if kind == "expm" else _logm(M)
    i, j = (int(p) for p in node.params)
    return cache[key][i, j]


def _exact_or_interval(expr: sympy.Expr) -> Any:
    """A number expression: Fraction when it is rational, else an arb ball (at current prec)."""
    if expr.is_Rational:  # never a guessed rational (nsimplify): only what sympy computed
        return _fraction(expr)
    try:
        import flint  # noqa: F401
    except ImportError as exc:
        raise Unconfirmable("interval confirmation needs python-flint: pip install "
                            "'specproof[flint]'") from exc
    return _arb(expr, {})


def _as_interval(v: Any) -> Any:
    if isinstance(v, Fraction):
        return _writable(v)
    iv = _arb_interval(v)
    return _writable(iv.lo) if iv.lo == iv.hi else iv  # an exact ball is the number itself


def _writable(q: Fraction) -> Fraction | Interval:
    """``q``, or the point interval ``[q, q]`` when ``q`` is too long to print exactly
    (``str`` of an integer of over 4300 digits raises: ``(10**1000)**5 <= 1`` ended in a
    traceback); an interval is shown by its leading digits."""
    if max(q.numerator.bit_length(), q.denominator.bit_length()) > 13_000:
        return Interval(q, q)
    return q


# sympy evaluates a rational power of a rational exactly, and for a root index or an
# exponent numerator beyond these it ran without end ((81523288/399295)**(-81523288/399295),
# from abs(x)**x at a search point) or raised OverflowError (x**y): such a power is left
# unevaluated and enclosed in interval arithmetic instead
_EXACT_ROOT_INDEX = 64
_EXACT_ROOT_NUMERATOR = 4096
_EXACT_INTEGER_POWER = 10**5


def _costly_power(expr: sympy.Basic, values: Mapping[sympy.Symbol, sympy.Rational]) -> bool:
    """Whether some power in ``expr`` has, at the point, an exponent whose exact evaluation
    sympy may not finish (see ``_EXACT_ROOT_INDEX``)."""
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, sympy.Pow):
            continue
        ex = node.exp
        if ex.free_symbols:
            if ex.has(sympy.Pow):
                return True  # a power in the exponent: not evaluated exactly here
            ex = ex.xreplace(values)  # a polynomial in the point's rationals: exact, cheap
        if not ex.is_Rational:
            continue  # pi, E, sqrt(2): sympy leaves the power unevaluated
        if ex.q == 1:
            if abs(ex.p) > _EXACT_INTEGER_POWER:
                return True
        elif ex.q > _EXACT_ROOT_INDEX or abs(ex.p) > _EXACT_ROOT_NUMERATOR:
            return True
    return False


# sympy's exact value of (x**2+1)**999*(x**2+2)**999 at x = 10**320 has 4 million bits:
# 0.2 s per point, more at each higher degree, and not bounded by confirm's seconds (the
# magnitude sweep of a degree-2000 statement ran past every budget). Beyond this size
# (about 60,000 digits) a value is enclosed by intervals instead, which are quick at any
# magnitude.
EXACT_BITS = 200_000


def _exact_bits(expr: sympy.Basic, values: Mapping[sympy.Symbol, sympy.Rational],
                limit: int = EXACT_BITS) -> int:
    """An estimate of the bits of the exact value of ``expr`` at the point ``values``
    (numerator and denominator), counted up to ``limit``: a sum takes its largest term (a
    few bits more), a product the sum of its factors, ``b**k`` k times ``b``'s, any other
    function its arguments'.

    Examples
    --------
    >>> x = sympy.Symbol("x", real=True)
    >>> _exact_bits((x + 1) ** 10, {x: sympy.Rational(1, 3)})
    50
    """
    def bits(e: sympy.Basic) -> int:
        if e.is_Rational:
            return int(e.p).bit_length() + int(e.q).bit_length()
        if e in values:
            v = values[e]
            return int(v.p).bit_length() + int(v.q).bit_length()
        if not e.args:
            return 0  # pi, E: sympy keeps them symbolic
        if e.is_Pow and e.exp.is_Rational:
            return min(limit + 1, bits(e.base) * abs(int(e.exp.p)))
        parts = [bits(a) for a in e.args]
        if e.is_Add:
            return max(parts) + len(parts).bit_length()
        return min(limit + 1, sum(parts))

    return bits(sympy.sympify(expr))


def _point_ok(statement: Any, values: Mapping[sympy.Symbol, sympy.Rational]) -> str:
    """'' when the point is in the domain exactly, else the constraint it breaks."""
    for g in statement.domain.inequalities:
        v = sympy.sympify(g).xreplace(values)
        if not v.is_Rational:
            raise Unconfirmable(f"the constraint {g} >= 0 is not rational at the point")
        if v < 0:
            return f"{g} >= 0"
    for h in statement.domain.equalities:
        v = sympy.sympify(h).xreplace(values)
        if not v.is_Rational:
            raise Unconfirmable(f"the constraint {h} == 0 is not rational at the point")
        if v != 0:
            return f"{h} == 0"
    for p in statement.domain.parts:
        ok = statement.domain._strictly_positive(p, values)
        if ok is None:
            raise Unconfirmable(f"the constraint {p.params[1]} > 0 is not rational at the point")
        if not ok:
            return f"{p.params[1]} > 0"
    return ""


def confirm(statement: Any, point: Mapping[sympy.Symbol, Any],
            seconds: float | None = None) -> Confirmation:
    """Whether ``statement`` fails at the rational ``point``, decided exactly or rigorously.

    Raises :class:`Unconfirmable` when neither exact nor interval arithmetic can decide
    (or the point is outside the domain: then nothing is confirmed either), and when
    ``seconds`` (checked between precisions) run out first.

    Examples
    --------
    >>> from specproof.lemmas.statement import as_statement
    >>> st = as_statement("sqrt(x) <= x")
    >>> c = confirm(st, {st.variables[0]: Fraction(1, 2)})
    >>> c.violated, c.exact, c.margin.hi < 0
    (True, False, True)
    """
    from specproof.lemmas.real_conditions import undecided_reason

    unreal = undecided_reason(statement)
    if unreal is not None:  # sqrt(c)**2 is c to sympy: not a value while c >= 0 is open
        raise Unconfirmable(unreal)
    deadline = None if seconds is None else time.monotonic() + seconds
    values = {s: sympy.Rational(Fraction(point[s]).numerator, Fraction(point[s]).denominator)
              for s in statement.variables}
    broken = _point_ok(statement, values)
    if broken:
        raise Unconfirmable(f"the point is outside the domain ({broken} fails)")
    if statement.is_black_box:
        return _confirm_black_box(statement, [Fraction(point[s]) for s in statement.variables])
    exact_powers = not any(_costly_power(side, values) or _exact_bits(side, values) > EXACT_BITS
                           for side in (statement.lhs, statement.rhs))
    with sympy.evaluate(exact_powers):
        # a costly power stays unevaluated and is enclosed by intervals below
        lhs_e, rhs_e = statement.lhs.xreplace(values), statement.rhs.xreplace(values)
    for side in (lhs_e, rhs_e):
        # sqrt(1/x) at x = -1, log(0): a statement that is not real at the point is not
        # false there (the "where the statement is real" rule, for every argument)
        # (an unevaluated power is not asked: sympy's assumptions evaluate it after all;
        # a value that is not real is then a NaN ball, which decides nothing)
        if side.has(sympy.I, sympy.zoo, sympy.nan, sympy.oo) or (
                exact_powers and side.is_real is False):
            raise Unconfirmable(f"the statement is not real at the point ({side})")
    diff_e = statement.difference().xreplace(values) if exact_powers else None
    if (exact_powers and diff_e.is_Rational and lhs_e.is_Rational
            and rhs_e.is_Rational):
        d = _fraction(diff_e)
        violated = d != 0 if statement.relation == "==" else d < 0
        shown = [_writable(q) for q in (_fraction(lhs_e), _fraction(rhs_e), d)]
        exact = not any(isinstance(v, Interval) for v in shown)
        return Confirmation(violated, *shown, exact)
    last: Any = None
    for bits in PRECISIONS:
        if deadline is not None and last is not None and time.monotonic() > deadline:
            raise Unconfirmable(f"undecided after {seconds:.3g} s of interval evaluation "
                                f"(up to {bits // 2} bits)")
        with _precision(bits):
            lhs, rhs = _exact_or_interval(lhs_e), _exact_or_interval(rhs_e)
            a = lhs if not isinstance(lhs, Fraction) else _to_arb(lhs)
            b = rhs if not isinstance(rhs, Fraction) else _to_arb(rhs)
            d = b - a if statement.relation == "<=" else a - b
            last = d
            if statement.relation == "==":
                violated = bool(d > 0 or d < 0)
                # an exact zero ball (norm(I, 2) - 1) is the identity holding
                decided = violated or bool(d.is_exact() and d == 0)
            else:
                violated = bool(d < 0)
                decided = violated or bool(d >= 0)
            if decided:
                lhs, rhs, d = _as_interval(lhs), _as_interval(rhs), _as_interval(d)
                exact = not any(isinstance(v, Interval) for v in (lhs, rhs, d))
                return Confirmation(violated, lhs, rhs, d, exact)
    exc = Unconfirmable(f"the enclosure of lhs - rhs still contains 0 at {PRECISIONS[-1]} "
                        f"bits ({last})")
    try:
        mid, rad = last.mid(), last.rad()
        exc.bound = float(abs(mid) + rad) * (1 + 1e-15) + 1e-300
    except (AttributeError, TypeError, ValueError, OverflowError):
        exc.bound = None
    raise exc


def _to_arb(q: Fraction) -> Any:
    import flint

    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def _confirm_black_box(statement: Any, x: list[Fraction]) -> Confirmation:
    from specproof.lemmas.numeric import unflatten

    try:
        value = statement.function(*unflatten(statement, x, as_object=True))
    except Exception as exc:  # a user's callable may fail on Fraction arrays in any way
        raise Unconfirmable(f"the callable does not run on exact Fraction arrays ({exc})") from None
    if isinstance(value, int) and not isinstance(value, bool):
        value = Fraction(value)
    if not isinstance(value, Fraction):
        raise Unconfirmable(f"the callable returned {type(value).__name__} on Fraction input, "
                            "not an exact Fraction")
    return Confirmation(value < 0, value, Fraction(0), value, True)


__all__ = ["Confirmation", "Unconfirmable", "confirm"]
