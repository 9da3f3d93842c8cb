"""Characters, lines and graphics of a PDF page, read with PDFium.

The only module that talks to pypdfium2's raw API: everything above it sees
:class:`PageText` objects with lines in top-left page coordinates (points),
the same coordinate system GROBID's ``coords`` attributes use.
"""

from __future__ import annotations

import ctypes
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
from .linebuilder import ACCENTS, LineBuilder
from .params import DEFAULT, LayoutParams
from .tex_fonts import tex_character


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
        self.line = LineBuilder(number)
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
        self.line = LineBuilder(self.number)

    def place(self, index: int, ch: str) -> None:
        """A visible character: onto the current line, or opening the next one."""
        get_box(self.handle, index, self.rect_ref)
        left, right = self.rect.left, self.rect.right
        top, bottom = self.height - self.rect.top, self.height - self.rect.bottom
        font_facts, size = self.facts(index, top, bottom)
        if size <= 0:
            size = bottom - top
        line, p = self.line, self.params
        if line.visible and ch in ACCENTS and left < line.last_x1 and line.place_accent(ch, left, right):
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
            rise = self.rise(index)
            if abs(rise) > p.script_rise * size:
                line.chars.append(" ")
                if size < line.sizes[-1] and rise > 0:  # smaller and higher: a superscript
                    line.raised.add(len(line.chars))
        if (
            0 < len(line.sizes) <= 2
            and line.sizes[-1] < (1 - p.script_step) * size
            and -self.rise(index) > p.script_rise * line.sizes[-1]
        ):
            line.raised.add(0)  # the line opened with a superscript ("¹ https://…"), set higher
        line.add(ch, left, right, top, bottom, size, font_facts, p.full_size)
        self.previous = index

    def rise(self, index: int) -> float:
        """How far the character at ``index`` sits above the one placed before it (points)."""
        get_origin(self.handle, self.previous, self.x_ref, self.y_ref)
        before = self.y.value
        get_origin(self.handle, index, self.x_ref, self.y_ref)
        return self.y.value - before


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


class PageCache:
    """One PDF's pages, each read once however often passes ask for it: mending GROBID's
    figure boxes and finding where its figures stand read the same pages."""

    def __init__(self, path: Path, params: LayoutParams = DEFAULT) -> None:
        self.path = path
        self.params = params
        self._pages: dict[int, PageText] = {}
        self._count: int | None = None

    def pages(self, only: frozenset[int] | None = None) -> dict[int, PageText]:
        """The pages ``only`` names (every page when None), by number, in page order."""
        wanted = only if only is not None else frozenset(range(1, self._page_count() + 1))
        missing = wanted - self._pages.keys()
        if missing:
            for page in read_pages(self.path, params=self.params, only=frozenset(missing)):
                self._pages[page.number] = page
        return {number: self._pages[number] for number in sorted(wanted) if number in self._pages}

    def _page_count(self) -> int:
        if self._count is None:
            with PDFIUM_LOCK:
                pdf = pdfium.PdfDocument(str(self.path))
                try:
                    self._count = len(pdf)
                finally:
                    pdf.close()
        return self._count


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
