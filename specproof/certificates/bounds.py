"""The result type of every 2->q norm computation: a bracket ``lower <= ||X||_{2->q} <= upper``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from specproof._core import ArgumentError, ComputationError, Displayable
from specproof.certificates.rational_text import directed_text


def _cert_dict(cert: Any) -> Any:
    if cert is None:
        return None
    to_dict = getattr(cert, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    return repr(cert)


@dataclass(frozen=True)
class NormBounds(Displayable):
    """A certified bracket on the 2->q norm ``||X||_{2->q} = max_{||v||_2=1} ||X v||_q``.

    Attributes
    ----------
    q : float
        The exponent (``math.inf`` for the max-row-norm case).
    lower : float
        A certified lower bound on ``||X||_{2->q}`` (the norm itself, not its q-th power):
        at most ``||X witness||_q / ||witness||_2`` in exact arithmetic, with the rounding
        error of that evaluation subtracted (a few ulps below the value), so it is a bound
        whatever method found the witness.
    witness : ndarray
        The (float, nearly unit) vector whose value certifies ``lower``.
    upper : float
        An upper bound on ``||X||_{2->q}``.
    upper_method : str
        What proves ``upper``: ``"exact-svd"``, ``"exact-max-row"``, ``"spectral-2to2"``,
        ``"flattening"``, ``"sos4"``, ``"sos6"`` or ``"epsnet"``.
    lower_method : str
        How the witness was found (``"power"``, ``"sos-rounding"``, ...).
    certificate : object
        What proves ``upper`` (an :class:`~specproof.certificates.sos.SoSResult`, a
        :class:`~specproof.certificates.baseline.BaselineResult`, ...), or None.

    Examples
    --------
    >>> b = NormBounds(q=4.0, lower=1.0, witness=np.array([1.0, 0.0]), upper=1.0,
    ...                upper_method="spectral-2to2")
    >>> b.ratio, b.gap
    (1.0, 0.0)
    """

    q: float
    lower: float
    witness: np.ndarray = field(repr=False)
    upper: float
    upper_method: str
    lower_method: str = "power"
    certificate: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if math.isinf(self.upper) and self.upper > 0 and math.isfinite(self.lower):
            raise ComputationError(
                f"the upper bound on ||X||_{{2->q}} exceeds the largest float (lower bound "
                f"{self.lower:.6g}): divide X by a power of two and scale the bounds back")
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)):
            raise ArgumentError(
                f"bounds must be finite, got lower={self.lower}, upper={self.upper}")
        if self.lower < 0:
            raise ArgumentError(f"lower must be >= 0, got {self.lower}")

    @property
    def ratio(self) -> float:
        """``upper / lower`` (``inf`` when ``lower == 0 < upper``; 1 for the zero matrix)."""
        if self.lower == 0:
            return 1.0 if self.upper == 0 else math.inf
        return self.upper / self.lower

    @property
    def gap(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower

    def _display_items(self) -> list[tuple[str, Any]]:
        # the bounds as directed text (lower down, upper up): to nearest, a shown upper
        # bound fell below the norm (1.234567 for 1.23456749...)
        return [("q", self.q), ("lower", directed_text(self.lower, 7, up=False)),
                ("upper", directed_text(self.upper, 7, up=True)),
                ("ratio", self.ratio), ("upper_method", self.upper_method),
                ("lower_method", self.lower_method), ("witness", self.witness),
                ("certificate", self.certificate)]

    def __repr__(self) -> str:
        q = "inf" if math.isinf(self.q) else f"{self.q:g}"
        return (
            f"NormBounds(q={q}, lower={directed_text(self.lower, 10, up=False)}, "
            f"upper={directed_text(self.upper, 10, up=True)}, "
            f"ratio={self.ratio:.6g}, upper_method={self.upper_method!r}, "
            f"lower_method={self.lower_method!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (``q = inf`` is written as the string ``"inf"``)."""
        return {
            "q": "inf" if math.isinf(self.q) else self.q,
            "lower": self.lower,
            "upper": self.upper,
            "ratio": self.ratio if math.isfinite(self.ratio) else "inf",
            "witness": np.asarray(self.witness).tolist(),
            "upper_method": self.upper_method,
            "lower_method": self.lower_method,
            "certificate": _cert_dict(self.certificate),
        }


def zero_bounds(d: int, q: float) -> NormBounds:
    """The exact bracket ``0 <= ||0||_{2->q} <= 0`` for a zero matrix with ``d`` columns.

    Every method answers this before computing (a net or a solver would add its error
    terms to 0: ``upper = 5e-177``, ratio inf, for a norm known exactly).

    Examples
    --------
    >>> b = zero_bounds(3, 4.0)
    >>> b.lower, b.upper, b.ratio, b.upper_method
    (0.0, 0.0, 1.0, 'zero-matrix')
    """
    w = np.eye(d)[0]
    return NormBounds(q, 0.0, w, 0.0, "zero-matrix", "zero-matrix", None)
