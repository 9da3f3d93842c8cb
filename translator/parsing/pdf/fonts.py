"""PDFium's raw font and character calls, typed once, and what a font is (bold,
italic, a math font): the only module besides :mod:`.text` that touches pypdfium2's raw API."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from typing import Any

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
class Font:
    bold: bool
    math: bool
    italic: bool = False
    name: str = ""  # base font name, "" when the PDF gives none


NO_FONT = Font(False, False)


def _prototype(function: Any, restype: Any, *argtypes: Any) -> Any:
    """The same PDFium entry point typed with plain integers: calling through
    ctypes pointer types costs more than the call itself in this hot loop."""
    address = ctypes.cast(function, ctypes.c_void_p).value or 0
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


get_text_object = _prototype(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
get_font = _prototype(pdfium_c.FPDFTextObj_GetFont, ctypes.c_void_p, ctypes.c_void_p)
_get_base_font_name = _prototype(
    pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong
)
_get_weight = _prototype(pdfium_c.FPDFFont_GetWeight, ctypes.c_int, ctypes.c_void_p)
_get_flags = _prototype(pdfium_c.FPDFFont_GetFlags, ctypes.c_int, ctypes.c_void_p)
get_box = _prototype(
    pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p
)
get_unicode = _prototype(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, ctypes.c_void_p, ctypes.c_int)
get_size = _prototype(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, ctypes.c_void_p, ctypes.c_int)
get_origin = _prototype(
    pdfium_c.FPDFText_GetCharOrigin,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_void_p,
)
has_map_error = _prototype(pdfium_c.FPDFText_HasUnicodeMapError, ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
get_angle = _prototype(pdfium_c.FPDFText_GetCharAngle, ctypes.c_float, ctypes.c_void_p, ctypes.c_int)


class FontCache:
    """Font facts per PDFium font handle (valid for the whole document)."""

    def __init__(self) -> None:
        self.by_font: dict[int, Font] = {}
        self.buffer = ctypes.create_string_buffer(256)

    def describe(self, font: int) -> Font:
        info = self.by_font.get(font)
        if info is None:
            length = _get_base_font_name(font, self.buffer, len(self.buffer))
            name = self.buffer.raw[: max(0, length - 1)].decode("latin-1", "replace")
            weight = _get_weight(font)
            flags = _get_flags(font)
            bold = bool(_BOLD_NAME.search(name)) or weight >= 600 or bool(flags & _FORCE_BOLD)
            math = bool(_MATH_NAME.search(name))
            italic = not math and (bool(_ITALIC_NAME.search(name)) or bool(flags & _ITALIC_FLAG))
            info = Font(bold, math, italic, name)
            self.by_font[font] = info
        return info
