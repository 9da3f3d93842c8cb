"""The formula stage: a paper's display formulas to checked LaTeX, beside the translation.

It runs on its own thread while the paragraphs are translated, through the same
scheduler (so the requests of both share ``--concurrency`` and ``--rpm``), the same
budget and the same cache. ``--formulas image`` or ``text`` skip it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .cache import Cache, CacheContext
from .engine.base import Engine
from .engine.budget import Budget
from .engine.client import scheduled_engine
from .engine.formulas import FormulaConverter, FormulaOutcome
from .engine.prompts import PROMPT_VERSION
from .engine.scheduler import Scheduler
from .model import Formula
from .results import Results
from .settings import Settings


class FormulaStage:
    """``start`` before the translation, ``finish`` after it: the outcomes go into the results."""

    def __init__(
        self,
        settings: Settings,
        cache: Cache,
        engine: Engine,
        scheduler: Scheduler,
        budget: Budget,
        notify: Callable[[str], None],
    ) -> None:
        self.settings = settings
        model = settings.engine.formula_model or settings.engine.model
        if settings.engine.formula_model:
            engine = scheduled_engine(settings, scheduler, notify, model=model)
        context = CacheContext(PROMPT_VERSION, model, settings.engine.endpoint, "latex", "")
        self.converter = FormulaConverter(engine, model, cache, context, scheduler, budget, notify)
        self.notify = notify
        self._thread: threading.Thread | None = None
        self._outcomes: dict[str, FormulaOutcome] = {}
        self._error: BaseException | None = None

    def start(self, formulas: list[tuple[Formula, Path]]) -> None:
        """Convert each display formula from its crop, on a thread of its own."""
        if self.settings.output.formulas != "latex" or not formulas:
            return
        self.notify(f"formulas: {len(formulas)} display formulas to LaTeX")
        self._thread = threading.Thread(target=self._run, args=(formulas,), name="formulas", daemon=True)
        self._thread.start()

    def _run(self, formulas: list[tuple[Formula, Path]]) -> None:
        try:
            # Notes alone use the LaTeX a translation paid for, and ask for none.
            self._outcomes = self.converter.convert(formulas, cached_only=self.settings.output.notes_only)
        except BaseException as exc:  # handed to finish(), on the job's thread
            self._error = exc

    def finish(self, results: Results) -> dict[str, int]:
        """Wait for the stage; its outcomes into ``results``; counts for the report."""
        if self._thread is None:
            return {}
        self._thread.join()
        if self._error is not None:
            raise self._error
        for fid, outcome in self._outcomes.items():
            if outcome.latex:
                results.latex[fid] = outcome.latex
            elif outcome.error:
                results.formula_errors[fid] = outcome.error
        return {
            "latex": len(results.latex),
            "kept_as_image": len(results.formula_errors),
            "requests": self.converter.requests,
        }
