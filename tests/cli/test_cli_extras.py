"""The command line: --version, help on every argument, did-you-mean, claims listings,
progress on a terminal."""

import argparse
import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specproof._core.version import __version__
from specproof.claims.progress import Progress, RichProgress, make_progress
from specproof.claims.render import tex_escape
from specproof.cli import build_parser, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"specproof {__version__}"


def test_every_argument_has_help():
    parser = build_parser()
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += [f"{name} {a.dest}" for a in sub._actions
                            if a.help in (None, "") and a.dest != "help"]
    assert missing == []


@pytest.mark.parametrize(("argv", "hint"), [
    (["verfy"], "did you mean 'verify'?"),
    (["claim"], "did you mean 'claims'?"),
    (["verify", "--paper", "lin-sn-gn"], "did you mean 'lin-sn-gan'?"),
    (["claims", "--only", "lin-sn-gan.homogenity"], "did you mean 'lin-sn-gan.homogeneity'?"),
])
def test_did_you_mean(argv, hint, capsys, tmp_path):
    if argv[0] == "verify":
        argv = [*argv, "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert hint in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_claims_json_and_long(capsys):
    assert main(["claims", "--json", "--only", "lin-sn-gan.homogeneity",
                 "--only", "lin-sn-gan.gradient-bound"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listing] == ["lin-sn-gan.homogeneity", "lin-sn-gan.gradient-bound"]
    grad = listing[1]
    assert grad["control"] == (
        r"The same networks with $\mathcal{N}(0, 1)$ biases: the bound fails at small $\|x\|$.")
    assert grad["profiles"]["quick"]["nets"] == 24 and grad["kind"] == "numerical"
    assert main(["claims", "--long", "--only", "lin-sn-gan.grad*"]) == 0
    out = capsys.readouterr().out
    # the terminal reads the math as Unicode (the JSON above keeps the LaTeX source)
    assert "control: The same networks with N(0, 1) biases: the bound fails at small ‖x‖." in out
    assert "$" not in out
    assert "quick: nets=24" in out and "paper: nets=200" in out


def test_certify_help_says_nothing_is_written_without_o(capsys):
    with pytest.raises(SystemExit):
        main(["certify", "--help"])
    assert "without -o nothing is written" in " ".join(capsys.readouterr().out.split())


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_live_on_a_terminal_and_plain_elsewhere():
    from specproof.claims import run_claim

    assert type(make_progress("auto", stream=io.StringIO(), stdout=_TTY())) is Progress
    assert type(make_progress("auto", stream=_TTY(), stdout=io.StringIO())) is Progress
    tty = _TTY()
    shown = make_progress("auto", total=1, stream=tty, stdout=_TTY())
    assert isinstance(shown, RichProgress)
    with shown:
        shown.start("lin-sn-gan.homogeneity")
        table = shown.__rich__()
        assert table.row_count == 2  # the running claim and the count
        shown._live.refresh()  # one frame now (the display refreshes 4 times a second)
        shown.finish(run_claim("lin-sn-gan.homogeneity"), 1, 1)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", tty.getvalue())
    assert re.search(r"running\s+lin-sn-gan.homogeneity\s+\d+\.\d s", text)  # live line
    assert "[1/1] PASS    lin-sn-gan.homogeneity" in text
    lines = []
    make_progress(lines.append).note("hello")
    assert lines == ["hello"]


@given(st.text(max_size=60))
def test_tex_escape_leaves_no_active_character(text):
    out = tex_escape(text)
    assert out.isascii()
    body = out.replace("\\\\", "")
    for ch in "&%#_{}$^~":
        # every special is escaped (preceded by a backslash) or part of a command we wrote
        for i, c in enumerate(body):
            if c == ch and ch not in "{}$^":
                assert i > 0 and body[i - 1] == "\\", (text, out)
    depth = 0
    for i, c in enumerate(out):
        if c == "{" and (i == 0 or out[i - 1] != "\\"):
            depth += 1
        elif c == "}" and (i == 0 or out[i - 1] != "\\"):
            depth -= 1
            assert depth >= 0, (text, out)
    assert depth == 0
    assert re.sub(r"\\\$", "", out).count("$") % 2 == 0  # math shifts come in pairs


def test_certify_without_o_says_it_wrote_nothing(tmp_path, capsys, monkeypatch):
    import numpy as np

    np.save(tmp_path / "x.npy", np.random.default_rng(0).standard_normal((6, 3)))
    monkeypatch.chdir(tmp_path)
    assert main(["certify", "x.npy"]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("certificate not written (give -o FILE to write it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npy"]
