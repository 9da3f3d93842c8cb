"""Page layout: running headers and footers out, figure text out, columns put
in reading order, lines grouped into blocks.

Works on :mod:`.text` lines only; what a block *is* (heading, caption, formula,
reference) is decided by the passes that follow (:mod:`.assemble` runs them).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cells import has_cells
from .columns import reading_order
from .geometry import Box, Line, PageText
from .lines import EQUATION_NUMBER, is_caption_start, is_run_in, join_lines, looks_like_math
from .params import DEFAULT, LayoutParams
from .regions import figure_areas

_PAGE_NUMBER = re.compile(r"^(page\s*)?[\divxlc]+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)


@dataclass
class Block:
    """Consecutive lines of one column that belong together."""

    lines: list[Line]
    page: int
    column: int  # 0 full width / single column, 1 left, 2 right
    math: bool = False
    # text, box and size, computed once per number of lines (lines are only ever appended)
    _memo: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False, compare=False)

    def _remember(self, name: str, compute: Callable[[], Any]) -> Any:
        known = self._memo.get(name)
        if known is None or known[0] != len(self.lines):
            known = (len(self.lines), compute())
            self._memo[name] = known
        return known[1]

    @property
    def text(self) -> str:
        text: str = self._remember("text", lambda: join_lines([ln.text for ln in self.lines]))
        return text

    @property
    def box(self) -> Box:
        def union() -> Box:
            box = self.lines[0].box
            for ln in self.lines[1:]:
                box = box.union(ln.box)
            return box

        box: Box = self._remember("box", union)
        return box

    @property
    def size(self) -> float:
        def most_common() -> float:
            sizes = Counter[float]()
            for ln in self.lines:
                sizes[ln.size] += len(ln.text)
            return sizes.most_common(1)[0][0]

        size: float = self._remember("size", most_common)
        return size

    @property
    def bold(self) -> bool:
        return sum(len(ln.text) for ln in self.lines if ln.bold) * 2 > sum(len(ln.text) for ln in self.lines)


@dataclass
class Layout:
    """A document's blocks in reading order, plus what layout analysis found."""

    blocks: list[Block]
    body_size: float
    pages: list[PageText]
    figure_areas: dict[int, list[Box]] = field(default_factory=dict)  # page → graphics regions
    area_lines: dict[Box, list[Line]] = field(default_factory=dict)  # text found inside each region
    body_font: str = ""  # name of the running text's font
    text_boxes: dict[int, list[Box]] = field(default_factory=dict)  # page → framed or shaded prose
    params: LayoutParams = DEFAULT  # the thresholds the layout was found with; the passes use them too


def body_font_size(pages: Sequence[PageText]) -> float:
    """The running text's font size: the size with the most text, counted so that text
    spread over many pages outweighs a few pages of dense tables (√ of each page's count)."""
    score: dict[int, float] = {}
    for page in pages:
        sizes = Counter[int]()
        for ln in page.lines:
            sizes[round(ln.size)] += len(ln.text)
        for size, chars in sizes.items():
            score[size] = score.get(size, 0.0) + math.sqrt(chars)
    return float(max(score, key=score.__getitem__)) if score else 10.0


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _in_margin(line: Line, page: PageText, margin: float) -> bool:
    return line.y1 < page.height * margin * 1.3 or line.y0 > page.height * (1 - margin)


