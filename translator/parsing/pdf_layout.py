"""Page layout: running headers and footers out, figure text out, columns put
in reading order, lines grouped into blocks.

Works on :mod:`.pdf_text` lines only; what a block *is* (heading, caption,
formula, reference) is decided by :mod:`.pdf_reader`.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .pdf_text import Box, Line, PageText

_PAGE_NUMBER = re.compile(r"^(page\s*)?[\divxlc]+(\s*(of|/)\s*\d+)?$", re.IGNORECASE)
# "Figure 2: …", "Fig. 3.", "TABLE IV", "Table 1 Overview …" — not "Table 2 shows …".
# Caption labels in the languages papers come in: English, Spanish/Portuguese ("Cuadro",
# "Tabla", "Figura", "Gráfico"), French, German, Italian, Russian, Chinese and Japanese.
_TABLE_WORDS = "table|tab|tabla|tabela|cuadro|quadro|tableau|tabelle|tabella|таблица|табл|表"
_FIGURE_WORDS = "fig(?:ure)?s?|figura|gr[áa]fico|abbildung|abb|рисунок|рис|图|圖|図"
TABLE_KIND = re.compile(rf"^(?:supplementary )?(?:{_TABLE_WORDS})$", re.IGNORECASE)
CAPTION = re.compile(
    rf"^(?P<kind>{_TABLE_WORDS}|{_FIGURE_WORDS}|algorithm|listing|supplementary (?:figure|table))\.?\s*"
    r"(?P<label>(?:[a-z]\.?)?\d+[a-z]?|(?-i:[IVXL]+))(?=\s*[:.|—–\-：]|\s+(?-i:[A-Z(])|\s*[\u3040-\u30ff\u4e00-\u9fff]|\s*$)\s*[:.|—–\-：]?\s*",
    re.IGNORECASE,
)
_EQUATION_NUMBER = re.compile(r"\(\s*[A-Z]?[0-9]+(\.[0-9]+)?[a-z]?\s*\)$")  # (3), (2.1), (4b), (C1)
_MATH_SYMBOLS = set("=≤≥<>±∑∏∫∂∇∈∉⊂⊆∪∩→←↔⇒⇔∀∃∞√≈≠∼≃≡×÷·∥⊤⊥αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ^_|")
_MARGIN = 0.09  # share of the page height where running headers and footers live


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


_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


_URL_BROKEN = re.compile(r"(?:https?://|www\.)\S*[./=?&#_-]$")
_URL_GOES_ON = re.compile(r"[\w%~-]+[./=?&#][^\s]*")


def join_lines(texts: Sequence[str]) -> str:
    """Join line texts into running text, re-joining words split by a line-break hyphen
    (and Chinese or Japanese text, which has no spaces, without one)."""
    out = ""
    previous = ""
    for text in texts:
        if not out:
            out = text
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and text[:1].islower():
            out = out[:-1] + text
        elif out.endswith("-") and previous.isupper() and text.isupper() and text[:1].isalpha():
            out = out[:-1] + text  # a heading in capitals broken mid-word: "SO-" / "LUTION"
        elif _CJK.match(out[-1]) and _CJK.match(text[:1]):
            out += text  # Chinese and Japanese put no space between words, nor at a line break
        elif _URL_BROKEN.search(out) and _URL_GOES_ON.match(text):
            out += text  # a link broken at the line end: "https://commons." / "wikimedia.org/w/…"
        else:
            out = f"{out} {text}"
        previous = text
    return out


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


def _in_margin(line: Line, page: PageText) -> bool:
    return line.y1 < page.height * _MARGIN * 1.3 or line.y0 > page.height * (1 - _MARGIN)


def remove_running_text(pages: Sequence[PageText]) -> None:
    """Drop running headers, footers and page numbers (in place)."""
    seen: Counter[str] = Counter()
    for page in pages:
        seen.update({_margin_key(ln.text) for ln in page.lines if _in_margin(ln, page)})
    repeated = {key for key, n in seen.items() if n >= max(2, len(pages) // 4)}

    def running(ln: Line, page: PageText) -> bool:
        # "Table 2" opening a page repeats as "Table #" on many pages, but it is a caption.
        return (
            _in_margin(ln, page)
            and (_margin_key(ln.text) in repeated or bool(_PAGE_NUMBER.match(ln.text.strip())))
            and not is_caption_start(ln.text)
        )

    for page in pages:
        page.lines = [ln for ln in page.lines if not running(ln, page)]


def _merge_boxes(boxes: list[Box], gap: float) -> list[Box]:
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: (b.y0, b.x0)):
        while True:
            for i, other in enumerate(merged):
                if other.near(box, gap):
                    box = other.union(box)
                    del merged[i]
                    break
            else:
                break
        merged.append(box)
    return merged


def figure_areas(page: PageText, body_size: float, text_boxes: list[Box] | None = None) -> list[Box]:
    """Regions of a page drawn as graphics (plots, diagrams, images), where
    text is labels, not prose. Shaded or framed text boxes are not figures: a region
    whose text is mostly body-size prose is left alone (and added to ``text_boxes``)."""
    page_area = page.width * page.height
    boxes = [
        b
        for b in page.graphics
        if b.area < 0.8 * page_area and (b.width > 2 or b.height > 2) and b.width < page.width * 0.98
    ]
    areas = []
    for region in _merge_boxes(boxes, gap=4.0):
        if region.area < 0.012 * page_area or region.width < 30 or region.height < 20:
            continue
        inside = [ln for ln in page.lines if region.contains_center(ln.box, 1.0)]
        caption = next((ln for ln in inside if CAPTION.match(ln.text) and ln.y0 > region.y0 + 20), None)
        if caption is not None:
            # A drawing that frames its own caption (a white form behind both): the figure
            # ends where the caption starts, and the caption is text.
            region = Box(region.x0, region.y0, region.x1, caption.y0 - 1)
            inside = [ln for ln in inside if region.contains_center(ln.box, 1.0)]
        if region.area > 0.5 * page_area and len(inside) >= 30:
            continue  # a frame or link layer drawn under a page of text, not a figure
        prose = [ln for ln in inside if len(ln.text) > 25 and abs(ln.size - body_size) < 0.8]
        if prose and sum(len(ln.text) for ln in prose) > 0.4 * sum(len(ln.text) for ln in inside):
            if text_boxes is not None and region.area < 0.3 * page_area:
                text_boxes.append(region)
            continue
        if inside and CAPTION.match(inside[0].text):
            continue
        areas.append(region)
    return areas


def is_run_in(line: Line) -> bool:
    """Whether the line opens with a bold run ending in a stop ("Setup. We …") and goes on
    in the text face; a bold number before a plain heading ("1 | INTRODUCTION") is not one."""
    if not line.bold_lead:
        return False
    lead, rest = line.text[: line.bold_lead].rstrip(), line.text[line.bold_lead :].lstrip()
    return (
        sum(ch.isalpha() for ch in lead) >= 3
        and (
            lead.endswith((".", ":", "?", "—", "–"))
            or rest.startswith((".", ":", "—", "–"))
            or re.match(r"(We|Our|In|The|This|These|To|For|Here|Given|As)\b", rest) is not None
        )
        and len(re.sub(r"\W", "", rest)) >= 2
    )


def is_caption_start(text: str) -> bool:
    return bool(CAPTION.match(text))


def looks_like_math(line: Line, left: float, right: float) -> bool:
    """A display-formula line: set in math fonts, or short, indented and symbol-heavy, or numbered (1)."""
    text = line.text
    if len(text) > 160:
        return False
    symbols = sum(ch in _MATH_SYMBOLS for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    words = re.findall(r"[A-Za-z]{4,}", text)
    indented = line.x0 > left + 2 * line.size and line.x1 < right - line.size
    if line.math >= 0.35 and len(words) <= 3:
        return True
    if _EQUATION_NUMBER.search(text) and (symbols or line.math > 0.1) and len(words) <= 4:
        return True
    return indented and symbols >= 2 and letters < 3 * max(1, len(words) * 4) and len(words) <= 2


def _gutter(page: PageText) -> float | None:
    """The x of the white stripe between two columns: the position crossed by the fewest
    lines with enough wide lines on both sides (a sidebar column is narrower than half)."""
    lines = page.lines
    if len(lines) < 8:
        return None
    starts = sorted(ln.x0 for ln in lines)
    ends = sorted(ln.x1 for ln in lines)
    wide = [ln for ln in lines if ln.box.width > page.width * 0.15]
    wide_starts = sorted(ln.x0 for ln in wide)
    wide_ends = sorted(ln.x1 for ln in wide)
    middle = page.width / 2
    best: tuple[int, float, float] | None = None
    x = page.width * 0.2
    while x < page.width * 0.8:
        crossing = bisect.bisect_left(starts, x - 4) - bisect.bisect_right(ends, x + 4)
        wide_left = bisect.bisect_right(wide_ends, x + 4)
        wide_right = len(wide_starts) - bisect.bisect_left(wide_starts, x - 4)
        if wide_left >= 4 and wide_right >= 4 and crossing * 2 <= len(lines):
            candidate = (crossing, abs(x - middle), x)
            if best is None or candidate < best:
                best = candidate
        x += 2.0
    return best[2] if best is not None else None


def _columns(page: PageText) -> tuple[list[Line], list[Line], list[Line]]:
    gutter = _gutter(page)
    if gutter is None:
        return page.lines, [], []
    left = [ln for ln in page.lines if ln.x1 <= gutter + 4]
    right = [ln for ln in page.lines if ln.x0 >= gutter - 4 and ln.x1 > gutter + 4]
    spanning = [ln for ln in page.lines if ln.x1 > gutter + 4 and ln.x0 < gutter - 4]
    # The short last line of a full-width paragraph (a wide caption, an abstract) fits in
    # the left column, and so does a label set on its own line above one ("Table 3"):
    # they belong to the full-width text when nothing stands beside them.
    for line in sorted(left, key=lambda ln: ln.y0):
        above = max((s for s in spanning if s.y1 <= line.y0 + 1), key=lambda s: s.y1, default=None)
        below = min((s for s in spanning if s.y0 >= line.y1 - 1), key=lambda s: s.y0, default=None)
        close_above = above is not None and line.y0 - above.y1 < 0.75 * line.size
        neighbour = above if close_above else below
        touching = (close_above and above is not None and abs(line.x0 - above.x0) < 2) or (
            below is not None
            and below.y0 - line.y1 < 0.75 * line.size
            and abs(line.x0 - below.x0) < 2
            and is_caption_start(line.text)
        )
        if (
            touching
            and neighbour is not None
            and abs(line.size - neighbour.size) < 0.5
            and not any(r.y0 < line.y1 and r.y1 > line.y0 for r in right)
        ):
            left.remove(line)
            spanning.append(line)
    return spanning, left, right


def _reading_order(page: PageText) -> list[tuple[int, Line]]:
    """(column, line) in reading order: bands between full-width lines, left column before right."""
    spanning, left, right = _columns(page)
    if not left and not right:
        return [(0, ln) for ln in sorted(spanning, key=lambda ln: (round(ln.y0), ln.x0))]
    order: list[tuple[int, Line]] = []
    cuts = sorted(spanning, key=lambda ln: ln.y0)
    top = float("-inf")
    for cut in [*cuts, None]:
        bottom = cut.y0 if cut is not None else float("inf")
        for column, lines in ((1, left), (2, right)):
            band = [ln for ln in lines if top <= ln.y0 < bottom]
            order.extend((column, ln) for ln in sorted(band, key=lambda ln: (round(ln.y0), ln.x0)))
        if cut is not None:
            order.append((0, cut))
            top = cut.y0
    return order


def _edges(lines: Sequence[Line]) -> tuple[float, float]:
    lefts = Counter(round(ln.x0) for ln in lines if len(ln.text) > 30)
    rights = Counter(round(ln.x1) for ln in lines if len(ln.text) > 30)
    left = lefts.most_common(1)[0][0] if lefts else min((ln.x0 for ln in lines), default=0.0)
    right = rights.most_common(1)[0][0] if rights else max((ln.x1 for ln in lines), default=0.0)
    return float(left), float(right)


def _same_row(a: Line, b: Line) -> bool:
    return abs(a.y0 - b.y0) < 0.5 * a.size and b.x0 > a.x1


def _blocks_of(page: PageText, body_size: float) -> list[Block]:
    order = _reading_order(page)
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
        if current is not None and _continues(current, line, column, math, left, right, body_size):
            current.lines.append(line)
            continue
        current = Block([line], page.number, column, math)
        blocks.append(current)
    return blocks


def _continues(
    block: Block, line: Line, column: int, math: bool, left: float, right: float, body: float
) -> bool:
    prev = block.lines[-1]
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
    if gap > 0.75 * size or gap < -0.5 * size:
        return False
    if abs(line.size - prev.size) > 0.9 and not math:
        return False
    if len(block.lines) == 1 and prev.x1 < right - 6 * prev.size and not is_caption_start(prev.text):
        # A short line in a face of its own above the text is a heading: in another named
        # font ("Participants"), or italic above plain text (IEEE "A. Background").
        other_font = (
            bool(prev.font and line.font and prev.font != line.font)
            and not prev.text.endswith((".", ",", ";", ":"))
            and len(prev.text.split()) <= 12
        )
        if other_font or (prev.italic and not line.italic):
            return False
    if (
        prev.bold != line.bold
        and (len(prev.text) < 80 or len(line.text) < 80)
        and not is_caption_start(block.lines[0].text)  # "Table 2. **Results.** More …" goes on
    ):
        # A run-in heading ("Setup. We consider …") opens its paragraph; it does not end a block.
        wraps = prev.bold and is_run_in(line) and prev.x1 > right - 2 * prev.size
        if not (wraps or (is_run_in(prev) and not line.bold)):
            return False
    if math:
        return not _EQUATION_NUMBER.search(prev.text)
    if is_caption_start(line.text):
        return False
    if prev.text.endswith("-") and prev.text[-2:-1].isalpha() and prev.x1 > right - 2 * prev.size:
        return True  # a word broken at the line end goes on, whatever the indent ("SO-" / "LUTION")
    if line.bold and len(line.text) < 60 and re.match(r"\d+(\.\d+)+\.?\s+[A-Z]", line.text):
        return False  # a numbered subsection heading ("3.1 Rationale") right under a heading
    # A short line ending a sentence, or an indented line after flush ones: a new paragraph.
    ended = (
        prev.text.rstrip().endswith((".", "!", "?", ":", "。", "！", "？", "："))
        and prev.x1 < right - 2 * prev.size
    )
    indented = left + 0.8 * line.size < line.x0 < left + 4 * line.size
    flush_before = any(ln.x0 <= left + 0.5 * ln.size for ln in block.lines)
    return not (ended or (indented and flush_before))


def analyse(pages: list[PageText]) -> Layout:
    """Blocks of the whole document in reading order (headers, footers and figure text removed)."""
    body = body_font_size(pages)
    remove_running_text(pages)
    areas: dict[int, list[Box]] = {}
    boxes: dict[int, list[Box]] = {}
    inside: dict[Box, list[Line]] = {}
    blocks: list[Block] = []
    for page in pages:
        regions = figure_areas(page, body, boxes.setdefault(page.number, []))
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
        blocks.extend(_blocks_of(page, body))
    fonts = Counter[str]()
    for page in pages:
        for ln in page.lines:
            fonts[ln.font] += len(ln.text)
    fonts.pop("", None)
    body_font = fonts.most_common(1)[0][0] if fonts else ""
    return Layout(blocks, body, pages, areas, inside, body_font, boxes)


_NEW_ITEM = re.compile(r"^([•·▪◦–-]|\d+[.)]|[a-z][.)]|[ivx]+[.)]?\s)")


def table_rows(lines: Sequence[Line]) -> list[list[str]]:
    """Lines of a table region as rows of cells. Lines sharing a baseline form a visual
    row; a line that carries on the text above it in the same column (starts in lower
    case, or follows a trailing comma or hyphen) joins that cell, so a cell wrapped over
    several lines stays one cell. A table row starts where the first column starts a new
    cell, or other columns start cells that are not just the next items of lists
    (bullets, "2.", or one lone line of text): those stay in their column's cell of the
    current row, as printed."""
    lines = [piece for ln in lines for piece in _split_at_gaps(ln)]
    visual: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.y0, ln.x0)):
        row = visual[-1] if visual else None
        if row is not None and abs((ln.y0 + ln.y1) / 2 - (row[0].y0 + row[0].y1) / 2) < 0.5 * row[0].size:
            row.append(ln)
        else:
            visual.append([ln])
    first_column = min((ln.x0 for ln in lines), default=0.0) + 4
    rows: list[list[_Cell]] = []
    open_cells: list[_Cell] = []  # the latest cell of each column
    for row in visual:
        starts: list[_Cell] = []
        for ln in sorted(row, key=lambda ln: ln.x0):
            above = next((c for c in open_cells if c.holds(ln) and ln.x0 - c.x0 < 40), None)
            if above is not None and _carries_on(above.lines[-1], ln.text):
                above.lines.append(ln.text)
                continue
            starts.append(_Cell(ln.x0, ln.x1, [ln.text]))
        if not starts:
            continue
        open_cells = [c for c in open_cells if not any(c.holds(s) for s in starts)] + starts
        if not rows or starts[0].x0 <= first_column or not _items_of_a_cell(starts):
            rows.append(starts)
            continue
        for start in starts:  # the next item of a list inside a cell of the current row
            cell = next((c for c in rows[-1] if c.holds(start)), None)
            if cell is None:
                rows[-1].append(start)
                rows[-1].sort(key=lambda c: c.x0)
            else:
                cell.lines.extend(start.lines)
                open_cells[open_cells.index(start)] = cell
    if len(rows) >= 2 and not any(_overlaps(a, b) for a in rows[0] for b in rows[1]):
        # A header set bottom-aligned: the taller header cells start a line or more above
        # the others, in columns of their own. They are one row.
        rows[:2] = [sorted(rows[0] + rows[1], key=lambda cell: cell.x0)]
    return [[join_lines(cell.lines) for cell in row] for row in rows]


def _overlaps(a: _Cell, b: _Cell) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1


def has_cells(line: Line) -> bool:
    """Whether the line holds cells side by side: a wide blank other than the one that may
    follow a heading number or a caption label ("3   Results", "TABLE 2   Key themes")."""
    for at, _, _ in line.gaps:
        before = line.text[:at].strip()
        if not (re.fullmatch(r"[\dIVXA-H.]{1,8}", before) or CAPTION.fullmatch(before + " ")):
            return True
    return False


def _justified(line: Line) -> bool:
    """Whether the wide blanks of a line are a justified cell's stretched word spaces: several,
    all about as wide, between words of running text ("Design   principle   where   the")."""
    if len(line.gaps) < 2:
        return False
    widths = [after - before for _, before, after in line.gaps]
    words = line.text.split()
    return (
        max(widths) < 1.3 * min(widths)
        and not any(ch.isdigit() for ch in line.text)
        and any(word[:1].islower() for word in words)
    )


def _split_at_gaps(line: Line) -> list[Line]:
    """A line that runs across table columns, cut where the text leaves a wide blank."""
    if not line.gaps or _justified(line):
        return [line]
    pieces = []
    start, x0 = 0, line.x0
    for at, before, after in (*line.gaps, (len(line.text), line.x1, line.x1)):
        text = line.text[start:at].strip()
        if text:
            pieces.append(
                replace(line, box=Box(x0, line.y0, before, line.y1), text=text, gaps=(), bold_lead=0)
            )
        start, x0 = at, after
    return pieces


NUMERIC_CELL = re.compile(r"^[\d\s.,%±()+−–-]+\W?$")


def _items_of_a_cell(starts: list[_Cell]) -> bool:
    """Whether the cells a visual row starts are the next items of lists inside the cells
    of the current row: all open list items, or one lone line of text (not a number)."""
    if all(_NEW_ITEM.match(cell.lines[0]) for cell in starts):
        return True
    return len(starts) == 1 and not NUMERIC_CELL.match(starts[0].lines[0])


@dataclass
class _Cell:
    x0: float
    x1: float
    lines: list[str]

    def holds(self, other: Line | _Cell) -> bool:
        """Whether ``other`` starts inside this cell's column."""
        return self.x0 - 4 <= other.x0 <= self.x1


_JOINING_WORDS = frozenset({"and", "or", "of", "the", "in", "to", "for"})


def _carries_on(before: str, text: str) -> bool:
    """Whether ``text`` goes on with the cell line ``before`` rather than opening a new cell."""
    if _NEW_ITEM.match(text):
        return False
    return (
        text[:1].islower()
        or before.endswith((",", "-", "–", "/", "&", "("))
        or before.split()[-1] in _JOINING_WORDS
    )
