"""`specproof verify`: a module imported under two names is named as such."""

from __future__ import annotations

from specproof.cli import main

P = '{"quick": {}, "paper": {}}'


def test_one_file_imported_under_two_names_says_so(tmp_path, clean, claim_module, capsys,
                                                   monkeypatch):
    # "registered twice: by mc.py and mc.py" named one file twice without saying why
    mod = claim_module("pfs9_mc", f'''
        @claim("pfs9.a", paper="pfs9", kind="exact", statement="s", profiles={P})
        def a(ctx):
            return ctx.evidence(holds=True)
        a.control(lambda ctx: ctx.evidence(holds=False))
        ''')
    (tmp_path / "pfs9_other.py").write_text("import pfs9_mc\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["verify", "--module", str(mod), "--module", "pfs9_other",
                 "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"is registered twice by {mod}, imported under two module names" in err
    import sys
    sys.modules.pop("pfs9_mc", None)
    sys.modules.pop("pfs9_other", None)
