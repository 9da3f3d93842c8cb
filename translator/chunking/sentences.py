"""Sentence splitting that respects scientific prose and placeholders.

Only used when a paragraph is larger than the request budget: we cut at the
sentence end nearest the budget rather than mid-sentence.
"""

from __future__ import annotations

import re

from .tokens import TokenCounter

_ABBREVIATIONS = {
    "al", "e.g", "i.e", "etc", "fig", "figs", "eq", "eqs", "ref", "refs", "sec", "no", "vs", "cf",
    "approx", "dr", "mr", "mrs", "ms", "prof", "inc", "ltd", "vol", "pp", "tab", "resp", "st", "ca",
    "et", "ch", "nos", "art", "dept", "univ", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "min", "max",
}  # fmt: skip
# A sentence end: terminal punctuation (Latin or CJK), optional closing quotes or
# brackets, then white space (Latin) or nothing (CJK full stops).
_END = re.compile(r"([.!?]['\")\]]*)\s+(?=[\"'(\[<A-Z0-9\u00c0-\u024f])|([。！？；])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; joining the result with '' gives ``text`` back."""
    sentences: list[str] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if match.group(1):
            before = text[start : match.start(1) + 1]
            word = _WORD_BEFORE.search(before)
            if word and (word.group(1).lower().rstrip(".") in _ABBREVIATIONS or len(word.group(1)) == 1):
                continue
            if re.search(r"\d\.$", before) and re.match(r"\s+\d", text[match.start(1) + 1 :]):
                continue
        if end > start:
            sentences.append(text[start:end])
            start = end
    if start < len(text):
        sentences.append(text[start:])
    return [s for s in sentences if s]


def pack(pieces: list[str], limit: int, counter: TokenCounter) -> list[str]:
    """Glue consecutive pieces together greedily while they fit in ``limit`` tokens."""
    packed: list[str] = []
    current = ""
    for piece in pieces:
        if current and counter.count(current + piece) > limit:
            packed.append(current)
            current = piece
        else:
            current += piece
    if current:
        packed.append(current)
    return packed


def split_words(text: str, limit: int, counter: TokenCounter) -> list[str]:
    """Cut an over-long sentence at white space into pieces of at most ``limit`` tokens.

    Placeholders contain no white space, so they are never cut.
    """
    return pack(re.split(r"(?<=\s)", text), limit, counter)
