"""A job runs one paper through the named stages: check → load → prepare →
glossary → translate → report → render. Its parts (engine, scheduler, GROBID
client, progress) are injected; ``build_job`` supplies the defaults."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..cache import Cache, TranslationCache
from ..engine.base import Engine
from ..engine.budget import Budget
from ..engine.client import require_credentials, scheduled_engine, warm_up
from ..engine.estimator import EstimatingEngine
from ..engine.scheduler import Scheduler
from ..engine.terms import TermCalls
from ..engine.waiting import GlossaryWait
from ..files import check_output_folder, output_write_error, write_all_atomic
from ..formula_stage import FormulaStage
from ..glossary.entries import Glossary, csv_text
from ..glossary.matcher import TermMatcher
from ..model import Formula
from ..notes.model import Notes, notes_report
from ..notes.stage import output_formats, wants_notes, write_notes
from ..parsing.grobid_client import GrobidClient
from ..pipeline import (
    NoProgress,
    Progress,
    RunResult,
    Source,
    build_report,
    estimate,
    load,
    prepare,
    translate_document,
)
from ..render.outputs import render_each
from ..results import Results
from ..settings import Settings, in_flight_ceiling
from ..terminology import (
    PendingGlossary,
    annotate_terms,
    check_consistency,
    glossary_file,
    glossary_report,
    start_glossary,
)
from .fresh import remember
from .spec import JobSpec

CacheOpener = Callable[[Settings], Cache]


def local_cache(settings: Settings) -> Cache:
    """The default: the SQLite cache in ``--cache-dir``."""
    return TranslationCache(settings.storage.cache_dir)


class Job:
    """One paper, its parts, and its stages."""

    def __init__(
        self,
        spec: JobSpec,
        scheduler: Scheduler,
        engine: Engine | None = None,
        grobid: GrobidClient | None = None,
        progress: Progress | None = None,
        now: Callable[[], float] = time.monotonic,
        open_cache: CacheOpener = local_cache,
    ) -> None:
        self.spec = spec
        self.open_cache = open_cache  # workers on many machines share one (translator.workers.shared)
        self.settings = spec.settings
        self.scheduler = scheduler
        self.engine = engine
        self.grobid = grobid
        self.progress = progress or NoProgress()
        self.now = now
        self.budget: Budget | None = None  # the run's spending, readable even when the run raised

    # -- the whole job -----------------------------------------------------------
    def run(self) -> RunResult:
        """One paper in, bilingual outputs out."""
        started = self.now()
        self.check()
        engine = self.engine or self.build_engine()
        warm_up(engine)
        source = prepare(self.load(), self.settings, self.progress)
        unknown = source.document.unknown_characters()
        if unknown:
            self.progress.note(
                f"{unknown} character(s) that the PDF draws without saying which they are "
                "are shown as \ufffd (unknown_characters in the report)"
            )
        cache = self.open_cache(self.settings)
        try:
            # One budget for the whole run: term calls and translation requests alike.
            budget = self.budget = Budget.from_limits(self.settings.limits)
            pending = self.glossary(source, cache, engine, budget)
            # Built once, when the term calls are in: the translator's checks and the report's
            # share it, and what it has matched already.
            final_matcher = functools.cache(lambda: _matcher(pending.final()))
            waiting = GlossaryWait(pending.asked, pending.calls, final_matcher)
            formulas = FormulaStage(self.settings, cache, engine, self.scheduler, budget, self.progress.note)
            formulas.start(_crops(source))
            results, stats = translate_document(
                source.document, self.settings, cache, engine, self.progress, _matcher(pending.known),
                self.scheduler, budget, waiting if pending.calls.requests else None,
            )  # fmt: skip
            glossary = pending.final()
            matcher = final_matcher()
            if pending.calls.requests:
                self.progress.note(f"glossary: {len(glossary)} terms")
            formula_counts = formulas.finish(results)
            results.images.update(source.images)
            if wants_notes(self.settings):
                parts = (engine, cache, self.scheduler, budget)
                results.notes = write_notes(
                    source.document, results, self.settings, glossary, parts,
                    source.pdf_path, source.stem, self.progress.note,
                )  # fmt: skip
        finally:
            cache.close()
        report = build_report(results, stats, self.settings, self.now() - started)
        if formula_counts:
            report["formulas"] = formula_counts
        if unknown:
            report["unknown_characters"] = unknown
        if isinstance(results.notes, Notes):
            report["notes"] = notes_report(results.notes)
        if matcher is not None:
            self.check_terms(source, results, glossary, matcher, report, stats.glossary_retranslations)
        outputs = self.render(source, results, glossary, report)
        if not (stats.stopped_by or stats.interrupted or results.with_status("failed")):
            images = [source.out_dir / path for path in source.images.values()]
            remember(self.spec, outputs + images, report["summary"])
        return RunResult(source, outputs, report, stats, results)

    def estimate(self) -> dict[str, Any]:
        """The dry run: parse and plan as ``run`` would, call nothing, write nothing."""
        source = prepare(self.load(keep_tei=False), self.settings, self.progress, images=False)
        cache = TranslationCache(self.settings.storage.cache_dir, read_only=True)
        try:
            # The same job with the engine replaced by an estimator: nothing is sent.
            return {
                "pages": source.pages,
                **estimate(source.document, self.settings, cache, EstimatingEngine()),
            }
        finally:
            cache.close()

    # -- stages ----------------------------------------------------------------
    def build_engine(self) -> Engine:
        """The model, with retries and the scheduler's window and rate limit for its endpoint."""
        return scheduled_engine(self.settings, self.scheduler, notify=self.progress.note)

    def check(self) -> None:
        """Before anything is parsed or paid for: credentials, output folder, room."""
        if self.engine is None:
            require_credentials(self.settings.engine)
        check_output_folder(self.spec.output_folder, _size(self.spec))

    def load(self, keep_tei: bool = True) -> Source:
        spec = self.spec
        return load(
            spec.input_path, self.settings, spec.out_dir, spec.tei, self.grobid, self.progress, keep_tei
        )

    def glossary(self, source: Source, cache: Cache, engine: Engine, budget: Budget) -> PendingGlossary:
        """The glossary known now; its term calls go with the translation's first requests
        (with the Batch API, which sends everything in one file, they are made here first)."""
        if self.settings.glossary.auto_glossary:
            self.progress.note(
                "glossary: finding the paper's terms and asking the model for their translations"
            )
        pending = start_glossary(source.document, self.settings, cache, engine, budget)
        if self.settings.engine.batch_api and pending.calls.requests:
            self.scheduler.run(pending.calls.tasks())
            pending = replace(
                pending, known=pending.final(), calls=TermCalls([], None, cache, pending.calls.context)
            )
        if not pending.calls.requests and len(pending.known):
            self.progress.note(f"glossary: {len(pending.known)} terms")
        return pending

    def check_terms(
        self,
        source: Source,
        results: Results,
        glossary: Glossary,
        matcher: TermMatcher,
        report: dict[str, Any],
        retranslations: int,
    ) -> None:
        """The consistency of the terms, into the report; ``--annotate-terms`` applied."""
        consistency = check_consistency(results, matcher)
        report["glossary"] = glossary_report(glossary, consistency, retranslations)
        report["glossary"]["file"] = str(glossary_file(source.out_dir, source.stem, self.settings.lang))
        report["summary"] += f" · terms consistent {consistency.rate:.1%}"
        g = self.settings.glossary
        if g.annotate_terms != "off":
            annotate_terms(
                results,
                matcher,
                self.settings.lang,
                every=g.annotate_terms == "all",
                bold=g.term_style == "bold",
            )

    def render(
        self, source: Source, results: Results, glossary: Glossary, report: dict[str, Any]
    ) -> list[Path]:
        """Every output and the glossary CSV, written all or none."""
        s = self.settings.output
        formats = output_formats(self.settings)
        self.progress.note(f"writing {', '.join(formats)} to {source.out_dir}")
        texts = render_each(
            source.document, results, source.out_dir, source.stem, s.lang, formats, s.mono, report
        )
        glossary_csv = (glossary_file(source.out_dir, source.stem, s.lang), csv_text(glossary))
        try:
            return write_all_atomic(itertools.chain(texts, [glossary_csv]))
        except OSError as exc:
            raise output_write_error(source.out_dir, exc) from exc