def remove_running_text(pages: Sequence[PageText], params: LayoutParams = DEFAULT) -> None:
    """Drop running headers, footers and page numbers (in place)."""
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_margin_key(ln.text) for ln in page.lines if _in_margin(ln, page, params.margin)})
    repeated = {key for key, n in seen.items() if n >= max(2, len(pages) // params.running_pages)}

    def running(ln: Line, page: PageText) -> bool:
        # "Table 2" opening a page repeats as "Table #" on many pages, but it is a caption.
        return (
            _in_margin(ln, page, params.margin)
            and (_margin_key(ln.text) in repeated or bool(_PAGE_NUMBER.match(ln.text.strip())))
            and not is_caption_start(ln.text)
        )

    for page in pages:
        page.lines = [ln for ln in page.lines if not running(ln, page)]


def _edges(lines: Sequence[Line]) -> tuple[float, float]:
    lefts = Counter(round(ln.x0) for ln in lines if len(ln.text) > 30)
    rights = Counter(round(ln.x1) for ln in lines if len(ln.text) > 30)
    left = lefts.most_common(1)[0][0] if lefts else min((ln.x0 for ln in lines), default=0.0)
    right = rights.most_common(1)[0][0] if rights else max((ln.x1 for ln in lines), default=0.0)
    return float(left), float(right)


def _same_row(a: Line, b: Line) -> bool:
    return abs(a.y0 - b.y0) < 0.5 * a.size and b.x0 > a.x1


def _blocks_of(page: PageText, params: LayoutParams) -> list[Block]:
    order = reading_order(page)
    blocks: list[Block] = []
    edges: dict[int, tuple[float, float]] = {}
    for column in (0, 1, 2):
        lines = [ln for c, ln in order if c == column]
        if lines:
            edges[column] = _edges(lines)
    current: Block | None = None
    for column, line in order:
        left, right = edges[column]
        math = looks_like_math(line, left, right)
        if current is not None and continues_block(current, line, column, math, (left, right), params):
            current.lines.append(line)
            continue
        current = Block([line], page.number, column, math)
        blocks.append(current)
    return blocks


def continues_block(
    block: Block, line: Line, column: int, math: bool, edges: tuple[float, float], params: LayoutParams
) -> bool:
    """Whether ``line`` goes on with ``block`` (``edges``: the column's left and right text edges)."""
    left, right = edges
    prev = block.lines[-1]
    verdict = _by_position(block, prev, line, (column, math), params)
    if verdict is not None:
        return verdict
    if _heading_above(block, prev, line, right) or _face_changes(block, prev, line, right):
        return False
    if math:
        return not EQUATION_NUMBER.search(prev.text)
    return _same_paragraph(block, prev, line, left, right)


def _by_position(
    block: Block, prev: Line, line: Line, place: tuple[int, bool], params: LayoutParams
) -> bool | None:
    """The answer when the column, a table row or the spacing alone gives it, else None."""
    column, math = place
    if block.column != column or block.math != math:
        return False
    if is_caption_start(block.lines[0].text) and (
        has_cells(line) or has_cells(prev) or _same_row(prev, line)
    ):
        return False  # the rows of a table start under its caption
    if _same_row(prev, line):
        return True  # table cells, author lists: one row
    gap = line.y0 - prev.y1
    size = max(prev.size, line.size)
    if gap > params.block_gap * size or gap < -params.block_overlap * size:
        return False
    if abs(line.size - prev.size) > params.size_jump and not math:
        return False
    return None


def _heading_above(block: Block, prev: Line, line: Line, right: float) -> bool:
    """A short line in a face of its own above the text is a heading: in another named
    font ("Participants"), or italic above plain text (IEEE "A. Background")."""
    if len(block.lines) != 1 or prev.x1 >= right - 6 * prev.size or is_caption_start(prev.text):
        return False
    other_font = (
        bool(prev.font and line.font and prev.font != line.font)
        and not prev.text.endswith((".", ",", ";", ":"))
        and len(prev.text.split()) <= 12
    )
    return other_font or (prev.italic and not line.italic)


def _face_changes(block: Block, prev: Line, line: Line, right: float) -> bool:
    """Bold to plain or back between short lines ends a block, except where a run-in
    heading ("Setup. We consider …") opens its paragraph, and inside a caption
    ("Table 2. **Results.** More …" goes on)."""
    if prev.bold == line.bold or (len(prev.text) >= 80 and len(line.text) >= 80):
        return False
    if is_caption_start(block.lines[0].text):
        return False
    wraps = prev.bold and is_run_in(line) and prev.x1 > right - 2 * prev.size
    return not (wraps or (is_run_in(prev) and not line.bold))


def _same_paragraph(block: Block, prev: Line, line: Line, left: float, right: float) -> bool:
    """Running text goes on unless a caption starts, a numbered subheading follows, or a
    short line ending a sentence (or an indented line after flush ones) opens a new paragraph."""
    if is_caption_start(line.text):
        return False
    if prev.text.endswith("-") and prev.text[-2:-1].isalpha() and prev.x1 > right - 2 * prev.size:
        return True  # a word broken at the line end goes on, whatever the indent ("SO-" / "LUTION")
    if line.bold and len(line.text) < 60 and re.match(r"\d+(\.\d+)+\.?\s+[A-Z]", line.text):
        return False  # a numbered subsection heading ("3.1 Rationale") right under a heading
    ended = (
        prev.text.rstrip().endswith((".", "!", "?", ":", "。", "！", "？", "："))
        and prev.x1 < right - 2 * prev.size
    )
    indented = left + 0.8 * line.size < line.x0 < left + 4 * line.size
    flush_before = any(ln.x0 <= left + 0.5 * ln.size for ln in block.lines)
    return not (ended or (indented and flush_before))


def analyse(pages: list[PageText], params: LayoutParams = DEFAULT) -> Layout:
    """Blocks of the whole document in reading order (headers, footers and figure text removed)."""
    body = body_font_size(pages)
    remove_running_text(pages, params)
    areas: dict[int, list[Box]] = {}
    boxes: dict[int, list[Box]] = {}
    inside: dict[Box, list[Line]] = {}
    blocks: list[Block] = []
    for page in pages:
        regions = figure_areas(page, body, params, boxes.setdefault(page.number, []))
        areas[page.number] = regions
        if regions:
            kept = []
            for ln in page.lines:
                region = next((r for r in regions if r.contains_center(ln.box, 1.0)), None)
                if region is None or is_caption_start(ln.text):
                    kept.append(ln)
                else:
                    inside.setdefault(region, []).append(ln)
            page.lines = kept
        blocks.extend(_blocks_of(page, params))
    fonts = Counter[str]()
    for page in pages:
        for ln in page.lines:
            fonts[ln.font] += len(ln.text)
    fonts.pop("", None)
    body_font = fonts.most_common(1)[0][0] if fonts else ""
    return Layout(blocks, body, pages, areas, inside, body_font, boxes, params)
