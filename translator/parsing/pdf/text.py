"""Characters, lines and graphics of a PDF page, read with PDFium.

The only module that talks to pypdfium2's raw API: everything above it sees
:class:`PageText` objects with lines in top-left page coordinates (points),
the same coordinate system GROBID's ``coords`` attributes use.
"""

from __future__ import annotations

import ctypes
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ...model import UNKNOWN_CHARACTER as UNKNOWN
from ..pdfium_lock import PDFIUM_LOCK
from .fonts import (
    NO_FONT,
    Font,
    FontCache,
    get_angle,
    get_box,
    get_font,
    get_origin,
    get_size,
    get_text_object,
    get_unicode,
    has_map_error,
)
from .geometry import Box, Line, PageText
from .params import DEFAULT, LayoutParams
from .tex_fonts import tex_character

# Spacing accents some producers print after the letter ("Agogue´"), as combining marks.
_ACCENTS = {
    "´": "\u0301",
    "`": "\u0300",
    "¨": "\u0308",
    "ˆ": "\u0302",
    "˜": "\u0303",
    "ˇ": "\u030c",
    "¸": "\u0327",
}
_SPACING_ACCENT = re.compile(r"(?<=[A-Za-z])[´`¨ˆ˜ˇ¸]")


def _with_accents(text: str) -> str:
    """``e´`` → ``é``: a spacing accent right after a letter becomes part of it."""
    return unicodedata.normalize("NFC", _SPACING_ACCENT.sub(lambda m: _ACCENTS[m.group()], text))


class _LineBuilder:
    """Characters of one line; sizes and font facts counted per character."""

    __slots__ = (
        "boxes",
        "chars",
        "fonts",
        "gaps",
        "last_x1",
        "page",
        "rotated",
        "sizes",
        "visible",
        "x0",
        "x1",
        "y0",
        "y1",
    )

    def __init__(self, page: int) -> None:
        self.page = page
        self.chars: list[str] = []
        self.x0 = self.y0 = float("inf")
        self.x1 = self.y1 = float("-inf")
        self.sizes: list[float] = []
        self.fonts: list[Font] = []
        self.last_x1 = float("-inf")
        self.visible = 0
        self.rotated = False
        self.gaps: dict[int, tuple[float, float]] = {}  # index in chars → (right before, left after)
        self.boxes: list[tuple[int, float, float]] = []  # (index in chars, left, right) of each glyph

    def place_accent(self, accent: str, left: float, right: float) -> bool:
        """Put a spacing accent drawn back over an earlier letter ("Fa¨rber") onto that
        letter; False when no letter of the line lies under it."""
        middle = (left + right) / 2
        for index, x0, x1 in reversed(self.boxes):
            if x0 - 0.5 <= middle <= x1 + 0.5:
                letter = self.chars[index]
                if not letter.isalpha():
                    return False
                joined = unicodedata.normalize("NFC", letter + _ACCENTS[accent])
                if len(joined) == 1:
                    self.chars[index] = joined
                    return True
                return False
        return False

    def add(
        self,
        ch: str,
        left: float,
        right: float,
        top: float,
        bottom: float,
        size: float,
        font: Font,
        full: float,
    ) -> None:
        self.boxes.append((len(self.chars), left, right))
        self.chars.append(ch)
        self.visible += 1
        if left < self.x0:
            self.x0 = left
        if right > self.x1:
            self.x1 = right
        # Sub- and superscripts must not stretch the line: only full-size characters set its height.
        if not self.sizes or size >= full * self.sizes[0]:
            if top < self.y0:
                self.y0 = top
            if bottom > self.y1:
                self.y1 = bottom
        self.last_x1 = right
        self.sizes.append(size)
        self.fonts.append(font)

    def collapse(self) -> tuple[str, int, list[tuple[int, float, float]]]:
        """The text with whitespace collapsed, the length of its opening bold run, and
        where its wide gaps fall in it (measured in one pass)."""
        out: list[str] = []
        lead = 0
        leading = True
        fonts = iter(self.fonts)
        cuts: list[tuple[int, float, float]] = []
        for index, ch in enumerate(self.chars):
            if index in self.gaps and out:
                if out[-1] != " ":
                    out.append(" ")
                cuts.append((len(out), *self.gaps[index]))
            # Plain spaces were added without a font; every other character has one.
            bold = ch != " " and next(fonts).bold
            if ch.isspace():
                if out and out[-1] != " ":
                    out.append(" ")
                continue
            leading = leading and bold
            out.append(ch)
            if leading:
                lead = len(out)
        return "".join(out).rstrip(), lead, cuts

    def build(self) -> Line | None:
        if not self.visible or self.rotated:
            return None
        text, lead, cuts = self.collapse()
        if not text:
            return None
        if _SPACING_ACCENT.search(text):
            lead = len(_with_accents(text[:lead]))
            # Joining accents shortens the text: move the gap offsets with it.
            cuts = [(len(_with_accents(text[:at])), before, after) for at, before, after in cuts]
            text = _with_accents(text)
        sizes = Counter(round(s, 1) for s in self.sizes)
        n = self.visible
        return Line(
            self.page,
            Box(self.x0, self.y0, self.x1, self.y1),
            text,
            sizes.most_common(1)[0][0],
            sum(f.bold for f in self.fonts) * 2 > n,
            sum(f.math for f in self.fonts) / n,
            lead,
            sum(f.italic for f in self.fonts) * 2 > n,
            Counter(f.name for f in self.fonts).most_common(1)[0][0],
            tuple(cuts),
        )


