"""Find glossary terms in source text, and check translations against them.

Matching is case-aware (``BERT`` is not ``bert``, but a sentence may capitalise
a lower-case term), tolerant of plural and inflected forms, of hyphens, spaces
or line-break hyphens between words, and of "long form (ACRONYM)" pairs, which
count as one occurrence of the long form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .entries import Entry

_SEP = r"(?:[\s\-‐‑]+|-\s+)?"
_BREAK = r"(?:-\s+)?"


def _word_pattern(word: str, last: bool) -> str:
    if re.fullmatch(r"[A-Z0-9][A-Z0-9\-]*", word) and sum(c.isupper() for c in word) >= 2:
        return re.escape(word) + (r"s?" if last else "")  # acronyms: exact, plural allowed
    # A line-break hyphen may split the word anywhere: "reinforce- ment".
    core = _BREAK.join(re.escape(c) for c in word)
    if word[:1].islower():
        core = f"[{word[0].upper()}{word[0]}]" + _BREAK + _BREAK.join(re.escape(c) for c in word[1:])
    if not last:
        return core
    if word.endswith("y") and len(word) > 3:
        return f"(?:{core}|{core[: -len(_BREAK) - 1]}ies)"
    return core + r"(?:s|es|ed|ing)?"


def term_pattern(term: str) -> re.Pattern[str]:
    words = [w for w in re.split(r"[\s\-‐‑]+", term.strip()) if w]
    body = _SEP.join(_word_pattern(w, i == len(words) - 1) for i, w in enumerate(words))
    flags = re.IGNORECASE if term.islower() and len(words) > 1 else 0
    acronym = r"(?:\s*\(\s*[A-Z][A-Za-z0-9\-]*[A-Z][A-Za-z0-9\-]*s?\s*\))?"
    return re.compile(rf"(?<![\w-])(?:{body}){acronym}(?![\w-])", flags)


@dataclass(frozen=True)
class Occurrence:
    entry: Entry
    start: int
    end: int


class TermMatcher:
    """All entries compiled once; longer terms win where matches overlap."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        # Longer terms first; ties in a fixed order, so any two matchers agree.
        self.entries = sorted(entries, key=lambda e: (-len(e.source), e.source.lower()))
        self._patterns = [(e, term_pattern(e.source)) for e in self.entries]

    def find(self, text: str) -> list[Occurrence]:
        taken: list[tuple[int, int]] = []
        found: list[Occurrence] = []
        for entry, pattern in self._patterns:
            for match in pattern.finditer(text):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                taken.append((match.start(), match.end()))
                found.append(Occurrence(entry, match.start(), match.end()))
        return sorted(found, key=lambda o: o.start)

    def entries_in(self, text: str) -> list[Entry]:
        seen: dict[str, Entry] = {}
        for occurrence in self.find(text):
            seen.setdefault(occurrence.entry.source, occurrence.entry)
        return list(seen.values())

    def signature(self, text: str) -> str:
        """What the glossary says about this text: part of its cache key."""
        return "\x1e".join(sorted(e.signature() for e in self.entries_in(text)))


def complies(entry: Entry, translation: str) -> bool:
    """Does the translation use the entry's target form (or keep the term)?"""
    if entry.keep:
        return (
            bool(term_pattern(entry.source).search(translation))
            or entry.source.lower() in translation.lower()
        )
    return entry.target in translation


def problems(source: str, translation: str, matcher: TermMatcher) -> list[Entry]:
    """Entries that occur in ``source`` but whose target the translation lacks."""
    return [e for e in matcher.entries_in(source) if not complies(e, translation)]
