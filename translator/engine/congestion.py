"""How many requests may be in flight at an endpoint, found as TCP finds it: one more
after a window's worth of answers (additive increase), half as many after a 429
(multiplicative decrease, at most once per second, as one burst of 429s is one signal).
One window per (endpoint, model) in a process, shared by every paper, so a busy server
is asked less by all of them, and asked as much as it answers once it answers again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

BACKOFF_GAP = 1.0  # seconds: 429s closer together than this are one signal
# Near the level that last overflowed, grow this many times slower: a server with fixed
# slots is then probed now and then instead of overrun every few seconds (the sawtooth
# of plain AIMD kept 16 requests against 8 slots at 0.83 of the ideal).
PROBE_SLOWDOWN = 8


class InFlight(Protocol):
    """How many requests an endpoint gets at once: this process's ``Window``, or one
    shared by workers on many machines (``translator.workers.window``)."""

    def slot(self) -> AbstractContextManager[None]:
        """Hold one place for one request."""

    def busy(self, retry_after: float | None = None) -> None:
        """The server said 429."""

    def answered(self) -> None:
        """An answer came."""


WindowFactory = Callable[[str, str, int, "Callable[[float], None] | None"], InFlight]


def local_window(endpoint: str, model: str, size: int, on_busy: Callable[[float], None] | None) -> InFlight:
    """The default factory: a window in this process."""
    return Window(size, on_busy=on_busy)


class Window:
    """Requests allowed in flight: starts at ``size`` (``--concurrency``), never below 1."""

    def __init__(
        self,
        size: int,
        clock: Callable[[], float] = time.monotonic,
        on_busy: Callable[[float], None] | None = None,
    ) -> None:
        self.ceiling = float(size)
        self.limit = float(size)
        self.in_flight = 0
        self.clock = clock
        self.last_backoff = float("-inf")
        self.overflowed_at = float("inf")  # the window's size when the server last said 429
        self.on_busy = on_busy  # told the server's Retry-After (workers share it through Redis)
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the window's places for one request."""
        with self._cond:
            while self.in_flight >= max(1, int(self.limit)):
                self._cond.wait(0.5)
            self.in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                self._cond.notify_all()

    def busy(self, retry_after: float | None = None) -> None:
        """The server said 429: halve the window (once per burst)."""
        if retry_after is not None and self.on_busy is not None:
            self.on_busy(retry_after)
        with self._cond:
            now = self.clock()
            if now - self.last_backoff >= BACKOFF_GAP:
                self.overflowed_at = self.limit
                self.limit = max(1.0, self.limit / 2)
                self.last_backoff = now

    def answered(self) -> None:
        """An answer came: grow by one place per window's worth of answers (per
        ``PROBE_SLOWDOWN`` windows within one place of where the server last overflowed)."""
        with self._cond:
            step = 1.0 / max(1.0, self.limit)
            if self.limit >= self.overflowed_at - 1:
                step /= PROBE_SLOWDOWN
            self.limit = min(self.ceiling, self.limit + step)
            self._cond.notify_all()
