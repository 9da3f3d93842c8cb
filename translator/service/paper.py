"""One try of one inbox file: its job run into a staging folder, then the outputs
published, or the job queued again, or the file set aside — and the store told."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..engine.budget import Budget
from ..engine.scheduler import Scheduler
from ..errors import BadInputError
from ..files import output_stem
from ..jobs import JobSpec, build_job
from ..parsing.grobid_client import GrobidClient
from ..parsing.pdf_check import check_pdf
from ..pipeline import NoProgress, Progress, RunResult
from ..settings import Settings
from .causes import Cause, cause_of, describe, wait_before
from .events import EventLog
from .inbox import Folders
from .publish import after_done, discard, publish, set_aside, staging_folder
from .store import JobStore, Outcome, Ready, next_day, utc_stamp


@dataclass
class Row:
    """One line of the batch summary."""

    path: str
    state: str
    pages: int | None = None
    segments: int | None = None
    failed: int | None = None
    tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0
    error: str = ""


@dataclass
class PaperRun:
    """Everything one try needs from the service around it."""

    settings: Settings
    folders: Folders
    store: JobStore
    scheduler: Scheduler
    log: EventLog
    grobid: GrobidClient | None = None

    def run(self, ready: Ready, cost_cap: float | None, progress: Progress | None = None) -> Row:
        """Translate (or, for a PDF already translated under another name, render from the
        cache) and settle the outcome. Never raises for a paper's own problem."""
        started = time.monotonic()
        staging = staging_folder(self.folders)
        settings = self.settings if cost_cap is None else self.settings.with_values(max_cost=cost_cap)
        spec = JobSpec(self.folders.inbox / ready.path, settings, staging, _tei(ready))
        job = build_job(spec, self.scheduler, grobid=self.grobid, progress=progress or NoProgress())
        self.store.start(ready.hash)
        self.log.event("started", ready.path, job=ready.hash[:12], cached=ready.done or None)
        try:
            self._check_pages(spec.input_path)
            result = job.run()
        except BaseException as exc:
            discard(staging)
            return self._failed(ready, exc, spent_by(job.budget, time.monotonic() - started))
        outcome = outcome_of(result, time.monotonic() - started)
        if result.interrupted:
            discard(staging)
            self.store.retry(ready.hash, "stopped by a shutdown", 0.0, outcome)
            self.log.event("requeued", ready.path, reason="shutdown")
            return Row(ready.path, "queued", error="stopped by a shutdown")
        if result.stats.stopped_by:
            discard(staging)
            return self._capped(ready, result, outcome, cost_cap)
        return self._done(ready, staging, result, outcome)

    def _check_pages(self, pdf: Path) -> None:
        limit = self.settings.service.max_pages
        if limit is not None and pdf.suffix.lower() == ".pdf":
            pages = check_pdf(pdf).pages
            if pages > limit:
                raise BadInputError(
                    f"{pdf.name} has {pages} pages, more than --max-pages {limit}: raise the limit to translate it"
                )

    def _done(self, ready: Ready, staging: Path, result: RunResult, outcome: Outcome) -> Row:
        target = self.folders.out_dir(ready.path)
        written = publish(staging, target)
        tei = target / f"{output_stem(Path(ready.path))}.tei.xml"
        outcome = replace(outcome, tei=str(tei) if tei in written else None)
        self.store.finish(ready.hash, outcome)
        self.store.set_source(ready.path, "written")
        moved = after_done(self.folders, ready.path, self.settings.service.after)
        failed = len(result.failed)
        self.log.event(
            "done" if not failed else "done-partial",
            ready.path,
            out=str(target),
            segments=outcome.segments,
            failed=failed or None,
            requests=outcome.requests,
            cost=outcome.cost if self.settings.limits.price_input is not None else None,
            seconds=round(outcome.seconds, 1),
            moved_to=str(moved) if moved else None,
        )
        return _row(ready.path, "done", outcome)

    def _capped(self, ready: Ready, result: RunResult, outcome: Outcome, cost_cap: float | None) -> Row:
        """Stopped by a cap: the day's share goes on later (tomorrow if the day is spent);
        the paper's own caps set it aside, saying which."""
        reason = f"stopped: {result.stats.stopped_by}"
        paper_cap = self.settings.limits.max_cost
        if cost_cap is not None and (paper_cap is None or cost_cap < paper_cap):
            daily = self.settings.service.daily_cost or 0.0
            spent = self.store.spent_today() + outcome.cost
            # A share too small for even one request waits for the next day too: trying
            # again at once would only be stopped again.
            day_over = spent >= daily or outcome.requests == 0
            when = next_day(self.store.now()) if day_over else 0.0
            self.store.retry(ready.hash, reason, when, outcome)
            self.log.event("requeued", ready.path, reason="daily cost cap", not_before=utc_stamp(when))
            return _row(ready.path, "queued", outcome, "daily cost cap")
        message = (
            f"{reason}. Every answer received is cached: raise the cap (--max-cost, --max-requests, "
            "--max-tokens) and drop the file again to finish it without paying twice."
        )
        return self._set_aside(ready, message, outcome)

    def _failed(self, ready: Ready, exc: BaseException, outcome: Outcome) -> Row:
        message = describe(exc)
        cause = cause_of(exc)
        if cause is Cause.PAPER:
            return self._set_aside(ready, message, outcome)
        attempts = self.store.attempts(ready.hash)
        if cause is Cause.PASSING and attempts >= self.settings.service.job_attempts:
            return self._set_aside(ready, f"{message} (after {attempts} tries)", outcome)
        wait = 0.0 if cause is Cause.FATAL else wait_before(attempts, self.settings.service.job_retry_seconds)
        self.store.retry(ready.hash, message, self.store.now() + wait, outcome)
        self.log.event("retry", ready.path, reason=message, attempt=attempts, wait_seconds=round(wait))
        if cause is Cause.FATAL:
            raise FatalError(exc)
        return _row(ready.path, "queued", outcome, message)

    def _set_aside(self, ready: Ready, message: str, outcome: Outcome) -> Row:
        """This job fails; every waiting name of it goes to ``failed/`` with the reason."""
        self.store.fail(ready.hash, message, outcome)
        for path in {ready.path, *self.store.sources_of(ready.hash)}:
            self.store.set_source(path, "failed")
            where = set_aside(self.folders, path, message)
            self.log.event("failed", path, reason=message, moved_to=str(where) if where else None)
        return _row(ready.path, "failed", outcome, message)


