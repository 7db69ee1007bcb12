"""Look for a violation: structured random ensembles, then multistart local optimisation.

The objective is the *normalised margin* ``f / (sum of |terms| of lhs and rhs)`` (f the
difference, claimed >= 0; for an identity ``-|f| / ...``), which is scale-free, so that a
homogeneous statement cannot escape to 0 or infinity, and which tells rounding (a margin
of 1e-16 of the terms) from a violation. Points outside the domain score
``1 + violation``. Ensembles: gaussian (three scales), rademacher, integer, uniform (in a
box), and for matrix variables rank-one, low-rank, near-commuting pairs, ill-conditioned,
orthogonal and PSD draws. The draws stay within about 40 in size, so a
:class:`MagnitudeSweep` adds points at ``±10^k`` over float64's range (and, decided
exactly, where the floats overflow and beyond them). :func:`too_big_to_search` says when
a statement is too large to compile within a budget.

Examples
--------
>>> from specproof.lemmas.statement import as_statement
>>> s = Searcher(as_statement("x**3 - x >= -0.38"), seed=0)
>>> s.sample("gaussian", 200)
>>> s.best_value() < 0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from specproof.lemmas.layout import Layout
from specproof.lemmas.numeric import compile_expr, margin_function
from specproof.lemmas.search_limits import _WIDEST, expression_size, too_big_to_search

# a normalised margin above -TIE is a tie within rounding, not a claimed violation (the
# smallest tolerance a confirmation starts from)
TIE = 1e-12

ENSEMBLES = ("gaussian", "rademacher", "integer", "uniform", "rank_one", "low_rank",
             "near_commuting", "ill_conditioned", "orthogonal", "psd")


@dataclass
class Candidate:
    z: np.ndarray
    x: np.ndarray
    value: float  # normalised margin (or 1 + infeasibility)
    how: str
    raw: float | None = None  # |lhs - rhs|, where tightness is decided between equal values


class Searcher:
    """Evaluates points of a statement and keeps the best (smallest normalised margin)."""

    def __init__(self, statement: Any, seed: int | np.random.Generator | None = 0,
                 keep: int = 16) -> None:
        self.st = statement
        self.rng = np.random.default_rng(seed)
        self.layout = Layout(statement)
        # lambdify replaces its arguments one at a time, rebuilding the whole expression
        # each time, when any of them is a Dummy (a matrix entry is one): 21 passes over
        # trace(A @ A @ A @ A) for a symmetric 6x6 A took 30 s. Plain symbols of safe names
        # are taken as they are (not where a matrix functional's placeholders are Dummies
        # anyway).
        plain = not statement.is_black_box and not statement.functionals()
        self._rename = ({v: sympy.Symbol(f"_v{k}", real=True)
                         for k, v in enumerate(statement.variables)} if plain else {})
        self.margin = (margin_function(statement) if statement.is_black_box
                       else self.compile(statement.difference()))
        self._sides: tuple[Callable[[np.ndarray], float], ...] | None = None
        self.scale = None
        if not statement.is_black_box:
            # the size of the terms, not of their sum: lhs - rhs = -2e-16 where the terms
            # are ~1 is rounding, not a violation (the Motzkin form at (1, 1))
            terms = [sympy.Abs(t) for side in (statement.lhs, statement.rhs)
                     for t in sympy.Add.make_args(side.xreplace(self._rename))]
            self.scale = self.compile(sympy.Add(*terms), renamed=True)
        covered = {s for b in self.layout.blocks if b.kind != "free" for s in b.symbols}
        self.ineqs = [self.compile(g) for g in statement.domain.inequalities
                      if not (g.free_symbols <= covered)]
        self.eqs = [self.compile(h) for h in statement.domain.equalities
                    if not (h.free_symbols <= covered)]
        # log's arguments: > 0 strictly (0 is outside the domain, and shrinking must not
        # land there)
        self.strict = [self.compile(p.params[1])
                       for p in statement.domain.parts if p.kind == "positive"]
        bounds = statement.domain.bounds()
        self.box = [_inward(*bounds[s]) if s in bounds else None
                    for s in statement.variables]
        self.keep = keep
        self.best: list[Candidate] = []
        # the candidates for the tightest case: strictly inside the domain in floats, and
        # no claimed violation (those are confirmed or dismissed as rounding: a float
        # "violation" of norm(A, 2) <= norm(A, 'fro') at A = 1e-280, where the Frobenius
        # norm underflowed to 0, filled ``best`` and was shown as the tightest case)
        self.tight: list[Candidate] = []
        self.evaluations = 0

    def compile(self, expr: Any, renamed: bool = False) -> Callable[[np.ndarray], float]:
        """``expr`` (in the statement's variables) as a function of the variable vector.

        A sum of more terms than Python's compiler takes in one expression (``det(A)`` of a
        7x7 ``A`` has 5040) is compiled in parts, added up here.
        """
        body = sympy.sympify(expr)
        if self._rename and not renamed:
            body = body.xreplace(self._rename)
        args = list(self._rename.values()) if self._rename else list(self.st.variables)
        if not (body.is_Add and len(body.args) > _WIDEST):
            return compile_expr(body, args)
        terms = body.args
        parts = [compile_expr(sympy.Add(*terms[k:k + _WIDEST]), args)
                 for k in range(0, len(terms), _WIDEST)]
        return lambda x: sum(f(x) for f in parts)

    @property
    def sides(self) -> tuple[Callable[[np.ndarray], float], ...] | None:
        """(lhs, rhs) as float functions, compiled when first asked (None for a black box):
        only a report needs them, and compiling a large statement costs seconds."""
        if self._sides is None and not self.st.is_black_box:
            self._sides = (self.compile(self.st.lhs), self.compile(self.st.rhs))
        return self._sides

    # -- evaluation -------------------------------------------------------------------
    def infeasibility(self, x: np.ndarray) -> float:
        bad = 0.0
        for g in self.ineqs:
            v = g(x)
            bad += (-v if v < 0 else 0.0) if math.isfinite(v) else 1e6
        for h in self.eqs:
            v = h(x)
            bad += abs(v) if math.isfinite(v) else 1e6
        return bad + self._not_positive(x)

    def _not_positive(self, x: np.ndarray) -> float:
        bad = 0.0
        for f in self.strict:
            v = f(x)
            if not v > 0:
                # above the 1e-12 the objective tolerates: with 1e-12 itself, x = -5e-29 for
                # log(x) passed (1e-12 + 5e-29 rounds to 1e-12) and was reported "tightest"
                bad += (-v if math.isfinite(v) else 1e6) + 1e-9
        return bad

    def infeasibility_all(self, x: np.ndarray) -> float:
        """Like :meth:`infeasibility`, over every constraint (those the layout covers too)."""
        if not hasattr(self, "_all_ineqs"):
            self._all_ineqs = [self.compile(g) for g in self.st.domain.inequalities]
        bad = 0.0
        for g in self._all_ineqs:
            v = g(x)
            bad += (-v if v < 0 else 0.0) if math.isfinite(v) else 1e6
        return bad + self._not_positive(x)

    def normalised(self, x: np.ndarray) -> float:
        d = self.margin(x)
        if self.scale is None:
            return _black_box_normalised(d, self.st.relation)
        if not math.isfinite(d):
            return math.inf
        if self.st.relation == "==":
            d = -abs(d)
        scale = self.scale(x) + 1e-300
        return d / scale if math.isfinite(scale) else math.inf

    def objective(self, z: np.ndarray) -> float:
        x = self.layout.to_point(z)
        bad = self.infeasibility(x)
        self.evaluations += 1
        if bad > 1e-12:
            return 1.0 + bad
        return self.normalised(x)

    def consider(self, z: np.ndarray, how: str) -> float:
        z = np.asarray(z, dtype=float)
        v = self.objective(z)
        if math.isfinite(v):
            self.remember(Candidate(z.copy(), self.layout.to_point(z), v, how))
        return v

    def remember(self, cand: Candidate) -> None:
        """Keep ``cand`` among the best points (the ``keep`` smallest values)."""
        self.best.append(cand)
        self.best.sort(key=lambda c: c.value)
        del self.best[self.keep:]
        self.remember_tight(cand)

    def remember_tight(self, cand: Candidate) -> None:
        """Keep ``cand`` among the tightest candidates when it may be one (see ``tight``).

        Equal normalised margins are told apart by ``|lhs - rhs|``: where lhs - rhs is one
        square the normalised margin is 1 everywhere, and ``(x - 1/3)**2 >= 0`` reported
        x = -1.32 (``lhs - rhs`` = 2.7) though x = 0.3333 (3e-33) had been evaluated."""
        if not -TIE <= cand.value <= 1.0:
            return
        full = len(self.tight) >= self.keep
        if full and cand.value > self.tight[-1].value:
            return
        if full and cand.value == self.tight[-1].value and \
                self._raw(cand) >= self._raw(self.tight[-1]):
            return
        if self.outside(cand.x) or any(np.array_equal(cand.x, c.x) for c in self.tight):
            return
        self.tight.append(cand)
        if any(c.value == cand.value for c in self.tight[:-1]):
            self.tight.sort(key=lambda c: (c.value, self._raw(c)))
        else:
            self.tight.sort(key=lambda c: (c.value, c.raw if c.raw is not None else 0.0))
        del self.tight[self.keep:]

    def _raw(self, cand: Candidate) -> float:
        """``|lhs - rhs|`` at the candidate, computed once (inf where it is not finite)."""
        if cand.raw is None:
            d = abs(self.margin(cand.x))
            cand.raw = d if math.isfinite(d) else math.inf
        return cand.raw

    def outside(self, x: np.ndarray) -> bool:
        """Whether ``x`` breaks an inequality of the domain in floats, with no tolerance
        (the objective's 1e-12 let x = 0.999999999999 pass for x >= 1, and the tightest
        case was shown there; x = -1e-120 for x >= 0). The parts the layout keeps exactly
        (a PSD matrix as Z Z^T) are not asked: their minors round below 0; equalities
        cannot hold exactly in floats and keep the objective's tolerance."""
        for g in self.ineqs:
            v = g(x)
            if not v >= 0:
                return True
        return any(not f(x) > 0 for f in self.strict)

    def best_value(self) -> float:
        return self.best[0].value if self.best else math.inf

    # -- ensembles --------------------------------------------------------------------
    def _matrix(self, ensemble: str, n: int, m: int, prev: np.ndarray | None) -> np.ndarray:
        r = self.rng
        if ensemble == "rademacher":
            return r.choice([-1.0, 1.0], size=(n, m))
        if ensemble == "integer":
            return r.integers(-3, 4, size=(n, m)).astype(float)
        if ensemble == "rank_one":
            return np.outer(r.standard_normal(n), r.standard_normal(m))
        if ensemble == "low_rank":
            k = min(2, n, m)
            return r.standard_normal((n, k)) @ r.standard_normal((k, m))
        if ensemble == "near_commuting" and prev is not None and prev.shape == (n, m) and n == m:
            return 0.7 * prev + 0.3 * prev @ prev / (np.linalg.norm(prev) or 1.0) \
                + 1e-2 * r.standard_normal((n, m))
        if ensemble == "ill_conditioned":
            k = min(n, m)
            U = np.linalg.qr(r.standard_normal((n, n)))[0][:, :k]
            V = np.linalg.qr(r.standard_normal((m, m)))[0][:, :k]
            return (U * np.logspace(0, -6, k)) @ V.T
        if ensemble == "orthogonal" and n == m:
            return np.linalg.qr(r.standard_normal((n, n)))[0]
        if ensemble == "psd" and n == m:
            G = r.standard_normal((n, n))
            return G @ G.T / n
        return r.standard_normal((n, m)) * self._scale

    def draw(self, ensemble: str) -> np.ndarray:
        """One parameter vector from ``ensemble``."""
        r = self.rng
        self._scale = float(r.choice([0.1, 1.0, 10.0])) if ensemble == "gaussian" else 1.0
        z = np.zeros(self.layout.nparams)
        k = 0
        for b in self.layout.blocks:
            if b.kind == "free":
                vals = self._free_block(b, ensemble)
            elif b.kind == "psd":
                n = b.shape[0]
                e = ensemble if ensemble != "psd" else "gaussian"
                vals = self._matrix(e, n, n, None).ravel()
            elif b.kind == "orthogonal":
                vals = r.standard_normal(b.nparams) * r.choice([0.3, 1.0, 3.0])
            else:
                vals = r.standard_normal(b.nparams) * self._scale
                if ensemble == "integer":
                    vals = np.round(vals * 2)
            z[k:k + b.nparams] = vals
            k += b.nparams
        return z

    def _free_block(self, b: Any, ensemble: str) -> np.ndarray:
        r = self.rng
        val: dict[Any, float] = {}
        prev = None
        for mat in self.st.matrices:
            if mat.kind in ("psd", "orthogonal") or not (set(mat.symbols) & set(b.symbols)):
                continue
            M = self._matrix(ensemble, *mat.shape, prev)
            prev = M
            if mat.kind == "symmetric":
                M = (M + M.T) / 2
            for i in range(mat.shape[0]):
                for j in range(mat.shape[1]):
                    e = mat.entries[i, j]
                    if e in b.symbols and e not in val:
                        val[e] = M[i, j]
        out = np.empty(len(b.symbols))
        for k, s in enumerate(b.symbols):
            if s in val:
                out[k] = val[s]
                continue
            if ensemble == "rademacher":
                out[k] = r.choice([-1.0, 1.0])
            elif ensemble == "integer":
                out[k] = float(r.integers(-3, 4))
            else:
                out[k] = r.standard_normal() * self._scale
        for k, i in enumerate(b.index):  # inside a box: uniform there, else clipped
            bd = self.box[i]
            if bd is not None:
                lo, hi = bd
                if ensemble == "uniform" and math.isfinite(lo) and math.isfinite(hi):
                    out[k] = r.uniform(lo, hi)
                else:
                    out[k] = min(max(out[k], lo), hi)
        if any(p.kind == "orthant" for p in self.st.domain.parts):
            orth = {s for p in self.st.domain.parts if p.kind == "orthant" for s in p.symbols}
            for k, s in enumerate(b.symbols):
                if s in orth:
                    out[k] = abs(out[k])
        for p in self.st.domain.parts:
            if p.kind == "ball":
                self._into_ball(b, out, p)
        return out

    def _into_ball(self, b: Any, out: np.ndarray, part: Any) -> None:
        r, c = float(part.params[0]), [float(v) for v in part.params[1]]
        idx = [b.symbols.index(s) for s in part.symbols if s in b.symbols]
        if len(idx) != len(part.symbols):
            return
        v = out[idx] - np.array(c)
        nv = np.linalg.norm(v)
        if nv > r:
            out[idx] = np.array(c) + v * (r * self.rng.uniform(0.5, 1.0) / nv)

    def sample(self, ensemble: str, count: int,
               stop: Callable[[], bool] | None = None) -> None:
        """Evaluate ``count`` draws from ``ensemble`` (fewer once ``stop()`` says so)."""
        for _ in range(count):
            if stop is not None and stop():
                return
            self.consider(self.draw(ensemble), ensemble)

    # -- local optimisation -----------------------------------------------------------
    def optimise(self, start: Candidate, deadline: Callable[[], bool]) -> Candidate:
        """Minimise the normalised margin from ``start`` (L-BFGS-B, then Nelder-Mead)."""
        from scipy.optimize import minimize

        bounds = None
        if self.layout.identity and any(bd is not None for bd in self.box):
            bounds = [bd if bd is not None else (None, None) for bd in self.box]

        def f(z: np.ndarray) -> float:
            if deadline():
                raise TimeoutError
            v = self.objective(z)
            return v if math.isfinite(v) else 1e6

        best = start
        if len(best.z) == 0:
            # nothing to move (sympy cancelled every variable: log(2, x)*log(x) is log(2));
            # Nelder-Mead raised on the empty simplex
            return best
        for method in ("L-BFGS-B", "Nelder-Mead"):
            try:
                # the finite differences of a large point overflow: a RuntimeWarning (an
                # error under -W error) in scipy, not a problem for the search
                with np.errstate(all="ignore"):
                    res = minimize(f, best.z, method=method, bounds=bounds,
                                   options={"maxiter": 400} if method == "L-BFGS-B"
                                   else {"maxiter": 200 * max(1, len(best.z)), "xatol": 1e-12,
                                         "fatol": 1e-15})
            except TimeoutError:
                break
            if math.isfinite(res.fun) and res.fun < best.value:
                z = np.asarray(res.x, dtype=float)
                best = Candidate(z, self.layout.to_point(z), float(res.fun),
                                 f"{start.how} + local optimisation")
        self.best.append(best)
        self.best.sort(key=lambda c: c.value)
        del self.best[self.keep:]
        self.remember_tight(best)
        return best



