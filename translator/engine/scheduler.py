"""The process-wide scheduler: one set of worker threads, one rate limiter per
(endpoint, model), one stop flag — shared by every job in the process, so several
papers keep the API's slots full together and ``--rpm``/``--tpm`` hold per API
account, not per paper.

Workers are daemon threads: ``concurrent.futures.ThreadPoolExecutor`` joins its
threads at shutdown and at interpreter exit, so Ctrl-C waited for every request
in flight (up to the read timeout with a slow model). Here a stop drops the tasks
not yet started and abandons the requests in flight (an answer that still
arrives is cached, never waited for). A worker with no run to serve for
``IDLE_SECONDS`` ends, and the next run starts workers again: a scheduler nobody
uses any more holds no threads (a process that made many, as a test session does,
had thousands, each waking every second).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol

from ..settings import EngineSettings, LimitSettings, in_flight_ceiling
from ..signals import stop_signals
from .congestion import InFlight, WindowFactory, local_window
from .pace import Pace
from .ratelimit import Limiter, LimiterFactory, local_limiter

Task = Callable[[], None]
IDLE_SECONDS = 5.0  # a worker with no run to serve this long ends


class Feed(Protocol):
    """Where a run's tasks come from: a fixed list, or requests cut as slots free up."""

    def next_task(self, running: int) -> Task | None:
        """A task to start now (``running`` of this run's tasks are in progress), or None
        for now. Called under the scheduler's lock: quick, never blocking."""

    def exhausted(self) -> bool:
        """No task will come any more."""


class TaskList:
    """A fixed list of tasks, in order."""

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.tasks = deque(tasks)

    def next_task(self, running: int) -> Task | None:
        return self.tasks.popleft() if self.tasks else None

    def exhausted(self) -> bool:
        return not self.tasks


class Stopped(Exception):
    """The run was stopped (Ctrl-C, SIGTERM, ``Scheduler.stop``) before every task finished."""


