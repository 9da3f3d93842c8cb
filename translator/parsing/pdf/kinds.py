"""What a block is by its look: a section heading, running prose, a footnote, stray
figure text. The names of a paper's standard parts (abstract, references…) live here
too, as the patterns every pass shares."""

from __future__ import annotations

import itertools
import re

from .. import section_names as names
from .cells import has_cells
from .geometry import Line
from .layout import Block, Layout
from .lines import is_caption_start, is_run_in

# "3.1 Methods", "IV. RESULTS", "3 | METHODS" (Wiley's bar between number and title).
NUMBERED = re.compile(r"^((?:\d{1,2}\.){0,3}\d{1,2}|[IVX]{1,5})\.?\s+(?:\|\s+)?(\S.*)$")
# "6.1.2 Highlighting based on Engagement (D1)." on a line of its own: a subsection's
# heading set run-in style (ACM's \\paragraph), which ends with a stop.
_SUBSECTION_RUN_IN = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+[A-Z]")
APPENDIX_NUMBER = re.compile(r"^([A-H](?:\.\d{1,2}){0,2})\.?\s+([A-Z].*)$")
KNOWN_HEADING = re.compile(
    rf"^({names.ABSTRACT}|{names.KNOWN_HEADINGS}|{names.ACKNOWLEDGEMENTS}|{names.REFERENCES}|{names.APPENDIX})\b",
    re.IGNORECASE,
)
REFERENCES = re.compile(rf"^((\d+|[IVX]+)\.?\s+)?({names.REFERENCES})\s*$", re.IGNORECASE)
ACKNOWLEDGEMENTS = re.compile(rf"^((\d+|[IVX]+)\.?\s+)?({names.ACKNOWLEDGEMENTS})\b", re.IGNORECASE)
APPENDIX = re.compile(rf"^({names.APPENDIX})", re.IGNORECASE)
APPENDIX_HEADING = re.compile(r"^appendix\s+[A-Z0-9]{1,2}\s*[:.—–-]", re.IGNORECASE)  # "Appendix C: Limits"
ABSTRACT = re.compile(rf"^({names.ABSTRACT})\s*[.:：—–-]?\s*", re.IGNORECASE)
KEYWORDS = re.compile(rf"^({names.KEYWORDS})\s*[.:：—–-]?\s*", re.IGNORECASE)
# Front-matter headings whose next block is a list of terms, not a section of the paper.
FRONT_MATTER = re.compile(
    rf"^({names.KEYWORDS}|ccs concepts|categories and subject descriptors|general terms|"
    r"acm classification keywords|author keywords)\s*[.:]?\s*$",
    re.IGNORECASE,
)
EQUATION_LABEL = re.compile(r"\(\s*([A-Z]?[0-9]+(?:\.[0-9]+)?[a-z]?)\s*\)$")
# A formula line (þ and ¼ are + and = in some math fonts' encoding).
_FORMULA_TEXT = re.compile(r"[\x00-\x1f=≈≤≥]|(^|\s)[+−×÷∑∏∫√þ¼](\s|$)")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10}

Heading = tuple[str, str]  # (number, title): the number apart, as GROBID's n attribute


