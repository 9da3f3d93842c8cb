"""Formulas set in math fonts whose encoding the PDF maps to Latin-1 letters (Springer's
and BMC's "MT Extra"-style fonts): "Fext ¼ 100 ð1Þ" is "Fext = 100 (1)". Read back only
inside formulas, where ð, Þ, ¼ and þ are not words of a language."""

from __future__ import annotations

import re

_SIGNATURE = re.compile(r"ð[^ð]*Þ|(?:^|\s)[¼þ](?:\s|$)")
_MAP = str.maketrans({"ð": "(", "Þ": ")", "¼": "=", "þ": "+"})
_LABEL = re.compile(r"ð\s*([A-Za-z]?\d+(?:\.\d+)?[a-z]?)\s*Þ")
# The stretched rule over a square root, given as a run of "ffi" ligatures.
_ROOT_RULE = re.compile(r"(?:ffi){3,}f?")


def mend_formula(text: str) -> str:
    """A formula's text (or its number) with that encoding read back, when it shows."""
    text = _LABEL.sub(r"(\1)", text)
    if not _SIGNATURE.search(text):
        return text
    return _ROOT_RULE.sub("√", text).translate(_MAP)
