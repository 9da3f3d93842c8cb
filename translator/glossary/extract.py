"""Candidate terms from a whole paper, before any translation.

Three kinds: acronyms with their definitions ("long form (ACRONYM)"),
recurring multi-word technical noun phrases, and names of methods, models and
datasets (mixed case, capitals with digits or hyphens).  An LLM then fixes a
translation for each (``engine/terms.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_ACRONYM_IN_PARENS = re.compile(r"\(\s*([A-Z][A-Za-z0-9\-]*[A-Z][A-Za-z0-9\-]*?)(s?)\s*[;,)]")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")
_NAME = re.compile(
    r"(?<![\w-])(?:[A-Z][a-z]+[A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z]*(?:-[A-Z0-9][A-Za-z0-9]*)+|[A-Z][A-Za-z]*[0-9]+[A-Za-z0-9]*|[A-Z]{3,})(?![\w-])"
)
_SECTION_NUMBER = re.compile(r"^[IVXL]+(?:-[A-Z0-9]+)+$")
_WORD_AND_NUMBER = re.compile(r"^([A-Z][a-z]+)(\d{1,3})$")
STOPWORDS = frozenset(
    ["a", "an", "the", "of", "in", "on", "for", "to", "and", "or", "with", "by", "from", "at", "as", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "we", "our", "their", "its", "it", "they", "which", "who", "whom", "whose", "than", "then", "there", "here", "such", "each", "other", "more", "most", "less", "into", "onto", "over", "under", "between", "among", "via", "per", "using", "used", "use", "based", "can", "may", "might", "will", "would", "should", "also", "not", "no", "all", "any", "both", "either", "neither", "one", "two", "three", "first", "second", "new", "different", "same", "several", "many", "much", "some", "very", "well", "however", "thus", "therefore", "while", "when", "where", "what", "how", "why", "if", "because", "i", "ii", "iii", "iv", "v", "e", "g", "et", "al", "fig", "figure", "table", "eq", "section", "see", "shown", "show", "shows", "results", "result", "during", "across", "within", "without", "through", "after", "before", "about", "against", "along", "around", "since", "until", "upon", "whether", "prior"]
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    term: str
    kind: str  # "acronym" | "definition" | "phrase" | "name"
    count: int
    expansion: str = ""  # for acronyms: their long form


def _initials_match(words: list[str], acronym: str) -> int:
    """How many trailing words spell the acronym (0 when they do not).

    Each acronym letter must start a word or sit inside the word after the
    previous match (as in "ConvNet" or "BiLSTM"), reading from the end.
    """
    letters = [c.lower() for c in acronym if c.isalpha()]
    if not letters:
        return 0
    i = len(letters) - 1
    for used in range(1, min(len(words), len(letters) + 4) + 1):
        word = words[-used].lower()
        start = i
        # Letters that fall inside this word, right to left, then its first letter.
        inner = word[1:]
        while i > 0 and letters[i] in inner:
            inner = inner[: inner.rindex(letters[i])]
            i -= 1
        if word[:1] == letters[i]:
            i -= 1
        elif word in STOPWORDS:
            i = start  # "of", "the" may stand between the words of a long form
        if i < 0:
            return used
    return 0


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """``(long form, ACRONYM)`` pairs defined in ``text``."""
    pairs: list[tuple[str, str]] = []
    for match in _ACRONYM_IN_PARENS.finditer(text):
        acronym = match.group(1)
        if len(acronym) > 10 or sum(c.isupper() for c in acronym) < 2:
            continue
        before = text[max(0, match.start() - 160) : match.start()]
        words = _WORD.findall(before)
        used = _initials_match(words, acronym)
        if used:
            long_form = " ".join(words[-used:])
            if not re.search(rf"(?<![a-z]){re.escape(acronym.lower())}(?![a-z])", long_form.lower()):
                pairs.append((long_form, acronym))
    return pairs


# Words that make a recurring phrase ordinary prose rather than a term.
NOT_TERM_WORDS = frozenset(
    """make makes made provide provides require requires show shows improve improves outperform outperforms
    yield yields achieve achieves increase increases reduce reduces lead leads give gives take takes
    total additional same entire different significant moderate strong standard your highly overall
    following previous large small high low good better best main key certain specific various""".split()  # noqa: SIM905
)  # fmt: skip


def _termlike(gram: list[str]) -> bool:
    if any(w in STOPWORDS or w in NOT_TERM_WORDS or w.endswith("ly") for w in gram):
        return False
    return not gram[-1].endswith("ed")  # "land transformed", "electricity generated"


def _singular(phrase: str) -> str:
    head, _, last = phrase.rpartition(" ")
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith("s") and not last.endswith("ss") and len(last) > 3:
        last = last[:-1]
    return f"{head} {last}".strip()


def _phrases(text: str) -> Iterable[str]:
    words = re.findall(r"[A-Za-z][a-z\-]+|[^\sA-Za-z]", text)
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if not all(w[0].isalpha() and w.islower() and len(w) > 2 for w in gram):
                continue
            if _termlike(gram):
                yield _singular(" ".join(gram))


def candidates(texts: Iterable[str], max_phrases: int = 10, min_count: int = 4) -> list[Candidate]:
    """Candidate terms of a paper, most useful first: defined acronyms (and their long
    forms), names, then the commonest phrases."""
    texts = list(texts)
    joined = "\n".join(texts)
    found: dict[str, Candidate] = {}
    _add_acronyms(found, joined)
    _add_names(found, joined)
    _add_phrases(found, Counter(p for t in texts for p in _phrases(t)), max_phrases, min_count)
    return list(found.values())


_RUN = re.compile(r"[\w-]+")  # an acronym's letters are all of these: its mentions are whole runs


def _add_acronyms(found: dict[str, Candidate], joined: str) -> None:
    definitions = acronym_definitions(joined)
    # Counted in one pass over the text, not one per acronym (acronyms grow with the paper:
    # a search each made the glossary quadratic in its length, 3 CPU-s at 300 pages).
    runs = Counter(_RUN.findall(joined)) if definitions else Counter()
    for long_form, acronym in definitions:
        if acronym not in found:
            count = runs[acronym] + runs[acronym + "s"]
            found[acronym] = Candidate(acronym, "acronym", count, long_form)
            found.setdefault(long_form.lower(), Candidate(long_form.lower(), "definition", count, acronym))


def _add_names(found: dict[str, Candidate], joined: str) -> None:
    names = Counter(m.group(0) for m in _NAME.finditer(joined))
    ordinary = {w.lower() for w in re.findall(r"(?<![\w-])[A-Za-z][a-z]+(?![\w-])", joined)}
    for name, count in names.items():
        if name.isalpha() and name.isupper() and (name.lower() in ordinary or len(name) > 6):
            continue  # a shouted heading word ("DATA", "REINFORCED"), not a name
        if _SECTION_NUMBER.match(name):
            continue  # "III-A", "IV-B": a section, not a name
        glued = _WORD_AND_NUMBER.match(name)
        if glued and glued.group(1).lower() in ordinary:
            continue  # "Layer5", "Physics10": a word and its footnote mark or number, run together
        if count >= 2 and name not in found and name.lower() not in STOPWORDS:
            found[name] = Candidate(name, "name", count)


def _add_phrases(found: dict[str, Candidate], phrases: Counter[str], most: int, min_count: int) -> None:
    taken = 0
    for phrase, count in phrases.most_common():
        if count < min_count or taken >= most:
            break
        if phrase in found or any(
            phrase in other for other in phrases if other != phrase and phrases[other] >= count
        ):
            continue
        # A phrase that contains a chosen one, or is inside one, adds little: its
        # translation follows from the other's.
        if any(f" {c} " in f" {phrase} " or f" {phrase} " in f" {c} " for c in found):
            continue
        found[phrase] = Candidate(phrase, "phrase", count)
        taken += 1
