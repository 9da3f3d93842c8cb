"""Characters a PDF draws without saying which they are (no ToUnicode entry, no glyph
name PDFium knows). TeX's own fonts put letters and symbols at fixed codes, so a code
from one of them can still be read; any other stays visibly unknown: U+FFFD, never a
control character that would hide it (a lost "∉" reads as "∈")."""

from __future__ import annotations

import re

from ...model import UNKNOWN_CHARACTER as UNKNOWN

# The first 32 codes of TeX's text (OT1), math italic (OML), math symbol (OMS) and
# math extension (OMX) encodings: the ones PDFium gives back as control characters.
_OT1 = "ΓΔΘΛΞΠΣΥΦΨΩ" + "\ufb00\ufb01\ufb02\ufb03\ufb04" + "ıȷ`´ˇ˘¯˚¸ßæœøÆŒØ"
_OML = "ΓΔΘΛΞΠΣΥΦΨΩαβγδϵζηθικλμνξπρστυϕχ"
_OMS = "−·×∗÷⋄±∓⊕⊖⊗⊘⊙○◦•≍≡⊆⊇≤≥⪯⪰∼≈⊂⊃≪≫≺≻"
_OMX = "()[]⌊⌋⌈⌉{}⟨⟩|‖/\\()()[]⌊⌋⌈⌉{}⟨⟩/\\"
# Computer Modern and Latin Modern, and the math fonts made as their drop-in
# replacements (txfonts, pxfonts, MathTime Pro 2), which keep TeX's math encodings.
_TABLES = (
    (re.compile(r"(?:^|\+)(?:cmmi|cmmib|lmmi|r?txmi|r?pxmi|mt2mi)", re.IGNORECASE), _OML),
    (re.compile(r"(?:^|\+)(?:cmsy|cmbsy|lmsy|r?txsy|r?pxsy|mt2sy)", re.IGNORECASE), _OMS),
    (re.compile(r"(?:^|\+)(?:cmex|lmex|r?txex|r?pxex|mt2ex)", re.IGNORECASE), _OMX),
    (re.compile(r"(?:^|\+)(?:cmr|cmbx|cmti|cmsl|cmss|cmcsc|cmb|cmdunh|cmfib)\d", re.IGNORECASE), _OT1),
)


def tex_character(font_name: str, code: int) -> str:
    """The character at ``code`` of a TeX font (by its base name), else U+FFFD."""
    if 0 <= code < 32:
        for pattern, table in _TABLES:
            if pattern.search(font_name):
                return table[code]
    return UNKNOWN
