"""A checker's verdict on a certificate: :class:`CheckResult`, and the exact data's digest.

Every checker returns a :class:`CheckResult` (made by :func:`fail` or :func:`passed`),
which names the bound it checked and the SHA-256 of the matrix (:func:`x_digest`), so a
verdict can never be read as being about another matrix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from specproof._core import Displayable, Result
from specproof.certificates.rational_text import rational_str

if TYPE_CHECKING:
    from specproof.certificates.certificate import Certificate


@dataclass(frozen=True, repr=False)
class CheckResult(Displayable, Result):
    """Verdict of a checker (the :class:`specproof._core.Result` convention).

    Attributes
    ----------
    ok : bool
        True only if the certificate proves its stated bound.
    reason : str
        Why not, in one sentence (empty when ``ok``).
    code : str
        ``"ok"`` or what failed: ``"malformed"`` (the file cannot be read as a
        certificate), ``"inconsistent"`` (a float copy is not the rounding of its
        rational), ``"not_exact"`` (exact check of a certificate without exact Gram
        matrix), ``"not_symmetric"``, ``"not_representable"`` (a residual monomial no
        product ``z_a z_b`` gives), ``"identity_mismatch"``, ``"not_psd"`` (the identity
        holds, ``G`` is not PSD), ``"margin_too_small"`` (numeric: ``G`` is PSD but its
        margin does not absorb the residual), ``"out_of_range"`` (numeric: a number
        leaves the float range after rescaling).
    message : str
        The verdict in one sentence, passing or not (what ``specproof check`` prints).
    statement : str
        The bound checked, e.g. ``"||X||_{2->4}^4 <= 56/3"`` (empty if unreadable).
    shape : tuple or None
        ``(n, d)`` of ``X``.
    x_sha256 : str
        SHA-256 of ``X`` (see :func:`x_digest`), so a verdict names its matrix.
    exact : bool
        Whether the exact checker produced the verdict.
    details : dict
        Measured quantities (residuals, eigenvalue, margins, pivots ...).

    Examples
    --------
    >>> r = CheckResult(ok=False, reason="identity fails at v^(4, 0)", code="identity_mismatch")
    >>> bool(r), r.code
    (False, 'identity_mismatch')
    """

    message: str = ""
    statement: str = ""
    shape: tuple[int, int] | None = None
    x_sha256: str = ""
    exact: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def _display_items(self) -> list[tuple[str, Any]]:
        # the digest and the measured details make the text repr a paragraph: the HTML
        # table shows them, the one-line repr does not
        items = [("ok", self.ok), ("code", self.code)]
        if not self.ok:
            items.append(("reason", self.reason))
        items += [("statement", self.statement), ("shape", self.shape), ("exact", self.exact)]
        return items

    def _repr_html_(self) -> str:
        from specproof._core.display import html_repr

        items = [("statement", self.statement), ("message", self.message),
                 ("shape", self.shape), ("x_sha256", self.x_sha256), ("exact", self.exact),
                 ("details", self.details)]
        return html_repr("CheckResult", items, ok=self.ok, code=self.code)

    @property
    def verdict_line(self) -> str:
        """``VALID: <bound> (X n x d, sha256 ...): <message>`` or ``INVALID: <reason>``.

        Examples
        --------
        >>> CheckResult(ok=False, reason="bad", code="malformed").verdict_line
        'INVALID: bad'
        """
        if not self.ok:
            return " ".join(f"INVALID: {self.reason}".split())
        n, d = self.shape if self.shape else (0, 0)
        return " ".join(f"VALID: {self.statement} for X of shape {n}x{d} (sha256 "
                        f"{self.x_sha256[:16]}): {self.message}".split())


def fail(code: str, reason: str, cert: Certificate | None = None, exact: bool = False,
         **details: Any) -> CheckResult:
    """A failed :class:`CheckResult` (with the certificate's statement when known)."""
    return CheckResult(ok=False, reason=reason, code=code, message=reason, exact=exact,
                       details=details, **_identity(cert))


def passed(message: str, cert: Certificate, exact: bool = False,
           **details: Any) -> CheckResult:
    """A passing :class:`CheckResult` for ``cert``."""
    return CheckResult(ok=True, message=message, exact=exact, details=details,
                       **_identity(cert))


def _identity(cert: Certificate | None) -> dict[str, Any]:
    if cert is None:
        return {}
    return {"statement": cert.short_statement, "shape": tuple(int(s) for s in cert.X.shape),
            "x_sha256": x_digest(cert.X_rational)}


def x_digest(X_rational) -> str:
    """SHA-256 of the exact data: ``"n,d;"`` then the rationals ``"p/q"``, comma separated,
    row by row (the same bytes for the same matrix however it was written).

    Examples
    --------
    >>> from fractions import Fraction
    >>> x_digest([[Fraction(1), Fraction(1, 2)]])[:12]
    'aac5a8843511'
    """
    h = hashlib.sha256()
    n, d = len(X_rational), len(X_rational[0]) if X_rational else 0
    h.update(f"{n},{d};".encode())
    for row in X_rational:
        h.update(",".join(rational_str(x) for x in row).encode())
        h.update(b";")
    return h.hexdigest()


__all__ = ["CheckResult", "fail", "passed", "x_digest"]
