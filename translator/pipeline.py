"""The pipeline, as named stages: load → plan → translate → render.

Each stage takes and returns plain objects, so the CLI, the Python API and the
daemon drive the same code, and tests can run any stage alone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pypdfium2 as pdfium

from . import plugins
from .cache import Cache
from .chunking.chunker import Unit, plan
from .chunking.tokens import default_counter
from .engine.base import Engine
from .engine.budget import Budget
from .engine.client import scheduled_engine
from .engine.formulas import MAX_TOKENS as FORMULA_MAX_TOKENS
from .engine.formulas import PER_REQUEST as FORMULAS_PER_REQUEST
from .engine.formulas import formula_messages
from .engine.outcomes import apply_results
from .engine.prompts import PROMPT_VERSION
from .engine.scheduler import Scheduler
from .engine.stats import RunStats
from .engine.translator import Translator
from .engine.waiting import GlossaryWait
from .errors import BadInputError
from .files import output_stem, write_all_atomic
from .glossary.matcher import TermMatcher
from .model import Document, Segment
from .notes.stage import planned_requests, wants_notes
from .parsing.assembly import with_table_cells
from .parsing.crops import crop_assets
from .parsing.grobid_client import GrobidBusyError, GrobidClient
from .parsing.kept_tei import record_path, record_text, reusable
from .parsing.pdf_check import check_pdf
from .parsing.pdf_title import with_metadata_title
from .parsing.readers import BuiltinParser, GrobidParser, Parsed, Parser
from .parsing.standing import figures_as_printed
from .parsing.stored import StoredReads
from .parsing.tei_reader import read_tei
from .results import Results
from .settings import ParserSettings, Settings
from .terminology import plan_glossary


class Progress(Protocol):
    def start(self, total: int, expected_tokens: int = 0) -> None: ...
    def advance(self, units: int, tokens: int) -> None: ...
    def note(self, message: str) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, total: int, expected_tokens: int = 0) -> None:
        pass

    def advance(self, units: int, tokens: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class Source:
    """Where the document came from and where its outputs go."""

    document: Document
    stem: str
    out_dir: Path
    tei_path: Path | None = None
    tei_reused: bool = False
    pdf_path: Path | None = None  # the PDF, when there is one, for figure and formula images
    pages: int | None = None  # of the PDF, when one was read
    images: dict[str, str] = field(default_factory=dict)  # figure or formula id → PNG, relative to out_dir


@dataclass
class RunResult:
    source: Source
    outputs: list[Path]
    report: dict[str, Any]
    stats: RunStats
    results: Results = field(default_factory=Results)

    @property
    def failed(self) -> list[Segment]:
        """Segments that kept their original text after every retry."""
        return self.results.with_status("failed")

    @property
    def interrupted(self) -> bool:
        """Stopped by Ctrl-C or SIGTERM: outputs written, untranslated segments marked as not yet done."""
        return self.stats.interrupted


# -- stage 1: load ---------------------------------------------------------------
BUILTIN_NOTICE = (
    "GROBID does not answer at {url}: using the built-in PDF reader. For GROBID's finer structure \
(tables, references), start it with ./serve_grobid.sh, or pass --parser grobid to require it"
)


def load(
    input_path: Path,
    settings: Settings,
    out_dir: Path | None = None,
    tei: Path | None = None,
    grobid: GrobidClient | None = None,
    progress: Progress | None = None,
    keep_tei: bool = True,
) -> Source:
    """Read the paper into a Document: from a TEI file, a TEI kept from an
    earlier run, a PDF sent to GROBID (whose TEI is then kept unless
    ``keep_tei`` is false, as in a dry run), or a PDF read by the built-in
    reader (``--parser builtin``, or ``auto`` with GROBID down)."""
    progress = progress or NoProgress()
    out = out_dir or input_path.parent
    stem = output_stem(input_path)
    if tei is not None or input_path.name.lower().endswith(".xml"):
        tei_path = tei or input_path
        if not tei_path.is_file():
            raise BadInputError(f"{tei_path}: no such TEI file; check the path")
        sibling = tei_path.with_name(f"{stem}.pdf")  # a TEI given alone: the PDF beside it, if any
        pdf = input_path if input_path.suffix.lower() == ".pdf" else sibling if sibling.is_file() else None
        return Source(read_tei(tei_path), stem, out, tei_path, pdf_path=pdf)
    info = check_pdf(input_path)
    kept = out / f"{stem}.tei.xml"
    grobid_url = settings.parser.grobid_url
    if settings.parser.parser in ("auto", "grobid") and reusable(kept, input_path, grobid_url):
        progress.note(f"reusing {kept}, made from this PDF (delete it to parse the PDF again)")
        return Source(read_tei(kept), stem, out, kept, True, input_path, info.pages)
    stored = StoredReads(settings.storage.cache_dir, write=keep_tei)
    parsed = _parse(input_path, info.pages, settings, grobid, progress, stored)
    if parsed.tei is None or not keep_tei:
        return Source(parsed.document, stem, out, pdf_path=input_path, pages=info.pages)
    write_all_atomic(
        {kept: parsed.tei.decode("utf-8"), record_path(kept): record_text(input_path, grobid_url)}
    )
    return Source(parsed.document, stem, out, kept, pdf_path=input_path, pages=info.pages)


def _parse(
    pdf: Path,
    pages: int,
    settings: Settings,
    grobid: GrobidClient | None,
    progress: Progress,
    stored: StoredReads | None = None,
) -> Parsed:
    """The PDF read by the parser ``--parser`` names; with ``auto``, a GROBID that stays
    busy past its attempts gives way to the built-in reader, with a notice. The built-in
    reader's results are ``stored`` for later runs."""
    parser = _parser(settings, grobid, progress, stored)
    try:
        return parser.parse(pdf, pages, progress.note)
    except GrobidBusyError as exc:
        if settings.parser.parser != "auto":
            raise
        progress.note(f"{exc}; using the built-in PDF reader instead")
    finally:
        parser.close()
    return BuiltinParser(settings.parser, stored).parse(pdf, pages, progress.note)


