"""The process-wide scheduler: one set of worker threads, one rate limiter per
(endpoint, model), one stop flag — shared by every job in the process, so several
papers keep the API's slots full together and ``--rpm``/``--tpm`` hold per API
account, not per paper.

Workers are daemon threads: ``concurrent.futures.ThreadPoolExecutor`` joins its
threads at shutdown and at interpreter exit, so Ctrl-C waited for every request
in flight (up to the read timeout with a slow model). Here a stop drops the tasks
not yet started and abandons the requests in flight (an answer that still
arrives is cached, never waited for).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

from ..signals import stop_signals
from .congestion import InFlight, WindowFactory, local_window
from .ratelimit import Limiter, LimiterFactory, local_limiter

Task = Callable[[], None]


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
        self._runs: list[tuple[_RunState, deque[Task]]] = []
        self._turn = 0
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._limiters: dict[tuple[str, str], Limiter] = {}
        self._windows: dict[tuple[str, str], InFlight] = {}
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
                    lambda seconds: self._hold(endpoint, model, seconds),
                )  # fmt: skip
            return self._windows[key]

    def run(self, tasks: Iterable[Task]) -> None:
        """Run the tasks and wait for all of them (or the first error, or a stop)."""
        items = list(tasks)
        if not items:
            return
        state = _RunState(len(items))
        # While a job waits on the main thread, Ctrl-C and SIGTERM only set the stop flag,
        # so they land the same way whatever line that thread is on; a second one raises
        # KeyboardInterrupt at once. (A daemon waits on other threads and calls stop() itself.)
        entry = (state, deque(items))
        with stop_signals(lambda signum: self._stop.set(), self._stop.is_set):
            self._start_workers()
            with self._ready:
                self._runs.append(entry)
                self._ready.notify_all()
            try:
                while not state.finished.wait(self.poll_seconds) and not self._stop.is_set():
                    pass
            finally:
                with self._ready:
                    self._runs.remove(entry)
        if self._stop.is_set():
            # Also when every task has returned: a task that saw the stop returned
            # without doing its work.
            raise Stopped
        if state.error is not None:
            raise state.error

    def _start_workers(self) -> None:
        with self._lock:
            for index in range(len(self._threads), self.workers):
                thread = threading.Thread(target=self._work, name=f"request-{index}", daemon=True)
                thread.start()
                self._threads.append(thread)

    def _next(self) -> tuple[Task, _RunState]:
        """The next task, taking the waiting runs in turn."""
        with self._ready:
            while True:
                waiting = [(state, tasks) for state, tasks in self._runs if tasks]
                if waiting:
                    self._turn = (self._turn + 1) % len(waiting)
                    state, tasks = waiting[self._turn]
                    return tasks.popleft(), state
                self._ready.wait(1.0)

    def _work(self) -> None:
        while True:
            task, state = self._next()
            if self._stop.is_set() or state.error is not None:
                state.done_one()  # dropped: its job is stopped or has failed
                continue
            try:
                task()
            except BaseException as exc:  # handed to the waiting caller, never printed by the thread
                state.fail(exc)
            state.done_one()


class _RunState:
    """How many of one job's tasks are left, and its first error."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.error: BaseException | None = None
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = exc
        self.finished.set()

    def done_one(self) -> None:
        with self._lock:
            self.left -= 1
            if self.left == 0:
                self.finished.set()
