"""The built-in PDF reader: a PDF → :class:`~translator.model.Document` without GROBID.

Layout comes from :mod:`.pdf_layout`; this module decides what each block is
(title, abstract, heading, paragraph, caption, display formula, footnote,
reference) and assembles the same model the TEI reader produces, so the rest
of the pipeline does not know which parser ran.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..model import (
    Author,
    Document,
    Figure,
    Formula,
    FormulaBlock,
    Note,
    Paragraph,
    Reference,
    Section,
    Segment,
    SegmentKind,
    Span,
)
from . import section_names as names
from .assembly import SectionTree, SegmentIds, with_urls
from .pdf_layout import (
    CAPTION,
    NUMERIC_CELL,
    TABLE_KIND,
    Block,
    Layout,
    analyse,
    has_cells,
    is_caption_start,
    is_run_in,
    join_lines,
    table_rows,
)
from .pdf_text import Box, Line, PageText, read_pages

_NUMBERED = re.compile(r"^((?:\d{1,2}\.){0,3}\d{1,2}|[IVX]{1,5})\.?\s+(\S.*)$")
_APPENDIX_NUMBER = re.compile(r"^([A-H](?:\.\d{1,2}){0,2})\.?\s+([A-Z].*)$")
_KNOWN_HEADING = re.compile(
    rf"^({names.ABSTRACT}|{names.KNOWN_HEADINGS}|{names.ACKNOWLEDGEMENTS}|{names.REFERENCES}|{names.APPENDIX})\b",
    re.IGNORECASE,
)
_REFERENCES = re.compile(rf"^((\d+|[IVX]+)\.?\s+)?({names.REFERENCES})\s*$", re.IGNORECASE)
_ACKNOWLEDGEMENTS = re.compile(rf"^((\d+|[IVX]+)\.?\s+)?({names.ACKNOWLEDGEMENTS})\b", re.IGNORECASE)
_APPENDIX = re.compile(rf"^({names.APPENDIX})", re.IGNORECASE)
_APPENDIX_HEADING = re.compile(r"^appendix\s+[A-Z0-9]{1,2}\s*[:.—–-]", re.IGNORECASE)  # "Appendix C: Limits"
_ABSTRACT = re.compile(rf"^({names.ABSTRACT})\s*[.:：—–-]?\s*", re.IGNORECASE)
_KEYWORDS = re.compile(rf"^({names.KEYWORDS})\s*[.:：—–-]?\s*", re.IGNORECASE)
# Front-matter headings whose next block is a list of terms, not a section of the paper.
_FRONT_MATTER = re.compile(
    rf"^({names.KEYWORDS}|ccs concepts|categories and subject descriptors|general terms|"
    r"acm classification keywords|author keywords)\s*[.:]?\s*$",
    re.IGNORECASE,
)
_EQUATION_LABEL = re.compile(r"\(\s*([A-Z]?[0-9]+(?:\.[0-9]+)?[a-z]?)\s*\)$")
_NUMERIC_CITATION = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]")
_NAME = r"[A-Z][A-Za-z'’\-]+"
_AUTHOR_YEAR = re.compile(
    rf"\((?:(?:see |e\.g\., |cf\. )?{_NAME}(?: et al\.| and {_NAME}| & {_NAME})?,? \d{{4}}[a-z]?(?:; ?|, ?)?)+\)"
    rf"|{_NAME}(?: et al\.| and {_NAME}| & {_NAME})? \(\d{{4}}[a-z]?\)"
)
_FOOTNOTE_MARK = re.compile(r"^([0-9]{1,2}|[*†‡§¶])\s*(?=\S)")
_REFERENCE_START = re.compile(r"^(?:\[(?P<n>\d{1,3})\]|(?P<m>\d{1,3})[a-z]?\.\s?(?=[A-Z]))")
# Notes printed with a table: "Note: …", "Source: …" (also in Spanish, Portuguese, French,
# German), "* p < 0.05", "† …".
_TABLE_NOTE = re.compile(
    r"^(?:notes?\b|nota|notas|remarque|anmerkung|sources?\s?:|fuente|fonte|quelle|abbreviations?:|[*†‡§¶]\s*\S|[a-z]/\s)",
    re.IGNORECASE,
)
CaptionKind = Literal["figure", "table"]
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}
_END_OF_SENTENCE = (".", "!", "?", ":", ";", ".”", '."', ".)", "。", "！", "？", "：", "；")


@dataclass
class _Part:
    """Where blocks currently go."""

    name: str  # "front", "abstract", "body", "back", "references", "annex"
    section: Section | None = None


@dataclass
class _TablePlan:
    """What lies between a table's caption and the running text after it."""

    members: list[int]  # indexes of the blocks that are cells
    areas: list[Box]  # graphics regions (rules, shaded bands) whose text is cells
    gap: float  # from the caption to the nearest of them
    cells_side_by_side: bool  # a graphics region, or lines that share a baseline or have wide gaps
    below: bool = True  # the table lies below its caption
    notes: list[int] = field(default_factory=list)  # blocks that are the table's notes


