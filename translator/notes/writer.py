"""Write a paper's reading notes: section requests side by side on the shared scheduler,
then the summary; every point checked against the paper before it is used, a failing
point asked once more with its reasons, what still fails dropped and counted (or kept,
marked, with ``--keep-unverified``). Answers are cached like translations: notes made
again cost nothing."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..cache import Cache, CacheContext
from ..chunking.tokens import default_counter
from ..engine.base import Engine, EngineError, prompt_tokens
from ..engine.budget import Budget, Refusal
from ..engine.scheduler import Scheduler
from ..model import Document, Figure, FormulaBlock, Paragraph
from ..results import Results
from .check import problems
from .model import Item, Point, SectionNote
from .requests import (
    NOTES_PROMPT_VERSION,
    AnswerError,
    NoteRequest,
    fix_request,
    ids_of,
    points_of,
    read_answer,
    section_entry,
    section_requests,
    summary_of,
    summary_request,
)

_NAMES = {"figure": "Fig.", "table": "Table"}


def reason_of(problem: str) -> str:
    """The counted kind of a problem."""
    for marker, kind in (
        ("do not exist", "cites a paragraph that does not exist"),
        ("cites no paragraph", "cites nothing"),
        ("the number", "a number not in the cited paragraphs"),
        ("the term", "a term not in the paper"),
    ):
        if marker in problem:
            return kind
    return problem


class NoteTaker:
    """One paper's notes: its requests, checks and counts."""

    def __init__(
        self,
        document: Document,
        results: Results,
        engine: Engine,
        cache: Cache,
        context: CacheContext,
        scheduler: Scheduler,
        budget: Budget,
        keep_unverified: bool = False,
        notify: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.document = document
        self.results = results
        self.engine = engine
        self.cache = cache
        self.context = context
        self.scheduler = scheduler
        self.budget = budget
        self.keep_unverified = keep_unverified
        self.notify = notify
        self.counter = default_counter()
        self.paragraphs = {s.id: s.text for s in document.segments()}
        self.paper_text = "\n".join(self.paragraphs.values())
        self.title = document.title.text if document.title else ""
        self.dropped: Counter[str] = Counter()
        self.requests = 0
        self.reasked = 0
        self._lock = threading.Lock()

    # -- the whole notes -------------------------------------------------------
    def section_requests(self) -> tuple[list[dict[str, Any]], list[NoteRequest]]:
        """Every body section as the model sees it, and the requests that carry them."""
        figures = self._figures_by_section()
        entries = [
            section_entry(
                sec, {f.id: f.caption.text if f.caption else f.head for f in figures.get(sec.id, [])}
            )
            for top in self.document.body
            for sec in top.walk()
            if any(isinstance(b, Paragraph | FormulaBlock) for b in sec.blocks)
        ]
        return entries, section_requests(entries, self.counter.count, self.context.lang, self.title)

    def key(self, request: NoteRequest) -> str:
        """The cache key of a request's answer."""
        return self.context.key(f"{NOTES_PROMPT_VERSION}:{request.kind}", request.payload)

    def sections(self) -> list[SectionNote]:
        """Every body section's notes, its requests run side by side."""
        entries, requests = self.section_requests()
        answers: dict[str, dict[str, Any]] = {}

        def task(request: NoteRequest) -> Callable[[], None]:
            def run() -> None:
                answer = self._ask(request)
                for item in answer.get("sections", []) if answer else []:
                    if isinstance(item, dict) and str(item.get("id")) in request.sections:
                        with self._lock:
                            answers[str(item["id"])] = item

            return run

        self.notify(f"notes: {len(requests)} section requests")
        self.scheduler.run([task(r) for r in requests])
        notes = [self._section_note(entry, answers.get(entry["id"], {})) for entry in entries]
        return [n for n in notes if n.points or n.formulas or n.figures]

    def summary(self, section_points: list[Point]) -> dict[str, list[Point]]:
        """The opening summary, from the abstract, the conclusion and the verified points."""
        request = summary_request(self.document, section_points, self.context.lang, self.title)
        answer = self._ask(request)
        if answer is None:
            return {}
        return {part: self.checked(points) for part, points in summary_of(answer).items()}

    # -- one section -----------------------------------------------------------
    def _section_note(self, entry: dict[str, Any], answer: dict[str, Any]) -> SectionNote:
        section = next(s for s in self.document.all_sections() if s.id == entry["id"])
        heading = section.heading
        note = SectionNote(
            entry["id"],
            heading.text if heading else "",
            (self.results.of(heading).text or "") if heading else "",
            self.checked(points_of(answer.get("points"))),
        )
        note.formulas = [self._formula(i) for i in ids_of(answer.get("formulas")) if i in entry["formulas"]]
        note.figures = [self._figure(i) for i in ids_of(answer.get("figures")) if i in entry["figures"]]
        return note

    def _formula(self, formula_id: str) -> Item:
        formula = next(f for f in self.document.formulas() if f.id == formula_id)
        latex = self.results.latex.get(formula_id, "")
        return Item(
            formula_id, formula.label, formula.text, latex=latex, image=self.results.image(formula_id)
        )

    def _figure(self, figure_id: str) -> Item:
        figure = next(f for f in self.document.figures if f.id == figure_id)
        caption = figure.caption.text if figure.caption else figure.head
        translation = (self.results.of(figure.caption).text or "") if figure.caption else ""
        return Item(figure_id, _label(figure), caption, translation, image=self.results.image(figure_id))

    def _figures_by_section(self) -> dict[str, list[Figure]]:
        """Each figure with the first section whose paragraphs cite it: by link where the
        parser made one, else by its label written in the text ("Fig. 3", "Table 2")."""
        by_id = {f.id: f for f in self.document.figures}
        mentions = {f.id: _mention(f) for f in self.document.figures}
        placed: dict[str, list[Figure]] = {}
        seen: set[str] = set()
        for sec in self.document.all_sections():
            for block in sec.blocks:
                if not isinstance(block, Paragraph):
                    continue
                linked = [s.target for s in block.segment.spans if s.target in by_id]
                named = [i for i, m in mentions.items() if m is not None and m.search(block.segment.text)]
                for target in [*linked, *named]:
                    if target is not None and target not in seen:
                        seen.add(target)
                        placed.setdefault(sec.id, []).append(by_id[target])
        return placed

    # -- checks ------------------------------------------------------------------
    def checked(self, points: list[Point]) -> list[Point]:
        """The points that hold; failing ones asked once more, then dropped (or kept, marked)."""
        found = [self._problems(p) for p in points]
        failing = [(p, why) for p, why in zip(points, found, strict=True) if why]
        if not failing:
            return points
        fixed = self._fix(failing)  # by the failing point's number, from 1
        kept: list[Point] = []
        number = 0
        for point, why in zip(points, found, strict=True):
            if not why:
                kept.append(point)
                continue
            number += 1
            again = fixed.get(number)
            final = self._problems(again) if again is not None else why
            if again is not None and not final:
                kept.append(again)
                continue
            self._count(reason_of(final[0]))
            if self.keep_unverified:
                kept.append(Point(point.text, point.cites, verified=False, problems=final))
        return kept

    def _problems(self, point: Point) -> list[str]:
        return problems(point.text, point.cites, self.paragraphs, self.paper_text)

    def _fix(self, failing: list[tuple[Point, list[str]]]) -> dict[int, Point]:
        with self._lock:
            self.reasked += 1
        answer = self._ask(fix_request(failing, self.paragraphs, self.context.lang))
        raw = answer.get("points", {}) if answer else {}
        fixed: dict[int, Point] = {}
        for key, item in raw.items() if isinstance(raw, dict) else []:
            found = points_of([item])
            if found and str(key).isdigit():
                fixed[int(key)] = found[0]
        return fixed

    # -- one request ---------------------------------------------------------------
    def _ask(self, request: NoteRequest) -> dict[str, Any] | None:
        """The answer's JSON object: from the cache, else from the model (cached once
        readable); None when refused by the budget, failed, cut off or unreadable."""
        key = self.key(request)
        cached = self.cache.get_terms(key)
        if cached is not None:
            try:
                return read_answer(cached)
            except AnswerError:
                pass
        # Bounded by themselves (one per section batch, the summary, one re-ask each): they
        # count against the user's caps, not against the translation's retry budget.
        tokens = prompt_tokens(request.messages, self.counter)
        charge = self.budget.reserve(tokens, request.max_tokens, self_bounded=True)
        if isinstance(charge, Refusal):
            self._count(f"not asked: {charge.message}")
            return None
        try:
            completion = self.engine.complete(request.messages, max_tokens=request.max_tokens)
        except EngineError as exc:
            self.budget.settle(charge, None)
            self._count(f"request failed: {exc.source or type(exc).__name__}")
            return None
        self.budget.settle(charge, completion)
        with self._lock:
            self.requests += 1
        if completion.finish_reason == "length":
            self._count("answer cut off")
            return None
        try:
            answer = read_answer(completion.text)
        except AnswerError:
            self._count("answer not JSON")
            return None
        self.cache.put_terms(key, request.payload, completion.text, self.context.model, self.context.lang)
        return answer

    def _count(self, reason: str) -> None:
        with self._lock:
            self.dropped.update({reason: 1})


_NUMBERED = re.compile(r"\b(?:Fig(?:ure)?s?|Tables?|Tab)\.?\s*([0-9]+|[IVXL]+)\b", re.IGNORECASE)


def _number(figure: Figure) -> str:
    """The figure's number as its caption prints it ("Fig. 3" → 3), else its label's."""
    printed = _NUMBERED.search(figure.head)
    if printed:
        return printed.group(1)
    label = figure.label.strip(" .")
    return label if re.fullmatch(r"[0-9]{1,2}|[IVXL]{1,5}", label) else ""


def _label(figure: Figure) -> str:
    number = _number(figure)
    return f"{_NAMES[figure.kind]} {number}".strip() if number or not figure.label else figure.label


def _mention(figure: Figure) -> re.Pattern[str] | None:
    """How the text names this figure or table ("Fig. 3", "Figure 3", "Table II")."""
    number = _number(figure)
    if not number:
        return None
    words = r"(?:Fig(?:ure)?s?\.?)" if figure.kind == "figure" else r"(?:Tables?|Tab\.)"
    return re.compile(rf"\b{words}\s*{number}(?![\w.])")