def _black_box_normalised(d: float, relation: str) -> float:
    """A callable's answer ``d`` as a normalised margin in [-1, 1] (inf: no answer).

    A callable's float is its own answer, infinities included: ``-inf`` is negative, so a
    violation (it scored ``inf``, "no value", and a gap of ``-inf`` on half the line was
    never reported), and ``+inf`` is ``>= 0``, so it holds there. NaN answers nothing, like
    an exception.

    Examples
    --------
    >>> _black_box_normalised(-math.inf, ">="), _black_box_normalised(math.inf, ">=")
    (-1.0, 1.0)
    >>> _black_box_normalised(math.nan, ">=")
    inf
    """
    if math.isnan(d):
        return math.inf
    if relation == "==":
        d = -abs(d)
    if math.isinf(d):
        return math.copysign(1.0, d)
    return d / (1.0 + abs(d))


def _inward(lo: Any, hi: Any) -> tuple[float, float]:
    """A box's bounds as floats rounded into the exact box.

    float(1.00000000000000001) is 1.0 and float(1e-400) is 0.0: the search then sampled
    the bound itself, outside the exact box, where no counterexample can be confirmed
    (and x >= 1.5 on [1.00000000000000001, 2] stayed undecided). Rounded inward, every
    float the search clips to lies in the box; an irrational bound keeps its float.
    """
    a, b = float(lo), float(hi)
    if isinstance(lo, sympy.Rational) and sympy.Rational(a) < lo:
        a = math.nextafter(a, math.inf)
    if isinstance(hi, sympy.Rational) and sympy.Rational(b) > hi:
        b = math.nextafter(b, -math.inf)
    return (a, b) if a <= b else (float(lo), float(hi))

__all__ = ["ENSEMBLES", "TIE", "Candidate", "Searcher", "expression_size",
           "too_big_to_search"]
