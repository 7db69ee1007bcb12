"""Docs are code: every ```python block of README.md and docs/*.md runs under pytest (sybil).

The convention (README and every page of docs/):

- the blocks of one page run in order, in one namespace;
- a block that starts with ``>>>`` is a doctest: its output must match (ELLIPSIS and
  NORMALIZE_WHITESPACE are on, so ``...`` may stand for a hash or a timing);
- any other ```python block must run without error;
- a template that must not run is preceded by ``<!-- skip: next -->`` and is reported as
  skipped, with the reason (``<!-- skip: next "why" -->`` gives a reason of its own).

Each page runs in a fresh temporary working directory, so the files its examples write
(``x.cert.json``, report folders) do not land in the repository; ``docs/examples/`` is
copied there, so a page may name ``docs/examples/my_dag.py`` as a reader at the root would.
"""

from __future__ import annotations

import doctest
import os
import shutil
import tempfile
from collections.abc import Iterable

# This file loads before tests/conftest.py and before anything imports numpy. One BLAS
# thread per process: the suite runs worker processes (verify --jobs, process pools, Dask)
# on 2 cores, and multi-threaded OpenBLAS oversubscribed there runs small LAPACK calls
# 10-60x slower (a 512x128 SVD in docs/lemmas.md: 1.2 s instead of 0.02 s). A user's
# setting wins. No figure window either.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from sybil import Document, Region, Sybil  # noqa: E402
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser  # noqa: E402

# pytest's importlib mode imports a module it collects doctests from by its file unless
# that module is already in sys.modules, and a package module loaded that way can come
# in twice (two Certificate classes: isinstance fails between them). The certificates
# package is therefore imported here, through the normal machinery, before collection.
import specproof.certificates.certificate  # noqa: E402, F401, I001

TEMPLATE_REASON = "{page}:{line}: a template, not run (marked <!-- skip: next -->)"


class VisibleSkipParser(SkipParser):
    """``<!-- skip: next -->`` skips the next block *visibly*: pytest reports it as skipped.

    Plain sybil treats a skip without a reason as "not evaluated", which pytest counts as a
    pass; a template that silently passes would hide that it never ran.
    """

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in super().__call__(document):
            action, reason = region.parsed
            if action == "next" and not reason:
                line = document.text.count("\n", 0, region.start) + 2
                page = os.path.relpath(document.path)
                region.parsed = (action, repr(TEMPLATE_REASON.format(page=page, line=line)))
            yield region


# docs/examples/*.py are user claim modules that the pages show and tests/cli runs by path;
# imported by --doctest-modules they would register their claims a second time
collect_ignore = ["docs/examples"]


def _enter_scratch_directory(namespace: dict) -> None:
    from specproof.claims import REGISTRY

    namespace["__docs_claims__"] = {c.id for c in REGISTRY}
    namespace["__docs_cwd__"] = os.getcwd()
    namespace["__docs_tmp__"] = tempfile.TemporaryDirectory(prefix="specproof-docs-")
    # the pages name their example files as a reader at the repository's root would
    # (docs/examples/my_dag.py:ladder): a copy keeps those paths valid in the scratch folder
    examples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "docs", "examples")
    if os.path.isdir(examples):
        shutil.copytree(examples, os.path.join(namespace["__docs_tmp__"].name, "docs",
                                               "examples"))
    os.chdir(namespace["__docs_tmp__"].name)


def _leave_scratch_directory(namespace: dict) -> None:
    from specproof.claims import REGISTRY

    os.chdir(namespace.pop("__docs_cwd__"))
    # a claim declared by the page itself (docs/claims.md) is forgotten, so that the test
    # suite may register the same example from docs/examples/; built-in claims the page
    # loaded on demand stay (their loader remembers that it ran)
    before = namespace.pop("__docs_claims__")
    for c in list(REGISTRY):
        if c.id not in before and not (c.module or "").startswith("specproof."):
            REGISTRY.remove(c.id)
    namespace.pop("__docs_tmp__").cleanup()
    import matplotlib.pyplot as plt

    plt.close("all")


DOCS = Sybil(
    parsers=[
        PythonCodeBlockParser(
            doctest_optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        ),
        VisibleSkipParser(),
    ],
    patterns=["README.md", "docs/*.md"],
    setup=_enter_scratch_directory,
    teardown=_leave_scratch_directory,
)
pytest_collect_file = DOCS.pytest()


def pytest_cmdline_main(config: pytest.Config) -> None:  # after xdist's (tryfirst) set "load"
    # a page's examples share one scratch folder and one namespace (the files one example
    # writes, the next reads): under xdist a page must run on one worker, which "load"
    # does not promise (it split docs/certificates.md between two: 10 failures)
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadgroup"


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        # a worker re-parses the command line, which does not say "loadgroup": its group
        # marks must still reach the controller's scheduler as nodeid suffixes
        config.option.loadgroup = True


# the files that take minutes (each claim's quick profile, whole verify runs): started
# first, so that two workers end together instead of one running the last of them alone
# (they sort last by name, and the run took 10:15 with one worker idle at the end)
_LONGEST_FIRST = ("tests/theory/test_registry.py", "tests/lemmas/test_probe_s17_search.py",
                  "tests/cli/test_verify_probe_s11.py", "tests/cli/test_verify.py",
                  "tests/theory/test_claims_mutation_s19.py",
                  "tests/theory/test_claims_mutation_sn_convnorm.py",
                  "tests/lemmas/test_adversarial_review.py", "tests/cli/test_verify_resume.py",
                  "tests/theory/test_claims_mutation_dag_groups.py",
                  "tests/lemmas/test_probe_s10_search.py")


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath

    def rank(item: pytest.Item) -> int:
        try:
            name = item.path.relative_to(root).as_posix()
        except ValueError:
            return len(_LONGEST_FIRST)
        return _LONGEST_FIRST.index(name) if name in _LONGEST_FIRST else len(_LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file and among the rest is kept
    for item in items:
        if item.path.suffix == ".md":
            item.add_marker(pytest.mark.xdist_group(name=f"docs-{item.path.name}"))
