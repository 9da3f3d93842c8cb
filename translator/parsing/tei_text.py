"""TEI elements into text: namespaces, whitespace, and mixed content flattened into a
segment's text with its inline references as protected spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from ..model import UNKNOWN_CHARACTER as UNKNOWN
from ..model import Region, Span, SpanKind
from .assembly import with_urls

TEI_NS = "http://www.tei-c.org/ns/1.0"


XML_NS = "http://www.w3.org/XML/1998/namespace"


NS = {"t": TEI_NS}


_WS = re.compile(r"\s+")


_REF_KINDS: dict[str, SpanKind] = {
    "bibr": "bibr",
    "figure": "figure",
    "table": "table",
    "formula": "formula",
    "foot": "foot",
    "url": "url",
}


def local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def xml_id(el: etree._Element) -> str | None:
    return el.get(f"{{{XML_NS}}}id")


# Control characters GROBID passes on from glyphs without a Unicode mapping: shown as
# U+FFFD, one for one (span offsets stay), never hidden.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL.sub(UNKNOWN, _WS.sub(" ", text)).strip()


def text_of(el: etree._Element) -> str:
    return "".join(str(t) for t in el.itertext())


def all_text(el: etree._Element) -> str:
    return clean(text_of(el))


@dataclass
class TextBuilder:
    """Flattens mixed content into text plus protected spans, folding white space."""

    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    length: int = 0

    def _ends_with_space(self) -> bool:
        return not self.parts or self.parts[-1].endswith(" ")

    def add_text(self, raw: str | None) -> None:
        if not raw:
            return
        text = _CONTROL.sub(UNKNOWN, _WS.sub(" ", raw))
        if text.startswith(" ") and self._ends_with_space():
            text = text[1:]
        if text:
            self.parts.append(text)
            self.length += len(text)

    def add_span(self, raw: str, kind: SpanKind, target: str | None) -> None:
        text = clean(raw)
        if not text:
            return
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        self.spans.append(Span(start, self.length, kind, target))

    def build(self) -> tuple[str, list[Span]]:
        text = "".join(self.parts)
        stripped = text.lstrip()
        shift = len(text) - len(stripped)
        text = stripped.rstrip()
        spans = [Span(s.start - shift, s.end - shift, s.kind, s.target) for s in self.spans]
        spans = [s for s in spans if 0 <= s.start < s.end <= len(text)]
        return text, with_urls(text, spans)


def target(el: etree._Element) -> str | None:
    target = el.get("target")
    if not target:
        return None
    return target.split()[0].lstrip("#")


def flatten(el: etree._Element, builder: TextBuilder, skip: Iterable[str] = ()) -> None:
    skip = set(skip)
    builder.add_text(el.text)
    for child in el:
        name = local(child)
        if name and name not in skip:
            if name == "ref":
                kind = _REF_KINDS.get(child.get("type") or "", "other")
                builder.add_span(text_of(child), kind, target(child))
            elif name == "formula":
                builder.add_span(text_of(child), "other", xml_id(child))
            elif name in ("lb", "pb"):
                builder.add_text(" ")
            else:
                flatten(child, builder, skip)
        builder.add_text(child.tail)


def find(el: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath (with the ``t:`` TEI prefix) selects under ``el``."""
    result = el.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return [r for r in result if isinstance(r, etree._Element)]


def parse_coords(coords: str) -> Region | None:
    """The union of the boxes on the first page named in GROBID's ``coords`` attribute
    (``page,x,y,w,h`` in points, ``;`` between boxes); None when it names none."""
    boxes: list[tuple[int, float, float, float, float]] = []
    for part in coords.split(";"):
        fields = part.strip().split(",")
        if len(fields) != 5:
            continue
        try:
            page = int(float(fields[0]))
            x, y, w, h = (float(v) for v in fields[1:])
        except ValueError:
            continue
        if w > 0 and h > 0:
            boxes.append((page, x, y, x + w, y + h))
    if not boxes:
        return None
    first = boxes[0][0]
    same = [b for b in boxes if b[0] == first]
    return Region(
        first,
        min(b[1] for b in same),
        min(b[2] for b in same),
        max(b[3] for b in same),
        max(b[4] for b in same),
    )
