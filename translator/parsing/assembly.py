"""Building blocks shared by the readers that produce a Document (TEI and PDF):
segment ids, protected URLs, sections nested by heading number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model import Document, Figure, Section, Segment, SegmentKind, Span, TableCell

URL = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")
SEGMENT_PREFIX: dict[SegmentKind, str] = {
    "title": "t",
    "abstract": "a",
    "keyword": "k",
    "heading": "h",
    "paragraph": "p",
    "caption": "c",
    "footnote": "n",
    "item": "i",
    "cell": "tc",
}
_WORDISH = re.compile(r"[^\W\d_]{2,}")


def with_urls(text: str, spans: list[Span]) -> list[Span]:
    """Protect bare URLs too: a translated URL is a broken link."""
    taken = [(s.start, s.end) for s in spans]
    extra = [
        Span(m.start(), m.end(), "url", None)
        for m in URL.finditer(text)
        if not any(a < m.end() and m.start() < b for a, b in taken)
    ]
    return sorted(spans + extra, key=lambda s: s.start)


@dataclass
class SegmentIds:
    """Hands out segment and section ids: ``p0, p1…`` per kind, ``sec1, sec2…``."""

    counters: dict[str, int] = field(default_factory=dict)
    sections: int = 0

    def segment(self, kind: SegmentKind, text: str, spans: list[Span], section: str = "") -> Segment:
        prefix = SEGMENT_PREFIX[kind]
        n = self.counters.get(prefix, 0)
        self.counters[prefix] = n + 1
        return Segment(id=f"{prefix}{n}", kind=kind, text=text, spans=spans, section=section)

    def next_id(self, prefix: str) -> str:
        """The next id of a block that is not a segment (``code_0, code_1…``)."""
        n = self.counters.get(prefix, 0)
        self.counters[prefix] = n + 1
        return f"{prefix}_{n}"

    def section(self, heading: Segment | None, number: str) -> Section:
        self.sections += 1
        return Section(id=f"sec{self.sections}", heading=heading, number=number)


@dataclass
class SectionTree:
    """Nests sections by heading number: 2.1 goes under 2, 3 closes 2.

    ``stack`` is the tree's right edge, from the top down to the last section added: a
    new section can only go under one of those, so the reading order is never changed. A
    numbered section goes under the deepest numbered one whose number prefixes its own.
    An unnumbered heading (a paper without numbers, a figure label GROBID took for a
    heading) stands beside the section before it, and never takes later numbered sections
    under it: they keep nesting by number. When the numbered section after it belongs
    under the numbered one before it (5.3, "Evaluation", 5.3.2), it was inside that one."""

    top: list[Section] = field(default_factory=list)
    stack: list[tuple[list[str], Section]] = field(default_factory=list)

    def add(self, section: Section) -> None:
        parts = [p for p in section.number.split(".") if p] if section.number else []
        if parts:
            while self.stack and not _is_prefix(self.stack[-1][0], parts):
                self.stack.pop()
            self._reopen(parts)
        elif self.stack:
            self.stack.pop()  # beside the last section, under the same parent
        self._siblings().append(section)
        self.stack.append((parts, section))

    def _siblings(self) -> list[Section]:
        return self.stack[-1][1].subsections if self.stack else self.top

    def _reopen(self, parts: list[str]) -> None:
        """5.3, then unnumbered headings beside it, then 5.3.2: the unnumbered ones were
        in 5.3 after all, and go into it with 5.3.2 (their order is kept)."""
        siblings = self._siblings()
        run = len(siblings)
        while run and not siblings[run - 1].number:
            run -= 1
        if run == len(siblings) or run == 0:
            return
        before = siblings[run - 1]
        before_parts = [p for p in before.number.split(".") if p]
        if _is_prefix(before_parts, parts):
            before.subsections += siblings[run:]
            del siblings[run:]
            self.stack.append((before_parts, before))

    def current(self) -> Section | None:
        return self.stack[-1][1] if self.stack else None

    def open_untitled(self, ids: SegmentIds) -> Section:
        """The section text before any heading goes to."""
        section = ids.section(None, "")
        self.top.append(section)
        self.stack = [([], section)]  # a top-level section: the right edge starts again
        return section


def _is_prefix(prefix: list[str], parts: list[str]) -> bool:
    """Whether a section numbered ``prefix`` holds one numbered ``parts`` (an unnumbered one holds none)."""
    return 0 < len(prefix) < len(parts) and parts[: len(prefix)] == prefix


def with_table_cells(doc: Document) -> Document:
    """A copy of the document in which every table cell that holds words is a segment;
    cells of numbers and symbols only stay as printed. The parsed document is not changed."""
    return replace(doc, figures=[_with_cells(figure) for figure in doc.figures])


def _with_cells(figure: Figure) -> Figure:
    if figure.kind != "table" or figure.cells:
        return figure
    context = figure.head or f"Table {figure.label}"
    cells: list[TableCell] = []
    for r, row in enumerate(figure.rows):
        for c, text in enumerate(row):
            text = " ".join(text.split())
            if not _WORDISH.search(text):
                continue
            segment = Segment(
                id=f"tc{figure.id}_{r}_{c}",
                kind="cell",
                text=text,
                spans=with_urls(text, []),
                section=context,
            )
            cells.append(TableCell(r, c, segment))
    return replace(figure, cells=cells)
