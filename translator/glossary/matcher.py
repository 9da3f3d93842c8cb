"""Find glossary terms in source text, and check translations against them.

Matching is case-aware (``BERT`` is not ``bert``, but a sentence may capitalise
a lower-case term), tolerant of plural and inflected forms, of hyphens, spaces
or line-break hyphens between words, and of "long form (ACRONYM)" pairs, which
count as one occurrence of the long form.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=4096)
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


_LINE_BREAK = re.compile(r"-\s+")
_WORD = re.compile(r"\w+")
PREFIX = 5  # letters of a term's first word that its text must hold at a word's start
_HEAD = re.compile(rf"(?<!\w)\w{{1,{PREFIX}}}")  # a word's first letters
_HEAD_AT = re.compile(rf"\w{{1,{PREFIX}}}")
# Texts whose terms are remembered: a unit is looked up for its key, prompt and checks, and
# again by the report. Emptied all at once when full, a 300-page paper (over 8,000 texts)
# searched most of them again: the oldest goes instead.
FOUND_KEPT = 16384


def _prefix(term: str) -> str:
    """The first letters of the term's first word, case-folded; "" when the term does not
    start with a word character (such an entry is tried on every text)."""
    match = _WORD.match(_LINE_BREAK.sub("", term.strip()).casefold())
    if not match:
        return ""
    word = match.group()
    # "study" matches "studies": the letter a plural may change is not part of the prefix.
    return word[: min(PREFIX, len(word) - 1 if word.endswith("y") and len(word) > 1 else len(word))]


def _prefixes(text: str) -> set[str]:
    """Every word start of the text, 1 to ``PREFIX`` letters long, case-folded, read
    through line-break hyphens: a term's pattern allows them inside a word ("rein-
    forcement", "pol- icy"), so the letters after a word start are taken with the line
    breaks removed. Found by the regular-expression engine, not a word at a time in Python
    (every answer is searched too, for the language check)."""
    pieces = _LINE_BREAK.split(text.casefold())
    joined = "".join(pieces)
    heads = set(_HEAD.findall(joined))
    offset = 0
    for piece in pieces[:-1]:
        # After a line-break hyphen a word starts as printed ("icy" of "pol- icy"), though
        # the joined text reads on through it.
        offset += len(piece)
        if head := _HEAD_AT.match(joined, offset):
            heads.add(head.group())
    starts: set[str] = {""}
    for head in heads:
        starts.update(head[:n] for n in range(1, len(head) + 1))
    return starts


class TermMatcher:
    """All entries compiled once; longer terms win where matches overlap.

    Cost is linear in the text, not in text × entries: an entry's pattern runs only on
    texts with a word that starts as its term does (entries are looked up by those word
    starts, never scanned), and the answer for a text is kept,
    as each unit is looked up several times (cache key, prompt, answer check, report)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        # Longer terms first; ties in a fixed order, so any two matchers agree.
        self.entries = sorted(entries, key=lambda e: (-len(e.source), e.source.lower()))
        # Entries by the first letters of their term: a text is tried only against the
        # entries of its own word starts, not against every entry (which grew with the paper).
        self._by_prefix: dict[str, list[int]] = {}
        for index, entry in enumerate(self.entries):
            self._by_prefix.setdefault(_prefix(entry.source), []).append(index)
        self._patterns = [term_pattern(e.source) for e in self.entries]
        self._found: dict[str, tuple[Occurrence, ...]] = {}

    def find(self, text: str) -> list[Occurrence]:
        """The terms in the text, in reading order; where two overlap, the longer term."""
        found = self._found.get(text)
        if found is None:
            found = self._search(text)
            if len(self._found) >= FOUND_KEPT:
                del self._found[next(iter(self._found))]  # the oldest: dicts keep their order
            self._found[text] = found
        return list(found)

    def _search(self, text: str) -> tuple[Occurrence, ...]:
        starts = _prefixes(text)
        candidates = sorted(i for start in starts for i in self._by_prefix.get(start, ()))
        taken: list[tuple[int, int]] = []
        found: list[Occurrence] = []
        for index in candidates:  # in the matcher's order: longer terms first
            entry, pattern = self.entries[index], self._patterns[index]
            for match in pattern.finditer(text):
                if any(a < match.end() and match.start() < b for a, b in taken):
                    continue
                taken.append((match.start(), match.end()))
                found.append(Occurrence(entry, match.start(), match.end()))
        return tuple(sorted(found, key=lambda o: o.start))

    def entries_in(self, *texts: str) -> list[Entry]:
        """The entries whose terms occur in ``texts``, each once, in order of occurrence."""
        seen: dict[str, Entry] = {}
        for text in texts:
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
