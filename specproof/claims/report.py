"""The report folder's files: ``evidence.json``, ``report.html``, ``report.md``, ``report.tex``.

``evidence.json`` follows the JSON schema ``evidence.schema.json`` shipped beside this
module (schema id ``specproof.evidence/2``; version 1 is ``evidence.schema.v1.json``);
see ``docs/cli.md``. The three reports are rendered from it through one document model
(:mod:`specproof.claims.document`), so they say the same things, and
:func:`rerender` rebuilds them from an evidence file alone.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from specproof._core import ArgumentError, SpecproofError, to_jsonable
from specproof._core.files import atomic_write
from specproof._core.printable import printable
from specproof._core.provenance import (
    CORE_DEPENDENCIES,
    file_sha256,
    platform_info,
    versions,
)
from specproof._core.version import __version__
from specproof.claims.claim import REGISTRY
from specproof.claims.document import build_document, key_figure
from specproof.claims.folder import DIGESTS_NAME, SCHEMA_IDS, ReportFolder, record_digest
from specproof.claims.markup_plain import plain_rich
from specproof.claims.render import plural, render_html, render_markdown, render_tex
from specproof.claims.results import record_verdict
from specproof.claims.run import VerifyRun
from specproof.claims.runner import VERDICTS

SCHEMA_ID = SCHEMA_IDS[-1]  # "specproof.evidence/2"


class EvidenceFileError(SpecproofError, ValueError):
    """An evidence file that cannot be read or does not follow a known schema."""


def evidence_schema(version: int = 2) -> dict[str, Any]:
    """The JSON schema that ``evidence.json`` validates against (``version`` 1 or 2).

    Examples
    --------
    >>> evidence_schema()["properties"]["schema"]["const"]
    'specproof.evidence/2'
    >>> evidence_schema(1)["properties"]["schema"]["const"]
    'specproof.evidence/1'
    """
    names = {1: "evidence.schema.v1.json", 2: "evidence.schema.json"}
    if version not in names:
        raise ArgumentError(f"version must be 1 or 2, got {version!r}")
    text = resources.files("specproof.claims").joinpath(names[version]).read_text()
    return json.loads(text)


def module_record(name: str) -> dict[str, Any]:
    """A ``--module`` as recorded in the evidence: its name, file and the file's SHA-256.

    Examples
    --------
    >>> module_record("json")["path"].endswith("__init__.py")
    True
    """
    import importlib.util

    path: str | None = None
    if name.endswith(".py"):
        path = str(Path(name).resolve())
    else:
        try:
            spec = importlib.util.find_spec(name)
            path = spec.origin if spec is not None and spec.has_location else None
        except (ImportError, ValueError):
            path = None
    digest = file_sha256(path) if path and Path(path).is_file() else None
    return {"name": name, "path": path, "sha256": digest}


def environment(run: VerifyRun) -> dict[str, Any]:
    """Versions of the distributions that took part, platform, command line, modules.

    Examples
    --------
    >>> from pathlib import Path
    >>> env = environment(VerifyRun(out=Path("."), profile="quick", seed=0))
    >>> sorted(env), env["versions"]["numpy"] is not None
    (['command_line', 'modules', 'platform', 'versions'], True)
    """
    names = sorted(set(CORE_DEPENDENCIES) | set(run.distributions), key=str.lower)
    env = {
        "versions": versions(names),
        "platform": platform_info(),
        "command_line": run.command_line,
        # taken at the start: a file edited while the run goes on is not what it ran
        "modules": (list(run.module_records) if run.module_records is not None
                    else [module_record(m) for m in run.modules]),
    }
    fingerprint = getattr(run, "fingerprint", None)  # verify's runs record it
    if fingerprint is not None:
        # the helpers the modules import and specproof's own source: what --resume and
        # --last-failed compare besides the modules
        env["fingerprint"] = fingerprint
    return env


def _papers(run: VerifyRun) -> dict[str, Any]:
    out = {}
    keys = {r.paper for r in run.results} | {rec.get("paper") for rec in run.carried}
    for key in sorted(k for k in keys if k):
        p = REGISTRY.paper(key)
        if p is not None:
            out[key] = {"title": p.title, "authors": p.authors, "venue": p.venue,
                        "url": p.url, "note": p.note}
    return out


def evidence_document(run: VerifyRun, complete: bool) -> dict[str, Any]:
    """The evidence of ``run`` as a JSON-able dict (the content of ``evidence.json``)."""
    import platform

    resumed = set(run.resumed)
    records = [dict(r.to_dict(), resumed=True) if r.id in resumed else r.to_dict()
               for r in run.results] + list(run.carried)
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    done = {r["id"] for r in records}
    return {
        "schema": SCHEMA_ID,
        "specproof_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "seed": run.seed,
        "profile": run.profile,
        "complete": bool(complete),
        "interrupted": bool(run.interrupted),
        "seconds": round(run.seconds, 3),
        "cpu_seconds": round(run.cpu_seconds, 3),
        "summary": counts,
        "not_run": [cid for cid in run.selected if cid not in done],
        "environment": environment(run),
        "papers": _papers(run),
        "claims": records,
    }


def summary_table(run: VerifyRun | dict[str, Any]) -> str:
    """The terminal summary: id, kind, verdict, key figure, seconds; under each claim
    that did not pass, its reason; at the end the tally, and the claims that did not run
    when the run was interrupted.

    Accepts a :class:`VerifyRun` or an evidence document. Math in the reasons is shown
    as Unicode text (``$\\le$`` as ``≤``); every text is
    :func:`~specproof._core.printable.printable` (an ESC shows as ``\\x1b``).

    Examples
    --------
    >>> print(summary_table({"claims": [], "seconds": 0.0}))
    claim  kind  verdict  key figure  seconds
    -----  ----  -------  ----------  -------
    0 claims: none; 0.0 s
    """
    if isinstance(run, VerifyRun):
        records = [r.to_dict() for r in run.results]
        seconds, interrupted = run.seconds, run.interrupted
        done = {r["id"] for r in records} | {r.get("id") for r in run.carried}
        not_run = [cid for cid in run.selected if cid not in done]
    else:
        # as the reports show them: the verdict each record's outcomes support
        records = [dict(r, **dict(zip(("verdict", "reason"), record_verdict(r))))
                   for r in run.get("claims", [])]
        seconds = float(run.get("seconds") or 0)
        interrupted = bool(run.get("interrupted"))
        not_run = list(run.get("not_run") or [])
    header = ("claim", "kind", "verdict", "key figure", "seconds")
    # printable: a measured value, an expected line or an error holding ESC codes drew
    # over the table on a terminal
    rows = [tuple(map(printable, (r["id"], r["kind"], r["verdict"], key_figure(r))))
            + (f"{r['seconds']:.2f}",) for r in records]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()

    lines = [line(header), "  ".join("-" * w for w in widths)]
    for rec, row in zip(records, rows):
        lines.append(line(row))
        if rec["verdict"] != "PASS":
            lines.append(printable(f"    {rec['verdict']}: {plain_rich(rec.get('reason', ''))}"))
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    tail = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    state = " (interrupted)" if interrupted else ""
    lines.append(f"{plural(len(records), 'claim')}: {tail or 'none'}; {seconds:.1f} s{state}")
    carried = list(run.carried) if isinstance(run, VerifyRun) else []
    if carried:
        kept = {v: sum(r.get("verdict") == v for r in carried) for v in VERDICTS}
        bad = [r.get("id") for r in carried if r.get("verdict") != "PASS"]
        lines.append(printable(f"carried over from the previous run (not rerun): "
                               f"{', '.join(f'{n} {v}' for v, n in kept.items() if n)}"
                               + (f"; not passing: {', '.join(map(str, bad))}" if bad else "")))
    if not_run:
        lines.append(printable(f"interrupted: {plural(len(not_run), 'selected claim')} did "
                               "not run: " + ", ".join(map(str, not_run))))
    return "\n".join(lines)


def write_documents(doc: dict[str, Any], folder: Path, with_html: bool = True,
                    digests: bool = True) -> None:
    """Write ``evidence.json``, ``report.md``, ``report.tex`` (and ``report.html``) into
    ``folder`` from the evidence document ``doc``; figures are read from
    ``folder/figures`` for the HTML. ``digests``: also ``evidence.digests.json``, the
    records a run wrote (what ``--resume`` keeps); not for a re-rendered file, whose
    records may have been edited."""
    text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    atomic_write(folder / "evidence.json", text)
    if digests:
        # the digests of the records as read back (what --resume will compare): a
        # measured value edited in the evidence was kept by --resume beside its verdict
        sha = sorted({record_digest(r) for r in json.loads(text).get("claims", [])})
        atomic_write(folder / DIGESTS_NAME,
                     json.dumps({"schema": "specproof.evidence-digests/1", "sha256": sha},
                                indent=0) + "\n")
    model = build_document(doc)
    atomic_write(folder / "report.md", render_markdown(model))
    if with_html:
        atomic_write(folder / "report.tex", render_tex(model, folder_name=_final_name(folder),
                                                       figure_dir=folder / "figures"))
        atomic_write(folder / "report.html", render_html(model, folder / "figures"))


def _final_name(folder: Path) -> str:
    # a staging folder ".<name>.partial-XXXX" becomes <name>
    name = folder.name
    if name.startswith(".") and ".partial-" in name:
        return name[1:].rsplit(".partial-", 1)[0]
    return name


def write_report(
    run: VerifyRun, complete: bool = True, with_html: bool = True, folder: Path | None = None
) -> None:
    """Write the report files of ``run`` into ``folder`` (``run.out`` by default)."""
    write_documents(evidence_document(run, complete), Path(folder or run.out), with_html)


def load_evidence(path: str | Path) -> dict[str, Any]:
    """Read and validate an ``evidence.json`` (schema version 1 or 2).

    Raises
    ------
    EvidenceFileError
        The file is missing, not JSON, or follows no known schema.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "evidence.json")
    >>> _ = open(path, "w").write('{"schema": "other/1"}')
    >>> load_evidence(path)
    Traceback (most recent call last):
    ...
    specproof.claims.report.EvidenceFileError: ... is not a specproof evidence file: ...
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceFileError(f"cannot read {str(path)!r} as an evidence file: {exc}") from exc
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema not in SCHEMA_IDS:
        raise EvidenceFileError(
            f"{str(path)!r} is not a specproof evidence file: schema is {schema!r}, "
            f"expected one of {list(SCHEMA_IDS)}"
        )
    try:
        import jsonschema
    except ImportError:  # validation is a dev extra; the renderer copes with what it gets
        return doc
    try:
        jsonschema.validate(doc, evidence_schema(SCHEMA_IDS.index(schema) + 1))
    except jsonschema.ValidationError as exc:
        raise EvidenceFileError(
            f"{str(path)!r} does not follow {schema}: {exc.message}"
        ) from exc
    return doc


