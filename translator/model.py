"""The document model: what a paper says, independent of where it came from.

Every piece of text a reader must see translated is a :class:`Segment`; every
piece that must stay as it is (formulas, table cells, the reference list) is
kept in its own field and never becomes a segment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SegmentKind = Literal[
    "title", "abstract", "keyword", "heading", "paragraph", "caption", "footnote", "item", "cell"
]
SpanKind = Literal["bibr", "figure", "table", "formula", "foot", "url", "other"]
SegmentStatus = Literal["pending", "translated", "cached", "failed"]
# What a reader writes for a character the PDF draws without saying which it is.
UNKNOWN_CHARACTER = "\ufffd"


@dataclass(slots=True)
class Span:
    """A protected inline span: ``text[start:end]`` must reach the reader unchanged."""

    start: int
    end: int
    kind: SpanKind
    target: str | None = None  # xml:id it points to (a reference, a figure, a note...)


@dataclass(slots=True)
class Segment:
    """One unit of translation: a paragraph, a heading, a caption, a footnote...
    What a run makes of it lives in :class:`translator.results.Results`, not here."""

    id: str
    kind: SegmentKind
    text: str
    spans: list[Span] = field(default_factory=list)
    section: str = ""  # heading of the enclosing section, given to the model as context

    def span_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.spans]


@dataclass(frozen=True, slots=True)
class Region:
    """Where something is drawn on a page: points, origin at the page's top left (as GROBID's coords)."""

    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Formula:
    """A display formula, kept verbatim (GROBID linearises it to text)."""

    id: str
    text: str
    label: str = ""
    region: Region | None = None


@dataclass
class TableCell:
    """A table cell given for translation (``--translate-tables``)."""

    row: int
    column: int
    segment: Segment


@dataclass
class Figure:
    """A figure or a table: caption translated, table cells kept."""

    id: str
    kind: Literal["figure", "table"]
    label: str = ""
    head: str = ""
    caption: Segment | None = None
    notes: list[Segment] = field(default_factory=list)  # table footnotes, translated like captions
    rows: list[list[str]] = field(default_factory=list)
    region: Region | None = None  # the drawing (figures) or the cells (tables)
    cells: list[TableCell] = field(default_factory=list)  # only with --translate-tables
    # The segment it follows where the paper prints it; "" when unknown (GROBID gathers
    # figures at the end). Where no paragraph cites it, it is shown there.
    after: str = ""


@dataclass
class Paragraph:
    segment: Segment


@dataclass
class FormulaBlock:
    formula: Formula


@dataclass
class Code:
    """Code or pseudo-code (an algorithm's numbered lines), kept verbatim: never
    translated, shown in monospace, its lines joined by newlines."""

    id: str
    text: str
    region: Region | None = None


@dataclass
class CodeBlock:
    code: Code


Block = Paragraph | FormulaBlock | CodeBlock


@dataclass
class Section:
    """A titled part of the paper; ``subsections`` nest by heading number."""

    id: str
    heading: Segment | None = None
    number: str = ""
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        yield self
        for sub in self.subsections:
            yield from sub.walk()


@dataclass
class Author:
    name: str
    affiliations: list[str] = field(default_factory=list)
    email: str = ""


@dataclass
class Note:
    """A footnote; ``n`` is the mark used in the text."""

    id: str
    n: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Reference:
    """One reference-list entry: never translated."""

    id: str
    text: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: str = ""
    venue: str = ""
    doi: str = ""
    arxiv: str = ""  # "1706.03762", without the "arXiv:"
    url: str = ""  # a web address the entry gives, when it has neither a DOI nor an arXiv id


@dataclass
class Document:
    """A whole paper."""

    title: Segment | None = None
    authors: list[Author] = field(default_factory=list)
    abstract: list[Section] = field(default_factory=list)
    keywords: list[Segment] = field(default_factory=list)
    body: list[Section] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    acknowledgements: list[Section] = field(default_factory=list)
    annexes: list[Section] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    source_lang: str = ""
    grobid_version: str = ""
    # The paper's own identifiers, where the parser found them (GROBID's header).
    published: str = ""  # date as given: 2016-03-08, 2017-07, 2006
    venue: str = ""
    doi: str = ""
    arxiv: str = ""

    def all_sections(self) -> Iterator[Section]:
        for group in (self.abstract, self.body, self.acknowledgements, self.annexes):
            for top in group:
                yield from top.walk()

    def segments(self) -> Iterator[Segment]:
        """Every translatable segment, in reading order."""
        if self.title is not None:
            yield self.title
        yield from self.keywords
        for group in (self.abstract, self.body):
            for top in group:
                yield from _section_segments(top)
        for fig in self.figures:
            if fig.caption is not None:
                yield fig.caption
            yield from fig.notes
            yield from (cell.segment for cell in fig.cells)
        for note in self.notes:
            yield from note.segments
        for group in (self.acknowledgements, self.annexes):
            for top in group:
                yield from _section_segments(top)

    def unknown_characters(self) -> int:
        """How many characters the reader could not tell (shown as U+FFFD), in the text,
        the formulas and the references."""
        texts = [s.text for s in self.segments()] + [f.text for f in self.formulas()]
        return sum(text.count(UNKNOWN_CHARACTER) for text in texts + [r.text for r in self.references])

    def formulas(self) -> Iterator[Formula]:
        for section in self.all_sections():
            for block in section.blocks:
                if isinstance(block, FormulaBlock):
                    yield block.formula

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _section_segments(section: Section) -> Iterator[Segment]:
    for sec in section.walk():
        if sec.heading is not None:
            yield sec.heading
        for block in sec.blocks:
            if isinstance(block, Paragraph):
                yield block.segment
