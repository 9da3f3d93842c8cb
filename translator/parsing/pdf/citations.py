"""Citations in running text ([3], [1, 4–6], (Smith et al., 2020)) and URLs: spans
the translation must keep as they are.

A group that cites several works ("[1, 4–6]", "(Lee, 2019; Kim & Park, 2020)") gives
one span per work, as GROBID does, so that each points at its own reference: the
first span keeps the opening bracket, each keeps the separator after it, the last
keeps the closing bracket."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...model import Span
from ..assembly import with_urls

_NUMERIC_CITATION = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]")
# A surname as citations print it: capitalised, any script's letters ("Fernández-Juricic",
# "Dell'Omo"), after particles that stay lower case ("von Seckendorff Hoff").
_NAME = r"(?:(?:von|van|de|der|den|da|di|du|del|la|le) )*(?-i:[A-Z\u00c0-\u00de])(?:[^\W\d_]|['’\-])+"
AUTHOR_NAME = re.compile(r"(?-i:[A-Z\u00c0-\u00de])(?:[^\W\d_]|['’\-])+")
# "Smith", "Smith et al.", "Smith and Lee", "Smith, Lee, & Park", "von Hoff & Marlow".
_AUTHORS = rf"{_NAME}(?: et al\.|(?:, {_NAME})*,? (?:and|&) {_NAME})?"
_YEARS = r"\d{4}[a-z]?(?:, ?(?:\d{4}[a-z]?|[a-z]\b))*"
_WORK = rf"(?:(?:see |e\.g\.,? |cf\.,? |i\.e\.,? )?{_AUTHORS},? {_YEARS})"
_AUTHOR_YEAR = re.compile(rf"\({_WORK}(?:; ?{_WORK})*\)|{_AUTHORS} \({_YEARS}\)")
_SEPARATOR = re.compile(r"[;,]\s*")


def citation_spans(text: str) -> list[Span]:
    """Protect citations ([3], [1, 4–6], (Smith et al., 2020)) and URLs."""
    spans: list[Span] = []
    for pattern, separator in ((_NUMERIC_CITATION, ","), (_AUTHOR_YEAR, ";")):
        for m in pattern.finditer(text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                spans += [
                    Span(start, end, "bibr", None)
                    for start, end in work_places(text, m.start(), m.end(), separator)
                ]
    return with_urls(text, sorted(spans, key=lambda s: s.start))


def work_places(text: str, start: int, end: int, separator: str) -> Iterator[tuple[int, int]]:
    """Where each work of the citation group ``text[start:end]`` stands: its text and the separator after it."""
    for found in _SEPARATOR.finditer(text, start, end):
        if found.group()[0] == separator:
            yield start, found.start() + 1
            start = found.end()
    yield start, end
