"""Footnote marks: the superscript "¹" or "∗" after a word, linked to the note it opens.

The line reader knows where a superscript starts (a smaller face on a higher baseline);
the text keeps it as a token of its own ("work. 1 We"), as GROBID does. A paragraph
remembers its superscripts with the words before them, and once the notes are read a
mark that a note carries becomes a link to that note. Exponents and other superscripts
that no note carries stay text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ...model import Document, Span
from .geometry import Line
from .lines import join_lines

NOTE_MARK = r"[0-9]{1,2}|[*∗†‡§¶]"  # what a footnote is marked with: a number or a symbol
_MARK = re.compile(rf"(?:{NOTE_MARK})(?![0-9\w])")
# How much of the line before a mark identifies its place in the paragraph.
_CONTEXT = 24
_MIN_CONTEXT = 3
_SYMBOL = re.compile(r"[*∗†‡§¶]\s?[A-Z]")  # a line opening a note marked with a symbol
_TOKEN = re.compile(r"[^\s—–/(\[]+")
_CLOSING = ".,;:)]”’\"'"


def raised_marks(lines: Iterable[Line]) -> list[tuple[str, str]]:
    """(the text before it on its line, the mark) of every superscript that could be a note mark."""
    found: list[tuple[str, str]] = []
    for line in lines:
        for at in line.raised:
            mark = _MARK.match(line.text, at)
            before = line.text[max(0, at - _CONTEXT) : at]
            if mark is not None and len(before.strip()) >= _MIN_CONTEXT and _after_a_word(before):
                found.append((before, mark.group()))
    return found


def _after_a_word(before: str) -> bool:
    """Whether a superscript follows a word or a sentence's punctuation, as a note mark
    does; after a lone letter ("x ³", "Σ ∗", "m ²") it is an exponent."""
    tokens: list[str] = _TOKEN.findall(before)
    if not tokens:
        return False
    token = tokens[-1]
    if token[-1] in _CLOSING:
        return True
    return sum(ch.isalpha() for ch in token) >= 2 or token.isdigit()


def note_texts(lines: Sequence[Line]) -> list[str]:
    """The notes of a footnote block: a new one opens at each line that starts with a
    superscript mark ("¹ https://…" under "² https://…") or a note's symbol ("*Work done
    during an internship…")."""
    notes: list[list[str]] = []
    for line in lines:
        if _opens_note(line) or not notes:
            notes.append([])
        notes[-1].append(line.text)
    return [join_lines(texts).strip() for texts in notes]


def _opens_note(line: Line) -> bool:
    raised_mark = 0 in line.raised and _MARK.match(line.text) is not None
    return raised_mark or _SYMBOL.match(line.text) is not None


def link_notes(doc: Document, marks: dict[str, list[tuple[str, str]]]) -> None:
    """Turn the superscripts of ``marks`` (by segment id) that a note carries into links
    to that note. A mark some notes share (a "∗" on every page) names them in turn."""
    notes: dict[str, list[str]] = {}
    for note in doc.notes:
        if note.n:
            notes.setdefault(_same_star(note.n), []).append(note.id)
    used: dict[str, int] = {}
    for segment in doc.segments():
        for before, mark in marks.get(segment.id, []):
            key = _same_star(mark)
            targets = notes.get(key)
            start = _place(segment.text, before, mark, segment.spans)
            if targets is None or start is None:
                continue
            turn = used.get(key, 0)
            if turn >= len(targets) and not mark.isdigit():
                continue  # more "∗" than notes with it: the rest are not marks
            used[key] = turn + 1
            segment.spans.append(Span(start, start + len(mark), "foot", targets[min(turn, len(targets) - 1)]))
            segment.spans.sort(key=lambda s: s.start)


def _same_star(mark: str) -> str:
    return "*" if mark == "∗" else mark


def _place(text: str, before: str, mark: str, spans: list[Span]) -> int | None:
    """Where ``mark`` stands in ``text`` after ``before``, outside every span, or None."""
    found = text.find(before + mark)
    while found >= 0:
        start = found + len(before)
        end = start + len(mark)
        mark_here = _MARK.match(text, start)
        if mark_here and mark_here.end() == end and not any(s.start < end and start < s.end for s in spans):
            return start
        found = text.find(before + mark, found + 1)
    return None
