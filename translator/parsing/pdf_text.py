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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi(?!um)|cmbx|cmb\d|-bd|\.b$|,b", re.IGNORECASE)
_MATH_NAME = re.compile(
    r"cmmi|cmsy|cmex|msbm|msam|math|symbol|mtmi|mtsy|txmi|txsy|txex|pxmi|pxsy|rsfs|euclid|esint|wasy|bbm|"
    r"dsrom|stmary|mnsymbol|lmmi|lmsy|cmbsy|eufm|eusm",
    re.IGNORECASE,
)
_FORCE_BOLD = 1 << 18
_ITALIC_FLAG = 1 << 6
_ITALIC_NAME = re.compile(r"italic|oblique|-it$|-it[,+-]|ital|cmti|cmsl|slanted", re.IGNORECASE)


@dataclass(frozen=True)
class Box:
    """A rectangle in top-left page coordinates (points)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1), max(self.y1, other.y1)
        )

    def near(self, other: Box, gap: float) -> bool:
        return not (
            other.x0 > self.x1 + gap
            or other.x1 < self.x0 - gap
            or other.y0 > self.y1 + gap
            or other.y1 < self.y0 - gap
        )

    def x_overlap(self, other: Box) -> float:
        """How far the two boxes share their horizontal extent (negative: the gap between)."""
        return min(self.x1, other.x1) - max(self.x0, other.x0)

    def contains_center(self, other: Box, slack: float = 0.0) -> bool:
        """Whether the middle of ``other`` lies in this box (grown by ``slack``)."""
        x, y = (other.x0 + other.x1) / 2, (other.y0 + other.y1) / 2
        return self.x0 - slack <= x <= self.x1 + slack and self.y0 - slack <= y <= self.y1 + slack


@dataclass
class Line:
    """A run of characters sharing a baseline, in content order."""

    page: int  # 1-based, as in GROBID coords
    box: Box
    text: str
    size: float  # most common font size of its characters
    bold: bool  # most characters in a bold face
    math: float  # share of characters set in a math font
    bold_lead: int = 0  # length of the bold run that opens the line (a run-in heading)
    italic: bool = False  # most characters in an italic face
    font: str = ""  # name of the font most characters are set in ("" when unnamed)
    # Wide blank stretches inside the line (table columns): (offset in text where the next
    # run starts, right edge of the run before, left edge of the next run).
    gaps: tuple[tuple[int, float, float], ...] = ()

    @property
    def x0(self) -> float:
        return self.box.x0

    @property
    def x1(self) -> float:
        return self.box.x1

    @property
    def y0(self) -> float:
        return self.box.y0

    @property
    def y1(self) -> float:
        return self.box.y1


@dataclass
class PageText:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    graphics: list[Box] = field(default_factory=list)  # images, vector paths, shadings, forms


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


@dataclass(frozen=True)
class _Font:
    bold: bool
    math: bool
    italic: bool = False
    name: str = ""  # base font name, "" when the PDF gives none


_NO_FONT = _Font(False, False)


def _prototype(function: Any, restype: Any, *argtypes: Any) -> Any:
    """The same PDFium entry point typed with plain integers: calling through
    ctypes pointer types costs more than the call itself in this hot loop."""
    address = ctypes.cast(function, ctypes.c_void_p).value or 0
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_get_text_object = _prototype(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_get_font = _prototype(pdfium_c.FPDFTextObj_GetFont, ctypes.c_void_p, ctypes.c_void_p)
_get_base_font_name = _prototype(
    pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong
)
_get_weight = _prototype(pdfium_c.FPDFFont_GetWeight, ctypes.c_int, ctypes.c_void_p)
_get_flags = _prototype(pdfium_c.FPDFFont_GetFlags, ctypes.c_int, ctypes.c_void_p)
_get_box = _prototype(
    pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p
)
_get_unicode = _prototype(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, ctypes.c_void_p, ctypes.c_int)
_get_size = _prototype(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, ctypes.c_void_p, ctypes.c_int)
_get_origin = _prototype(
    pdfium_c.FPDFText_GetCharOrigin,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_void_p,
)
_get_angle = _prototype(pdfium_c.FPDFText_GetCharAngle, ctypes.c_float, ctypes.c_void_p, ctypes.c_int)


class _FontCache:
    """Font facts per PDFium font handle (valid for the whole document)."""

    def __init__(self) -> None:
        self.by_font: dict[int, _Font] = {}
        self.buffer = ctypes.create_string_buffer(256)

    def describe(self, font: int) -> _Font:
        info = self.by_font.get(font)
        if info is None:
            length = _get_base_font_name(font, self.buffer, len(self.buffer))
            name = self.buffer.raw[: max(0, length - 1)].decode("latin-1", "replace")
            weight = _get_weight(font)
            flags = _get_flags(font)
            bold = bool(_BOLD_NAME.search(name)) or weight >= 600 or bool(flags & _FORCE_BOLD)
            math = bool(_MATH_NAME.search(name))
            italic = not math and (bool(_ITALIC_NAME.search(name)) or bool(flags & _ITALIC_FLAG))
            info = _Font(bold, math, italic, name)
            self.by_font[font] = info
        return info


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
        self.fonts: list[_Font] = []
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

    def build(self) -> Line | None:
        if not self.visible or self.rotated:
            return None
        # Collapse whitespace and measure the opening bold run in the same pass.
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
        text = "".join(out).rstrip()
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


def _page_lines(textpage: pdfium.PdfTextPage, number: int, height: float, fonts: _FontCache) -> list[Line]:  # noqa: C901 - to be split into passes (the reader-as-passes step of the job redesign)
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.addressof(rect)
    lines: list[Line] = []
    line = _LineBuilder(number)
    # (font, size) per text object: an object has one font and one size.
    objects: dict[int, tuple[_Font, float]] = {}
    x, y = ctypes.c_double(), ctypes.c_double()
    x_ref, y_ref = ctypes.addressof(x), ctypes.addressof(y)
    previous = 0
    low_surrogate = -1  # index of the second half of a UTF-16 pair, already consumed
    for index in range(count):
        if index == low_surrogate:
            continue
        code = _get_unicode(handle, index)
        if code in (10, 13):
            continue
        if 0xD800 <= code < 0xDC00 and index + 1 < count:
            # PDFium gives characters beyond the BMP (mathematical italic 𝑆, 𝜋) as two UTF-16 units.
            low = _get_unicode(handle, index + 1)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                low_surrogate = index + 1
        if code == 2:  # PDFium's mark for a hyphen that ends a line
            code = 45
        if code in (32, 9, 160) or code == 0:
            line.chars.append(" ")
            continue
        ch = chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
        _get_box(handle, index, rect_ref)
        left, right = rect.left, rect.right
        top, bottom = height - rect.top, height - rect.bottom
        obj = _get_text_object(handle, index) or 0
        facts = objects.get(obj)
        if facts is None:
            font = _get_font(obj) if obj else 0
            size = _get_size(handle, index)
            if size < 0.5 * (bottom - top):
                # Some producers set size 1 and scale with the text matrix: use the glyph box instead.
                size = round((bottom - top) / 1.15, 1)
            facts = (fonts.describe(font) if font else _NO_FONT, size)
            objects[obj] = facts
        font_facts, size = facts
        if size <= 0:
            size = bottom - top
        if line.visible and ch in _ACCENTS and left < line.last_x1 and line.place_accent(ch, left, right):
            continue
        if line.visible:
            middle = (top + bottom) / 2
            # A baseline change, a jump back (next line) or far right (other column) ends the line.
            if not (line.y0 - 0.2 * size <= middle <= line.y1 + 0.2 * size) or not (
                line.last_x1 - 1.5 * size <= left <= line.last_x1 + 4.0 * max(size, 4.0)
            ):
                built = line.build()
                if built is not None:
                    lines.append(built)
                line = _LineBuilder(number)
        if not line.visible:
            line.rotated = abs(_get_angle(handle, index)) > 0.1
        elif left - line.x1 > 1.5 * size:
            # Measured from the line's right edge so far: an accent drawn back over its letter
            # ("Fa¨rber") must not open a gap.
            line.gaps[len(line.chars)] = (line.x1, left)
        elif line.chars[-1] != " " and abs(size - line.sizes[-1]) > 0.15 * size:
            # Sub- and superscripts are separate tokens (x i, word 1), as in GROBID; small capitals are not.
            _get_origin(handle, previous, x_ref, y_ref)
            before = y.value
            _get_origin(handle, index, x_ref, y_ref)
            if abs(y.value - before) > 0.1 * size:
                line.chars.append(" ")
        line.boxes.append((len(line.chars), left, right))
        line.chars.append(ch)
        line.visible += 1
        if left < line.x0:
            line.x0 = left
        if right > line.x1:
            line.x1 = right
        # Sub- and superscripts must not stretch the line: only full-size characters set its height.
        if not line.sizes or size >= 0.85 * line.sizes[0]:
            if top < line.y0:
                line.y0 = top
            if bottom > line.y1:
                line.y1 = bottom
        line.last_x1 = right
        previous = index
        line.sizes.append(size)
        line.fonts.append(font_facts)
    built = line.build()
    if built is not None:
        lines.append(built)
    return lines


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


def read_pages(path: Path, max_pages: int | None = None) -> Iterator[PageText]:
    """Yield each page's lines (content order) and graphics boxes."""
    pdf = pdfium.PdfDocument(str(path))
    fonts = _FontCache()
    try:
        total = len(pdf) if max_pages is None else min(len(pdf), max_pages)
        for index in range(total):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            try:
                lines = _page_lines(textpage, index + 1, height, fonts)
                graphics = _graphics(page, height)
            finally:
                textpage.close()
                page.close()
            yield PageText(index + 1, width, height, lines, graphics)
    finally:
        pdf.close()
