"""A whole-answer deadline, not only a per-read one: a server that trickles a byte every
few seconds never trips a read timeout, so a watchdog closes the answer at the deadline.
Shared by the chat engine and the GROBID client.

One watchdog thread serves every deadline of the process: a timer thread per request
cost about 0.17 ms of CPU each (started, then cancelled), against 2-3 ms for the whole
request on a local server.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator


class Deadline:
    """One running deadline: ``is_set()`` says whether it expired (the answer was closed)."""

    def __init__(self, close: Callable[[], object], when: float) -> None:
        self.close = close
        self.when = when
        self.done = False  # the block ended: nothing to close
        self._expired = threading.Event()

    def is_set(self) -> bool:
        return self._expired.is_set()

    def shorten(self, seconds: float) -> None:
        """Expire within ``seconds`` from now, if that is sooner."""
        _WATCHDOG.watch(self, min(self.when, time.monotonic() + max(0.0, seconds)))

    def expire(self) -> None:
        self._expired.set()
        self.close()


class _Watchdog:
    """A heap of deadlines and the one thread that waits for the nearest."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, entry: Deadline, when: float) -> None:
        with self._changed:
            entry.when = when
            heapq.heappush(self._heap, (when, next(self._order), entry))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="deadlines", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                due = self._next_due()
            if due is not None and not due.done:
                due.expire()

    def _next_due(self) -> Deadline | None:
        """Wait for the nearest deadline (dropping ended ones and stale times); the one due."""
        while True:
            while self._heap and (self._heap[0][2].done or self._heap[0][0] != self._heap[0][2].when):
                heapq.heappop(self._heap)
            if not self._heap:
                self._changed.wait()
                continue
            left = self._heap[0][0] - time.monotonic()
            if left <= 0:
                return heapq.heappop(self._heap)[2]
            self._changed.wait(left)


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def deadline(close: Callable[[], object], seconds: float) -> Iterator[Deadline]:
    """Call ``close`` (which makes the reader fail) if the block is still running after
    ``seconds``; the object yielded says whether it was, and can shorten the deadline."""
    entry = Deadline(close, 0.0)
    _WATCHDOG.watch(entry, time.monotonic() + max(0.0, seconds))
    try:
        yield entry
    finally:
        entry.done = True
