"""The docs runner (root conftest.py) can fail: wrong output, errors and templates are seen."""

import importlib.util
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _runner():
    spec = importlib.util.spec_from_file_location("_docs_runner_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DOCS


def _run_page(tmp_path, text):
    """Evaluate a page's examples in order; the outcome of each, as sybil gives it."""
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    document = _runner().parse(page)
    outcomes = []
    for example in document:
        try:
            example.evaluate()
        except unittest.SkipTest as exc:
            outcomes.append(("skipped", str(exc)))
        except Exception as exc:  # sybil's failures and the block's own exceptions
            outcomes.append(("failed", f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append(("ok", ""))
    return outcomes


PAGE = """# A page

```python
x = 41
```

```python
>>> x + 1
42
>>> x + 2
44
```

<!-- skip: next -->
```python
def template(ctx, ...):
    ...
```

```python
undefined_name
```
"""


def test_matching_output_passes_and_wrong_output_fails(tmp_path):
    outcomes = _run_page(tmp_path, PAGE)
    # blocks share one namespace: x from the first block is seen by the doctest
    assert outcomes[0] == ("ok", "")
    assert outcomes[1] == ("ok", "")
    assert outcomes[2][0] == "failed" and "44" in outcomes[2][1] and "43" in outcomes[2][1]


def test_a_template_is_skipped_with_its_place_and_a_plain_error_fails(tmp_path):
    outcomes = _run_page(tmp_path, PAGE)
    skipped = [o for o in outcomes if o[0] == "skipped"]
    assert len(skipped) == 1
    assert re.search(r"page\.md:\d+: a template, not run", skipped[0][1])
    assert outcomes[-1][0] == "failed" and "NameError" in outcomes[-1][1]


def test_every_python_block_of_the_docs_is_seen_by_the_runner():
    """A fence spelled ```py, ```python3 or ```pycon would silently never run."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    fences = re.compile(r"^\s*```\s*(\S+)", re.MULTILINE)
    for page in pages:
        for info in fences.findall(page.read_text(encoding="utf-8")):
            if info.lower().startswith(("py", "ipython")):
                assert info == "python", f"{page.name}: a ```{info} block is not run; use ```python"


def test_the_docs_are_collected_by_plain_pytest():
    """README's test command (python -m pytest -q -n auto --dist loadfile) reaches
    README.md and docs/."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is 3.11+
    testpaths = re.search(r"^testpaths = \[(.*)\]$", text, re.MULTILINE).group(1)
    assert '"README.md"' in testpaths and '"docs"' in testpaths
    assert re.search(r'^\s*"sybil>=', text, re.MULTILINE)


def test_blas_runs_one_thread_in_the_test_process():
    """The root conftest.py limits BLAS to one thread before numpy loads: with the docs'
    pages collected first, an import of numpy there once left OpenBLAS at every core, and a
    512x128 SVD in docs/lemmas.md took 1.2 s instead of 0.02 s on the shared 2 cores."""
    import os

    from threadpoolctl import threadpool_info

    if os.environ.get("OPENBLAS_NUM_THREADS", "1") != "1":
        return  # the user chose a thread count (setdefault keeps it): nothing to check
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas), blas
