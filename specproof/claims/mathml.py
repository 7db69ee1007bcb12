r"""LaTeX math to MathML for report.html, through latex2mathml, checked before use.

latex2mathml copies some input into its output unescaped (text inside ``\text`` became
``<mtext><script>...``), so its output is parsed, every element and attribute is
checked against a MathML whitelist, and the HTML is written back from the checked tree.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from specproof.claims.math_check import math_is_safe

_MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# The presentation MathML elements latex2mathml writes for the commands above; anything
# else (an HTML element smuggled through, <semantics> with an HTML annotation...) means
# its output is not what we checked, so the source is shown as text instead.
_MATHML_ELEMENTS = frozenset(
    """math mrow mi mn mo mtext mspace ms msub msup msubsup mfrac msqrt mroot mover
    munder munderover mstyle mpadded mphantom menclose mfenced mtable mtr mtd""".split())
_MATHML_ATTRIBUTES = frozenset(
    """display stretchy fence separator separators mathvariant accent accentunder width
    height depth form displaystyle scriptlevel minsize maxsize lspace rspace
    movablelimits largeop symmetric linethickness columnalign columnspacing rowspacing
    notation open close bevelled mathsize""".split())
# Attribute values are lengths, keywords and numbers: no markup, quotes, colons (so no
# "javascript:") or entities.
_MATHML_VALUE = re.compile(r"[A-Za-z0-9 .,%+-]*")


def _xml_text(text: str | None, quote: bool = False) -> str:
    """Text or an attribute value escaped for HTML and XML alike, ASCII only."""
    return html.escape(text or "", quote=quote).encode("ascii", "xmlcharrefreplace").decode()


def _checked_mathml(el: ET.Element) -> str:
    """``el`` written back as MathML, or :class:`ValueError` if anything in it (element,
    attribute or value) is outside the whitelists."""
    ns, _, name = el.tag.rpartition("}")
    if ns != "{" + _MATHML_NS or name not in _MATHML_ELEMENTS:
        raise ValueError(f"element {el.tag!r} is not whitelisted MathML")
    attrs = []
    for key, value in el.attrib.items():
        if key not in _MATHML_ATTRIBUTES or not _MATHML_VALUE.fullmatch(value):
            raise ValueError(f"attribute {key}={value!r} on <{name}> is not allowed")
        attrs.append(f' {key}="{_xml_text(value, quote=True)}"')
    inner = "".join(_checked_mathml(child) + _xml_text(child.tail) for child in el)
    # every element closed explicitly: an HTML parser and an XML parser then build the
    # same tree
    return f"<{name}{''.join(attrs)}>{_xml_text(el.text)}{inner}</{name}>"


@lru_cache(maxsize=4096)
def mathml(src: str) -> str:
    """Inline MathML for a LaTeX math source (latex2mathml), with the source as alttext.

    latex2mathml copies some text into its output unescaped, so its output is parsed as
    XML and written back here from the parsed tree, and only if every element and
    attribute is whitelisted MathML; otherwise, or if ``src`` is not
    :func:`math_is_safe`, :class:`ValueError` is raised (the caller then shows ``src``
    as text).

    Examples
    --------
    >>> mathml("x^2").startswith('<math alttext="x^2" xmlns="http://www.w3.org/1998/Math/MathML"')
    True
    >>> mathml(r"\\text{<script>}")
    Traceback (most recent call last):
    ...
    ValueError: not safe math: '\\\\text{<script>}'
    """
    from latex2mathml.converter import convert

    if not math_is_safe(src):
        raise ValueError(f"not safe math: {src!r}")
    out = convert(src, display="inline")
    # no DOCTYPE, comment, CDATA or processing instruction: an XML and an HTML parser
    # read those differently
    if "<!" in out or "<?" in out:
        raise ValueError(f"latex2mathml wrote markup declarations for {src!r}")
    try:
        root = ET.fromstring(out)
    except ET.ParseError as err:
        raise ValueError(f"latex2mathml wrote no well-formed XML for {src!r}") from err
    if root.tag != "{" + _MATHML_NS + "}math":
        raise ValueError(f"latex2mathml's root for {src!r} is {root.tag!r}")
    body = _checked_mathml(root)
    return body.replace("<math", f'<math alttext="{_xml_text(src, quote=True)}" '
                                  f'xmlns="{_MATHML_NS}"', 1)
