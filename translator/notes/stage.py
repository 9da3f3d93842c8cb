"""The notes stage of a job: after the translation (or, for ``translate notes``, after
the title, headings and captions only), the notes are written from the paper, its
translation and its glossary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..cache import Cache, CacheContext
from ..engine.base import Engine, EngineError
from ..engine.budget import Budget
from ..engine.scheduler import Scheduler
from ..glossary.entries import Glossary
from ..glossary.matcher import TermMatcher
from ..model import Document
from ..results import Results
from ..settings import Settings
from .meta import paper_meta
from .model import Notes, Term
from .requests import NOTES_PROMPT_VERSION, NoteRequest, summary_request
from .writer import NoteTaker

NOTES_FORMATS = ("notes-md", "notes-html", "notes-json")


def output_formats(settings: Settings) -> tuple[str, ...]:
    """What a run writes: the notes alone (``translate notes``), or beside the translation (``--notes``)."""
    out = settings.output
    if out.notes_only:
        return NOTES_FORMATS
    if out.notes:
        return tuple(dict.fromkeys((*out.formats, *NOTES_FORMATS)))
    return out.formats


def wants_notes(settings: Settings) -> bool:
    """``--notes``, ``translate notes``, or a notes format named in ``--format``."""
    out = settings.output
    return out.notes or out.notes_only or any(f in NOTES_FORMATS for f in out.formats)


def notes_context(document: Document, settings: Settings) -> CacheContext:
    """What besides a request's text makes its answer: the model, endpoint, language and paper."""
    title = document.title.text if document.title else ""
    return CacheContext(
        NOTES_PROMPT_VERSION, settings.engine.model, settings.engine.endpoint, settings.lang, title
    )


def planned_requests(document: Document, settings: Settings, cache: Cache) -> list[NoteRequest]:
    """The note requests a run would send (the dry run prices them): the section batches
    and the summary not yet cached; fix requests, asked only for failing points, are not counted."""
    context = notes_context(document, settings)
    taker = NoteTaker(
        document, Results(), _NoEngine(), cache, context, Scheduler(1), Budget.from_limits(settings.limits)
    )
    todo = [r for r in taker.section_requests()[1] if cache.get_terms(taker.key(r)) is None]
    # With every section answer cached, the summary's request is known exactly: built
    # from those answers' points (read from the cache; nothing is sent).
    points = [] if todo else [p for sec in taker.sections() for p in sec.points]
    summary = summary_request(document, points, settings.lang, taker.title)
    return todo + ([summary] if cache.get_terms(taker.key(summary)) is None else [])


class _NoEngine:
    """Planning sends nothing."""

    retries = 0

    def complete(self, messages: Any, max_tokens: int, on_tokens: Any = None) -> Any:
        raise EngineError("planning sends no request", "planning")


def write_notes(
    document: Document,
    results: Results,
    settings: Settings,
    glossary: Glossary,
    parts: tuple[Engine, Cache, Scheduler, Budget],
    source: Path | None,
    stem: str,
    notify: Callable[[str], None],
) -> Notes:
    """The paper's notes (its points checked, what failed counted)."""
    engine, cache, scheduler, budget = parts
    s = settings
    context = notes_context(document, settings)
    taker = NoteTaker(
        document, results, engine, cache, context, scheduler, budget, s.output.keep_unverified, notify
    )
    sections = taker.sections()
    summary = taker.summary([p for sec in sections for p in sec.points])
    meta = paper_meta(document, results, source, s.engine.model, s.lang)
    meta["formats"] = list(output_formats(settings))
    notes = Notes(meta, summary, sections, terms=_terms(document, glossary))
    cited = {c for p in notes.points() for c in p.cites} | {t.first for t in notes.terms}
    notes.sources = {pid: text for pid, text in taker.paragraphs.items() if pid in cited}
    notes.dropped = dict(taker.dropped)
    notes.requests, notes.reasked = taker.requests, taker.reasked
    notes.stem = stem
    notes.template = str(s.output.notes_template) if s.output.notes_template else ""
    notify(f"notes: {len(notes.points())} points, {sum(notes.dropped.values())} dropped")
    return notes


def _terms(document: Document, glossary: Glossary) -> list[Term]:
    """The glossary's translated terms, each with the paragraph that first uses it."""
    if not len(glossary):
        return []
    matcher = TermMatcher(glossary)
    first: dict[str, str] = {}
    for segment in document.segments():
        if segment.kind in ("title", "heading", "keyword"):
            continue
        for entry in matcher.entries_in(segment.text):
            first.setdefault(entry.source, segment.id)
    found = [Term(e.source, e.target, first[e.source]) for e in glossary if e.source in first and e.target]
    return sorted(found, key=lambda t: list(first).index(t.source))