def _parser(
    settings: Settings, grobid: GrobidClient | None, progress: Progress, stored: StoredReads | None
) -> Parser:
    """The registered parser ``--parser`` names; for ``auto``, GROBID when it answers."""
    chosen = settings.parser.parser
    if chosen == "builtin":
        return BuiltinParser(settings.parser, stored)
    if chosen in ("auto", "grobid"):
        parser = GrobidParser(settings.parser, grobid)
        if chosen == "grobid" or parser.available():
            return parser
        parser.close()
        progress.note(BUILTIN_NOTICE.format(url=parser.client.shown))
        return BuiltinParser(settings.parser, stored)
    factory: Callable[[ParserSettings], Parser] = plugins.load(plugins.PARSERS, chosen)
    return factory(settings.parser)


# -- stage 1b: images and table cells ---------------------------------------------
def prepare(
    source: Source, settings: Settings, progress: Progress | None = None, images: bool = True
) -> Source:
    """The source as it will be translated: with ``--translate-tables``, a copy of the document whose
    table cells are segments; figures (a caption-only GROBID box given its drawing, in a copy) and
    display formulas cut out of the PDF (``<stem>.<lang>.assets/``) into ``images``; the PDF's own
    title when the reader found none."""
    progress = progress or NoProgress()
    if settings.parser.translate_tables:
        source = replace(source, document=with_table_cells(source.document))
    if (pdf := source.pdf_path) is None or not images:
        return source
    folder = f"{source.stem}.{settings.lang}.assets"
    progress.note("cutting figure and formula images")
    try:
        document = figures_as_printed(source.document, pdf, gathered=source.tei_path is not None)
        source = replace(source, document=with_metadata_title(document, pdf))
        cut = crop_assets(pdf, source.document, source.out_dir / folder, folder)
    except (OSError, pdfium.PdfiumError) as exc:
        progress.note(f"figure images skipped: {exc}")
        return source
    if settings.output.formulas == "text":  # formulas as their text alone: no crop shown
        formula_ids = {f.id for f in source.document.formulas()}
        cut = {key: path for key, path in cut.items() if key not in formula_ids}
    if cut:
        progress.note(f"{len(cut)} figure and formula images in {source.out_dir / folder}")
    return replace(source, images=cut)


