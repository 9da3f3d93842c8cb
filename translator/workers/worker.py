"""``translate worker``: takes jobs off the queue and runs each as the CLI and the
daemon do (a ``JobSpec`` through ``build_job``), with the scheduler's rate limit and
the answer cache shared through Redis, and the outputs stored back on the board.

What a worker never does: loop on a paper. A job delivered more than ``deliveries``
times (its workers kept dying on it) fails with that reason; a passing cause is
tried again after a growing wait, at most ``job_attempts`` times; a cause in the
paper fails it at once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from ..engine.scheduler import Scheduler
from ..errors import BrokerError, ConfigError
from ..jobs import JobSpec, build_job
from ..parsing.grobid_client import GrobidClient
from ..pipeline import RunResult
from ..service.causes import Cause, cause_of, describe, wait_before
from ..service.events import EventLog
from ..service.paper import outcome_of, spent_by
from ..settings import Settings
from .board import JobBoard
from .order import settings_for
from .progress import BoardProgress
from .queue import TaskQueue
from .shared import RedisCache, limiter_factory
from .window import SharedWindows

BOOKKEEPING_SECONDS = 300.0  # how long a worker waits for Redis to come back to record a job's end


class WorkerStopped(Exception):
    """No job can succeed on this worker (its API key was refused, a setting is wrong)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class PaperWorker:
    """One worker process: its scheduler (shared by the papers it runs at once), the
    shared cache and limit, and the jobs in hand."""

    def __init__(
        self,
        settings: Settings,
        board: JobBoard,
        queue: TaskQueue,
        log: EventLog,
        staging: Path,
        grobid: GrobidClient | None = None,
    ) -> None:
        self.settings = settings
        self.board = board
        self.queue = queue
        self.log = log
        self.staging = staging
        self.grobid = grobid
        self.id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lease_seconds = settings.workers.heartbeat_seconds
        limiters = limiter_factory(board.client, settings.engine.max_retry_after_seconds)
        # --concurrency is the ceiling of requests in flight over every worker of the endpoint.
        self.windows = SharedWindows(board.client, self.lease_seconds)
        self.scheduler = Scheduler(settings.limits.concurrency, limiters=limiters, windows=self.windows)
        self.cache = RedisCache(board.client)
        self.fatal: WorkerStopped | None = None
        self.handled = 0
        self._in_hand: set[str] = set()
        self._lock = threading.Lock()

    def serve(self) -> None:
        """Until ``stop``: ``papers`` jobs at a time."""
        self.log.event("worker", self.id, papers=self.settings.service.papers)
        self.queue.serve(self.handle, self.settings.service.papers, self.beat)

    def stop(self) -> None:
        """Stop the requests in flight; the papers in hand go back to the queue."""
        self.scheduler.stop()
        self.queue.stop()

    def beat(self) -> None:
        with self._lock:
            jobs = list(self._in_hand)
        self.board.renew(jobs, self.id, self.lease_seconds)
        self.windows.renew()

    # -- one delivery --------------------------------------------------------
    def handle(self, job: str) -> None:
        """One message: take the job unless another worker holds it, run it, record its end."""
        record = self.board.take(job, self.id, self.lease_seconds)
        if record is None:
            self.log.event("skipped", job, reason="done, failed, or in another worker's hands")
            return
        with self._lock:
            self._in_hand.add(job)
        try:
            self._handle(job, record)
        finally:
            with self._lock:
                self._in_hand.discard(job)
            self.handled += 1

    def _handle(self, job: str, record: dict[str, str]) -> None:
        name = record.get("name", job)
        deliveries = int(record.get("deliveries", "1"))
        if deliveries > self.settings.workers.deliveries:
            reason = (
                f"workers stopped {deliveries - 1} times while translating {name} (killed, out of memory, "
                "or a crash); set aside so it stops no more workers: check the PDF, then submit it again"
            )
            self._record(lambda: self.board.fail(job, reason))
            self.log.event("failed", name, job=job, reason=reason)
            return
        self.log.event("started", name, job=job, delivery=deliveries)
        folder = self.staging / f"{job}-{uuid.uuid4().hex[:6]}"
        try:
            self._run(job, record, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _run(self, job: str, record: dict[str, str], folder: Path) -> None:
        started = time.monotonic()
        name = record.get("name", job)
        try:
            settings = settings_for(self.settings, json.loads(record.get("order", "{}")))
        except ConfigError as exc:
            reason = f"cannot run what was asked: {exc}"
            self._record(lambda: self.board.fail(job, reason))
            return
        pdf = self.board.pdf(job)
        if pdf is None:
            self._record(
                lambda: self.board.fail(job, "its PDF is no longer in Redis: submit the paper again")
            )
            return
        source = folder / "in" / Path(name).name
        source.parent.mkdir(parents=True)
        source.write_bytes(pdf)
        spec = JobSpec(source, settings, folder / "out")
        run = build_job(
            spec,
            self.scheduler,
            grobid=self.grobid,
            progress=BoardProgress(self.board, job),
            open_cache=lambda _: self.cache,
        )
        try:
            result = run.run()
        except BaseException as exc:
            self._failed(job, name, exc, dataclasses.asdict(spent_by(run.budget, time.monotonic() - started)))
            return
        self._ended(job, name, result, folder / "out", time.monotonic() - started)

    def _ended(self, job: str, name: str, result: RunResult, out: Path, seconds: float) -> None:
        outcome = dataclasses.asdict(outcome_of(result, seconds))
        if result.interrupted:
            self._again(job, name, "stopped by a shutdown", attempt=False)
            return
        if result.stats.stopped_by:
            reason = (
                f"stopped: {result.stats.stopped_by}. Every answer received is cached: raise the cap "
                "(--max-cost, --max-requests, --max-tokens) and submit it again to finish without paying twice"
            )
            self._record(lambda: self.board.fail(job, reason, **outcome))
            self.log.event("failed", name, job=job, reason=reason)
            return
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        self._record(lambda: self.board.finish(job, files, **outcome))
        self.log.event(
            "done" if not result.failed else "done-partial",
            name,
            job=job,
            segments=outcome["segments"],
            failed=len(result.failed) or None,
            requests=outcome["requests"],
            seconds=round(seconds, 1),
        )

    def _failed(self, job: str, name: str, exc: BaseException, outcome: dict[str, Any]) -> None:
        message = describe(exc)
        cause = cause_of(exc)
        if self.scheduler.stopping and self.fatal is None:  # a shutdown, not the paper: no try counted
            self._again(job, name, "stopped by a shutdown", attempt=False)
            return
        if cause is Cause.PAPER:
            self._record(lambda: self.board.fail(job, message, **outcome))
            self.log.event("failed", name, job=job, reason=message)
            return
        if cause is Cause.FATAL:
            self._again(job, name, message, attempt=False)
            self.fatal = WorkerStopped(exc)
            self.log.event("stopping", name, reason=message)
            self.stop()
            return
        tries = self._again(job, name, message, attempt=True, send=False)
        if tries >= self.settings.service.job_attempts:
            self._record(lambda: self.board.fail(job, f"{message} (after {tries} tries)", **outcome))
            self.log.event("failed", name, job=job, reason=message, tries=tries)
            return
        wait = wait_before(tries, self.settings.service.job_retry_seconds)
        self._record(lambda: self.queue.send(job, wait))
        self.log.event("retry", name, job=job, reason=message, attempt=tries, wait_seconds=round(wait))

    def _again(self, job: str, name: str, reason: str, attempt: bool, send: bool = True) -> int:
        """Back to the queue (now, unless ``send`` is off); returns the tries so far."""
        tries: list[int] = []
        self._record(lambda: tries.append(self.board.requeue(job, reason, attempt)))
        if send:
            self._record(lambda: self.queue.send(job))
            self.log.event("requeued", name, job=job, reason=reason)
        return tries[0] if tries else 0

    def _record(self, action: Any) -> None:
        """Bookkeeping outlives a Redis restart: retried for ``BOOKKEEPING_SECONDS``; then
        the worker gives the job up (its message is delivered again after the heartbeat)."""
        # Shutting down, a few seconds only: the message comes back after the heartbeat anyway.
        deadline = time.monotonic() + (5.0 if self.scheduler.stopping else BOOKKEEPING_SECONDS)
        delay = 0.5
        while True:
            try:
                action()
                return
            except BrokerError as exc:
                if time.monotonic() > deadline:
                    self.log.event("error", reason=str(exc))
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