@dataclass
class _Builder:
    layout: Layout
    ids: SegmentIds = field(default_factory=SegmentIds)
    doc: Document = field(default_factory=Document)
    trees: dict[str, SectionTree] = field(default_factory=dict)
    reference_blocks: list[Block] = field(default_factory=list)
    formulas: int = 0
    heading_styles: set[tuple[float, bool]] = field(default_factory=set)  # (size, bold) of body headings
    captions: dict[int, CaptionKind] = field(default_factory=dict)  # caption block index → kind
    figure_titles: bool = False  # figure captions stand over their drawings in this paper
    used_areas: set[Box] = field(default_factory=set)  # graphics regions a figure or table took
    table_areas: set[Box] = field(default_factory=set)  # graphics regions planned as tables' cells
    table_figures: dict[int, Figure] = field(default_factory=dict)  # caption index → table
    caption_rest: dict[int, list[int]] = field(default_factory=dict)  # caption → blocks going on with it

    # -- helpers -----------------------------------------------------------
    def segment(self, kind: SegmentKind, text: str, section: str = "") -> Segment:
        text = " ".join(text.split())
        return self.ids.segment(kind, text, citation_spans(text), section)

    def tree(self, part: str) -> SectionTree:
        return self.trees.setdefault(part, SectionTree())

    @property
    def body_size(self) -> float:
        return self.layout.body_size

    # -- classification ----------------------------------------------------
    def heading_of(self, block: Block) -> tuple[str, str] | None:
        """(number, text) when the block is a section heading."""
        text = block.text.strip()
        most_lines = 3 if block.size > self.body_size + 0.6 else 2
        if (
            len(block.lines) > most_lines
            or len(text) > 110
            or len(text) < 2
            or block.math
            or is_caption_start(text)
        ):
            return None
        if any(is_run_in(line) for line in block.lines):
            return None  # a paragraph that opens with a bold run-in heading
        if re.search(r"[\x00-\x1f=≈≤≥]|(^|\s)[+−×÷∑∏∫√þ¼](\s|$)", text) or _EQUATION_LABEL.search(text):
            return None  # a formula line (þ and ¼ are + and = in some math fonts' encoding)
        if any(has_cells(line) for line in block.lines):
            return None  # cells side by side: a table row
        if any(box.contains_center(block.box, 1.0) for box in self.layout.text_boxes.get(block.page, [])):
            return None  # a label inside a framed box of text (a prompt template), not a section
        if re.search(r"https?://|www\.|\S@\S", text):
            return None  # a footnote with a link, an e-mail address
        numbered = _NUMBERED.match(text)
        if numbered and numbered.group(2)[:1].islower():
            return None  # a numbered line of an algorithm or a list ("12 end"), not a section
        if not (
            self.emphasised(block) or self.plain_numbered_heading(block) or _APPENDIX_HEADING.match(text)
        ):
            return None
        words = text.split()
        if text.endswith(("—", "–", " -")):
            return None  # a label that runs on into what follows ("Code —" before a link)
        if (
            text.endswith((".", ",", ";"))
            and not re.match(r"^\d+(\.\d+)*\.?\s+\S+\s*\.?$", text)
            and not _KNOWN_HEADING.match(text.rstrip("."))
        ):
            return None
        if len(words) > 14 or not (text[0].isupper() or text[0].isdigit()):
            return None
        number = ""
        title = text
        if numbered and numbered.group(2)[:1].isupper():
            number, title = numbered.group(1), numbered.group(2)
            number = str(_ROMAN[number]) if number in _ROMAN else number
        elif (appendix := _APPENDIX_NUMBER.match(text)) is not None:
            number, title = appendix.group(1), appendix.group(2)
        elif not _KNOWN_HEADING.match(text) and sum(ch.isalpha() for ch in text) < 3:
            return None
        if re.fullmatch(r"[\d\s.,%()±-]+", title):
            return None  # a bold number in a table, not a heading
        # The number is kept apart, as GROBID's n attribute: renderers print it before the title.
        return number, (title if number else text)

    def emphasised(self, block: Block) -> bool:
        text = block.text
        return (
            block.bold
            or block.size > self.body_size + 0.6
            or (text.isupper() and len(text) > 3)
            or (len(block.lines) == 1 and self.own_face(block.lines[0]))
        )

    def own_face(self, line: Line) -> bool:
        """Set apart from the running text: italic, or a named font other than the body's."""
        body_font = self.layout.body_font
        return line.italic or bool(line.font and body_font and line.font != body_font and line.math < 0.3)

    def plain_numbered_heading(self, block: Block) -> bool:
        """A numbered heading in the text face ("2.1. Coal"): one short line, a few words."""
        match = _NUMBERED.match(block.text) or _APPENDIX_NUMBER.match(block.text)
        if match is None or len(block.lines) != 1:
            return False
        title = match.group(2)
        return (
            title[:1].isupper()
            and len(title.split()) <= 8
            and not title.endswith((".", ",", ";", ":"))
            and sum(ch.isalpha() for ch in title) >= 3
        )

    def is_prose(self, block: Block) -> bool:
        """Running text in the body font: mostly lower-case words, not a row of numbers."""
        text = block.text
        if block.math or len(text) < 60 or abs(block.size - self.body_size) >= 0.6:
            return False
        tokens = text.split()
        return sum(1 for t in tokens if t.strip(",.;:()").isalpha() and t[:1].islower()) >= 0.5 * len(tokens)

    def is_numbered_heading(self, block: Block) -> bool:
        heading = self.heading_of(block)
        return heading is not None and (bool(heading[0]) or bool(_KNOWN_HEADING.match(heading[1])))

    def is_footnote(self, block: Block) -> bool:
        page = self.layout.pages[block.page - 1]
        return (
            block.size < self.body_size - 0.6
            and block.box.y0 > page.height * 0.6
            and not block.math
            and not is_caption_start(block.text)
            and len(block.text) > 15
        )

    def is_figure_text(self, block: Block) -> bool:
        """Axis labels, table cells and the like that escaped the figure areas."""
        lines = block.lines
        rows = sum(1 for a, b in itertools.pairwise(lines) if abs(a.y0 - b.y0) < 0.5 * a.size)
        if rows >= 2 and rows * 3 >= len(lines):
            return True
        average = sum(len(ln.text) for ln in lines) / len(lines)
        return block.size < self.body_size - 1.0 and average < 25

    # -- assembly ----------------------------------------------------------
    def plan_tables(self, blocks: list[Block]) -> dict[int, _TablePlan]:
        """A table's cells are the blocks and graphics regions between its caption and the
        nearest running text, numbered heading or other caption: below the caption, or above
        it (styles that caption tables underneath), whichever side's content is nearer.
        Tables drawn without rules have no graphics region, one with rules may only rule its
        header, and shaded row bands are regions of their own.
        Returns caption index → the table's blocks and regions."""
        tables: dict[int, _TablePlan] = {}
        for index, kind in self.captions.items():
            if kind != "table":
                continue
            spans = [
                plan
                for plan in (self.table_span(blocks, index, True), self.table_span(blocks, index, False))
                if plan is not None
            ]
            if not spans:
                continue
            # A caption sits closer to its own table than to the next one, but notes
            # printed under a caption (running sentences, no cells side by side) are no table.
            plan = min(spans, key=lambda plan: (not plan.cells_side_by_side, plan.gap))
            other = next((span for span in spans if span is not plan), None)
            if (
                other is not None
                and not other.cells_side_by_side
                and all(blocks[j].size < self.body_size - 0.5 for j in other.members)
            ):
                plan.notes = other.members  # small print under a caption set below its table
            plan.notes += [j for j in plan.members if _TABLE_NOTE.match(blocks[j].text)]
            # Footnotes under the last row, marked by a letter: "a Applicable to meta-analyses."
            for j in sorted(plan.members, key=lambda j: blocks[j].box.y0, reverse=True):
                text = blocks[j].text
                if j in plan.notes:
                    continue
                if not (re.match(r"[a-z]\s+[A-Z]\w+ \w", text) and len(text) > 30):
                    break
                if any(has_cells(line) for line in blocks[j].lines) or len(blocks[j].lines) > 4:
                    break
                plan.notes.append(j)
            plan.members = [j for j in plan.members if j not in plan.notes]
            tables[index] = plan
        return tables

    def table_span(self, blocks: list[Block], index: int, below: bool) -> _TablePlan | None:
        """The blocks and regions on one side of a table caption, up to the nearest stop."""
        caption = blocks[index]
        page = self.layout.pages[caption.page - 1]
        box = caption.box
        if caption.column == 0:
            x0, x1 = 0.0, page.width
        else:  # the caption's column: a centred "TABLE I" is narrower than its table
            same = [b.box for b in blocks if b.page == caption.page and b.column == caption.column]
            x0, x1 = min(b.x0 for b in same) - 2, max(b.x1 for b in same) + 2

        def beyond(b: Box, slack: float) -> bool:
            return b.y0 >= box.y1 - slack if below else b.y1 <= box.y0 + slack

        for area in self.layout.figure_areas.get(caption.page, []):
            distance = area.y0 - box.y1 if below else box.y0 - area.y1
            if abs(area.x0 - box.x0) < 8 and -5 < distance < 30 and area.x1 > x1:
                x0, x1 = area.x0 - 2, area.x1 + 2  # a short caption over a table that spans both columns

        side = [
            (j, b)
            for j, b in enumerate(blocks)
            if b.page == caption.page and j != index and beyond(b.box, 1) and b.box.x0 < x1 and b.box.x1 > x0
        ]
        stops = [
            b.box
            for _, b in side
            if is_caption_start(b.text) or self.is_prose(b) or self.is_numbered_heading(b)
        ]
        if below:
            end = min((b.y0 for b in stops), default=page.height)

            def within(b: Box) -> bool:
                return b.y1 <= end + 1
        else:
            end = max((b.y1 for b in stops), default=0.0)

            def within(b: Box) -> bool:
                return b.y0 >= end - 1

        members = [j for j, b in side if within(b.box) and x0 <= b.box.x0 and b.box.x1 <= x1]
        areas = [
            area
            for area in self.layout.figure_areas.get(caption.page, [])
            if beyond(area, 5)
            and within(area)
            and area.x0 >= x0 - 5
            and area.x1 <= x1 + 5
            and not self.by_figure_caption(blocks, caption.page, area)
        ]
        if not members and not areas:
            return None
        boxes = [blocks[j].box for j in members] + areas
        gap = min(b.y0 for b in boxes) - box.y1 if below else box.y0 - max(b.y1 for b in boxes)
        lines = [ln for j in members for ln in blocks[j].lines]
        side_by_side = bool(areas) or any(
            ln.gaps or any(other is not ln and abs(other.y0 - ln.y0) < 0.5 * ln.size for other in lines)
            for ln in lines
        )
        return _TablePlan(members, areas, gap, side_by_side, below)

    def run(self) -> Document:  # noqa: C901 - to be split into passes (the reader-as-passes step of the job redesign)
        blocks = self.layout.blocks
        self.captions = find_captions(blocks, self.body_size)
        self.figure_titles = self.captions_over_figures(blocks)
        title_index = self.find_title(blocks)
        tables = self.plan_tables(blocks)
        in_tables = {j for plan in tables.values() for j in (*plan.members, *plan.notes)}
        self.table_areas = {area for plan in tables.values() for area in plan.areas}
        self.caption_rest = {i: self.caption_continuation(blocks, i) for i in self.captions}
        in_tables |= {j for rest in self.caption_rest.values() for j in rest}
        unheaded_references = self.find_unheaded_references(blocks)
        part = before_references = _Part("front")
        pending: Paragraph | None = None  # the last paragraph, which may continue in the next column
        keywords_next = False
        for index, block in enumerate(blocks):
            if index == title_index or index in in_tables:
                continue
            if index == unheaded_references:
                before_references, part = part, _Part("references")
            elif (
                unheaded_references >= 0
                and part.name == "references"
                and self.is_prose(block)
                and not _REFERENCE_START.match(block.text)
            ):
                part = before_references  # running text the reading order put after an unheaded list
            text = block.text.strip()
            if not text:
                continue
            if part.name == "front" and index < title_index:
                continue  # journal banners above the title
            heading = self.heading_of(block)
            if (
                part.name == "front"
                and heading is not None
                and not heading[0]
                and not _KNOWN_HEADING.match(text)
            ):
                heading = None  # author names in a larger font, not a section
            if (
                part.name == "references"
                and index not in self.captions  # figures set after the reference list
                and (heading is None or not self.leaves_references(heading[1], block))
            ):
                self.reference_blocks.append(block)
                continue
            if index in self.captions:
                self.add_figure(index, part, tables.get(index))
                continue
            if heading is not None and part.name in ("front", "abstract") and _FRONT_MATTER.match(text):
                keywords_next = True  # "Keywords", "CCS Concepts": the list below is keywords
                continue
            if (
                keywords_next
                and not block.math
                and (
                    heading is None
                    or not (heading[0] or _KNOWN_HEADING.match(text) or _FRONT_MATTER.match(text))
                )
            ):
                keywords_next = False
                self.add_keywords(text)
                continue
            keywords_next = False
            if heading is not None:
                part = self.open_section(heading, part, block)
                pending = None
                continue
            if self.is_footnote(block):
                self.add_note(block)
                continue
            if block.math:
                self.add_formula(block, part)
                continue
            if part.name == "front":
                keywords = _KEYWORDS.match(text)
                abstract = _ABSTRACT.match(text)
                if keywords:
                    self.add_keywords(text[keywords.end() :])
                    continue
                if abstract and abstract.end() < len(text):
                    part = _Part("abstract", self.new_part_section("abstract", None, ""))
                    text = text[abstract.end() :]
                elif self.is_author_line(block):
                    self.add_authors(block)
                    continue
                elif len(text) < 200:
                    continue  # affiliations, e-mails, dates: kept in the PDF, not translated
                else:
                    part = _Part("abstract", self.new_part_section("abstract", None, ""))
            elif part.name == "abstract" and (keywords := _KEYWORDS.match(text)) is not None:
                self.add_keywords(text[keywords.end() :])
                continue
            if self.is_figure_text(block):
                continue
            pending = self.add_paragraph(text, part, pending)
        self.add_continued_tables(tables)
        self.doc.references = split_references(self.reference_blocks)
        for name, tree in self.trees.items():
            target = {
                "abstract": self.doc.abstract,
                "body": self.doc.body,
                "back": self.doc.acknowledgements,
                "annex": self.doc.annexes,
            }[name]
            target.extend(tree.top)
        return self.doc

    def find_unheaded_references(self, blocks: list[Block]) -> int:
        """Where a reference list without a heading starts (letters in physics journals
        just print "[1] …"): the block opening with "[1]" that numbered entries follow."""
        if any(_REFERENCES.match(b.text.strip()) for b in blocks):
            return -1
        for index, block in enumerate(blocks):
            if block.text.startswith("[1]") and block.size <= self.body_size + 0.3:
                lines = [ln for b in blocks[index : index + 40] for ln in b.lines]
                if len(_numbered_entries(lines)) >= 3:
                    return index
        return -1

    def find_title(self, blocks: list[Block]) -> int:
        first = [i for i, b in enumerate(blocks) if b.page == 1 and not b.math]
        if not first:
            return -1
        page = self.layout.pages[0]
        # The title comes before the abstract and the first paragraph: a large word in a
        # figure further down the page is not it.
        end = next(
            (i for i in first if _ABSTRACT.match(blocks[i].text) or len(blocks[i].text) > 300),
            first[-1] + 1,
        )
        top = [
            i for i in first if i < end and blocks[i].box.y0 < page.height * 0.5 and len(blocks[i].text) > 3
        ]
        if not top:
            return -1
        best = max(top, key=lambda i: (blocks[i].size, -blocks[i].box.y0))
        if blocks[best].size < self.body_size + 1.0 or len(blocks[best].text) > 300:
            return -1
        self.doc.title = self.segment("title", blocks[best].text)
        return best

    def is_author_line(self, block: Block) -> bool:
        text = block.text
        return (
            len(text) < 200
            and "@" not in text
            and not re.search(
                r"universit|institut|department|school|college|laborator|inc\.|corp", text, re.I
            )
            and len(re.findall(r"\b[A-Z][a-z]+\b", text)) >= 2
        )

    def add_authors(self, block: Block) -> None:
        for line in block.lines:
            cleaned = re.sub(r"[\d*†‡§¶,]+(?=\s|$)", ",", line.text)
            for name in re.split(r",|\band\b|;|·", cleaned):
                name = name.strip(" ,")
                if 1 < len(name.split()) <= 5:
                    self.doc.authors.append(Author(name))

    def add_keywords(self, text: str) -> None:
        for word in re.split(r"[;,·•]", text):
            if word.strip():
                self.doc.keywords.append(self.segment("keyword", word.strip().rstrip("."), "Keywords"))

    def new_part_section(self, part: str, heading: Segment | None, number: str) -> Section:
        section = self.ids.section(heading, number)
        self.tree(part).add(section)
        return section

    def open_section(self, heading: tuple[str, str], part: _Part, block: Block) -> _Part:
        number, text = heading
        if _REFERENCES.match(text):
            return _Part("references")
        bare = _NUMBERED.sub(r"\2", text)
        if _ABSTRACT.fullmatch(bare.strip()) or (_ABSTRACT.match(text) and part.name == "front"):
            return _Part("abstract", self.new_part_section("abstract", None, ""))
        if _ACKNOWLEDGEMENTS.match(text):
            name = "back"
        elif (_APPENDIX.match(bare) and "body" in self.trees) or part.name == "annex":
            name = "annex"  # appendices follow the body; their numbered subsections stay with them
        elif part.name == "references" and not number.isdigit():
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
        if not self.emphasised(block) or _REFERENCE_START.match(block.text.strip()):
            return False  # some journals set each entry's first line in bold
        known = _APPENDIX.match(text) or _APPENDIX_NUMBER.match(text) or _KNOWN_HEADING.match(text)
        return bool(known) or _style(block) in self.heading_styles

    def target_section(self, part: _Part) -> tuple[Section, str]:
        if part.section is None:
            name = "body" if part.name in ("front", "references") else part.name
            tree = self.tree(name)
            part.section = tree.current() or tree.open_untitled(self.ids)
        section = part.section
        context = section.heading.text if section.heading else ""
        return section, context

    def add_paragraph(self, text: str, part: _Part, pending: Paragraph | None) -> Paragraph | None:
        section, context = self.target_section(part)
        kind: SegmentKind = "abstract" if part.name == "abstract" else "paragraph"
        if (
            pending is not None
            and pending in section.blocks
            and not pending.segment.text.endswith(_END_OF_SENTENCE)
        ) and (text[:1].islower() or text[:1] in "([" or pending.segment.text.endswith(("-", ","))):
            # The paragraph goes on after a column or page break.
            merged = join_lines([pending.segment.text, text])
            pending.segment.text = merged
            pending.segment.spans = citation_spans(merged)
            return pending
        paragraph = Paragraph(self.segment(kind, text, context))
        section.blocks.append(paragraph)
        return paragraph

    def add_formula(self, block: Block, part: _Part) -> None:
        section, _ = self.target_section(part)
        text = " ".join(ln.text for ln in block.lines)
        label = _EQUATION_LABEL.search(text)
        self.formulas += 1
        formula = Formula(
            id=f"formula_{self.formulas}",
            text=text,
            label=f"({label.group(1)})" if label else "",
            coords=coords_of(block.page, block.box),
        )
        section.blocks.append(FormulaBlock(formula))

    def add_note(self, block: Block) -> None:
        text = block.text.strip()
        mark = _FOOTNOTE_MARK.match(text)
        n = mark.group(1) if mark else ""
        body = text[mark.end() :] if mark else text
        note = Note(id=f"foot_{len(self.doc.notes)}", n=n, segments=[self.segment("footnote", body)])
        self.doc.notes.append(note)

    def caption_continuation(self, blocks: list[Block], index: int) -> list[int]:
        """Blocks right under a caption that go on with it: same column and size, close
        below, opening in lower case (a caption broken at a link: "…https://commons." /
        "wikimedia.org/…")."""
        rest: list[int] = []
        last = blocks[index]
        for j in range(index + 1, min(index + 4, len(blocks))):
            block = blocks[j]
            if (
                block.page != last.page
                or block.column != last.column
                or abs(block.size - last.size) > 0.3
                or not 0 <= block.box.y0 - last.box.y1 < 1.5 * block.size
                or not block.text[:1].islower()
                or any(has_cells(line) for line in block.lines)
            ):
                break
            rest.append(j)
            last = block
        return rest

    def add_figure(self, index: int, part: _Part, table: _TablePlan | None) -> None:
        block = self.layout.blocks[index]
        text = join_lines(
            [block.text.strip()]
            + [self.layout.blocks[j].text.strip() for j in self.caption_rest.get(index, [])]
        )
        match = CAPTION.match(text)
        assert match is not None
        kind = _caption_kind(match)
        label = match.group("label")
        context = part.section.heading.text if part.section and part.section.heading else ""
        # The label ("Table 5:") is the figure's head; the caption is what follows, as in GROBID's figDesc.
        caption = self.segment("caption", text[match.end() :] or text, context)
        area = self.figure_area(block, kind) if table is None else None
        cells: list[Line] = []
        if kind == "table":
            areas = table.areas if table is not None else [area] if area else []
            members = table.members if table is not None else []
            cells = [ln for j in members for ln in self.layout.blocks[j].lines]
            cells += [ln for region in areas for ln in self.layout.area_lines.get(region, [])]
            self.used_areas.update(areas)
            for region in areas:
                area = region if area is None else area.union(region)
            for ln in cells:
                area = ln.box if area is None else area.union(ln.box)
        notes = (
            [self.segment("caption", self.layout.blocks[j].text, context) for j in table.notes]
            if table
            else []
        )
        if area is not None and kind == "figure":
            self.used_areas.add(area)
        figure = Figure(
            id=f"{'tab' if kind == 'table' else 'fig'}_{len(self.doc.figures)}",
            kind=kind,
            label=label,
            head=text[: match.end()].strip(),
            caption=caption,
            notes=notes,
            coords=coords_of(block.page, area) if area is not None else "",
            rows=table_rows(cells) if kind == "table" else [],
        )
        self.doc.figures.append(figure)
        if kind == "table":
            self.table_figures[index] = figure

    def add_continued_tables(self, tables: dict[int, _TablePlan]) -> None:
        """Rows of a table that runs on over columns or pages: a region of rows of cells
        that no caption took belongs to the table captioned next (in papers that caption
        tables underneath) or last; right by a figure's caption, it is part of that figure;
        otherwise it is a table of its own, so that its text is not lost."""
        underneath = sum(not plan.below for plan in tables.values()) * 2 > len(tables)
        # Every caption, figures' too: a region whose nearest caption is a figure's is that
        # figure's content (a screenshot, a code listing), not a table's rows.
        captions = sorted(
            (_reading_key(self.layout.pages[b.page - 1], b.page, b.box), i)
            for i in self.captions
            for b in [self.layout.blocks[i]]
        )
        pieces: dict[int, list[list[list[str]]]] = {}
        for page_number, regions in self.layout.figure_areas.items():
            page = self.layout.pages[page_number - 1]
            for region in regions:
                lines = self.layout.area_lines.get(region, [])
                if region in self.used_areas or len(lines) < 8:
                    continue
                rows = table_rows(lines)
                if sum(len(row) >= 2 for row in rows) < 3:
                    continue  # labels of a drawing, not rows of a table
                key = _reading_key(page, page_number, region)
                if underneath:
                    target = next((i for k, i in captions if k > key and k[0] <= page_number + 1), None)
                else:
                    target = next(
                        (i for k, i in reversed(captions) if k < key and k[0] >= page_number - 1), None
                    )
                if target is not None and target not in self.table_figures:
                    caption = self.layout.blocks[target].box
                    beside = region.x_overlap(caption) > 0
                    if (
                        self.layout.blocks[target].page == page_number
                        and beside
                        and (min(abs(caption.y0 - region.y1), abs(region.y0 - caption.y1)) < 40)
                    ):
                        continue  # right by a figure's caption: part of that figure
                    target = None
                if target is None:
                    cells = [cell for row in rows for cell in row]
                    if sum(bool(NUMERIC_CELL.match(cell)) for cell in cells) * 2 >= len(cells):
                        continue  # ticks and legends of a plot whose caption is elsewhere
                    self.doc.figures.append(
                        Figure(
                            id=f"tab_{len(self.doc.figures)}",
                            kind="table",
                            coords=coords_of(page_number, region),
                            rows=rows,
                        )
                    )
                else:
                    pieces.setdefault(target, []).append(rows)
        for index, parts in pieces.items():
            continued = [row for rows in parts for row in rows]
            figure = self.table_figures[index]
            figure.rows = continued + figure.rows if underneath else figure.rows + continued

    def by_figure_caption(self, blocks: list[Block], page: int, area: Box) -> bool:
        """Whether a figure's caption sits right under the drawing on ``page`` (or right over
        it, in papers that set figure captions as titles): the drawing is that figure's."""
        for index, kind in self.captions.items():
            block = blocks[index]
            if kind != "figure" or block.page != page:
                continue
            box = block.box
            if area.x_overlap(box) <= 0:
                continue
            gap = area.y0 - box.y1 if self.figure_titles else box.y0 - area.y1
            if -5 < gap < 30:
                return True
        return False

    def captions_over_figures(self, blocks: list[Block]) -> bool:
        """Whether most figure captions of the paper stand over their drawing ("Gráfico 1"
        as a title) rather than under it: which side of each caption the nearest region is."""
        votes = 0
        for index, kind in self.captions.items():
            if kind != "figure":
                continue
            box = blocks[index].box
            sides = [
                (gap, gap == area.y0 - box.y1)
                for area in self.layout.figure_areas.get(blocks[index].page, [])
                if area.x_overlap(box) > 0
                for gap in (box.y0 - area.y1, area.y0 - box.y1)
                if -5 < gap < 120
            ]
            if sides:
                votes += 1 if min(sides)[1] else -1
        return votes > 0

    def figure_area(self, caption: Block, kind: str) -> Box | None:
        """The drawing a caption belongs to: the nearest graphics region above it (figures;
        below it when the caption is a title over the drawing) or below it (tables, whose
        captions usually come first)."""
        box = caption.box
        candidates = []
        for area in self.layout.figure_areas.get(caption.page, []):
            overlap = area.x_overlap(box)
            if overlap < 0.3 * min(area.width, box.width) or (kind == "figure" and area in self.table_areas):
                continue
            above = box.y0 - area.y1
            below = area.y0 - box.y1
            if kind == "table":
                distances = [below] if below > -5 else [above]
            elif self.figure_titles:  # the paper sets figure captions over the drawing, as titles
                distances = [below, above + 100 if above < 20 else 999]
            else:  # the other side only right next to the caption
                distances = [above, below + 100 if below < 20 else 999]
            candidates += [(distance, area) for distance in distances if -5 < distance < 120]
        if not candidates:
            return None
        return min(candidates, key=lambda c: c[0])[1]


