"""Display formulas as math: ``$$ … $$`` blocks in the Markdown (GitHub, Obsidian and
Typora all read ``$$`` on lines of their own), MathML in the HTML, made here at render
time so the file needs no script and no network.

The LaTeX came from a model, so both are made safe: the Markdown block cannot hold
``$``, a blank line or a raw ``<``, and the MathML keeps only MathML elements and
presentation attributes (no links, no events, no foreign markup).
"""

from __future__ import annotations

import re

from lxml import etree
from markupsafe import Markup

from ..engine.latex import latex_to_mathml

MATHML = "http://www.w3.org/1998/Math/MathML"
ELEMENTS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "mstyle", "mtable", "mtr", "mtd", "munder", "mover", "munderover", "mpadded",
    "mphantom", "menclose", "mfenced", "merror", "semantics",
}  # fmt: skip
ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "columnalign",
    "rowspacing", "columnspacing", "accent", "accentunder", "movablelimits", "minsize", "maxsize",
    "form", "width", "height", "depth", "linethickness", "symmetric", "notation", "open", "close",
    "separators", "scriptlevel", "displaystyle", "largeop", "columnlines", "rowlines", "frame",
}  # fmt: skip
_LABEL = re.compile(r"[^\w.\-]")


def markdown_math(latex: str, label: str = "") -> str:
    """The body of a ``$$`` block: one line, no ``$``, relations spelled as commands,
    the equation number as ``\\tag``."""
    body = " ".join(latex.replace("$", " ").split())
    body = body.replace("<", r"\lt ").replace(">", r"\gt ")
    number = _LABEL.sub("", label)
    return f"{body} \\tag{{{number}}}" if number else body


def inline_markdown_math(latex: str) -> str:
    """The body of a ``$…$`` span: one line, no ``$``, no raw ``<`` or ``>``."""
    return markdown_math(latex).strip()


def inline_html_math(latex: str) -> Markup:
    """Inline MathML for a ``$…$`` span; its text, escaped, if it does not parse."""
    try:
        return safe_mathml(latex_to_mathml(latex, display=False), display="inline")
    except ValueError:
        return Markup.escape(latex)


def html_math(latex: str) -> Markup:
    """Display MathML for the LaTeX, reduced to MathML's own elements and attributes."""
    return safe_mathml(latex_to_mathml(latex))


def safe_mathml(mathml: str, display: str = "block") -> Markup:
    """The MathML with every element and attribute that is not MathML presentation
    removed (the converter copies ``\\text{…}`` into its output as it is)."""
    root = etree.fromstring(mathml.encode("utf-8"))
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or etree.QName(element).localname not in ELEMENTS:
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
            continue
        for name in list(element.attrib):
            if name not in ATTRIBUTES:
                del element.attrib[name]
        # Operator names the converter leaves as commands ("\arg"): shown as words.
        if element.text and element.text.startswith("\\") and element.text[1:].isalpha():
            element.text = element.text[1:]
    root.set("display", display)
    return Markup(etree.tostring(root, encoding="unicode"))
