"""Checks of a GraphML document for what networkx would silently merge or ignore.

:func:`specproof.dag_nets.from_graphml` runs :func:`check_graphml` on the parsed file
before networkx reads it: a node declared twice, an edge to an undeclared node, a
misspelt attribute or element, or data networkx drops would otherwise give another
network than the file describes, without a word.

Examples
--------
>>> import xml.etree.ElementTree as ET
>>> doc = ('<graphml><graph edgedefault="directed"><node id="x"/><node id="x"/>'
...        '</graph></graphml>')
>>> check_graphml(ET.fromstring(doc), "'net.graphml'")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
specproof.dag_nets.errors.GraphError: GraphML file 'net.graphml': node id 'x' is declared 2 times...
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from specproof._core import did_you_mean
from specproof.dag_nets.errors import GraphError
from specproof.dag_nets.errors import listed_names as _names

#: The node attributes a network's GraphML file may carry: what :func:`analyse`,
#: :func:`specproof.dag_nets.compile` and a width sweep (``fixed_size``) read. Edges and
#: the graph take none: an edge is a dense block of weights drawn from the seed.
GRAPHML_NODE_ATTRIBUTES = ("activation", "fixed_size", "role", "size")

_GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
#: The GraphML elements understood inside each element (``desc`` is a comment).
_GRAPHML_CHILDREN = {"graphml": ("key", "graph", "desc", "data"),
                     "graph": ("node", "edge", "desc", "data"),
                     "node": ("data", "desc"), "edge": ("data", "desc")}
#: The XML attributes each element may carry: those of the GraphML schema (networkx
#: reads ``id``, ``edgedefault``, ``source``, ``target``, ``directed``, the ``<key>``
#: ones and ``yfiles.foldertype``; the ``parse.*`` hints only count what is there). Any
#: other is ignored by networkx: ``<node id="x" size="5"/>`` gave a node of size 1.
#: Attributes in another namespace (``xsi:schemaLocation``) are not GraphML's and pass.
_GRAPHML_ATTRIBUTES = {
    "graphml": (),
    "key": ("id", "for", "attr.name", "attr.type", "yfiles.type"),
    "default": (),
    "desc": (),
    "graph": ("id", "edgedefault", "parse.nodeids", "parse.edgeids", "parse.order",
              "parse.nodes", "parse.edges", "parse.maxindegree", "parse.maxoutdegree"),
    "node": ("id", "parse.indegree", "parse.outdegree", "yfiles.foldertype"),
    "edge": ("id", "source", "target", "directed", "sourceport", "targetport"),
    "data": ("key", "id"),
}


def _tag(el: Any) -> str:
    """An element's GraphML name (``{ns}node`` and ``node`` alike: networkx reads a file
    without the namespace too); its full tag when in another namespace."""
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.removeprefix("{" + _GRAPHML_NS + "}")


def check_graphml(root: Any, where: str) -> None:
    """Refuse what networkx would silently merge or ignore in a GraphML document.

    ``root`` is the parsed document (``xml.etree.ElementTree``), ``where`` names the file.
    A :class:`GraphError` naming what was found refuses: a second ``<graph>`` (networkx
    reads the first) or a nested one (ignored), a node id declared twice (merged, later
    attributes winning), an edge to an undeclared node (created), an element networkx
    does not read (``<port>``, a misspelt ``<edg>``), a node that sets one attribute twice
    (the last value kept), and an attribute no network reads:
    on a node any not in :data:`GRAPHML_NODE_ATTRIBUTES` (``activaton``), on an edge or
    the graph any (``weight``), as data or as a ``<key>`` default (only ``for="node"``
    keys give defaults that networkx applies). Unused ``<key>`` declarations are allowed.
    Networkx also ignores an XML attribute the GraphML schema does not define
    (``<node id="x" size="5"/>``: the size is data, ``<data key=...>5</data>``) and the
    value of a ``<data>`` holding elements (taken for yFiles graphics): both are refused
    too, naming the element and the attribute.

    Examples
    --------
    >>> import xml.etree.ElementTree as ET
    >>> doc = ('<graphml><key id="w" for="edge" attr.name="weight" attr.type="double"/>'
    ...        '<graph edgedefault="directed"><node id="x"/><node id="y"/>'
    ...        '<edge source="x" target="y"><data key="w">2.0</data></edge></graph></graphml>')
    >>> check_graphml(ET.fromstring(doc), "'net.graphml'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    specproof.dag_nets.errors.GraphError: GraphML file 'net.graphml': edge 'x' -> 'y' ...
    """
    head = f"GraphML file {where}:"
    if _tag(root) != "graphml":
        return  # networkx says that it found no graph
    _refuse_other_namespaces(root, head)
    _known_children(root, "graphml", head)
    _known_attributes(root, "graphml", head, "the <graphml> document")
    for k in (k for k in root if _tag(k) == "key"):
        _known_attributes(k, "key", head, f"<key id={k.get('id')!r}>")
    keys = {str(k.get("id")): k.get("attr.name") or k.get("yfiles.type") or ""
            for k in root if _tag(k) == "key"}
    integer_keys = {str(k.get("id")) for k in root
                    if _tag(k) == "key" and k.get("attr.type") in ("int", "long")}
    for k in (k for k in root if _tag(k) == "key" and any(_tag(c) == "default" for c in k)):
        name, domain = keys[str(k.get("id"))], k.get("for", "all")
        defaults = [(c.text or "").strip() for c in k if _tag(c) == "default"]
        if len(defaults) > 1:
            # networkx takes the first without a word
            raise GraphError(f"{head} <key id={k.get('id')!r}> gives {len(defaults)} "
                             f"defaults ({', '.join(map(repr, defaults))}); give one")
        if domain != "node" or name not in GRAPHML_NODE_ATTRIBUTES:
            raise GraphError(f"{head} <key id={k.get('id')!r} for={domain!r}> gives a "
                             f"default {name!r}, which networkx or a network does not use; "
                             f"{_known(name if domain != 'edge' else None)}, as defaults "
                             "of keys for=\"node\"")
        if str(k.get("id")) in integer_keys:
            _refuse_non_integer(defaults[0], f"the default of <key id={k.get('id')!r}>", head)
    graphs = [c for c in root if _tag(c) == "graph"]
    if len(graphs) > 1:
        ids = [g.get("id") for g in graphs]
        raise GraphError(f"{head} it holds {len(graphs)} <graph> elements (ids {ids}); a "
                         "network file holds one (networkx read the first, ignored the rest)")
    for d in (c for c in root if _tag(c) == "data"):
        _refuse_data(d, keys, "the <graphml> document", (), head)
    nodes: dict[str, int] = {}
    for el in (c for g in graphs for c in g):
        if _tag(el) == "node":
            node = str(el.get("id"))
            nodes[node] = nodes.get(node, 0) + 1
            inner = next((c for c in el.iter() if _tag(c) == "graph"), None)
            if inner is not None:
                raise GraphError(f"{head} node {node!r} holds a nested <graph> (id "
                                 f"{inner.get('id')!r}), which networkx ignores; flatten it "
                                 "into the one graph", (node,))
            _known_children(el, "node", head, f" {node!r}")
            _known_attributes(el, "node", head, f"node {node!r}")
            seen: dict[str, str] = {}
            for d in (c for c in el if _tag(c) == "data"):
                _refuse_data(d, keys, f"node {node!r}", GRAPHML_NODE_ATTRIBUTES, head)
                name = keys.get(str(d.get("key")), "")
                if name in seen:
                    # networkx keeps the last value and drops the first silently
                    raise GraphError(f"{head} node {node!r} sets {name!r} twice "
                                     f"({seen[name]!r}, then {(d.text or '').strip()!r}); "
                                     "give it once", (node,))
                seen[name] = (d.text or "").strip()
                if str(d.get("key")) in integer_keys:
                    _refuse_non_integer(seen[name], f"node {node!r}'s {name!r}", head, node)
        elif _tag(el) == "data":
            _refuse_data(el, keys, "the <graph>", (), head)
    for g in graphs:
        _known_children(g, "graph", head)
        _known_attributes(g, "graph", head, "the <graph>")
    twice = [n for n, count in nodes.items() if count > 1]
    if twice:
        more = f" (and {_names(twice[1:])} more than once)" if len(twice) > 1 else ""
        raise GraphError(f"{head} node id {twice[0]!r} is declared {nodes[twice[0]]} times"
                         f"{more}; networkx would merge the declarations, the later "
                         "attributes winning: give each node one <node> element", tuple(twice))
    for el in (c for g in graphs for c in g if _tag(c) == "edge"):
        edge = f"edge {el.get('source')!r} -> {el.get('target')!r}"
        missing = [n for n in (el.get("source"), el.get("target")) if n not in nodes]
        if missing:
            raise GraphError(f"{head} {edge} names {_names(missing)}, not declared by a "
                             "<node> (networkx would create it: one more input or output); "
                             "declare the node or fix the edge", tuple(missing))
        if el.get("sourceport") or el.get("targetport"):
            raise GraphError(f"{head} {edge} names a port; ports are not supported")
        _known_children(el, "edge", head, f" {edge.removeprefix('edge ')}")
        _known_attributes(el, "edge", head, edge)
        for d in (c for c in el if _tag(c) == "data"):
            _refuse_data(d, keys, edge, (), head)


def strip_boolean_values(root: Any) -> bool:
    """Strip the whitespace around the values of boolean keys in the parsed document
    ``root`` (in place); True when one had any.

    XML Schema allows it (``<data key="f">\n  true\n</data>``, as a pretty-printer
    writes it), and an int reads so, but networkx looks a boolean's text up as it is:
    the file failed with the message ``'\n  true\n'``.
    """
    booleans = {k.get("id") for k in root if _tag(k) == "key"
                and k.get("attr.type") == "boolean"}
    values = [d for k in root if _tag(k) == "key" and k.get("id") in booleans
              for d in k if _tag(d) == "default"]
    values += [d for d in root.iter() if _tag(d) == "data" and d.get("key") in booleans]
    changed = False
    for d in values:
        if d.text and d.text != d.text.strip():
            d.text = d.text.strip()
            changed = True
    return changed


def _refuse_other_namespaces(root: Any, head: str) -> None:
    """In a document whose root is in the GraphML namespace networkx reads only elements
    in it and only unqualified attributes: ``<data xmlns="" key="s">5</data>`` and
    ``<edge xmlns="" .../>`` were dropped without a word (a node lost its size, the
    network its skip edge), and so was ``g:size="5"`` with ``g`` the GraphML namespace."""
    ns = "{" + _GRAPHML_NS + "}"
    if not (isinstance(root.tag, str) and root.tag.startswith(ns)):
        return  # networkx puts a file without xmlns into the namespace as a whole
    for el in root.iter():
        if isinstance(el.tag, str) and not el.tag.startswith("{"):
            raise GraphError(f"{head} a <{el.tag}> element ({_described(el)}) is in no "
                             "namespace (xmlns=\"\") inside a GraphML document, so "
                             "networkx does not read it; remove its xmlns=\"\"")
        for name in el.attrib:
            if name.startswith(ns):
                raise GraphError(f"{head} <{_tag(el)}> ({_described(el)}) has the attribute "
                                 f"{name[len(ns):]} qualified by the GraphML namespace, "
                                 "which networkx ignores; write it unqualified")


def _described(el: Any) -> str:
    keys = ("id", "key", "source", "target", "for", "attr.name")
    return ", ".join(f"{k}={el.get(k)!r}" for k in keys if el.get(k) is not None) \
        or "no id"


def _known_children(el: Any, kind: str, head: str, which: str = "") -> None:
    for c in el:
        if _tag(c) not in _GRAPHML_CHILDREN[kind]:
            raise GraphError(f"{head} <{kind}>{which} holds a <{_tag(c)}> element, which is "
                             f"not read (a <{kind}> may hold "
                             f"{', '.join(f'<{t}>' for t in _GRAPHML_CHILDREN[kind])})")


def _known_attributes(el: Any, kind: str, head: str, owner: str) -> None:
    """Refuse an XML attribute of ``el`` (a ``<kind>``) that networkx would ignore."""
    allowed = _GRAPHML_ATTRIBUTES[kind]
    for name, value in el.attrib.items():
        if name in allowed or name.startswith("{"):
            continue  # a GraphML attribute, or one of another vocabulary (xsi:...)
        if kind == "node" and name in GRAPHML_NODE_ATTRIBUTES:
            fix = (f"; a node attribute is data: declare <key id=\"...\" for=\"node\" "
                   f"attr.name=\"{name}\" attr.type=\"...\"/> and write "
                   f"<data key=\"...\">{value}</data> inside the <node>")
        else:
            fix = ""
        takes = ", ".join(allowed) if allowed else "none"
        raise GraphError(f"{head} {owner} has the XML attribute {name}=\"{value}\", which "
                         f"networkx ignores (GraphML attributes of <{kind}>: "
                         f"{takes}){fix}")


def _known(name: str | None) -> str:
    hint = did_you_mean(name, list(GRAPHML_NODE_ATTRIBUTES)) if name else ""
    return (f"nodes take only {', '.join(GRAPHML_NODE_ATTRIBUTES)}{hint}; edges and the "
            "graph take none")


_XS_INTEGER = re.compile(r"[+-]?[0-9]+")


def _refuse_non_integer(text: str, what: str, head: str, node: str | None = None) -> None:
    # networkx reads an int key's text with Python's int(), which also takes "1_6" (16)
    # and digits of other scripts ("١٦"); XML Schema's int is an ASCII sign and digits
    if not _XS_INTEGER.fullmatch(text):
        raise GraphError(f"{head} {what} is {text!r}, not an integer as GraphML writes one "
                         "(ASCII digits 0-9, an optional sign)", (node,) if node else ())


def _refuse_data(d: Any, keys: dict[str, str], owner: str, allowed: Sequence[str],
                 head: str) -> None:
    key = str(d.get("key"))
    if key not in keys:
        raise GraphError(f"{head} {owner} has data under key {key!r}, which no <key> declares")
    if keys[key] not in allowed:
        raise GraphError(f"{head} {owner} carries the attribute {keys[key]!r} (key {key!r}), "
                         f"which a network does not read; {_known(keys[key] if allowed else None)}")
    _known_attributes(d, "data", head, f"<data key={key!r}> of {owner}")
    inner = next(iter(d), None)
    if inner is not None:
        # networkx takes a <data> with child elements for yFiles graphics and drops its
        # text: <data key="s">5<b/></data> gave a node of size 1
        raise GraphError(f"{head} {owner} has <data key={key!r}> ({keys[key]!r}) holding a "
                         f"<{_tag(inner)}> element, so networkx ignores its value; write "
                         "the value as the <data>'s only content")
