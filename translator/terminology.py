"""Pipeline stage between loading and translating: build the paper's glossary,
then check and annotate the translation against it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import Cache, CacheContext
from .chunking.protect import protect
from .chunking.tokens import count_tokens
from .engine.base import Engine
from .engine.budget import Budget
from .engine.terms import TERMS_PROMPT_VERSION, TermCalls, TermRequest, cached_terms, term_requests
from .glossary.entries import Entry, Glossary, default_glossary_path, load_csv
from .glossary.extract import Candidate, candidates
from .glossary.matcher import TermMatcher, complies
from .languages import base
from .model import Document
from .results import TERM_CLOSE, TERM_OPEN, Results
from .settings import Settings


def user_glossary(settings: Settings) -> Glossary:
    """The default glossary for the target language, then each --glossary file (later ones win)."""
    glossary = Glossary()
    default = default_glossary_path(settings.storage.config_dir, settings.lang)
    for path in ([default] if default.is_file() else []) + list(settings.glossary.glossaries):
        for entry in load_csv(path):
            glossary.add(entry)
    return glossary


@dataclass
class PendingGlossary:
    """The paper's glossary while its term calls are out: what is known now (user entries,
    names and acronyms kept as they are, answers cached), the terms asked, and the calls.
    A text in which no asked term occurs gets the same entries from ``known`` as from the
    final glossary, so its translation need not wait for the calls."""

    known: Glossary
    asked: TermMatcher
    calls: TermCalls

    def final(self) -> Glossary:
        """The whole glossary: call once ``calls.done`` is set."""
        glossary = Glossary(self.known)
        glossary.merge_under(self.calls.entries)
        return glossary


def start_glossary(
    document: Document,
    settings: Settings,
    cache: Cache,
    client: Engine | None,
    budget: Budget | None = None,
) -> PendingGlossary:
    """User entries, plus extracted ones (unless --no-auto-glossary) where the user has
    none; the term calls still to make are returned unsent, for the scheduler."""
    known = user_glossary(settings)
    todo: list[TermRequest] = []
    engine = settings.engine
    context = CacheContext(TERMS_PROMPT_VERSION, engine.model, engine.endpoint, settings.lang, "")
    if settings.glossary.auto_glossary and client is not None:
        title, found, context = _extraction(document, settings)
        entries, requests = term_requests(found, context, title)
        answered, todo = cached_terms(requests, cache)
        known.merge_under(entries + answered)
    asked = TermMatcher(Entry(c.term, c.term) for request in todo for c in request.chunk)
    return PendingGlossary(known, asked, TermCalls(todo, client, cache, context, budget))


def build_glossary(
    document: Document,
    settings: Settings,
    cache: Cache,
    client: Engine | None,
    budget: Budget | None = None,
) -> Glossary:
    """The whole glossary now: its term calls made one after another."""
    pending = start_glossary(document, settings, cache, client, budget)
    for task in pending.calls.tasks():
        task()
    return pending.final()


STAND_IN = "术"


def plan_glossary(document: Document, settings: Settings, cache: Cache) -> tuple[Glossary, list[TermRequest]]:
    """The glossary a run would build, without calling the model (for the dry run):
    answers already cached are used as they are; for the others each term stands in
    for its translation. Returns it with the term calls still to make."""
    glossary = user_glossary(settings)
    if not settings.glossary.auto_glossary:
        return glossary, []
    title, found, context = _extraction(document, settings)
    entries, requests = term_requests(found, context, title)
    answered, todo = cached_terms(requests, cache)
    # A stand-in of about a translation's length (not the term itself, which would mean "keep").
    stand_ins = [
        Entry(c.term, STAND_IN * count_tokens(c.term), "auto", "auto") for r in todo for c in r.chunk
    ]
    glossary.merge_under(entries + answered + stand_ins)
    return glossary, todo


def _extraction(document: Document, settings: Settings) -> tuple[str, list[Candidate], CacheContext]:
    title = document.title.text if document.title else ""
    found = candidates(s.text for s in document.segments())
    context = CacheContext(
        TERMS_PROMPT_VERSION, settings.engine.model, settings.engine.endpoint, settings.lang, title
    )
    return title, found, context


def glossary_file(out_dir: Path, stem: str, lang: str) -> Path:
    return out_dir / f"{stem}.{lang}.glossary.csv"


@dataclass
class Consistency:
    occurrences: int = 0
    consistent: int = 0
    issues: list[dict[str, str]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.consistent / self.occurrences if self.occurrences else 1.0


def check_consistency(results: Results, matcher: TermMatcher) -> Consistency:
    """Every occurrence of a glossary term in a source segment, against its translation;
    each segment's missing terms are recorded in its result."""
    result = Consistency()
    for segment in results.segments:
        outcome = results.of(segment)
        if outcome.text is None:
            continue
        # Terms inside citations and other protected spans are copied verbatim:
        # only the text the model wrote counts.
        source = protect(segment).text
        translation = outcome.tagged or outcome.text
        issues: list[str] = []
        for occurrence in matcher.find(source):
            entry = occurrence.entry
            result.occurrences += 1
            if complies(entry, translation):
                result.consistent += 1
                continue
            if entry.source not in issues:
                issues.append(entry.source)
                result.issues.append(
                    {"segment": segment.id, "term": entry.source, "expected": entry.rendered_target}
                )
        results.set(segment, replace(outcome, glossary_issues=tuple(issues)))
    return result


