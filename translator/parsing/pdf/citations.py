"""Citations in running text ([3], [1, 4–6], (Smith et al., 2020)) and URLs: spans
the translation must keep as they are."""

from __future__ import annotations

import re

from ...model import Span
from ..assembly import with_urls

_NUMERIC_CITATION = re.compile(r"\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]")
_NAME = r"[A-Z][A-Za-z'’\-]+"
AUTHOR_NAME = re.compile(_NAME)  # an author's surname, as citations print it
_AUTHOR_YEAR = re.compile(
    rf"\((?:(?:see |e\.g\., |cf\. )?{_NAME}(?: et al\.| and {_NAME}| & {_NAME})?,? \d{{4}}[a-z]?(?:; ?|, ?)?)+\)"
    rf"|{_NAME}(?: et al\.| and {_NAME}| & {_NAME})? \(\d{{4}}[a-z]?\)"
)


def citation_spans(text: str) -> list[Span]:
    """Protect citations ([3], [1, 4–6], (Smith et al., 2020)) and URLs."""
    spans: list[Span] = []
    for pattern in (_NUMERIC_CITATION, _AUTHOR_YEAR):
        for m in pattern.finditer(text):
            if not any(s.start < m.end() and m.start() < s.end for s in spans):
                spans.append(Span(m.start(), m.end(), "bibr", None))
    return with_urls(text, sorted(spans, key=lambda s: s.start))
