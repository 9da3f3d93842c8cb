"""How many requests may be in flight at an endpoint, found as TCP finds it.

- **Slow start**: from ``--concurrency``, one more place per request the server begins
  to answer (its first token), up to the ceiling (``--max-concurrency``, default twice
  ``--concurrency``), until the server shows its limit: a 429, or answers that come
  slower than the best seen (a server that queues what it cannot serve answers every
  request slower instead of refusing it). Meanwhile requests are cut for the ceiling
  (``reach``), so the first ones are not sized for a window about to double.
- **Additive increase**: afterwards, one more place per window's worth of answers, and
  ``PROBE_SLOWDOWN`` times slower near the size that last met a 429.
- **Multiplicative decrease**: a 429 halves the window (at most once per second, as one
  burst of 429s is one signal), but never below the requests the server is serving (begun
  to answer, or sent before the refused one and not refused too): with 17 in flight on
  a server with 16 slots, the window becomes 16, not 8; growth then slows near 17.

One window per (endpoint, model) in a process, shared by every paper, so a busy server
is asked less by all of them, and asked as much as it answers once it answers again."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

BACKOFF_GAP = 1.0  # seconds: 429s closer together than this are one signal
# Near the level that last overflowed, grow this many times slower: a server with fixed
# slots is then probed now and then instead of overrun every few seconds (the sawtooth
# of plain AIMD kept 16 requests against 8 slots at 0.83 of the ideal).
PROBE_SLOWDOWN = 8
SLOWER = 0.8  # answers below this share of the best speed seen: the server is full
SPEED_SAMPLE = 64  # completion tokens an answer needs for its speed to count
SPEED_WEIGHT = 0.3  # of the newest answer in the moving average of speeds


class InFlight(Protocol):
    """How many requests an endpoint gets at once: this process's ``Window``, or one
    shared by workers on many machines (``translator.workers.window``)."""

    def slot(self) -> AbstractContextManager[None]:
        """Hold one place for one request."""

    def busy(self, retry_after: float | None = None) -> None:
        """The server said 429."""

    def begun(self) -> None:
        """The server began to answer the request of this thread's place."""

    def answered(self, tokens: int = 0, seconds: float = 0.0) -> None:
        """An answer came: ``tokens`` generated in ``seconds`` after its first one."""

    def capacity(self) -> int:
        """How many requests may be in flight now (the window's size)."""

    def reach(self) -> int:
        """How many requests the window may soon hold: what requests are sized for, so
        that the first ones are not cut for a window about to grow."""


class WindowFactory(Protocol):
    """Makes the window of one (endpoint, model): ``on_busy`` hears a server's Retry-After,
    ``on_grow`` that more requests may go (the scheduler then asks its feeds at once)."""

    def __call__(
        self,
        endpoint: str,
        model: str,
        size: int,
        ceiling: int,
        on_busy: Callable[[float], None] | None,
        on_grow: Callable[[], None] | None = None,
    ) -> InFlight: ...


def local_window(
    endpoint: str,
    model: str,
    size: int,
    ceiling: int,
    on_busy: Callable[[float], None] | None,
    on_grow: Callable[[], None] | None = None,
) -> InFlight:
    """The default factory: a window in this process."""
    return Window(size, on_busy=on_busy, ceiling=ceiling, on_grow=on_grow)


