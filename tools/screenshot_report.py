"""Render a report folder's report.html in headless Chromium and save screenshots.

Usage::

    python tools/screenshot_report.py [--report DIR] [--out shots/] [--only GLOB ...]

Without ``--report`` it first runs ``specproof verify`` (quick profile) on the selected
built-in claims plus two deliberately broken demo claims (one FAIL, one ERROR), so the
page shows non-PASS claims first. It then saves, with Chromium from the system
packages (Debian: ``apt-get install chromium``), a screenshot of the top of the page
and one scrolled to a claim with check and control figures side by side (the
contents list must stay in view: it is sticky), and one of the environment section.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

BROKEN = textwrap.dedent(
    '''
    from specproof.claims import claim

    @claim("shotdemo.off-by-one", paper="shotdemo", kind="exact",
           statement="The sum 1 + ... + n equals n(n+1)/2 (checked with an off-by-one bug).",
           profiles={"quick": {"n": 10}, "paper": {"n": 100}})
    def off_by_one(ctx, n, shift=1):
        total = sum(range(1, n + shift))
        return ctx.evidence(holds=total == n * (n + 1) // 2 + 1,
                            measured={"sum": total, "formula": n * (n + 1) // 2},
                            expected="sum == n(n+1)/2", key="sum")

    @off_by_one.control
    def wrong_formula(ctx, n):
        """The formula n^2/2, which must not match the sum."""
        return off_by_one.check(ctx, n, shift=0)

    @claim("shotdemo.raises", paper="shotdemo", kind="numerical",
           statement="A check whose code raises: the report shows the exception and where.",
           profiles={"quick": {}, "paper": {}})
    def raises(ctx):
        return ctx.evidence(holds=True, measured={"x": 1.0}, key="nope")

    raises.control(lambda ctx: ctx.evidence(holds=False))
    '''
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no Chromium found: apt-get install chromium")


def shoot(html: Path, png: Path, width: int, height: int, anchor: str = "") -> None:
    """Screenshot ``html``; with ``anchor``, of a copy that shows only that section of
    ``main`` beside the contents list (headless Chromium captures a scrolled viewport
    as a blank page, so the section is brought to the top instead of scrolled to)."""
    if anchor:
        text = html.read_text(encoding="utf-8")
        focus = f"<style>main > *:not(#{anchor}){{display:none}}</style></head>"
        html = html.with_name(f".view-{anchor}.html")
        html.write_text(text.replace("</head>", focus, 1), encoding="utf-8")
    url = html.resolve().as_uri()
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--window-size={width},{height}", f"--screenshot={png.resolve()}", url]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    finally:
        if anchor:
            html.unlink(missing_ok=True)
    print(f"wrote {png}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, help="an existing report folder")
    parser.add_argument("--out", type=Path, default=Path("report-shots"),
                        help="folder for the PNG screenshots (default report-shots)")
    parser.add_argument("--only", action="append", default=[],
                        help="claim id globs to run (default: every built-in claim)")
    parser.add_argument("--width", type=int, default=1400, help="window width in pixels")
    parser.add_argument("--height", type=int, default=1800, help="window height in pixels")
    args = parser.parse_args(argv)
    report = args.report
    if report is None:
        tmp = Path(tempfile.mkdtemp())
        broken = tmp / "shotdemo_claims.py"
        broken.write_text(BROKEN)
        report = tmp / "specproof-report"
        only = [a for g in (args.only or []) for a in ("--only", g)]
        cmd = [sys.executable, "-m", "specproof", "verify", "--module", str(broken),
               "--out", str(report), *only]
        if only:
            cmd += ["--only", "shotdemo.*"]
        subprocess.run(cmd, check=False)
    html = report / "report.html"
    args.out.mkdir(parents=True, exist_ok=True)
    shoot(html, args.out / "top.png", args.width, args.height)
    shoot(html, args.out / "figures.png", args.width, args.height,
          "claim-lin-sn-gan-gradient-bound")
    shoot(html, args.out / "certificates.png", args.width, args.height,
          "claim-hopkins-tiegel-exact-certificate-roundtrip")
    shoot(html, args.out / "baseline.png", args.width, args.height,
          "claim-hopkins-tiegel-baseline-guarantee")
    shoot(html, args.out / "environment.png", args.width, args.height, "environment")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