class Scheduler:
    """``run(tasks)`` runs one job's tasks on the shared workers and waits for them.

    The first exception a task raises stops that job's other tasks from starting
    and is re-raised to its caller (other jobs go on); Ctrl-C, SIGTERM or
    ``stop()`` makes every waiting ``run`` raise :class:`Stopped` at once.
    """

    def __init__(
        self,
        workers: int,
        poll_seconds: float = 0.1,
        limiters: LimiterFactory = local_limiter,
        windows: WindowFactory = local_window,
    ) -> None:
        self.workers = max(1, workers)
        self.make_limiter = limiters
        self.make_window = windows
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        # One queue per waiting run, served in turn: two papers at once both go on, each in
        # its own order (largest request first), rather than the second after the first.
        self._runs: list[_RunState] = []
        self._turn = 0
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._limiters: dict[tuple[str, str], Limiter] = {}
        self._windows: dict[tuple[str, str], InFlight] = {}
        self._paces: dict[tuple[str, str], Pace] = {}
        self._lock = threading.Lock()

    @property
    def stopping(self) -> bool:
        """True once stopped: tasks should start no new request."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop every job (a daemon's shutdown; Ctrl-C does it for the command line)."""
        self._stop.set()

    def limiter(
        self, endpoint: str, model: str, requests_per_minute: int | None, tokens_per_minute: int | None
    ) -> Limiter:
        """The one rate limiter of this (endpoint, model) in the process: the first job's limits hold."""
        with self._lock:
            key = (endpoint, model)
            if key not in self._limiters:
                self._limiters[key] = self.make_limiter(
                    endpoint, model, requests_per_minute, tokens_per_minute
                )
            return self._limiters[key]

    def pace(self, endpoint: str, model: str) -> Pace:
        """How fast this (endpoint, model) has answered in this process: a paper after the
        first (a batch, the watch daemon) cuts its first requests knowing it."""
        with self._lock:
            return self._paces.setdefault((endpoint, model), Pace())

    def _hold(self, endpoint: str, model: str, seconds: float) -> None:
        """A server's ``Retry-After``, told to the limiter of its (endpoint, model)."""
        with self._lock:
            limiter = self._limiters.get((endpoint, model))
        if limiter is not None:
            limiter.hold(seconds)

    def window(self, endpoint: str, model: str, size: int, ceiling: int | None = None) -> InFlight:
        """The one congestion window of this (endpoint, model) in the process: it starts
        at ``size`` requests in flight and may grow to ``ceiling``."""
        with self._lock:
            key = (endpoint, model)
            if key not in self._windows:
                self._windows[key] = self.make_window(
                    endpoint, model, size, max(size, ceiling or size),
                    lambda seconds: self._hold(endpoint, model, seconds), self._wake,
                )  # fmt: skip
            return self._windows[key]

    def _wake(self) -> None:
        """A window grew: ask the feeds for more now, not when the next task ends."""
        with self._ready:
            self._ready.notify_all()

    def window_of(self, engine: EngineSettings, limits: LimitSettings) -> InFlight:
        """The window of the run's endpoint and model: from ``--concurrency`` up to its ceiling."""
        return self.window(engine.endpoint, engine.model, limits.concurrency, in_flight_ceiling(limits))

    def run(self, tasks: Iterable[Task]) -> None:
        """Run the tasks and wait for all of them (or the first error, or a stop)."""
        self.run_feed(TaskList(tasks))

    def run_feed(self, feed: Feed) -> None:
        """Run what ``feed`` gives until it is exhausted and its tasks have returned (or
        the first error, or a stop)."""
        if self._stop.is_set():
            raise Stopped  # a feed whose run cannot start says it is exhausted: it was stopped
        if feed.exhausted():
            return
        state = _RunState(feed)
        # While a job waits on the main thread, Ctrl-C and SIGTERM only set the stop flag,
        # so they land the same way whatever line that thread is on; a second one raises
        # KeyboardInterrupt at once. (A daemon waits on other threads and calls stop() itself.)
        with stop_signals(lambda signum: self._stop.set(), self._stop.is_set):
            with self._ready:
                # Under the lock a worker ends under: none ends with this run waiting for it.
                self._start_workers()
                self._runs.append(state)
                self._ready.notify_all()
            try:
                while not state.finished.wait(self.poll_seconds) and not self._stop.is_set():
                    pass
            finally:
                with self._ready:
                    self._runs.remove(state)
        if self._stop.is_set():
            # Also when every task has returned: a task that saw the stop returned
            # without doing its work.
            raise Stopped
        if state.error is not None:
            raise state.error

    def _start_workers(self) -> None:
        """Called holding ``_ready``: the workers that ended idle are replaced."""
        for index in range(len(self._threads), self.workers):
            thread = threading.Thread(target=self._work, name=f"request-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _next(self) -> tuple[Task, _RunState] | None:
        """The next task, asking the waiting runs in turn; None when there has been no run
        to serve for ``IDLE_SECONDS`` (the worker then ends)."""
        with self._ready:
            idle_since = time.monotonic()
            while True:
                runs = [state for state in self._runs if state.error is None]
                for step in range(len(runs)):
                    state = runs[(self._turn + step) % len(runs)]
                    task = state.feed.next_task(state.running)
                    if task is not None:
                        self._turn = (self._turn + step + 1) % len(runs)
                        state.running += 1
                        return task, state
                if self._runs:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since >= IDLE_SECONDS:
                    self._threads.remove(threading.current_thread())
                    return None
                self._ready.wait(1.0)

    def _work(self) -> None:
        while (taken := self._next()) is not None:
            task, state = taken
            try:
                if not self._stop.is_set() and state.error is None:
                    task()  # else dropped: its job is stopped or has failed
            except BaseException as exc:  # handed to the waiting caller, never printed by the thread
                state.fail(exc)
            with self._ready:
                state.running -= 1
                if not state.running and state.feed.exhausted():
                    state.finished.set()
                self._ready.notify_all()  # the feed may have more now: an answer came, a task ended


class _RunState:
    """One waiting run: its feed, its tasks in progress, its first error."""

    def __init__(self, feed: Feed) -> None:
        self.feed = feed
        self.running = 0  # changed under the scheduler's lock
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        self.finished.set()