class FatalError(Exception):
    """No paper can succeed (the API refused the key, a setting is wrong): the service stops."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _tei(ready: Ready) -> Path | None:
    """For a PDF already translated under another name: the TEI kept then, so GROBID is not asked again."""
    if ready.done and ready.tei and Path(ready.tei).is_file():
        return Path(ready.tei)
    return None


def outcome_of(result: RunResult, seconds: float) -> Outcome:
    """What one run did, for the store and the summary."""
    report = result.report
    return Outcome(
        pages=result.source.pages,
        segments=report["segments"],
        failed_segments=report["failed"],
        requests=report["requests"],
        tokens=report["prompt_tokens"] + report["completion_tokens"],
        cost=report["cost"] or 0.0,
        seconds=seconds,
    )


def spent_by(budget: Budget | None, seconds: float) -> Outcome:
    """What a run that raised had spent."""
    if budget is None:
        return Outcome(seconds=seconds)
    return Outcome(requests=budget.requests, tokens=budget.tokens, cost=budget.cost, seconds=seconds)


def _row(path: str, state: str, outcome: Outcome, error: str = "") -> Row:
    return Row(
        path,
        state,
        outcome.pages,
        outcome.segments,
        outcome.failed_segments,
        outcome.tokens,
        outcome.cost,
        outcome.seconds,
        error,
    )
