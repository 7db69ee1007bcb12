"""A user's lemma as a claim: proved (certificate in the report) or refuted (the witness).

:func:`lemma_claim` registers a claim whose check proves a polynomial statement with an
exact certificate (written to the report folder) or, for a statement the prover cannot
take (norms, roots, callables), searches for a counterexample. Its negative control is a
false variant of the lemma, which must be refuted; the statement appears as math.

Examples
--------
>>> from specproof.claims import Registry, run_claim
>>> reg = Registry()
>>> c = lemma_claim("notes.amgm", "x**2 + y**2 >= 2*x*y", paper="notes",
...                 control="x**2 + y**2 >= 3*x*y", registry=reg)
>>> c.statement
'$x^{2} + y^{2} \\\\geq 2 x y$'
>>> run_claim(c, profile="quick", seed=0).verdict
'PASS'
"""

from __future__ import annotations

from typing import Any

from specproof.claims.claim import Claim, Registry, claim
from specproof.claims.evidence import Context, Evidence


def _counterexample_evidence(ctx: Context, verdict: Any, expected: str,
                            fails_on: tuple[str, ...] = ("REFUTED", "NUMERICAL COUNTEREXAMPLE"),
                            control: bool = False) -> Evidence:
    measured: dict[str, Any] = {"verdict": verdict.verdict, "trust": verdict.trust}
    if verdict.verdict in ("REFUTED", "NUMERICAL COUNTEREXAMPLE"):
        measured.update(counterexample=verdict.point, lhs=verdict.lhs, rhs=verdict.rhs)
    elif getattr(verdict, "tightest", None) is not None:
        t = verdict.tightest
        measured.update(tightest_point=t.point, tightest_margin=t.margin)
    # a search that evaluated no point (the lemma NaN, raising or outside its domain
    # everywhere) tested nothing: not a pass, as assert_no_counterexample says too. (A
    # control is false only when refuted: unevaluable, it already "holds", no pass.)
    nothing = not control and bool(getattr(verdict, "nothing_evaluated", False))
    if nothing:
        measured["evaluated"] = 0
    return ctx.evidence(holds=verdict.verdict not in fails_on and not nothing,
                        measured=measured, expected=expected, key="verdict")


def _as_domain(domain: Any) -> Any:
    """A Domain, or constraint strings read as the CLI's ``--constraint`` does."""
    if isinstance(domain, str):
        domain = [domain]
    if isinstance(domain, (list, tuple)) and domain and all(isinstance(d, str) for d in domain):
        from specproof.lemmas.domains import constraints

        return constraints(*domain)
    return domain


def lemma_claim(claim_id: str, lemma: Any, *, paper: str, control: Any,
                variables: Any = None, domain: Any = None, statement: str | None = None,
                prove_options: dict[str, Any] | None = None,
                profiles: dict[str, dict[str, Any]] | None = None,
                registry: Registry | None = None) -> Claim:
    """Register ``lemma`` (a relation, string or callable) as a claim with a false ``control``.

    A polynomial lemma is checked by ``prove`` (kind ``exact``; the certificate is
    saved with the evidence); any other by ``refute`` (kind ``numerical``: it holds when the
    search within the profile's ``budget`` seconds finds no counterexample). The control
    must be refuted for the claim to pass. ``statement`` defaults to the lemma as LaTeX,
    as written (sympy's rewriting, ``x^2 |x|`` for ``|x|^3``, is not shown), with the
    domain in math. ``domain`` is a Domain or constraint strings (``"x >= 0"`` or a list
    of them, read as ``specproof lemma --constraint`` reads them).
    """
    from specproof.lemmas.statement import as_statement
    from specproof.lemmas.typeset import domain_latex, latex_as_typed

    st = as_statement(lemma, variables, _as_domain(domain))
    bad = as_statement(control, variables, _as_domain(domain))
    provable = not st.is_black_box and st.is_polynomial()
    # typeset as the user wrote it (sympy prints |x|^3 as x^2 |x|), the domain in math
    shown_domain = None if st.domain.is_everywhere else domain_latex(st.domain)
    where = ("" if st.domain.is_everywhere else f" on ${shown_domain}$" if shown_domain
             else f" on {st.domain.describe()}")
    text = statement or f"${latex_as_typed(st)}${where}"
    options = dict(prove_options or {})

    @claim(claim_id, paper=paper, kind="exact" if provable else "numerical", statement=text,
           profiles=profiles or {"quick": {"budget": 3.0}, "paper": {"budget": 60.0}},
           registry=registry)
    def check(ctx: Context, budget: float) -> Evidence:
        from specproof.lemmas.refute import refute

        if provable:
            from specproof.lemmas.prove import prove

            v = prove(st, **options)
            if v.verdict == "PROVED":
                certs = {} if v.certificate is None else {"sos": v.certificate.to_dict()}
                return ctx.evidence(
                    holds=True, key="verdict", certificates=certs,
                    measured={"verdict": v.verdict, "trust": v.trust, "method": v.method,
                              "multiplier": v.multiplier, "degree": v.degree},
                    expected="an exact certificate the independent checker accepts")
            r = refute(st, seed=ctx.seed, budget=budget)
            ev = _counterexample_evidence(ctx, r, "an exact certificate")
            return ctx.evidence(holds=False, measured={**ev.measured, "tried": list(v.tried)},
                                expected=ev.expected, key="verdict")
        return _counterexample_evidence(ctx, refute(st, seed=ctx.seed, budget=budget),
                                        f"no counterexample in {budget:g} s of search")

    @check.control
    def false_variant(ctx: Context, budget: float) -> Evidence:
        from specproof.lemmas.refute import refute

        # the control fails only when refuted: an unconfirmed numerical counterexample
        # is no proof that it is false (it may be a true statement seen through rounding),
        # and a control that might be true makes the claim vacuous, not a pass
        return _counterexample_evidence(ctx, refute(bad, seed=ctx.seed, budget=budget),
                                        "no counterexample to the false variant",
                                        fails_on=("REFUTED",), control=True)

    # a sentence: the reports print it after "Negative control (FAILS)."
    check.control_description = f"The false variant ${latex_as_typed(bad)}$ must be refuted."
    return check


__all__ = ["lemma_claim"]
