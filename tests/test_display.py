"""Jupyter display: every result shows its key values in HTML and keeps a one-line repr."""

import html
import re

import numpy as np
import pytest

import specproof as sp
import specproof.certificates as sc
from specproof._core.display import Displayable, format_value, html_repr, text_repr
from specproof.certificates.rational_text import directed_text
from specproof.fitting import fit_loglog

X = np.random.default_rng(0).standard_normal((12, 4))


def _short(text: str, limit: int = 240) -> bool:
    # one line: a result with a failure reason (cut at 60 characters) stays near 200
    return "\n" not in text and len(text) <= limit


def _cells(page: str) -> str:
    """The table's text, unescaped, without tags."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def results():
    cert = sc.certify(X, q=4)
    net = sp.dag_nets.compile(sp.dag_nets.mlp(16, depth=2, d_in=3), activation="erf", seed=0)
    G = sp.groups.dihedral(4)
    R = G.regular_representation()
    from specproof.dag_nets import MEASURES, measurement_config, width_sweep

    sweep = width_sweep(MEASURES["hessian"], [8, 16], seeds=2,
                        config=measurement_config("hessian", arch="mlp", activation="erf"),
                        progress=False)
    return {
        "NormBounds": sc.two_to_q(X, q=4),
        "Certificate": cert,
        "CheckResult": sc.check(cert),
        "EquivarianceReport": sp.groups.check_equivariance(
            lambda x: x + 0.01 * x[::-1], G, R, R, rng=0),
        "WidthSweep": sweep,
        "SlopeFit": fit_loglog([1, 2, 4, 8], [1.0, 0.5, 0.26, 0.124]),
        "HessianNorm": net.hessian_norm(X[0, :3]),
        "TrainingRun": sp.dag_nets.train(net, X[:4, :3], np.ones(4), steps=20),
        "Pion": sp.spectral.Pion(lr=1e-2, transform="cayley"),
        "Adam": sp.spectral.Adam(lr=1e-3),
        "Muon": sp.spectral.Muon(lr=2e-2),
        "SGD": sp.spectral.SGD(lr=0.1, momentum=0.9),
    }


NAMES = ["NormBounds", "Certificate", "CheckResult", "EquivarianceReport", "WidthSweep",
         "SlopeFit", "HessianNorm", "TrainingRun", "Pion", "Adam", "Muon", "SGD"]


@pytest.mark.parametrize("name", NAMES)
def test_every_result_has_a_short_repr_and_an_html_table(results, name):
    obj = results[name]
    assert isinstance(obj, Displayable)
    text = repr(obj)
    assert text.startswith(name + "(") and _short(text), text
    page = obj._repr_html_()
    assert page.startswith('<table class="specproof-result">') and name in page


def test_the_html_holds_the_key_values(results):
    b = results["NormBounds"]
    cells = _cells(b._repr_html_())
    # the bounds are shown rounded outward (lower down, upper up), not to nearest
    lower = directed_text(b.lower, 7, up=False)
    upper = directed_text(b.upper, 7, up=True)
    assert lower in cells and upper in cells and "sos4" in cells
    cert = results["Certificate"]
    assert cert.short_statement in _cells(cert._repr_html_())
    chk = results["CheckResult"]
    cells = _cells(chk._repr_html_())
    assert "✓ ok" in cells and chk.statement in cells and chk.x_sha256 in cells
    rep = results["EquivarianceReport"]
    assert not rep.ok
    cells = _cells(rep._repr_html_())
    assert f"✗ {rep.code}" in cells and rep.worst_element in cells and rep.reason in cells
    fit = results["SlopeFit"]
    assert f"{fit.slope:.7g}" in _cells(fit._repr_html_())
    run = results["TrainingRun"]
    cells = _cells(run._repr_html_())
    assert f"{run.final.loss:.7g}" in cells and f"{run.ntk_change:.7g}" in cells
    h = results["HessianNorm"]
    assert f"{h.value:.7g}" in _cells(h._repr_html_())
    sweep = results["WidthSweep"]
    assert "[8, 16]" in _cells(sweep._repr_html_())
    # an optimizer's table lists every hyperparameter, its text only those set
    pion = results["Pion"]
    assert repr(pion) == "Pion(lr=0.01, transform='cayley', steps=0)"
    cells = _cells(pion._repr_html_())
    assert "cayley" in cells and "adamw_lr" in cells and "betas" in cells
    assert repr(results["SGD"]) == "SGD(lr=0.1, momentum=0.9, steps=0)"


def test_training_run_repr_no_longer_dumps_arrays(results):
    run = results["TrainingRun"]
    text = repr(run)
    assert "array(" not in text and "TrainingRecord" not in text
    assert f"params=<array {run.params.size} float64>" in text
    assert f"steps={run.final.step}" in text


def test_a_failing_check_result_says_why_in_its_repr(tmp_path):
    from specproof.certificates import boolean_cube_certificate

    cert = boolean_cube_certificate(3)
    path = tmp_path / "c.json"
    cert.save(path)
    text = path.read_text().replace('"56/3"', '"18"', 1)
    path.write_text(text)
    res = sc.check(path, exact=True)
    assert not res.ok
    assert "ok=False" in repr(res) and f"code='{res.code}'" in repr(res)
    assert "reason=" in repr(res) and _short(repr(res))
    assert html.escape(res.reason[:40]) in res._repr_html_() or res.reason[:40] in _cells(
        res._repr_html_())


def test_format_value_shortens_what_would_flood_a_line():
    assert format_value(1 / 3) == "0.3333333"
    assert format_value(float("nan")) == "nan"
    assert format_value(np.arange(10.0)) == "<array 10 float64>"
    assert format_value(np.arange(3)) == "[0, 1, 2]"
    assert format_value("é" * 200).endswith("…'") and len(format_value("é" * 200)) <= 62
    assert format_value(tuple(range(50))) == "<tuple of 50>"
    assert format_value({"a": 1.0, "b": [1, 2]}) == "<dict of 2 keys>"
    assert text_repr("R", [("x", 0.1 + 0.2), ("ok", True)]) == "R(x=0.3, ok=True)"


def test_html_escapes_what_it_shows():
    page = html_repr("R<script>", [("k<", "<b>bold</b> & more")], ok=False, code="bad")
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in page and "✗ bad" in page
