"""Does a certificate's statement text say what its polynomial says? (re-parsed with sympy)

The exact checker (:func:`specproof.certificates.check_sos`) proves ``p >= 0`` on the
domain for the polynomial ``p`` *written in the file*; the text beside it is what a
reader trusts. A forger who edits the text (and recomputes its hash) would make a valid
certificate of ``p`` read as a different statement. :func:`statement_matches` parses the
text again with the statement front end (:func:`~specproof.lemmas.as_statement`, which
evaluates nothing) and compares the polynomial and the variable order exactly.
``specproof check`` runs it on every general SoS certificate.

Examples
--------
>>> from specproof.lemmas.prove import prove
>>> statement_matches(prove("x**2 - 2*x + 1 >= 0").certificate)
(True, 'the statement text parses to the certified polynomial')
"""

from __future__ import annotations

import os
from typing import Any

from specproof.certificates.sos_certificate import SoSCertificate


def statement_matches(source: str | os.PathLike | SoSCertificate) -> tuple[bool, str]:
    """``(True, why)`` when ``as_statement(text)`` gives exactly the file's ``p`` in the
    file's variable order; ``(False, what differs)`` otherwise (never raises on bad text).
    """
    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.prove import to_poly
    from specproof.lemmas.statement import as_statement

    cert = source if isinstance(source, SoSCertificate) else SoSCertificate.load(source)
    try:
        given: list[Any] = [Matrix(name, r, c, kind=kind) for name, r, c, kind in cert.matrices]
        in_matrix = {str(s) for m in given for s in m.symbols}
        given += [v for v in cert.variables if v not in in_matrix]
        st = as_statement(cert.text, variables=given)
        from specproof.lemmas.prove_limits import too_big_to_expand

        big = too_big_to_expand(st.difference(), st.variables)
        if big is not None:
            # a 638-byte text, (x0+...+x7)**24 - ..., kept `specproof check` expanding
            # for minutes and 870 MB: the check of the text is given up, said as such
            why = big.removeprefix("not attempted: ").split("; only refutation")[0]
            return False, ("the statement text is too big to expand and compare with the "
                           f"certified polynomial ({why})")
        p = to_poly(st.difference(), st.variables)
    except Exception as exc:  # any failure to re-read the text is a mismatch, said as such
        return False, f"the statement text cannot be parsed again: {type(exc).__name__}: {exc}"
    if st.relation not in (">=", "<="):
        # the file proves p >= 0; "lhs == rhs" would read as an identity the certificate
        # does not prove (x**2 + 1 == 0 with p = x**2 + 1 was VALID)
        return False, (f"the statement text is a relation {st.relation!r}; a certificate "
                       "proves an inequality (>= or <=)")
    names = tuple(str(v) for v in st.variables)
    if set(names) != set(cert.variables):
        return False, (f"the statement text has the variables {list(names)}, the certificate "
                       f"{list(cert.variables)}")
    order = [names.index(v) for v in cert.variables]
    p_file_order = {tuple(e[i] for i in order): c for e, c in p.items()}
    want = {e: c for e, c in cert.polynomial.items() if c != 0}
    if p_file_order != want:
        e = min(m for m in set(p_file_order) | set(want)
                if p_file_order.get(m, 0) != want.get(m, 0))
        mono = "*".join(f"{v}^{a}" if a > 1 else v
                        for v, a in zip(cert.variables, e, strict=True) if a) or "1"
        return False, ("the statement text does not parse to the certified polynomial (in the "
                       f"file's variable order {list(cert.variables)}): the coefficient of "
                       f"{mono} is {p_file_order.get(e, 0)} in the text, {want.get(e, 0)} in "
                       "the file")
    kinds = "; ".join(f"{name} is {r}x{c} {kind}" for name, r, c, kind in cert.matrices)
    # a matrix's kind changes what the text means (det(S) >= ... for symmetric S only)
    return True, "the statement text parses to the certified polynomial" + (
        f" ({kinds})" if kinds else "") + _assumed(cert, given, st.variables)


def _assumed(cert: SoSCertificate, given: list[Any], variables: Any) -> str:
    """The file's domain constraints that the matrix kinds do not imply, said in words.

    The text does not carry the domain (a box or constraints are given beside it), so
    these are not a mismatch; but a reader of "det(P) >= 1 ... parses" must see that the
    file also assumes ``det(P) - 1 >= 0`` (a forger's way to make any bound VALID).
    """
    from specproof.certificates.check_sos import _poly_text
    from specproof.lemmas.matrices import Matrix
    from specproof.lemmas.prove import to_poly

    names = [str(v) for v in variables]
    order = [names.index(v) for v in cert.variables]

    def key(poly: Any, kind: str) -> tuple:
        # the kind too: det(P) == 0 is not the psd minor det(P) >= 0, and was not named
        return kind, frozenset((tuple(e[i] for i in order), c) for e, c in poly.items()
                               if c != 0)

    implied: set[tuple] = set()
    for m in given:
        if isinstance(m, Matrix):
            g, h = m.constraints()
            implied |= {key(to_poly(x, variables), ">=") for x in g}
            implied |= {key(to_poly(x, variables), "==") for x in h}
    extra = [f"{_poly_text(g, cert.variables, limit=None)} >= 0" for g in cert.inequalities
             if key(g, ">=") not in implied]
    extra += [f"{_poly_text(h, cert.variables, limit=None)} == 0" for h in cert.equalities
              if key(h, "==") not in implied]
    if not extra:
        return ""
    shown = "; ".join(extra)  # in full, as the verdict line shows the domain
    return (f"; on a domain that also assumes {shown} ({len(extra)} constraint"
            f"{'s' if len(extra) > 1 else ''} beyond the matrix kinds)")
