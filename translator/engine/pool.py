"""Run request tasks on worker threads that a stop never has to wait for.

``concurrent.futures.ThreadPoolExecutor`` joins its threads on shutdown and at
interpreter exit, so Ctrl-C waited for every request in flight (up to the read
timeout with a slow model). These workers are daemon threads: when a run is
stopped, the tasks not yet started are dropped, the requests in flight are
abandoned (an answer that still arrives is cached, never waited for) and the
caller goes on at once.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator

Task = Callable[[], None]


class Stopped(Exception):
    """The run was stopped (Ctrl-C, SIGTERM) before every task finished."""


class WorkerPool:
    """``run(tasks)`` runs the tasks on ``workers`` daemon threads and waits for all of them.

    The first exception a task raises stops the others from starting and is
    re-raised to the caller; Ctrl-C, SIGTERM or ``stop()`` while waiting raises
    :class:`Stopped` without waiting for the tasks in flight.
    """

    def __init__(self, workers: int, name: str = "worker", poll_seconds: float = 0.1) -> None:
        self.workers = max(1, workers)
        self.name = name
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()

    @property
    def stopping(self) -> bool:
        """True once the run is stopped or a task has failed: tasks should not start new requests."""
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop from another thread (a daemon's shutdown): the waiting ``run`` raises :class:`Stopped`."""
        self._stop.set()

    def run(self, tasks: Iterable[Task]) -> None:
        pending: queue.SimpleQueue[Task] = queue.SimpleQueue()
        count = 0
        for task in tasks:
            pending.put(task)
            count += 1
        if not count:
            return
        state = _RunState(count)
        with self._signals_stop():
            for index in range(min(self.workers, count)):
                thread = threading.Thread(
                    target=self._work, args=(pending, state), name=f"{self.name}-{index}", daemon=True
                )
                thread.start()
            while not state.finished.wait(self.poll_seconds):
                if self._stop.is_set() and state.error is None:
                    raise Stopped
        if state.error is not None:
            raise state.error

    @contextlib.contextmanager
    def _signals_stop(self) -> Iterator[None]:
        """While the tasks run, Ctrl-C and SIGTERM only set the stop flag, so they
        land the same way whatever line the main thread is on; a second one raises
        ``KeyboardInterrupt`` at once. Other threads (a daemon's) call ``stop()``."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop_on_signal(signum: int, frame: object) -> None:
            if self._stop.is_set():
                raise KeyboardInterrupt
            self._stop.set()

        previous = {sig: signal.signal(sig, stop_on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _work(self, pending: queue.SimpleQueue[Task], state: _RunState) -> None:
        while not self._stop.is_set():
            try:
                task = pending.get_nowait()
            except queue.Empty:
                return
            try:
                task()
            except BaseException as exc:  # handed to the waiting caller, never printed by the thread
                state.fail(exc)
                self._stop.set()
            state.done_one()


class _RunState:
    """How many tasks are left and the first error, shared by the workers of one ``run``."""

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
