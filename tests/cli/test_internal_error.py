"""An uncaught exception is exit status 70 with its traceback, never a verdict's status."""

from __future__ import annotations

import specproof.cli.certify as certify_cli
from specproof.cli import INTERNAL_ERROR, main


def test_a_bug_exits_70_not_1(monkeypatch, capsys, tmp_path):
    def broken(args):
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    # exit 1 is REFUTED for `lemma` and a failing claim for `verify`: a crash read as one
    monkeypatch.setattr(certify_cli, "_cmd_certify", broken)
    assert main(["certify", str(tmp_path / "x.npy")]) == INTERNAL_ERROR == 70
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ValueError: Exceeds the limit" in err
    assert "specproof certify: internal error (exit status 70" in err