class _PageReader:
    """One page's characters into lines: PDFium gives them in content order, and a
    baseline change, a jump back (the next line) or far right (another column) ends a line."""

    def __init__(
        self, textpage: pdfium.PdfTextPage, number: int, height: float, fonts: FontCache, params: LayoutParams
    ) -> None:
        self.raw = textpage.raw
        self.handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        self.number = number
        self.height = height
        self.fonts = fonts
        self.params = params
        self.rect = pdfium_c.FS_RECTF()
        self.rect_ref = ctypes.addressof(self.rect)
        self.x, self.y = ctypes.c_double(), ctypes.c_double()
        self.x_ref, self.y_ref = ctypes.addressof(self.x), ctypes.addressof(self.y)
        # (font, size) per text object: an object has one font and one size.
        self.objects: dict[int, tuple[Font, float]] = {}
        self.lines: list[Line] = []
        self.line = _LineBuilder(number)
        self.previous = 0  # index of the last visible character

    def read(self) -> list[Line]:
        handle = self.handle
        count = pdfium_c.FPDFText_CountChars(self.raw)
        low_surrogate = -1  # index of the second half of a UTF-16 pair, already consumed
        for index in range(count):
            if index == low_surrogate:
                continue
            code = get_unicode(handle, index)
            if (code < 32 or 0x7F <= code < 0xA0) and code != 9 and has_map_error(handle, index):
                self.place(index, self.unknown(index, code))  # a glyph the PDF does not name
                continue
            if code in (10, 13):
                continue
            if 0xD800 <= code < 0xDC00 and index + 1 < count:
                # PDFium gives characters beyond the BMP (mathematical italic 𝑆, 𝜋) as two UTF-16 units.
                low = get_unicode(handle, index + 1)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    low_surrogate = index + 1
            if code == 2:  # PDFium's mark for a hyphen that ends a line
                code = 45
            if code == 0 and (minus := self.unknown(index, code)) != UNKNOWN:
                code = ord(minus)  # TeX's math symbols put the minus sign at code 0
            elif code in (32, 9, 160) or code == 0:
                self.line.chars.append(" ")
                continue
            # Not a control character (C0, DEL, C1), not half a UTF-16 pair: compared inline, this
            # runs for every character of the paper.
            visible = 0x20 <= code < 0x7F or 0xA0 <= code < 0xD800 or 0xE000 <= code < 0x110000
            self.place(index, chr(code) if visible else UNKNOWN)
        self.end_line()
        return self.lines

    def unknown(self, index: int, code: int) -> str:
        """A character without a Unicode mapping: read through its TeX font's encoding, else U+FFFD."""
        obj = get_text_object(self.handle, index) or 0
        font = get_font(obj) if obj else 0
        return tex_character(self.fonts.describe(font).name if font else "", code)

    def facts(self, index: int, top: float, bottom: float) -> tuple[Font, float]:
        """The font and size of a character's text object, looked up once per object."""
        obj = get_text_object(self.handle, index) or 0
        facts = self.objects.get(obj)
        if facts is None:
            font = get_font(obj) if obj else 0
            size = get_size(self.handle, index)
            if size < 0.5 * (bottom - top):
                # Some producers set size 1 and scale with the text matrix: use the glyph box instead.
                size = round((bottom - top) / 1.15, 1)
            facts = (self.fonts.describe(font) if font else NO_FONT, size)
            self.objects[obj] = facts
        return facts

    def end_line(self) -> None:
        built = self.line.build()
        if built is not None:
            self.lines.append(built)
        self.line = _LineBuilder(self.number)

    def place(self, index: int, ch: str) -> None:
        """A visible character: onto the current line, or opening the next one."""
        get_box(self.handle, index, self.rect_ref)
        left, right = self.rect.left, self.rect.right
        top, bottom = self.height - self.rect.top, self.height - self.rect.bottom
        font_facts, size = self.facts(index, top, bottom)
        if size <= 0:
            size = bottom - top
        line, p = self.line, self.params
        if line.visible and ch in _ACCENTS and left < line.last_x1 and line.place_accent(ch, left, right):
            return
        if line.visible:
            middle = (top + bottom) / 2
            if not (line.y0 - p.line_band * size <= middle <= line.y1 + p.line_band * size) or not (
                line.last_x1 - p.jump_back * size <= left <= line.last_x1 + p.jump_right * max(size, 4.0)
            ):
                self.end_line()
                line = self.line
        if not line.visible:
            line.rotated = abs(get_angle(self.handle, index)) > 0.1
        elif left - line.x1 > p.cell_gap * size:
            # Measured from the line's right edge so far: an accent drawn back over its letter
            # ("Fa¨rber") must not open a gap.
            line.gaps[len(line.chars)] = (line.x1, left)
        elif line.chars[-1] != " " and abs(size - line.sizes[-1]) > p.script_step * size:
            # Sub- and superscripts are separate tokens (x i, word 1), as in GROBID; small capitals are not.
            get_origin(self.handle, self.previous, self.x_ref, self.y_ref)
            before = self.y.value
            get_origin(self.handle, index, self.x_ref, self.y_ref)
            if abs(self.y.value - before) > p.script_rise * size:
                line.chars.append(" ")
        line.add(ch, left, right, top, bottom, size, font_facts, p.full_size)
        self.previous = index