# -- stage 2: plan ---------------------------------------------------------------
NOTES_ONLY_KINDS = ("title", "heading", "caption")  # what notes alone need translated


def plan_document(document: Document, settings: Settings) -> tuple[list[Segment], list[Unit]]:
    """The segments a run translates and the units it sends them in."""
    segments = list(document.segments())
    units = plan(
        segments,
        settings.limits.max_request_tokens,
        settings.limits.concurrency,
        default_counter(),
        settings.limits.min_request_tokens,
    )
    if settings.output.notes_only:
        # Cut as the whole paper is cut (a unit's size depends on the paper's length), so
        # the pieces, and their cache keys, are those a translation of the paper paid for.
        segments = [s for s in segments if s.kind in NOTES_ONLY_KINDS]
        kept = {s.id for s in segments}
        units = [u for u in units if u.segment_id in kept]
    return segments, units


def estimate(document: Document, settings: Settings, cache: Cache, engine: Engine) -> dict[str, Any]:
    """What a run would send, computed as the run does with ``engine`` (an estimator)
    pricing each request in place of the model: the same glossary (cached term answers,
    or stand-ins), the same cache keys and requests, the same prompts.

    Nothing is sent and nothing is written: the cache is only read."""
    segments, units = plan_document(document, settings)
    title = document.title.text if document.title else ""
    glossary, term_calls = plan_glossary(document, settings, cache)
    matcher = TermMatcher(glossary) if len(glossary) else None
    translator = Translator(settings, engine, cache, title, PROMPT_VERSION, matcher)
    todo = translator.cached(units)
    batches = translator.plan(units, todo)
    priced = [engine.complete(translator.messages(b), b.tokens) for b in batches]
    priced += [engine.complete(call.messages, call.max_tokens) for call in term_calls]
    # The display formulas with a place on the page, PER_REQUEST to an image request (none
    # when cached; a re-ask is not counted).
    asks_latex = settings.output.formulas == "latex" and not settings.output.notes_only
    formulas = [f for f in document.formulas() if f.region] if asks_latex else []
    groups = [formulas[i : i + FORMULAS_PER_REQUEST] for i in range(0, len(formulas), FORMULAS_PER_REQUEST)]
    priced += [
        engine.complete(formula_messages([(f, None) for f in g]), FORMULA_MAX_TOKENS * len(g)) for g in groups
    ]
    notes = planned_requests(document, settings, cache) if wants_notes(settings) else []
    priced += [engine.complete(r.messages, r.max_tokens) for r in notes]
    prompt = sum(c.prompt_tokens for c in priced)
    completion = sum(c.completion_tokens for c in priced)
    return {
        "segments": len(segments),
        "units": len(units),
        "cached_units": len(units) - len(todo),
        "glossary_terms": len(glossary),
        "glossary_requests": len(term_calls),
        "requests": len(batches) + len(term_calls) + len(groups) + len(notes),
        "formula_requests": len(groups),
        "note_requests": len(notes),
        "source_tokens": sum(u.tokens for u in todo),
        "prompt_tokens": prompt,
        "completion_tokens_estimate": completion,
        "cost_estimate": cost(settings, prompt, completion),
        "tokenizer": default_counter().name,
        "over_caps": Budget.from_limits(settings.limits).caps_passed(
            len(batches) + len(term_calls) + len(groups) + len(notes), prompt, completion
        ),
    }


def cost(
    settings: Settings, prompt_tokens: int, completion_tokens: int, stats: RunStats | None = None
) -> float | None:
    """The price of these tokens (None without ``--price``); the share of them ``stats``
    counts as sent through the Batch API at its own rate."""
    limits = settings.limits
    if limits.price_input is None and limits.price_output is None:
        return None
    budget = Budget.from_limits(limits)
    total = budget.price(prompt_tokens, completion_tokens, stats.cached_prompt_tokens if stats else 0)
    if stats is not None:
        batch = budget.price(stats.batch_prompt_tokens, stats.batch_completion_tokens)
        total -= (1 - settings.engine.batch_price_factor) * batch
    return round(total, 6)


