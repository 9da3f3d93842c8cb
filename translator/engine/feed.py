"""What one translation gives the scheduler: the glossary's term calls first, then
requests cut from the pool of units as places in flight free up.

A request is cut when a worker is about to send it, for the window's size at that
moment: a server found to have fewer slots than ``--concurrency`` (429s) or more (the
window grows) gets requests sized for what it has. Units that contain a term still being
asked for join the pool when the term calls are in (their cache keys need the whole
glossary); meanwhile the others fill the slots.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..chunking.chunker import Unit
from ..chunking.pool import UnitPool
from .scheduler import Task
from .waiting import GlossaryWait

if TYPE_CHECKING:
    from .translator import Translator


class RequestFeed:
    """The ``Feed`` of one translation (see :class:`.scheduler.Feed`)."""

    def __init__(
        self,
        translator: Translator,
        pool: UnitPool,
        capacity: Callable[[], int],
        reach: Callable[[], int] | None = None,
        waiting: GlossaryWait | None = None,
        later: Sequence[Unit] = (),
        order: Sequence[Unit] = (),
    ) -> None:
        self.translator = translator
        self._order = order  # every unit, in reading order
        self.pool = pool
        self.capacity = capacity
        self.reach = reach or capacity
        self._waiting = waiting
        self._later = list(later)
        self._terms: deque[Task] = deque(waiting.calls.tasks() if waiting else ())
        self._merge_started = waiting is None
        self._merged = threading.Event()
        if waiting is None:
            self._merged.set()

    @classmethod
    def of(
        cls,
        translator: Translator,
        units: Sequence[Unit],
        todo: Sequence[Unit],
        later: Sequence[Unit],
        waiting: GlossaryWait | None,
    ) -> RequestFeed:
        """The feed of one run: ``todo`` to send now, ``later`` once the term calls are in,
        cut for the size of the endpoint's window (shared by every job of the process)."""
        s = translator.settings
        pool = UnitPool(
            todo, s.limits.max_request_tokens, s.limits.min_request_tokens,
            sum(u.tokens for u in units), sum(u.tokens for u in later), translator.halves.cut,
        )  # fmt: skip
        window = translator.scheduler.window_of(s.engine, s.limits)
        return cls(translator, pool, window.capacity, window.reach, waiting, later, units)

    def next_task(self, running: int) -> Task | None:
        if not self._merge_started and self._waiting is not None and self._waiting.calls.done.is_set():
            self._merge_started = True
            return self._merge
        slots = self.capacity()
        # A request waiting to be sent again (after a 429, say) holds no place: the places
        # it left go to new requests, and it queues for one when it wakes.
        running -= getattr(self.translator.client, "resting", 0)
        if running >= slots:
            return None
        if self._terms:
            # First, but within the window like any request: beyond it, the server's answer
            # is a 429 and the request waits out a back-off while a place stands free.
            return self._terms.popleft()
        if self.translator.aborted:
            return None
        # Sized for the places the window may soon have: cut for its start while it grows,
        # the first requests would keep the run waiting for them on the larger window. But
        # while units wait for the term calls, what is here is spread over the places free
        # now only: spread over those the slow start may add too, it went as small requests
        # that a server without them refused (429) and took later, while the paper's long
        # paragraphs waited (sz_paper24 at 8 slots: 35 requests, 6-8 refused; now 31, 1-2).
        reach = max(slots, self.reach())
        busy = self.translator.in_flight.left(self.translator.pace.tokens_per_second())
        batch = self.pool.take(reach, slots - running, self.translator.pace.least(), busy)
        return functools.partial(self.translator.send, batch) if batch is not None else None

    def exhausted(self) -> bool:
        if self._terms:
            return False
        return self.translator.aborted or (self._merged.is_set() and self.pool.drained)

    def _merge(self) -> None:
        """The term calls are in: the units that waited for them join the pool (those the
        cache, keyed with the whole glossary, has are results already)."""
        try:
            assert self._waiting is not None  # a merge is made only for term calls
            todo = self.translator.terms_answered(self._later, self._waiting.final)
            self.pool.arrive(todo, sum(u.tokens for u in self._later), self._order)
        finally:
            self._merged.set()
