"""Every built-in claim has a negative control, and the quick profile passes as a whole."""

import json

from specproof.cli import main
from specproof.theory import PAPERS, REGISTRY, load_builtin_claims


def test_every_builtin_claim_has_a_described_control():
    load_builtin_claims()
    builtin = [c for c in REGISTRY if c.paper in PAPERS]
    assert len(builtin) >= 14
    for c in builtin:
        assert c.control_check is not None, c.id
        assert c.control_description.strip(), c.id
        assert set(c.profiles) >= {"quick", "paper"}, c.id


def test_quick_profile_passes_with_every_control_failing(tmp_path, capsys):
    out = tmp_path / "all"
    assert main(["verify", "--out", str(out), "--jobs", "2"]) == 0
    capsys.readouterr()
    doc = json.loads((out / "evidence.json").read_text())
    papers = {c["paper"] for c in doc["claims"]}
    assert {"lin-sn-gan", "hopkins-tiegel", "group-appendix"} <= papers
    for rec in doc["claims"]:
        assert (rec["verdict"], rec["check"]["verdict"], rec["control"]["verdict"]) == (
            "PASS", "HOLDS", "FAILS"), rec["id"]
