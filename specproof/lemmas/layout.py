"""How the search moves: blocks of parameters that map onto the statement's variables.

Unconstrained variables, boxes, balls, orthants and inequality constraints are searched
in the variables themselves (a point outside the domain is rejected or penalised). Parts
with an equality, and PSD matrices, get a *rational* parametrisation, so that a rational
parameter gives a rational point exactly in the domain:

* sphere: inverse stereographic projection;  simplex: ``|z| / sum |z|``;
* psd: ``A = Z Z^T``;  orthogonal: the Cayley transform ``(I - S)(I + S)^{-1}`` of a skew S,
  times ``diag(-1, 1, ...)`` when the sign flag says so.

Each block maps floats (numpy) and Fractions (exactly) the same way.

Examples
--------
>>> import sympy
>>> from fractions import Fraction as F
>>> from specproof.lemmas.domains import sphere
>>> from specproof.lemmas.statement import as_statement
>>> st = as_statement("x + y <= 2", domain=sphere(sympy.symbols("x y", real=True)))
>>> lay = Layout(st)
>>> lay.to_point_exact([F(1, 2)])
[Fraction(4, 5), Fraction(-3, 5)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy


@dataclass
class Block:
    """One group of variables and how parameters map onto them."""

    kind: str  # free, sphere, simplex, psd, orthogonal
    symbols: tuple[sympy.Symbol, ...]
    nparams: int
    params: tuple[Any, ...] = ()
    shape: tuple[int, int] = (0, 0)
    entries: Any = None  # the matrix entries grid (sympy) for matrix blocks
    index: list[int] = field(default_factory=list)  # positions of symbols in variables


def _stereo(t: Sequence[Any], one: Any) -> list[Any]:
    s = sum((v * v for v in t), one * 0)
    den = s + one
    return [2 * v / den for v in t] + [(s - one) / den]


def _cayley(S: Any, exact: bool) -> Any:
    n = S.shape[0]
    if exact:
        Sm = sympy.Matrix(S.tolist())
        Q = (sympy.eye(n) - Sm) * (sympy.eye(n) + Sm).inv()
        return np.array([[Fraction(int(v.p), int(v.q)) for v in row] for row in Q.tolist()],
                        dtype=object)
    eye = np.eye(n)
    return np.linalg.solve((eye + S).T, (eye - S).T).T


class Layout:
    """The search space of a statement: ``to_point`` maps a parameter vector to variables."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        variables = list(statement.variables)
        pos = {s: k for k, s in enumerate(variables)}
        blocks: list[Block] = []
        taken: set[sympy.Symbol] = set()
        for part in statement.domain.parts:
            if part.kind in ("sphere", "simplex") and not (set(part.symbols) & taken):
                n = len(part.symbols)
                blocks.append(Block(part.kind, part.symbols, n - 1 if part.kind == "sphere" else n,
                                    part.params))
                taken |= set(part.symbols)
        for m in statement.matrices:
            if m.kind in ("psd", "orthogonal") and not (set(m.symbols) & taken):
                n = m.shape[0]
                k = n * n if m.kind == "psd" else n * (n - 1) // 2 + 1
                blocks.append(Block(m.kind, m.symbols, k, (), m.shape, m.entries))
                taken |= set(m.symbols)
        free = [s for s in variables if s not in taken]
        if free:
            blocks.insert(0, Block("free", tuple(free), len(free)))
        for b in blocks:
            b.index = [pos[s] for s in b.symbols]
        self.blocks = blocks
        self.nvars = len(variables)
        self.nparams = sum(b.nparams for b in blocks)
        self.identity = len(blocks) == 1 and blocks[0].kind == "free"

    def _map(self, z: Sequence[Any], exact: bool) -> list[Any]:
        one = Fraction(1) if exact else 1.0
        out: list[Any] = [one * 0] * self.nvars
        k = 0
        for b in self.blocks:
            p = list(z[k:k + b.nparams])
            k += b.nparams
            if b.kind == "free":
                vals = p
            elif b.kind == "sphere":
                r, c = b.params
                r = Fraction(str(r)) if exact else float(r)
                u = _stereo(p, one)
                vals = [(Fraction(str(ci)) if exact else float(ci)) + r * ui
                        for ui, ci in zip(u, c)]
            elif b.kind == "simplex":
                a = [abs(v) for v in p]
                s = sum(a, one * 0)
                if s == 0:
                    a, s = [one] * len(a), one * len(a)
                vals = [v / s for v in a]
            else:
                vals = self._matrix_block(b, p, exact)
            for i, v in zip(b.index, vals):
                out[i] = v
        return out

    def _matrix_block(self, b: Block, p: list[Any], exact: bool) -> list[Any]:
        n = b.shape[0]
        dtype = object if exact else float
        if b.kind == "psd":
            Z = np.array(p, dtype=dtype).reshape(n, n)
            M = Z @ Z.T
        else:
            S = np.zeros((n, n), dtype=dtype)
            if exact:
                S[:] = Fraction(0)
            k = 0
            for i in range(n):
                for j in range(i + 1, n):
                    S[i, j], S[j, i] = p[k], -p[k]
                    k += 1
            M = _cayley(S, exact)
            if (p[-1] < 0) if p else False:
                M = M.copy()
                M[:, 0] = -M[:, 0]
        vals = []
        where = {s: None for s in b.symbols}
        for i in range(n):
            for j in range(n):
                e = b.entries[i, j]
                if e in where and where[e] is None:
                    where[e] = M[i, j]
        for s in b.symbols:
            vals.append(where[s])
        return vals

    def to_point(self, z: np.ndarray) -> np.ndarray:
        """The variables (floats) at parameters ``z``."""
        if self.identity:
            return np.asarray(z, dtype=float)
        return np.asarray(self._map(list(map(float, z)), exact=False), dtype=float)

    def to_point_exact(self, z: Sequence[Fraction]) -> list[Fraction]:
        """The variables (Fractions) at rational parameters ``z``, exactly."""
        return self._map([Fraction(v) for v in z], exact=True)

    def from_point(self, x: np.ndarray) -> np.ndarray | None:
        """Parameters for a point, when the layout is the identity (else None)."""
        return np.asarray(x, dtype=float) if self.identity else None


__all__ = ["Block", "Layout"]
