"""Segment text → pieces of plain text and protected spans, for any output format."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..chunking.protect import PLACEHOLDER, protect
from ..engine.latex import INLINE
from ..model import Segment, Span
from ..results import TERM_CLOSE, TERM_OPEN, Translation


@dataclass(frozen=True)
class Piece:
    text: str
    span: Span | None = None
    math: bool = False  # ``text`` is inline LaTeX (checked when the answer came), without its $
    term: bool = False  # a term's original, added by --annotate-terms with --term-style bold


def source_pieces(segment: Segment) -> Iterator[Piece]:
    pos = 0
    for span in protect(segment).spans:
        if span.start > pos:
            yield Piece(segment.text[pos : span.start])
        yield Piece(segment.text[span.start : span.end], span)
        pos = span.end
    if pos < len(segment.text):
        yield Piece(segment.text[pos:])


def translation_pieces(segment: Segment, outcome: Translation, inline_math: bool = False) -> Iterator[Piece]:
    """The translation, with each placeholder turned back into its span (and, for a run
    with ``--inline-math latex``, each ``$…$`` a math piece)."""
    for piece in _translation_pieces(segment, outcome):
        if piece.span is not None:
            yield piece
            continue
        for part in _term_pieces(piece.text):
            if inline_math and not part.term:
                yield from _math_pieces(part.text)
            else:
                yield part


_TERM = re.compile(f"{TERM_OPEN}(.*?){TERM_CLOSE}")


def _split(
    text: str, pattern: re.Pattern[str], found: Callable[[re.Match[str]], Piece | None]
) -> Iterator[Piece]:
    """The plain text between the matches of ``pattern``, and what ``found`` makes of each match."""
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            yield Piece(text[pos : match.start()])
        piece = found(match)
        if piece is not None:
            yield piece
        pos = match.end()
    if pos < len(text):
        yield Piece(text[pos:])


def _term_pieces(text: str) -> Iterator[Piece]:
    return _split(text, _TERM, lambda m: Piece(m.group(1), term=True))


def _math_pieces(text: str) -> Iterator[Piece]:
    return _split(text, INLINE, lambda m: Piece(m.group(1), math=True))


def _translation_pieces(segment: Segment, outcome: Translation) -> Iterator[Piece]:
    tagged = outcome.tagged
    if tagged is None:
        if outcome.text:
            yield Piece(outcome.text)
        return
    protected = protect(segment)

    def span(match: re.Match[str]) -> Piece | None:
        n = int(match.group(1))
        return (
            Piece(protected.originals[n - 1], protected.spans[n - 1])
            if 1 <= n <= len(protected.spans)
            else None
        )

    yield from _split(tagged, PLACEHOLDER, span)


ANCHOR_PREFIX = {"bibr": "ref", "figure": "fig", "table": "fig", "formula": "eq", "foot": "note"}


_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_.:-]")


def anchor(kind: str, target: str) -> str:
    """The HTML id / Markdown anchor of a reference, figure, formula or note. The target
    comes from the paper (an xml:id): anything but letters, digits and ``_.:-`` becomes
    ``_``, so an id can never break out of the attribute it is written in."""
    return f"{ANCHOR_PREFIX.get(kind, kind)}-{_UNSAFE_ID.sub('_', target)}"


def link_for(span: Span, text: str, known: set[str]) -> str | None:
    """Where a span should link to: an anchor in the document, a web address, or None."""
    if span.kind == "url":
        return text if text.startswith(("http://", "https://")) else None
    if span.target and anchor(span.kind, span.target) in known:
        return "#" + anchor(span.kind, span.target)
    return None