# -- stage 3: translate ----------------------------------------------------------
def translate_document(
    document: Document,
    settings: Settings,
    cache: Cache,
    client: Engine | None = None,
    progress: Progress | None = None,
    matcher: TermMatcher | None = None,
    scheduler: Scheduler | None = None,
    budget: Budget | None = None,
    waiting: GlossaryWait | None = None,
) -> tuple[Results, RunStats]:
    """Translate every segment; returns what became of each and what it cost.
    Papers translated at once in one process share one ``scheduler``; with ``waiting``,
    the glossary's term calls go first, beside the segments that do not need them."""
    progress = progress or NoProgress()
    segments, units = plan_document(document, settings)
    title = document.title.text if document.title else ""
    scheduler = scheduler or Scheduler(settings.limits.concurrency)
    engine = client or scheduled_engine(settings, scheduler, progress.note)
    translator = Translator(
        settings, engine, cache, title, PROMPT_VERSION, matcher, scheduler, budget, progress.note
    )
    pieces_left = {s.id: 0 for s in segments}
    for unit in units:
        pieces_left[unit.segment_id] += 1
    lock = threading.Lock()

    def advance(done: list[Unit], tokens: int) -> None:
        # The bar counts segments: one is done when its last piece is. Workers call this
        # at once (streamed tokens come from every request in flight): one at a time,
        # so the progress display never loses a count.
        with lock:
            finished = 0
            for unit in done:
                pieces_left[unit.segment_id] -= 1
                finished += pieces_left[unit.segment_id] == 0
            progress.advance(finished, tokens)

    try:
        results = translator.run(
            units, advance, lambda tokens: progress.start(len(segments), tokens), waiting
        )
    finally:
        progress.stop()
    outcome = Results(segments, inline_math=settings.output.inline_math == "latex")
    apply_results(outcome, units, results, settings.lang)
    return outcome, translator.stats


# -- stage 4: report and render ------------------------------------------------
def build_report(results: Results, stats: RunStats, settings: Settings, elapsed: float) -> dict[str, Any]:
    segments = results.segments
    failed = results.with_status("failed")
    counts = {k: results.count(k) for k in ("translated", "cached", "failed", "pending")}
    price = cost(settings, stats.prompt_tokens, stats.completion_tokens, stats)
    pending = f", {counts['pending']} not yet translated (stopped)" if counts["pending"] else ""
    summary = (
        f"{len(segments)} segments: {counts['translated']} translated, {counts['cached']} from cache, "
        f"{counts['failed']} failed{pending} · {stats.requests} requests · {stats.prompt_tokens} prompt + "
        f"{stats.completion_tokens} completion tokens · model {settings.engine.model}"
    )
    if stats.cached_prompt_tokens:
        summary += f" · {stats.cached_prompt_tokens} prompt tokens read from the provider's cache"
    if price is not None:
        summary += f" · cost {price:.4f}"
    return {
        "summary": summary,
        "model": settings.engine.model,
        "endpoint": settings.engine.endpoint,
        "target_lang": settings.lang,
        "prompt_version": PROMPT_VERSION,
        "segments": len(segments),
        **counts,
        "requests": stats.requests,
        "failed_requests": stats.failed_requests,
        "retries": stats.retries,
        "prompt_tokens": stats.prompt_tokens,
        "cached_prompt_tokens": stats.cached_prompt_tokens,
        "completion_tokens": stats.completion_tokens,
        "source_tokens": stats.source_tokens,
        "cache_hits": stats.cache_hits,
        "cost": price,
        "interrupted": stats.interrupted,
        **({"stopped_by": stats.stopped_by} if stats.stopped_by else {}),
        **({"gave_up": stats.gave_up} if stats.gave_up else {}),
        "elapsed_seconds": round(elapsed, 2),
        "failed_segments": [
            {"id": s.id, "kind": s.kind, "error": results.of(s).error, "text": s.text[:120]} for s in failed
        ],
    }