def build_job(
    spec: JobSpec,
    scheduler: Scheduler | None = None,
    engine: Engine | None = None,
    grobid: GrobidClient | None = None,
    progress: Progress | None = None,
    now: Callable[[], float] = time.monotonic,
    open_cache: CacheOpener = local_cache,
) -> Job:
    """The one place a job is assembled: the process's scheduler when one is given
    (several papers at once share it), a new one otherwise: with a thread for every request
    the run may find the server takes, as its own engine's window keeps the count; an
    engine passed in has no window, and gets --concurrency threads."""
    limits = spec.settings.limits
    scheduler = scheduler or Scheduler(in_flight_ceiling(limits) if engine is None else limits.concurrency)
    return Job(spec, scheduler, engine, grobid, progress, now, open_cache)


def run(
    input_path: Path,
    settings: Settings,
    out_dir: Path | None = None,
    tei: Path | None = None,
    grobid: GrobidClient | None = None,
    client: Engine | None = None,
    progress: Progress | None = None,
    now: Callable[[], float] = time.monotonic,
) -> RunResult:
    """The Python API's one call: one paper in, bilingual outputs out."""
    spec = JobSpec(input_path, settings, out_dir, tei)
    return build_job(spec, engine=client, grobid=grobid, progress=progress, now=now).run()


def _matcher(glossary: Glossary) -> TermMatcher | None:
    return TermMatcher(glossary) if len(glossary) else None


def _crops(source: Source) -> list[tuple[Formula, Path]]:
    """The display formulas that have a crop, with its file."""
    return [
        (f, source.out_dir / source.images[f.id]) for f in source.document.formulas() if f.id in source.images
    ]


def _size(spec: JobSpec) -> int:
    try:
        return spec.input_path.stat().st_size
    except OSError:
        return 0  # a missing input is reported by the loader, with its own message