def annotate_terms(
    results: Results, matcher: TermMatcher, lang: str, every: bool = False, bold: bool = False
) -> int:
    """After the first occurrence of each term's translation (or each one, ``every``), add
    the original: in parentheses, 强化学习（reinforcement learning）, or in bold beside it,
    强化学习**reinforcement learning** (marked in the tagged text for the renderers; the
    plain text gets the original without markup). Returns how many were added."""
    open_, close = ("（", "）") if base(lang) in ("zh", "ja") else (" (", ")")
    done: set[str] = set()
    added = 0
    for segment in results.segments:
        outcome = results.of(segment)
        text, tagged = outcome.text, outcome.tagged
        if text is None:
            continue
        if bold and tagged is None:
            tagged = text
        for entry in matcher.entries_in(segment.text):
            if entry.keep or entry.source in done or entry.target not in text:
                continue
            count = -1 if every else 1
            if bold:
                text = _after(text, entry.target, entry.source, count)
                tagged = _after(tagged or "", entry.target, f"{TERM_OPEN}{entry.source}{TERM_CLOSE}", count)
            else:
                note = f"{open_}{entry.source}{close}"
                text = _after(text, entry.target, note, count)
                if tagged:
                    tagged = _after(tagged, entry.target, note, count)
            if not every:
                done.add(entry.source)
            added += 1
        if text != outcome.text:
            results.set(segment, replace(outcome, text=text, tagged=tagged))
    return added


def _after(text: str, target: str, addition: str, count: int) -> str:
    """``target`` followed by ``addition``, ``count`` times (-1: every time), never twice in a row."""
    pattern = re.compile(re.escape(target) + "(?!" + re.escape(addition) + ")")
    return pattern.sub(lambda m: m.group(0) + addition, text, count=max(0, count))


def glossary_report(glossary: Glossary, consistency: Consistency, retranslations: int) -> dict[str, Any]:
    entries: list[Entry] = list(glossary)
    return {
        "entries": len(entries),
        "user_entries": sum(e.origin == "user" for e in entries),
        "auto_entries": sum(e.origin == "auto" for e in entries),
        "occurrences": consistency.occurrences,
        "consistent": consistency.consistent,
        "consistency_rate": round(consistency.rate, 4),
        "retranslations": retranslations,
        "inconsistent": consistency.issues,
    }