def referenced_files(doc: dict[str, Any]) -> list[str]:
    """The figure and certificate files (relative paths) an evidence document names.

    Examples
    --------
    >>> referenced_files({"claims": [{"figures": {"check": "a.b"}, "check": {},
    ...                               "control": {"certificates": ["a.b.c.json"]}}]})
    ['figures/a.b.pdf', 'figures/a.b.png', 'certificates/a.b.c.json']
    """
    files = []
    for rec in doc.get("claims", []):
        for stem in (rec.get("figures") or {}).values():
            _check_file_name(stem, "figure")
            files += [f"figures/{stem}.pdf", f"figures/{stem}.png"]
        for role in ("check", "control"):
            for name in (rec.get(role) or {}).get("certificates") or []:
                _check_file_name(name, "certificate")
                files.append(f"certificates/{name}")
    return files


# what the runner writes: ``<claim-id>[.control][.<name>.json]``; claim ids are letters,
# digits and ``._-``. Anything else in an evidence file (``../../x``, an absolute path)
# would have made `specproof report` or --resume copy files outside the report folder
_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")


def _check_file_name(name: Any, what: str) -> None:
    if not (isinstance(name, str) and _SAFE_FILE_NAME.fullmatch(name) and ".." not in name):
        raise EvidenceFileError(
            f"the evidence names a {what} file {name!r}: a report's file names are a claim "
            "id and a suffix (letters, digits, '.', '_', '-'; no path), so this evidence "
            "was not written by specproof or was edited")