def _reading_key(page: PageText, number: int, box: Box) -> tuple[int, int, float]:
    """Where a box comes in reading order: page, then column (left half first), then height."""
    return (number, 0 if box.x0 < page.width / 2 else 1, box.y0)


def find_captions(blocks: list[Block], body_size: float) -> dict[int, CaptionKind]:
    """Blocks that are captions, with what they caption: of the blocks opening with a label
    ("Table 4:"), the first set smaller than the running text, else the first. The others
    are running text that starts by naming the table ("Table 4. On average, …"), unless
    they say it is continued."""
    candidates: dict[tuple[CaptionKind, str], list[int]] = {}
    found: dict[int, CaptionKind] = {}
    for index, block in enumerate(blocks):
        match = CAPTION.match(block.text)
        if match is None or block.math:
            continue
        label = (_caption_kind(match), match.group("label").lower())
        if label in candidates and "continued" in block.text[:80].lower():
            found[index] = label[0]
        else:
            candidates.setdefault(label, []).append(index)
    for (kind, _), indexes in candidates.items():
        small = [i for i in indexes if blocks[i].size < body_size - 0.3]
        found[(small or indexes)[0]] = kind
    return found


def _caption_kind(match: re.Match[str]) -> CaptionKind:
    """What a CAPTION match introduces: "Table 2", "Tab. 2", "Cuadro 2" → table; the rest → figure."""
    return "table" if TABLE_KIND.match(match.group("kind")) else "figure"