class BlockKinds:
    """Questions about one block, answered against the paper's body text and thresholds."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.params = layout.params
        self.body_size = layout.body_size

    def heading_of(self, block: Block) -> Heading | None:
        """(number, text) when the block is a section heading."""
        text = block.text.strip()
        if not self._shaped_as_heading(block, text) or not self._reads_as_heading(block, text):
            return None
        return _number_and_title(text)

    def _shaped_as_heading(self, block: Block, text: str) -> bool:
        """Short, a line or two, and none of the things that look like one: a caption, a
        run-in paragraph, a formula, a table row, a label in a framed box, a footnote's link."""
        p = self.params
        most_lines = 3 if block.size > self.body_size + p.size_step else 2
        if len(block.lines) > most_lines or not 2 <= len(text) <= p.heading_max_chars:
            return False
        if block.math or is_caption_start(text) or any(is_run_in(line) for line in block.lines):
            return False  # a paragraph that opens with a bold run-in heading
        if _FORMULA_TEXT.search(text) or EQUATION_LABEL.search(text) or _unbalanced(text):
            return False
        if any(has_cells(line) for line in block.lines):
            return False  # cells side by side: a table row
        if any(box.contains_center(block.box, 1.0) for box in self.layout.text_boxes.get(block.page, [])):
            return False  # a label inside a framed box of text (a prompt template), not a section
        return re.search(r"https?://|www\.|\S@\S", text) is None  # a footnote with a link, an e-mail

    def _reads_as_heading(self, block: Block, text: str) -> bool:
        numbered = NUMBERED.match(text)
        if numbered and not _opens_title(numbered.group(2)):
            return False  # a numbered line of an algorithm or a list ("12 end"), not a section
        if not (self.emphasised(block) or self.plain_numbered_heading(block) or APPENDIX_HEADING.match(text)):
            return False
        if text.endswith(("—", "–", " -")):
            return False  # a label that runs on into what follows ("Code —" before a link)
        if re.search(r"[a-z]-$", text):
            return False  # a word broken at the line's end: a sentence that goes on ("evalua-")
        if (
            text.endswith((".", ",", ";"))
            and not re.match(r"^\d+(\.\d+)*\.?\s+\S+\s*\.?$", text)
            and not (len(block.lines) == 1 and _SUBSECTION_RUN_IN.match(text))
            and not KNOWN_HEADING.match(text.rstrip("."))
        ):
            return False
        return len(text.split()) <= self.params.heading_max_words and (text[0].isupper() or text[0].isdigit())

    def emphasised(self, block: Block) -> bool:
        text = block.text
        return (
            block.bold
            or block.size > self.body_size + self.params.size_step
            or (text.isupper() and len(text) > 3)
            or (len(block.lines) == 1 and self.own_face(block.lines[0]))
        )

    def own_face(self, line: Line) -> bool:
        """Set apart from the running text: italic, or a named font other than the body's."""
        body_font = self.layout.body_font
        return line.italic or bool(line.font and body_font and line.font != body_font and line.math < 0.3)

    def plain_numbered_heading(self, block: Block) -> bool:
        """A numbered heading in the text face ("2.1. Coal"): one short line, a few words."""
        match = NUMBERED.match(block.text) or APPENDIX_NUMBER.match(block.text)
        if match is None or len(block.lines) != 1:
            return False
        title = match.group(2)
        return (
            title[:1].isupper()
            and len(title.split()) <= 8
            and not title.endswith((".", ",", ";", ":"))
            and sum(ch.isalpha() for ch in title) >= 3
            and re.search(r":\s+\S+\s+\S", title) is None  # "1. Privileged Group: We model …", a list item
        )

    def is_prose(self, block: Block) -> bool:
        """Running text in the body font: mostly lower-case words, not a row of numbers."""
        text = block.text
        p = self.params
        if block.math or len(text) < p.prose_min_chars or abs(block.size - self.body_size) >= p.size_step:
            return False
        tokens = text.split()
        return sum(1 for t in tokens if t.strip(",.;:()").isalpha() and t[:1].islower()) >= 0.5 * len(tokens)

    def is_numbered_heading(self, block: Block) -> bool:
        heading = self.heading_of(block)
        return heading is not None and (bool(heading[0]) or bool(KNOWN_HEADING.match(heading[1])))

    def is_footnote(self, block: Block) -> bool:
        page = self.layout.pages[block.page - 1]
        p = self.params
        return (
            block.size < self.body_size - p.size_step
            and block.box.y0 > page.height * p.footnote_top
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
        p = self.params
        return block.size < self.body_size - p.figure_label_step and average < p.figure_label_chars


def _unbalanced(text: str) -> bool:
    """Parentheses that do not pair up: a piece of a formula ("2p(4p+1) ) with"), not a
    title; an enumerator's "A)" before a title is not counted."""
    text = re.sub(r"^\w{1,3}\)\s", "", text)
    return text.count("(") != text.count(")")


def _opens_title(text: str) -> bool:
    """Whether text after a number can open a section's title: "Methods", "[D1] Discover"."""
    return text[:1].isupper() or (text[:1] in "[(" and text[1:2].isalnum())


def _number_and_title(text: str) -> Heading | None:
    """A heading's number apart from its title ("IV" → "4"); None for a bold number in a
    table or a label of fewer than three letters."""
    numbered = NUMBERED.match(text)
    number = ""
    title = text
    if numbered and _opens_title(numbered.group(2)):
        number, title = numbered.group(1), numbered.group(2)
        number = str(_ROMAN[number]) if number in _ROMAN else number
    elif (appendix := APPENDIX_NUMBER.match(text)) is not None:
        number, title = appendix.group(1), appendix.group(2)
    elif not KNOWN_HEADING.match(text) and sum(ch.isalpha() for ch in text) < 3:
        return None
    if re.fullmatch(r"[\d\s.,%()±-]+", title):
        return None  # a bold number in a table, not a heading
    # The number is kept apart, as GROBID's n attribute: renderers print it before the title.
    return number, (title if number else text)
