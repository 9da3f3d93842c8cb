"""The built-in reader's last pass: walk the blocks in reading order with the labels the
other passes put on them, and assemble the same :class:`~translator.model.Document` the
TEI reader produces, so the rest of the pipeline does not know which parser ran."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import Document, Formula, FormulaBlock, Note, Paragraph, Section, Segment, SegmentKind
from ..assembly import SectionTree, SegmentIds
from ..code import add_code
from .algorithms import CodeRuns, code_text
from .captions import Captions
from .citations import citation_spans
from .contents import contents_entries
from .continued import add_continued_tables
from .figures import FigureMaker, region_of
from .formula_blocks import continues_formula, joined_formula
from .front import authors_of, is_author_line, keywords_of
from .kinds import (
    ABSTRACT,
    ACKNOWLEDGEMENTS,
    APPENDIX,
    APPENDIX_NUMBER,
    EQUATION_LABEL,
    FRONT_MATTER,
    KEYWORDS,
    KNOWN_HEADING,
    NUMBERED,
    REFERENCES,
    BlockKinds,
    Heading,
)
from .layout import Block, Layout
from .lines import join_lines
from .links import link_mentions
from .notemarks import NOTE_MARK, link_notes, note_texts, raised_marks
from .references import REFERENCE_START, entry_number, split_references
from .tables import Tables

_END_OF_SENTENCE = (".", "!", "?", ":", ";", ".”", '."', ".)", "。", "！", "？", "：", "；")
_TITLE_MARKS = re.compile(r"(?:\s*[∗*†‡§¶\ufffd])+$")
_FOOTNOTE_MARK = re.compile(rf"^({NOTE_MARK})\s*(?=\S)")


@dataclass(frozen=True)
class Labels:
    """What the passes before assembly found; none of them changes a block."""

    title: int  # the title's block index, or -1
    captions: Captions
    tables: Tables
    skipped: frozenset[int]  # blocks a table or a caption took
    unheaded_references: int  # where a reference list without a heading starts, or -1
    code: CodeRuns = field(default_factory=CodeRuns)  # algorithms and listings, kept verbatim
    title_rest: tuple[int, ...] = ()  # the title's further lines, set as blocks of their own
    heading_rest: dict[int, int] = field(default_factory=dict)  # a heading → its second line's block
    contents: dict[int, list[int]] = field(default_factory=dict)  # a printed contents list's blocks


@dataclass
class _Part:
    """Where blocks currently go."""

    name: str  # "front", "abstract", "body", "back", "references", "annex"
    section: Section | None = None


@dataclass
class Assembler:
    """Walks the blocks once, in reading order, keeping where the text goes."""

    layout: Layout
    kinds: BlockKinds
    labels: Labels
    ids: SegmentIds = field(default_factory=SegmentIds)
    doc: Document = field(default_factory=Document)
    trees: dict[str, SectionTree] = field(default_factory=dict)
    reference_blocks: list[Block] = field(default_factory=list)
    heading_styles: set[tuple[float, bool]] = field(default_factory=set)  # (size, bold) of body headings
    part: _Part = field(default_factory=lambda: _Part("front"))
    before_references: _Part = field(default_factory=lambda: _Part("front"))  # where text goes back to
    pending: Paragraph | None = None  # the last paragraph, which may continue in the next column
    keywords_next: bool = False  # the block after a "Keywords" heading is the list
    formulas: int = 0
    formula_column: int = -1  # the column of the last formula block
    last_paragraph: str = ""  # the id of the paragraph read last, which a figure follows
    marks: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # superscripts by segment id

    def __post_init__(self) -> None:
        self.before_references = self.part  # running text after an unheaded reference list goes back here
        self.figures = FigureMaker(self.layout, self.labels.captions, self.labels.tables, self.segment)

    def segment(self, kind: SegmentKind, text: str, section: str = "") -> Segment:
        text = " ".join(text.split())
        return self.ids.segment(kind, text, citation_spans(text), section)

    def run(self) -> Document:
        labels = self.labels
        if labels.title >= 0:
            parts = [self.layout.blocks[j].text for j in (labels.title, *labels.title_rest)]
            # Footnote marks after the title ("… Zones ∗ †") are not part of it.
            self.doc.title = self.segment("title", _TITLE_MARKS.sub("", join_lines(parts)))
        for index, block in enumerate(self.layout.blocks):
            if index == labels.title or index in labels.skipped:
                continue
            self.follow_reference_list(index, block)
            text = block.text.strip()
            if not text or (self.part.name == "front" and index < labels.title):
                continue  # journal banners above the title
            self.place(index, block, text)
        return self.finish()

    def follow_reference_list(self, index: int, block: Block) -> None:
        """Enter an unheaded reference list where it starts; leave it for running text the
        reading order put after it."""
        start = self.labels.unheaded_references
        if index == start:
            self.before_references, self.part = self.part, _Part("references")
        elif (
            start >= 0
            and self.part.name == "references"
            and self.kinds.is_prose(block)
            and not REFERENCE_START.match(block.text)
        ):
            self.part = self.before_references
        elif (
            start >= 0 and index > start and self.part.name != "references" and self.resumes_references(block)
        ):
            # The list goes on in the next column or page, after running text set beside it.
            self.before_references, self.part = self.part, _Part("references")

    def resumes_references(self, block: Block) -> bool:
        """Whether ``block`` opens the entry after the last one of the reference list so far."""
        number = entry_number(block.text.strip())
        numbers = [
            n for b in self.reference_blocks for ln in b.lines if (n := entry_number(ln.text)) is not None
        ]
        return number is not None and bool(numbers) and numbers[-1] < number <= numbers[-1] + 2

    def place(self, index: int, block: Block, text: str) -> None:
        """One block into the document, by what it is."""
        if index in self.labels.contents:  # "1 Introduction … 2": list items, not headings
            section, context = self.target_section()
            members = [self.layout.blocks[j] for j in self.labels.contents[index]]
            section.blocks += [Paragraph(self.segment("item", e, context)) for e in contents_entries(members)]
            return
        code = self.labels.code
        if index in code.runs:
            title = code.text_lines.get(index, 0)
            if title:  # "Algorithm 1 Total distance" above the inputs: translated as a paragraph
                self.add_paragraph(join_lines([ln.text for ln in block.lines[:title]]))
            self.add_code([self.layout.blocks[j] for j in code.runs[index]], title)
            return
        heading = self.heading(index, block, text)
        if self.in_reference_list(index, block, heading):
            self.reference_blocks.append(block)
        elif index in self.labels.captions.kinds:
            self.figures.add(index, self.context())
            self.figures.figures[-1].after = self.last_paragraph
        elif self.keyword_list(block, text, heading):
            pass
        elif heading is not None:
            self.part = self.open_section(heading, block)
            self.pending = None
        elif self.kinds.is_footnote(block):
            for note in note_texts(block.lines):
                self.add_note(note)
        elif block.math:
            self.add_formula(block)
        elif (rest := self.front_matter(block, text)) is not None and not self.kinds.is_figure_text(block):
            self.add_paragraph(rest)
            if self.pending is not None and (marks := raised_marks(block.lines)):
                self.marks.setdefault(self.pending.segment.id, []).extend(marks)

    def heading(self, index: int, block: Block, text: str) -> Heading | None:
        heading = self.kinds.heading_of(block)
        if heading is not None and index in self.labels.heading_rest:
            more = self.layout.blocks[self.labels.heading_rest[index]].text.strip()
            heading = (heading[0], join_lines([heading[1], more]))
        if (
            self.part.name == "front"
            and heading is not None
            and not heading[0][:1].isdigit()  # no number, or an initial ("A. Lovelace") read as one
            and not KNOWN_HEADING.match(text)
        ):
            return None  # author names in a larger font, not a section
        return heading

    def in_reference_list(self, index: int, block: Block, heading: Heading | None) -> bool:
        return (
            self.part.name == "references"
            and index not in self.labels.captions.kinds  # figures set after the reference list
            and (heading is None or not self.leaves_references(heading[1], block))
        )

    def keyword_list(self, block: Block, text: str, heading: Heading | None) -> bool:
        """A "Keywords" or "CCS Concepts" heading, or the list after one; True when taken."""
        if heading is not None and self.part.name in ("front", "abstract") and FRONT_MATTER.match(text):
            self.keywords_next = True
            return True
        if (
            self.keywords_next
            and not block.math
            and (heading is None or not (heading[0] or KNOWN_HEADING.match(text) or FRONT_MATTER.match(text)))
        ):
            self.keywords_next = False
            self.add_keywords(text)
            return True
        self.keywords_next = False
        return False

    def front_matter(self, block: Block, text: str) -> str | None:
        """Before the abstract: keywords, the abstract's opening, author lines, and the
        affiliations, e-mails and dates that are kept in the PDF, not translated. Returns
        the text left for a paragraph, None when the block was taken or dropped."""
        if self.part.name == "abstract" and (keywords := KEYWORDS.match(text)) is not None:
            self.add_keywords(text[keywords.end() :])
            return None
        if self.part.name != "front":
            return text
        if (keywords := KEYWORDS.match(text)) is not None:
            self.add_keywords(text[keywords.end() :])
            return None
        abstract = ABSTRACT.match(text)
        if abstract and abstract.end() < len(text):
            self.part = _Part("abstract", self.new_part_section("abstract", None, ""))
            return text[abstract.end() :]
        if is_author_line(block):
            self.doc.authors.extend(authors_of(block))
            return None
        if len(text) < 200:
            return None
        self.part = _Part("abstract", self.new_part_section("abstract", None, ""))
        return text

    def add_keywords(self, text: str) -> None:
        self.doc.keywords += [self.segment("keyword", word, "Keywords") for word in keywords_of(text)]

    def new_part_section(self, part: str, heading: Segment | None, number: str) -> Section:
        section = self.ids.section(heading, number)
        self.trees.setdefault(part, SectionTree()).add(section)
        return section

    def open_section(self, heading: Heading, block: Block) -> _Part:
        number, text = heading
        if REFERENCES.match(text):
            return _Part("references")
        bare = NUMBERED.sub(r"\2", text)
        if ABSTRACT.fullmatch(bare.strip()) or (ABSTRACT.match(text) and self.part.name == "front"):
            return _Part("abstract", self.new_part_section("abstract", None, ""))
        if ACKNOWLEDGEMENTS.match(text):
            name = "back"
        elif (APPENDIX.match(bare) and "body" in self.trees) or self.part.name == "annex":
            name = "annex"  # appendices follow the body; their numbered subsections stay with them
        elif self.part.name == "references" and not number.isdigit():
            name = "annex"
        else:
            name = "body"
        if name == "body":
            self.heading_styles.add(_style(block))
        segment = self.segment("heading", text, text)
        return _Part(name, self.new_part_section(name, segment, number))

    def leaves_references(self, text: str, block: Block) -> bool:
        """After the reference list come appendices: a real heading ends it, known by
        its words or by the look of the body's own section headings."""
        if not self.kinds.emphasised(block) or REFERENCE_START.match(block.text.strip()):
            return False  # some journals set each entry's first line in bold
        known = APPENDIX.match(text) or APPENDIX_NUMBER.match(text) or KNOWN_HEADING.match(text)
        return bool(known) or _style(block) in self.heading_styles

    def context(self) -> str:
        section = self.part.section
        return section.heading.text if section and section.heading else ""

    def target_section(self) -> tuple[Section, str]:
        part = self.part
        if part.section is None:
            name = "body" if part.name in ("front", "references") else part.name
            tree = self.trees.setdefault(name, SectionTree())
            part.section = tree.current() or tree.open_untitled(self.ids)
        return part.section, self.context()

    def add_paragraph(self, text: str) -> None:
        section, context = self.target_section()
        pending = self.pending
        if (
            pending is not None
            and pending in section.blocks
            and not pending.segment.text.endswith(_END_OF_SENTENCE)
            and (text[:1].islower() or text[:1] in "([" or pending.segment.text.endswith(("-", ",")))
        ):
            # The paragraph goes on after a column or page break.
            merged = join_lines([pending.segment.text, text])
            pending.segment.text = merged
            pending.segment.spans = citation_spans(merged)
            return
        kind: SegmentKind = "abstract" if self.part.name == "abstract" else "paragraph"
        self.pending = Paragraph(self.segment(kind, text, context))
        self.last_paragraph = self.pending.segment.id
        section.blocks.append(self.pending)

    def add_formula(self, block: Block) -> None:
        section, _ = self.target_section()
        text = " ".join(ln.text for ln in block.lines)
        label = EQUATION_LABEL.search(text)
        previous = section.blocks[-1] if section.blocks else None
        joins = isinstance(previous, FormulaBlock) and continues_formula(
            previous.formula, block, self.formula_column, self.kinds.params.formula_join_gap
        )
        if not joins and label is not None and label.start() == 0:
            # A number alone, beside no formula: the formula was set as text; so is its number.
            self.add_paragraph(text)
            return
        self.formula_column = block.column
        if isinstance(previous, FormulaBlock) and joins:
            # The next line of a display formula set over several lines: one formula, one
            # crop, the number its last line carries.
            section.blocks[-1] = FormulaBlock(joined_formula(previous.formula, block, text, label))
            return
        self.formulas += 1
        formula = Formula(
            id=f"formula_{self.formulas}",
            text=text,
            label=f"({label.group(1)})" if label else "",
            region=region_of(block.page, block.box),
        )
        section.blocks.append(FormulaBlock(formula))

    def add_code(self, blocks: list[Block], skip: int) -> None:
        section, _ = self.target_section()
        lines = [ln for block in blocks for ln in block.lines][skip:]
        box = lines[0].box
        for line in lines[1:]:
            box = box.union(line.box)
        add_code(
            section.blocks, self.ids.next_id("code"), code_text(blocks, skip), region_of(blocks[0].page, box)
        )
        self.pending = None

    def add_note(self, text: str) -> None:
        mark = _FOOTNOTE_MARK.match(text)
        n = mark.group(1) if mark else ""
        body = text[mark.end() :] if mark else text
        note = Note(id=f"foot_{len(self.doc.notes)}", n=n, segments=[self.segment("footnote", body)])
        self.doc.notes.append(note)

    def finish(self) -> Document:
        add_continued_tables(self.figures)
        self.doc.figures = self.figures.figures
        self.doc.references = split_references(self.reference_blocks)
        targets = {
            "abstract": self.doc.abstract,
            "body": self.doc.body,
            "back": self.doc.acknowledgements,
            "annex": self.doc.annexes,
        }
        for name, tree in self.trees.items():
            targets[name].extend(tree.top)
        link_mentions(self.doc)
        link_notes(self.doc, self.marks)
        return self.doc


def _style(block: Block) -> tuple[float, bool]:
    return round(block.size * 2) / 2, block.bold