def _style(block: Block) -> tuple[float, bool]:
    return round(block.size * 2) / 2, block.bold


def coords_of(page: int, box: Box) -> str:
    """GROBID's coords syntax: ``page,x,y,width,height`` in points, origin top left."""
    return f"{page},{box.x0:.2f},{box.y0:.2f},{box.width:.2f},{box.height:.2f}"


def citation_spans(text: str) -> list[Span]:
    """Protect citations ([3], [1, 4–6], (Smith et al., 2020)) and URLs."""
    spans: list[Span] = []
    for pattern in (_NUMERIC_CITATION, _AUTHOR_YEAR):
        for m in pattern.finditer(text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                spans.append(Span(m.start(), m.end(), "bibr", None))
    return with_urls(text, sorted(spans, key=lambda s: s.start))


def _numbered_entries(lines: list[Line]) -> set[int]:
    """Indexes of the lines opening a numbered entry ("[7] …", "7. …"): the numbers must
    follow each other, so a line that begins with a year ("2022. Role of …") is not one."""
    starts: set[int] = set()
    expected: int | None = None
    for index, ln in enumerate(lines):
        match = _REFERENCE_START.match(ln.text)
        if match is None:
            continue
        number = int(match.group("n") or match.group("m"))
        if (expected is None and number <= 2) or (
            expected is not None and expected <= number <= expected + 1
        ):
            starts.add(index)
            expected = number + 1
    return starts


def split_references(blocks: list[Block]) -> list[Reference]:
    """Reference-list entries: by [n] / n. markers, else by hanging indent, else by block."""
    lines = [ln for block in blocks for ln in block.lines]
    if not lines:
        return []
    entries: list[list[str]] = []
    starts = _numbered_entries(lines)
    if len(starts) >= 3:
        for index, ln in enumerate(lines):
            if index in starts or not entries:
                entries.append([])
            entries[-1].append(ln.text)
    else:
        left_of: dict[tuple[int, int], float] = {}
        for block in blocks:
            key = (block.page, block.column)
            left_of[key] = min(left_of.get(key, 1e9), block.box.x0)
        indented = sum(1 for b in blocks for ln in b.lines if ln.x0 > left_of[(b.page, b.column)] + 3)
        hanging = indented >= len(lines) // 4
        for block in blocks:
            left = left_of[(block.page, block.column)]
            for number, ln in enumerate(block.lines):
                if not entries or (ln.x0 <= left + 3 if hanging else number == 0):
                    entries.append([])
                entries[-1].append(ln.text)
    refs: list[Reference] = []
    for entry in entries:
        text = join_lines(entry).strip()
        if len(text) > 10:
            refs.append(Reference(id=f"b{len(refs)}", text=text))
    return refs


def read_pdf(path: Path, max_pages: int | None = None) -> Document:
    """Read a text-layer PDF into a Document with the built-in reader."""
    pages = list(read_pages(path, max_pages))
    layout = analyse(pages)
    return _Builder(layout).run()
