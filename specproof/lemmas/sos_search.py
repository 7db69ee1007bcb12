"""One SoS attempt: numerical solve, facial reduction, exact rounding; or the reason why not.

:func:`attempt` runs the program of :mod:`specproof.lemmas.sos_program` for given terms,
reads its optimum ``t*`` (the largest smallest eigenvalue a Gram matrix can have), and:

* ``t* < 0``: no decomposition in these bases (reported with ``t*``);
* ``t* > 0``: the Gram space is strictly feasible; round and project exactly;
* ``t* ~ 0``: not strictly feasible (the polynomial has real zeros); restrict each block
  to the face orthogonal to its forced kernel (:mod:`specproof.lemmas.exact_gram`),
  solve again, and round there. When no rational face is found, or rounding still
  leaves the cone, the attempt fails with that reason: a numerical result is never
  presented as proved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from specproof.certificates.errors import SolverError
from specproof.lemmas.exact_gram import (
    ExactRoundingError,
    exact_solution,
    face_basis,
    rational_kernel,
)
from specproof.lemmas.sos_program import FreeTerm, SoSTerm, solve_gram_program

Exponent = tuple[int, ...]
Poly = dict[Exponent, Fraction]

STRICT = 1e-6
"""``t*`` (of the problem scaled to coefficients ~1) above this counts as strictly feasible."""
INFEASIBLE = -1e-6
"""``t*`` below this: no Gram matrix in these bases is PSD."""
BITS = (24, 40, 64)
MAX_FACE_ROUNDS = 3


@dataclass
class Attempt:
    """Outcome of one attempt: exact ``grams``/``taus`` on success, else ``reason``."""

    ok: bool
    reason: str = ""
    grams: list = field(default_factory=list)
    taus: list = field(default_factory=list)
    terms: list = field(default_factory=list)
    t_star: float | None = None
    faces: int = 0
    bits: int | None = None
    solver: str = ""
    solve_seconds: float = 0.0
    round_seconds: float = 0.0
    #: the solver that raised, when the attempt ended without a solution
    failed_solver: str = ""


def _matmul(A: list[list[Fraction]], B: list[list[Fraction]]) -> list[list[Fraction]]:
    return [[sum((A[i][k] * B[k][j] for k in range(len(B)) if A[i][k]), Fraction(0))
             for j in range(len(B[0]))] for i in range(len(A))]


def _reduce_faces(terms: list[SoSTerm], sol) -> tuple[list[SoSTerm], int] | None:
    """New terms with every block restricted to the face orthogonal to its numerical
    kernel; None when a kernel has no rational basis."""
    out, found = [], 0
    for t, term in enumerate(terms):
        blocks, faces = [], []
        for b, basis in enumerate(term.blocks):
            H = sol.grams[t][b]
            kernel = rational_kernel(H)
            if kernel is None:
                return None
            old = term.face(b)
            if not kernel:
                blocks.append(basis)
                faces.append(old)
                continue
            found += 1
            Q = face_basis(kernel, len(H))
            if Q is None:  # the whole block is forced to zero: drop it
                continue
            blocks.append(basis)
            faces.append(Q if old is None else _matmul(old, Q))
        if blocks:
            out.append(SoSTerm(term.generator, term.g, blocks, faces))
    return out, found


def _scaled(f: Poly, e: int) -> Poly:
    """``f 2^e`` exactly: the rounding grid ``2^-bits`` is then relative to coefficients of
    size about 1, at every magnitude of ``f`` (1e-300 and 1e300 alike)."""
    factor = Fraction(2) ** e
    return {a: c * factor for a, c in f.items()}


def _unscaled(grams, taus, e: int):
    factor = Fraction(2) ** -e
    grams = [[[[x * factor for x in row] for row in G] for G in blocks] for blocks in grams]
    taus = [{a: c * factor for a, c in tau.items()} for tau in taus]
    return grams, taus


def attempt(f: Poly, terms: list[SoSTerm], free: list[FreeTerm], solver: str = "auto",
            bits: int | None = None) -> Attempt:
    """Search, reduce and round (see the module docstring).

    With ``solver="auto"``, an attempt that Clarabel ends as infeasible, or after a facial
    reduction, is made again with SCS: Clarabel's solution of a weakly feasible program
    can point at a wrong face (``x - 5 = sigma_0 + sigma_1 (x - 6)`` forces a zero in
    sigma_0's Gram matrix), and the trivially true ``x >= 5`` on ``{x >= 6}`` stayed
    UNDECIDED where SCS proves it at once. The first attempt's reason is kept when both
    fail.

    The same holds when Clarabel delivers no solution at all (``NumericalError``,
    ``InsufficientProgress``): Robinson's form times ``x^2 + y^2 + z^2`` ended so with
    Clarabel 0.10-0.11 and is proved through SCS. Trying a second solver is safe because
    nothing the solver returns is trusted: a certificate is exact or there is none.
    """
    first = _attempt(f, terms, free, solver, bits)
    if first.ok or solver != "auto" or first.solver == "scs" or not (
            first.faces or "infeasible" in first.reason
            or first.failed_solver == "clarabel"):
        return first
    again = _attempt(f, terms, free, "scs", bits)
    return again if again.ok else first


def _attempt(f: Poly, terms: list[SoSTerm], free: list[FreeTerm], solver: str,
             bits: int | None) -> Attempt:
    solve_s = round_s = 0.0
    rounds = 0
    last = ""
    while True:
        t0 = time.perf_counter()
        try:
            sol = solve_gram_program(f, terms, free, solver)
        except SolverError as exc:
            text = str(exc.args[0] if exc.args else exc)
            if "infeasible" in text.lower():
                why = f"no Gram matrices in these bases: the equations are infeasible ({text})"
            else:
                why = f"the solver did not deliver a solution ({text})"
            return Attempt(False, why, solve_seconds=solve_s,
                           failed_solver=getattr(exc, "solver", None) or "")
        solve_s += time.perf_counter() - t0
        common = dict(t_star=sol.t, faces=rounds, solver=sol.solver, solve_seconds=solve_s)
        if sol.t < INFEASIBLE:
            where = "these bases" if not rounds else \
                f"the face found by {rounds} facial reduction{'s' if rounds > 1 else ''}"
            return Attempt(False, f"not a sum of squares in {where}: every Gram matrix "
                           f"has an eigenvalue <= t* = {sol.t:.3g} < 0 (coefficients scaled to "
                           f"~1; {sol.equations} equations, blocks {sol.sizes})", **common)
        if sol.t > STRICT or rounds:
            t0 = time.perf_counter()
            for k in ((bits,) if bits else BITS):
                try:
                    grams, taus = _unscaled(*exact_solution(_scaled(f, sol.scale_exponent),
                                                            terms, free, sol, k),
                                            sol.scale_exponent)
                except ExactRoundingError as exc:
                    last = str(exc)
                    continue
                round_s += time.perf_counter() - t0
                return Attempt(True, grams=grams, taus=taus, terms=terms, bits=k,
                               round_seconds=round_s, **common)
            round_s += time.perf_counter() - t0
            if sol.t > STRICT:
                return Attempt(False, f"rounding failed although t* = {sol.t:.3g} > 0: "
                               f"{last}", round_seconds=round_s, **common)
        if sol.t <= STRICT and rounds >= MAX_FACE_ROUNDS:
            return Attempt(False, f"the Gram space is not strictly feasible (t* = {sol.t:.3g}"
                           f" after {rounds} facial reductions) and rounding leaves the PSD "
                           f"cone: {last}", round_seconds=round_s, **common)
        reduced = _reduce_faces(terms, sol)
        if reduced is None or reduced[1] == 0:
            why = "no rational basis of its kernel was found" if reduced is None else \
                "no kernel was found to reduce"
            return Attempt(False, f"the Gram space is not strictly feasible (t* = {sol.t:.3g}:"
                           f" the polynomial has real zeros) and {why}; "
                           f"{last or 'no exact Gram matrix'}", round_seconds=round_s, **common)
        terms, _ = reduced
        rounds += 1