def rederived(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with each claim's verdict and reason, and the ``summary``, re-derived from
    the records' own outcomes (:func:`~specproof.claims.results.record_verdict`), as the
    reports show them.

    A re-rendered folder must not contradict itself: a forged ``"verdict": "PASS"`` or
    tally was copied into the new ``evidence.json`` while its report.md said ERROR.

    Examples
    --------
    >>> doc = rederived({"summary": {"PASS": 1}, "claims": [{"verdict": "PASS",
    ...     "check": {"verdict": "FAILS"}, "control": {"verdict": "FAILS"}}]})
    >>> doc["claims"][0]["verdict"], doc["summary"]
    ('ERROR', {'PASS': 0, 'FAIL': 0, 'VACUOUS': 0, 'ERROR': 1})
    """
    claims = [dict(rec, **dict(zip(("verdict", "reason"), record_verdict(rec))))
              if isinstance(rec, dict) else rec for rec in doc.get("claims") or []]
    counts = {v: sum(isinstance(r, dict) and r.get("verdict") == v for r in claims)
              for v in VERDICTS}
    return {**doc, "claims": claims, "summary": counts}


def rerender(evidence_path: str | Path, out: str | Path) -> tuple[Path, list[str]]:
    """Render the reports of an evidence file into the folder ``out``, running nothing.

    The figures and certificates the evidence names are copied from beside the
    evidence file; ``out`` is replaced as a whole, like a run's report folder (and,
    like it, refused unless it is missing, empty or a specproof report). The new
    ``evidence.json`` holds the verdicts and the tally the reports show
    (:func:`rederived`), never a forged one of the file read.

    Returns
    -------
    (Path, list of str)
        The folder, and the referenced files that were missing beside the evidence.

    Examples
    --------
    >>> import tempfile, os, json
    >>> base = tempfile.mkdtemp()
    >>> src = os.path.join(base, "evidence.json")
    >>> _ = open(src, "w").write(json.dumps({"schema": "specproof.evidence/1",
    ...     "specproof_version": "0", "seed": 0, "profile": "quick", "complete": True,
    ...     "claims": []}))
    >>> folder, missing = rerender(src, os.path.join(base, "again"))
    >>> sorted(os.listdir(folder)), missing
    (['evidence.json', 'figures', 'report.html', 'report.md', 'report.tex'], [])
    """
    src = Path(evidence_path)
    doc = load_evidence(src)
    folder = ReportFolder(out)
    staging = folder.open()
    missing = []
    try:
        for rel in referenced_files(doc):
            source = src.parent / rel
            if source.is_file():
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, staging / rel)
            else:
                missing.append(rel)
        write_documents(rederived(to_jsonable(doc)), staging, digests=False)
    except BaseException:
        folder.discard()
        raise
    return folder.commit(), missing
