"""The batch and watch-folder service: finds settled PDFs under an inbox, keeps one job
per PDF content in the store, and runs several papers at once on one scheduler, so the
API's slots stay full across papers and ``--rpm``/``--tpm`` hold for them all.

It never dies on one bad file: a paper's problem sets that paper aside; a passing
cause puts it back in the queue with a growing wait; only a problem no paper can get
past (the API refused the key, a wrong setting) stops it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..engine.scheduler import Scheduler
from ..files import file_sha256
from ..parsing.grobid_client import GrobidClient
from ..pipeline import Progress
from ..settings import Settings, in_flight_ceiling
from .events import EventLog
from .inbox import Folders, Seen, scan, settled
from .paper import FatalError, PaperRun, Row
from .publish import clear_staging, set_aside
from .store import JobStore, Ready, next_day, utc_stamp

SHUTDOWN_GRACE_SECONDS = 3.0  # then the process exits; jobs still in hand are queued again


class Service:
    """One inbox, one outbox, one store, one scheduler."""

    def __init__(
        self,
        settings: Settings,
        folders: Folders,
        log: EventLog,
        progress_for: Callable[[str], Progress] | None = None,
        grobid: GrobidClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.folders = folders
        self.log = log
        self.progress_for = progress_for
        self.clock = clock
        self.store = JobStore(folders.state / "jobs.sqlite3", now=clock)
        self.scheduler = Scheduler(in_flight_ceiling(settings.limits))
        self.paper = PaperRun(settings, folders, self.store, self.scheduler, log, grobid)
        self.rows: list[Row] = []
        self.fatal: FatalError | None = None
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self._running: dict[str, tuple[Ready, threading.Thread]] = {}
        self._reserved: dict[str, float] = {}
        self._told: set[str] = set()
        self._capped_told = False
        self._lock = threading.Lock()

    # -- the loops -------------------------------------------------------------
    def open(self) -> None:
        """Clear what a killed run left half-written and queue its jobs again."""
        clear_staging(self.folders)
        resumed = self.store.requeue_running()
        if resumed:
            self.log.event("resumed", jobs=resumed)

    def run_once(self, wait_for_retries: bool) -> list[Row]:
        """Everything in the inbox now, then return (``batch``, ``watch --oneshot``).
        With ``wait_for_retries``, a paper queued again for a passing cause is waited
        for (up to its back-off, at most an hour); otherwise it stays queued."""
        self.open()
        while not self.stopping.is_set() and self.fatal is None:
            unsettled = self.discover()
            self.dispatch()
            if not self.running and not unsettled and not self._retry_soon(wait_for_retries):
                break
            self.wake.wait(0.5)
            self.wake.clear()
        self.shutdown()
        return self.rows

    def watch(self) -> None:
        """Until stopped: scan at start, on every file event, every ``rescan_seconds``, and
        every second while a file is still being written."""
        self.open()
        next_scan = 0.0
        unsettled = False
        while not self.stopping.is_set() and self.fatal is None:
            now = time.monotonic()
            if self.wake.is_set() or now >= next_scan or unsettled:
                self.wake.clear()
                unsettled = self.discover()
                next_scan = now + self.settings.service.rescan_seconds
            self.dispatch()
            self.wake.wait(1.0 if unsettled else min(5.0, max(0.1, next_scan - time.monotonic())))
        self.shutdown()

    def stop(self) -> None:
        """Take no new paper and stop the requests in flight (answers received stay cached)."""
        self.stopping.set()
        self.scheduler.stop()
        self.wake.set()

    def shutdown(self) -> None:
        """Wait briefly for the papers in hand; any still running is queued again."""
        if self.fatal is not None or self.stopping.is_set():
            self.scheduler.stop()
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        for _, thread in list(self._running.values()):
            thread.join(max(0.0, deadline - time.monotonic()))
        if self.running:
            self.store.requeue_running()
            self.log.event("requeued", jobs=self.running, reason="shutdown")
        self.store.close()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    # -- finding papers --------------------------------------------------------
    def discover(self) -> bool:
        """Record every settled PDF under the inbox; True while some file is still changing."""
        unsettled = False
        now = self.clock()
        for item in scan(self.folders):
            if isinstance(item, Path):
                self._tell_once(item, "ignored", "not a PDF, or a link leading out of the inbox; left alone")
            elif item.relative not in self._running:
                unsettled |= not self._take(item, now)
        return unsettled

    def _take(self, seen: Seen, now: float) -> bool:
        """Record one PDF if it is complete; False while it is still being written."""
        again = self.settings.service.after != "keep"
        if self.store.known_hash(seen.relative, seen.size, seen.mtime, again) is not None:
            return True
        if not settled(seen, self.settings.service.settle_seconds, now):
            return False
        limit = self.settings.service.max_file_mb
        if limit is not None and seen.size > limit * 1024 * 1024:
            reason = f"{seen.size / 1048576:.1f} MB, more than --max-file-mb {limit:g}: raise the limit to translate it"
            where = set_aside(self.folders, seen.relative, reason)
            self.log.event("failed", seen.relative, reason=reason, moved_to=str(where) if where else None)
            return True
        try:
            digest = file_sha256(seen.path)
        except OSError:
            return False  # moved or still locked: look again at the next scan
        others = self.store.add_source(seen.relative, digest, seen.size, seen.mtime)
        self.log.event("queued", seen.relative, job=digest[:12], same_pdf_as=others[0] if others else None)
        return True

    def _tell_once(self, path: Path, kind: str, reason: str) -> None:
        key = str(path)
        if key not in self._told:
            self._told.add(key)
            self.log.event(kind, _relative(path, self.folders.inbox), reason=reason)

    # -- running papers ----------------------------------------------------------
    def dispatch(self) -> None:
        """Start papers until ``papers`` are in flight, each within what is left of the day's budget."""
        if self.stopping.is_set() or self.fatal is not None:
            return
        with self._lock:
            free = self.settings.service.papers - len(self._running)
            busy = {ready.hash for ready, _ in self._running.values()}
        if free <= 0:
            return
        for ready in self.store.ready(busy)[:free]:
            left = self._day_left()
            if left is not None and left <= 0:
                self._wait_for_tomorrow()
                return
            self._start(ready, self._cost_cap(left))
            free -= 1

    def _wait_for_tomorrow(self) -> None:
        """The day's budget is spent (not only promised to papers in flight): the queued
        papers wait for 00:00 UTC, so a batch does not wait for them until then."""
        daily = self.settings.service.daily_cost or 0.0
        if self.store.spent_today() < daily:
            return  # papers in flight may end under their share: look again when they do
        when = next_day(self.store.now())
        for ready in self.store.ready(set()):
            if not ready.done:
                self.store.defer(ready.hash, "daily cost cap", when)
                self.log.event("requeued", ready.path, reason="daily cost cap", not_before=utc_stamp(when))

    def _day_left(self) -> float | None:
        """What is left of the day's budget after what was spent and what papers in flight
        may still spend (None: no daily cap)."""
        daily = self.settings.service.daily_cost
        if daily is None:
            return None
        spent = self.store.spent_today()
        with self._lock:
            left = daily - spent - sum(self._reserved.values())
        if spent < daily:
            self._capped_told = False
        elif not self._capped_told:
            self._capped_told = True
            self.log.event("waiting", reason=f"daily cost cap {daily:g} reached; papers wait for 00:00 UTC")
        return left

    def _cost_cap(self, day_left: float | None) -> float | None:
        """A new paper's cost cap: the paper cap (``--max-cost``), within what is left of
        the day's budget after what papers in flight may still spend. Without a paper cap
        a paper may use all that is left, so the next waits for it to end: set
        ``--max-cost`` to run papers side by side under a daily cap."""
        paper = self.settings.limits.max_cost
        if day_left is None:
            return paper
        return day_left if paper is None else min(paper, day_left)

    def _start(self, ready: Ready, cost_cap: float | None) -> None:
        thread = threading.Thread(
            target=self._work, args=(ready, cost_cap), name=f"paper-{ready.hash[:8]}", daemon=True
        )
        with self._lock:
            self._running[ready.path] = (ready, thread)
            if cost_cap is not None and self.settings.service.daily_cost is not None:
                self._reserved[ready.path] = cost_cap
        thread.start()

    def _work(self, ready: Ready, cost_cap: float | None) -> None:
        try:
            progress = self.progress_for(ready.path) if self.progress_for else None
            self.rows.append(self.paper.run(ready, cost_cap, progress))
        except FatalError as exc:
            self.fatal = exc
            self.log.event("stopping", ready.path, reason=str(exc))
            self.stop()
        except Exception as exc:  # a fault around the paper (moving files): keep the service alive
            self.log.event("error", ready.path, reason=f"{type(exc).__name__}: {exc}")
            self.store.retry(ready.hash, str(exc), self.clock() + self.settings.service.job_retry_seconds)
        finally:
            with self._lock:
                self._running.pop(ready.path, None)
                self._reserved.pop(ready.path, None)
            self.wake.set()

    def _retry_soon(self, wait: bool) -> bool:
        """A queued paper comes due within the hour (a batch waits for it); one that waits
        for tomorrow's budget under the daily cap is not waited for, even just before
        midnight (it stays queued, and the batch says so)."""
        due = self.store.next_due()
        if not wait or due is None:
            return False
        if self.settings.service.daily_cost and due >= next_day(self.store.now()):
            return False
        return due - self.clock() <= 3600


def _relative(path: Path, inbox: Path) -> str:
    try:
        return path.relative_to(inbox).as_posix()
    except ValueError:
        return str(path)