_GRAPHIC_KINDS = frozenset(
    {
        pdfium_c.FPDF_PAGEOBJ_IMAGE,
        pdfium_c.FPDF_PAGEOBJ_PATH,
        pdfium_c.FPDF_PAGEOBJ_SHADING,
        pdfium_c.FPDF_PAGEOBJ_FORM,
    }
)


def _graphics(page: pdfium.PdfPage, height: float) -> list[Box]:
    """Boxes of the page's images, paths, shadings and forms. A form that wraps most of the
    page (some producers put each whole page in one) is opened, so that the figures inside
    it are seen one by one."""
    graphics: list[Box] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    matrix = pdfium_c.FS_MATRIX()
    page_area = page.get_width() * height

    def collect(objects: list[Any], depth: int) -> None:
        for obj in objects:
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind not in _GRAPHIC_KINDS or not pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
                continue
            box = Box(left.value, height - top.value, right.value, height - bottom.value)
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 3 and box.area > 0.5 * page_area:
                pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix))
                # Only forms drawn as they are: their contents' bounds are then page coordinates.
                if (
                    abs(matrix.a - 1) < 0.01
                    and abs(matrix.d - 1) < 0.01
                    and abs(matrix.b) < 0.01
                    and abs(matrix.c) < 0.01
                    and abs(matrix.e) < 1
                    and abs(matrix.f) < 1
                ):
                    count = pdfium_c.FPDFFormObj_CountObjects(obj)
                    collect([pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count)], depth + 1)
                    continue
            graphics.append(box)

    collect(
        [pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(pdfium_c.FPDFPage_CountObjects(page.raw))], 0
    )
    return graphics


def read_pages(
    path: Path,
    max_pages: int | None = None,
    params: LayoutParams = DEFAULT,
    only: frozenset[int] | None = None,
) -> list[PageText]:
    """Each page's lines (content order) and graphics boxes, read under the PDFium lock
    (``only`` these page numbers, when given)."""
    with PDFIUM_LOCK:
        return list(_read_pages(path, max_pages, params, only))


def _read_pages(
    path: Path, max_pages: int | None, params: LayoutParams, only: frozenset[int] | None
) -> Iterator[PageText]:
    pdf = pdfium.PdfDocument(str(path))
    fonts = FontCache()
    try:
        total = len(pdf) if max_pages is None else min(len(pdf), max_pages)
        for index in range(total):
            if only is not None and index + 1 not in only:
                continue
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                lines = _PageReader(textpage, index + 1, height, fonts, params).read()
                graphics = _graphics(page, height)
            finally:
                textpage.close()
                page.close()
            yield PageText(index + 1, width, height, lines, graphics)
    finally:
        pdf.close()
