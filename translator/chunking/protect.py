"""Protected spans ⇄ placeholders.

Before translation every protected span of a segment (citation, figure or
formula reference, URL) is replaced by ``<xN/>``; after translation each
placeholder is put back.  A translation that loses, invents or repeats a
placeholder is rejected, so no citation is ever silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Segment, Span

PLACEHOLDER = re.compile(r"<\s*x\s*(\d+)\s*/?\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Protected:
    """A segment's text with its spans swapped for placeholders."""

    text: str
    originals: tuple[str, ...]
    spans: tuple[Span, ...] = ()

    def placeholder_ids(self) -> list[int]:
        return list(range(1, len(self.originals) + 1))


def placeholder(n: int) -> str:
    return f"<x{n}/>"


def protect(segment: Segment) -> Protected:
    """Replace the segment's spans by numbered placeholders, in order of appearance. Text
    of the paper that looks like a placeholder (a paper about this very technique writes
    ``<x1/>``) is protected as a span of its own, so it can never be taken for one."""
    pieces: list[str] = []
    originals: list[str] = []
    used: list[Span] = []
    pos = 0
    literal = [Span(m.start(), m.end(), "other") for m in PLACEHOLDER.finditer(segment.text)]
    spans = segment.spans + literal if literal else segment.spans
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:  # overlapping spans: the first one wins
            continue
        pieces.append(segment.text[pos : span.start])
        originals.append(segment.text[span.start : span.end])
        used.append(span)
        pieces.append(placeholder(len(originals)))
        pos = span.end
    pieces.append(segment.text[pos:])
    return Protected("".join(pieces), tuple(originals), tuple(used))


def found_placeholders(text: str) -> list[int]:
    return [int(m.group(1)) for m in PLACEHOLDER.finditer(text)]


def check_placeholders(text: str, expected: list[int]) -> str | None:
    """Return why ``text`` does not carry exactly the ``expected`` placeholders, or None."""
    found = found_placeholders(text)
    if sorted(found) == sorted(expected):
        return None
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    repeated = sorted({n for n in found if found.count(n) > 1})
    problems = []
    if missing:
        problems.append("missing " + ", ".join(placeholder(n) for n in missing))
    if extra:
        problems.append("unknown " + ", ".join(placeholder(n) for n in extra))
    if repeated:
        problems.append("repeated " + ", ".join(placeholder(n) for n in repeated))
    return "; ".join(problems) or "placeholders differ"


def restore(text: str, originals: tuple[str, ...]) -> str:
    """Put the original span texts back in place of their placeholders."""

    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return originals[n - 1] if 1 <= n <= len(originals) else match.group(0)

    return PLACEHOLDER.sub(swap, text)