class Window:
    """Requests allowed in flight: starts at ``size`` (``--concurrency``), never below 1,
    never above ``ceiling``."""

    def __init__(
        self,
        size: int,
        clock: Callable[[], float] = time.monotonic,
        on_busy: Callable[[float], None] | None = None,
        ceiling: int | None = None,
        on_grow: Callable[[], None] | None = None,
    ) -> None:
        self.ceiling = float(max(size, ceiling or size))
        self.limit = float(size)
        self.in_flight = 0
        self.clock = clock
        self.last_backoff = float("-inf")
        self.overflowed_at = float("inf")  # the window's size when the server last said 429
        self.starting = True  # slow start, until the server shows its limit
        self.best_speed = 0.0
        self.speed = 0.0  # moving average of tokens per second, after the first token
        self.on_busy = on_busy  # told the server's Retry-After (workers share it through Redis)
        self.on_grow = on_grow  # told when the slow start adds a place
        self._begun: set[int] = set()  # threads whose request the server has begun to answer
        self._refused: set[int] = set()  # threads whose request the server refused (429)
        self._since: dict[int, float] = {}  # when each thread's request took its place
        self._ended: deque[float] = deque()  # when requests the server had begun to answer ended
        self._waiting: deque[int] = deque()  # tickets of the requests waiting for a place
        self._tickets = itertools.count()
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the window's places for one request; places go first come, first
        served, so requests sent largest first also start largest first."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            while self._waiting[0] != ticket or self.in_flight >= max(1, int(self.limit)):
                self._cond.wait(0.5)
            self._waiting.popleft()
            self.in_flight += 1
            self._since[threading.get_ident()] = self.clock()
            self._cond.notify_all()  # the next ticket may go too
        try:
            yield
        finally:
            with self._cond:
                self.in_flight -= 1
                if threading.get_ident() in self._begun:
                    self._ended.append(self.clock())
                self._begun.discard(threading.get_ident())
                self._refused.discard(threading.get_ident())
                self._since.pop(threading.get_ident(), None)
                self._cond.notify_all()

    def begun(self) -> None:
        """The server took this thread's request: during the slow start, one more place
        (an answer takes seconds, a first token a fraction of one: growing on answers, a
        window started at 8 reached a server's 16 slots only when half the paper was sent)."""
        with self._cond:
            self._begun.add(threading.get_ident())
            grown = self.starting and self.limit < self.ceiling
            if grown:
                self.limit = min(self.ceiling, self.limit + 1.0)
                self._cond.notify_all()
            elif (served := self._served()) > self.limit:
                # The server answers more than the window holds (its first token came after
                # the 429 that shrank the window): it serves them, and overflowed above.
                self.limit = float(served)
                self.overflowed_at = max(self.overflowed_at, self.limit + 1.0)
        if grown and self.on_grow is not None:  # outside the lock: the listener takes its own
            self.on_grow()

    def _served(self) -> int:
        """How many requests the server was answering beside this thread's: those it has
        begun to answer, and those it answered to the end since this one was sent (a short
        answer that ended before this first token still took a slot beside it: counted
        out, the window stayed a place below a server's slots for a whole paper)."""
        oldest = min(self._since.values(), default=self.clock())
        while self._ended and self._ended[0] < oldest:
            self._ended.popleft()
        mine = self._since.get(threading.get_ident(), oldest)
        return len(self._begun) + sum(1 for ended in self._ended if ended >= mine)

    def capacity(self) -> int:
        return max(1, int(self.limit))

    def reach(self) -> int:
        """Its ceiling during the slow start (it grows a place per first token until the
        server shows its limit), else its size."""
        return max(1, int(self.ceiling if self.starting else self.limit))

    def busy(self, retry_after: float | None = None) -> None:
        """The server said 429: halve the window (once per burst), keeping the places of
        the requests it is answering."""
        if retry_after is not None and self.on_busy is not None:
            self.on_busy(retry_after)
        with self._cond:
            self._refused.add(threading.get_ident())
            now = self.clock()
            if now - self.last_backoff >= BACKOFF_GAP:
                # In the slow start's bursts, requests reach the server in another order than
                # they took their places: only a first token shows that the server took one
                # (those that come later widen the window again, see ``begun``).
                kept = len(self._begun) if self.starting else self._admitted()
                size = max(1.0, self.limit / 2, float(kept))
                # The server overflowed at one more than it serves (the slow start may have
                # sent many more at once): growth slows near there.
                self.overflowed_at = min(self.limit, size + 1.0) if kept or self.starting else self.limit
                self.limit = size
                self.last_backoff = now
            self.starting = False

    def _admitted(self) -> int:
        """The requests the server is serving, as a 429 to this thread's shows: those it
        has begun to answer, and those sent before this one (a server with fixed slots
        took them; the time to their first token must not count them out), but for those
        refused too (the slow start sends several at once)."""
        mine = self._since.get(threading.get_ident(), float("inf"))
        before = {ident for ident, since in self._since.items() if since < mine}
        return len((before | self._begun) - self._refused)

    def answered(self, tokens: int = 0, seconds: float = 0.0) -> None:
        """An answer came: grow, unless answers come slower than they did."""
        with self._cond:
            if self._slowed(tokens, seconds):
                self.starting = False
                return
            if self.starting:
                return  # the slow start grows as requests begin
            step = 1.0 / max(1.0, self.limit)
            if self.limit >= self.overflowed_at - 1:
                step /= PROBE_SLOWDOWN
            self.limit = min(self.ceiling, self.limit + step)
            self._cond.notify_all()

    def _slowed(self, tokens: int, seconds: float) -> bool:
        """Are answers (on average, the short ones aside) slower than the best seen?"""
        if tokens >= SPEED_SAMPLE and seconds > 0:
            speed = tokens / seconds
            self.speed = speed if not self.speed else (1 - SPEED_WEIGHT) * self.speed + SPEED_WEIGHT * speed
            self.best_speed = max(self.best_speed, self.speed)
        return self.speed < SLOWER * self.best_speed
