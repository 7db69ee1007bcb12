"""Review of 2026-12-07 (second): GraphML read otherwise than written, and a run folder
locked by the orphaned workers of a SIGKILLed run.

Each test failed before its fix: ``xmlns=""`` elements and GraphML-qualified attributes
were dropped by networkx without a word (a node lost its size, the network its skip
edge), a pretty-printed boolean failed with the message ``'\\n true\\n'``, a key's second
default was ignored, and after ``kill -9`` of a ``--jobs`` run its workers lived on,
holding the folder's lock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from specproof.dag_nets import read_graphml
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.run_folder import lock_out_folder

NS = "http://graphml.graphdrawing.org/xmlns"


def _file(tmp_path: Path, hidden: str, extra: str = "", keys: str = "",
          root: str = f'<graphml xmlns="{NS}">') -> Path:
    p = tmp_path / "net.graphml"
    p.write_text(f"""{root}
<key id="s" for="node" attr.name="size" attr.type="int"/>
<key id="a" for="node" attr.name="activation" attr.type="string"/>{keys}
<graph edgedefault="directed">
<node id="x"><data key="s">3</data></node>
<node id="h">{hidden}</node>
<node id="y"/>
<edge source="x" target="h"/><edge source="h" target="y"/>{extra}
</graph></graphml>""")
    return p


@pytest.mark.parametrize("hidden, extra, what", [
    ('<data xmlns="" key="s">5</data>', "", "<data> element (key='s')"),
    ('<data key="s">5</data>', '<edge xmlns="" source="x" target="y"/>',
     "<edge> element (source='x', target='y')"),
])
def test_an_element_outside_the_graphml_namespace_is_refused(tmp_path, hidden, extra, what):
    p = _file(tmp_path, hidden, extra)
    with pytest.raises(GraphError, match=re.escape(f"a {what} is in no namespace")):
        read_graphml(p)


def test_a_graphml_qualified_attribute_is_refused(tmp_path):
    p = _file(tmp_path, "", root=f'<graphml xmlns="{NS}" xmlns:g="{NS}">')
    text = p.read_text().replace('<node id="h">', '<node id="h" g:size="5">')
    p.write_text(text)
    with pytest.raises(GraphError, match="attribute size qualified by the GraphML namespace"):
        read_graphml(p)


def test_the_same_file_without_stray_namespaces_reads_with_its_skip_edge(tmp_path):
    g = read_graphml(_file(tmp_path, '<data key="s">5</data><data key="a">relu</data>',
                           '<edge source="x" target="y"/>'))
    assert g.nodes["h"] == {"size": 5, "activation": "relu"}
    assert sorted(g.edges) == [("h", "y"), ("x", "h"), ("x", "y")]


def test_a_file_without_xmlns_still_reads(tmp_path):
    g = read_graphml(_file(tmp_path, '<data key="s">5</data>', root="<graphml>"))
    assert g.nodes["h"] == {"size": 5}


@pytest.mark.parametrize("value", ["\n        true\n      ", " true", "true\n"])
def test_a_boolean_with_whitespace_reads_as_the_boolean(tmp_path, value):
    keys = '\n<key id="f" for="node" attr.name="fixed_size" attr.type="boolean"/>'
    g = read_graphml(_file(tmp_path, f'<data key="s">8</data><data key="f">{value}</data>',
                           keys=keys))
    assert g.nodes["h"] == {"size": 8, "fixed_size": True}  # was an error naming '\n true\n'


def test_a_boolean_default_with_whitespace_reads(tmp_path):
    keys = ('\n<key id="f" for="node" attr.name="fixed_size" attr.type="boolean">'
            '<default> false </default></key>')
    g = read_graphml(_file(tmp_path, "", keys=keys))
    assert g.nodes["h"]["fixed_size"] is False


def test_two_defaults_of_one_key_are_refused(tmp_path):
    keys = ('\n<key id="d" for="node" attr.name="size" attr.type="int">'
            "<default>3</default><default>5</default></key>")
    with pytest.raises(GraphError, match=r"gives 2 defaults \('3', '5'\)"):
        read_graphml(_file(tmp_path, "", keys=keys))


ORPHAN = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from specproof.dag_nets.executors import make_pool
    from specproof.dag_nets.run_folder import lock_out_folder
    with lock_out_folder(Path(sys.argv[1])):
        pool = make_pool(1, 1)
        print(pool.submit(os.getpid).result(), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="a worker learns of its parent's death through Linux's prctl")
def test_a_sigkilled_runs_worker_ends_and_releases_the_folder(tmp_path):
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    out = tmp_path / "run"
    out.mkdir()
    log = tmp_path / "pid.txt"
    with log.open("w") as fh:  # a file, not a pipe: an orphan holding a pipe would hang us
        proc = subprocess.run([sys.executable, str(script), str(out)], stdout=fh,
                              stderr=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == -9
    worker = int(log.read_text().split()[0])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the worker {worker} outlived its SIGKILLed parent by 60 s")
        with lock_out_folder(out):  # "another specproof ntk run is writing" before
            pass
    finally:
        try:
            os.kill(worker, 9)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16"])
def test_a_file_without_xmlns_in_another_encoding_reads(tmp_path, encoding):
    text = (f'<?xml version="1.0" encoding="{encoding}"?><graphml >'
            '<key id="s" for="node" attr.name="size" attr.type="int"/>'
            '<graph edgedefault="directed"><node id="x"/><node id="hé"><data key="s">4</data>'
            '</node><node id="y"/><edge source="x" target="hé"/><edge source="hé" target="y"/>'
            "</graph></graphml>")
    p = tmp_path / "net.graphml"
    p.write_bytes(text.encode(encoding))
    # "'utf-8' codec can't decode byte" before; "<graphml >": "not read as graphml"
    assert read_graphml(p).nodes["hé"] == {"size": 4}
