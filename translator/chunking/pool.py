"""Requests cut from a pool of units at the moment a slot can take one.

A plan fixed before the first request cannot know how many slots the server really
has, which units must wait for the glossary's term calls, or how long each answer
will be. So each request is cut when it is about to go (guided scheduling): it takes a
share of the tokens still to send, ``left ÷ (TAIL_DIVISOR × slots)``, down to a floor
that keeps the fixed part of each prompt from dominating; the first requests are large,
the last small, so every slot ends at about the same time. Each request starts at the
largest unit left and takes its neighbours in reading order: the largest pieces of work
go first (longest-processing-time first), and no long paragraph is left for the end.

Simulated with a fixed number of slots (:func:`plan_batches`), the pool is also the plan
a dry run prices and the Batch API sends.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Sequence

from .chunker import Batch, Unit

# Chosen by simulating the corpus pairs on 8 and 16 slots (answers 1.5-2.2 × their
# source, 0.3 s + 50 tokens/s): enough large requests first, small ones at the end.
TAIL_DIVISOR = 1.0  # a request takes what is left ÷ (this × slots) ...
SMALLEST_SHARE = 16  # ... but at least the paper's tokens ÷ (this × slots) ...
# ... or min_tokens ÷ this, whichever is larger. At 6 (83 tokens by default) the last
# requests of a short paper took 3 s each while the other slots idled; at 12 the corpus
# pairs measured 0.831 → 0.840 of the ideal on 16 slots, with 4% more prompt tokens.
SMALLEST_FLOOR = 12
# At the end of a run, a unit larger than this many times the request size asked for is
# cut in two at a sentence end: the last paragraphs of a paper otherwise keep one slot busy
# for seconds while the others idle.
SPLIT_ABOVE = 1.5

_NONE = -1


class UnitPool:
    """Units still to send, in reading order; ``take`` cuts the next request.

    Thread-safe. ``expected`` counts the tokens of units that will join later
    (``arrive``), so the first requests are sized for the whole paper."""

    def __init__(
        self,
        units: Sequence[Unit],
        budget: int,
        min_tokens: int,
        total: int | None = None,
        expected: int = 0,
        halve: Callable[[Unit], Sequence[Unit]] | None = None,
    ) -> None:
        self.budget = budget
        self._halve = halve
        self.min_tokens = min_tokens
        self._units: list[Unit] = []
        self._prev: list[int] = []
        self._next: list[int] = []
        self._heap: list[tuple[int, int]] = []
        self._taken: list[bool] = []
        self._apart: list[bool] = []  # asked again: never joined to the paper's units
        self._left = 0
        self._expected = expected
        self._lock = threading.Lock()
        self._append(units)
        # The floor follows the whole paper, so a resumed run cuts requests as large as the first.
        self.total = total if total is not None else self._left + expected

    @property
    def drained(self) -> bool:
        """Nothing left to take and nothing expected."""
        with self._lock:
            return not self._left and not self._expected and not self._live()

    def arrive(self, units: Sequence[Unit], expected_tokens: int, order: Sequence[Unit] = ()) -> None:
        """Units that were expected join (``expected_tokens`` of the expected no longer are:
        some may have been found in the cache). With ``order`` (every unit in reading order),
        they take their places among the units still here, so a request's neighbours are
        the paper's: linked only among themselves, the late units (those holding a glossary
        term: mostly the long paragraphs) left the short ones to go early as their
        neighbours, and the run ended on single paragraphs of seconds each."""
        with self._lock:
            self._expected = max(0, self._expected - expected_tokens)
            self._append(units)
            if order:
                self._relink({unit.key: place for place, unit in enumerate(order)})

    def again(self, units: Sequence[Unit]) -> None:
        """Units whose answers are to be asked for again join, linked among themselves only:
        a request holds either them or the paper's units, never both (its prompt says why
        it is asked again). Taken largest first like the others; at the end of the run a
        large one is cut in halves that go to the idle slots side by side."""
        with self._lock:
            self._append(units, apart=True)

    def _relink(self, places: dict[str, int]) -> None:
        """Link the units still here in reading order (those asked again stay apart)."""
        live = sorted(
            (index for index, taken in enumerate(self._taken) if not taken and not self._apart[index]),
            key=lambda index: places.get(self._units[index].key, len(places)),
        )
        for before, index, after in zip([_NONE, *live[:-1]], live, [*live[1:], _NONE], strict=True):
            self._prev[index], self._next[index] = before, after

    def target(self, slots: int, free: int | None = None, least: float = 0.0, busy: float = 0.0) -> float:
        """How many source tokens the next request takes, on a server with ``slots`` places
        of which ``free`` are free now and the others ``busy`` with that much work still,
        and not fewer than ``least`` (what the server answers in a moment: a smaller
        request buys no earlier end)."""
        slots = max(1, slots)
        share = (self._left + self._expected + busy) / (TAIL_DIVISOR * slots)
        floor = max(self.min_tokens / SMALLEST_FLOOR, self.total / (SMALLEST_SHARE * slots), least, 1.0)
        if self._expected and free:
            # While units are still to come, what is here is spread over the free places
            # rather than left to one or two large requests while the others idle.
            share = min(share, self._left / free)
        return min(float(self.budget), max(floor, share))

    def take(
        self, slots: int, free: int | None = None, least: float = 0.0, busy: float = 0.0
    ) -> Batch | None:
        """The next request for a server with ``slots`` places (``free`` of them free now,
        the others ``busy`` with that many source tokens still) of at least ``least``
        tokens where the pool has them, or None if it is empty."""
        with self._lock:
            if not self._live():
                return None
            limit = self.target(slots, free, least, busy)
            first = last = self._top(limit)
            size = self._units[first].tokens
            while (after := self._next[last]) != _NONE and size + self._units[after].tokens <= limit:
                size += self._units[after].tokens
                last = after
            while (before := self._prev[first]) != _NONE and size + self._units[before].tokens <= limit:
                size += self._units[before].tokens
                first = before
            return Batch(self._unlink(first, last))

    def _top(self, limit: float) -> int:
        """The largest unit left, once every unit much larger than ``limit`` at the top has
        been cut in two, when no unit is still to come (the end of the run)."""
        while True:
            top = self._heap[0][1]
            unit = self._units[top]
            if self._halve is None or self._expected or unit.tokens <= SPLIT_ABOVE * limit:
                return top
            halves = self._halve(unit)
            if len(halves) < 2:
                return top
            self._replace(top, halves)

    def _replace(self, index: int, parts: Sequence[Unit]) -> None:
        """Put ``parts`` where the unit at ``index`` stands in reading order, instead of it."""
        before, after = self._prev[index], self._next[index]
        self._taken[index] = True
        self._left -= self._units[index].tokens
        start = len(self._units)
        self._append(parts, self._apart[index])
        last = len(self._units) - 1
        if before != _NONE:
            self._next[before], self._prev[start] = start, before
        if after != _NONE:
            self._prev[after], self._next[last] = last, after
        self._live()

    def _live(self) -> bool:
        """Drop taken units from the top of the heap; is there one left?"""
        while self._heap and self._taken[self._heap[0][1]]:
            heapq.heappop(self._heap)
        return bool(self._heap)

    def _append(self, units: Sequence[Unit], apart: bool = False) -> None:
        """Units in reading order, linked among themselves (not to those already here)."""
        start = len(self._units)
        for offset, unit in enumerate(units):
            index = start + offset
            self._units.append(unit)
            self._prev.append(index - 1 if offset else _NONE)
            self._next.append(index + 1 if offset < len(units) - 1 else _NONE)
            self._taken.append(False)
            self._apart.append(apart)
            heapq.heappush(self._heap, (-unit.tokens, index))
            self._left += unit.tokens

    def _unlink(self, first: int, last: int) -> list[Unit]:
        """Take the run of units from ``first`` to ``last`` out of the pool."""
        taken: list[Unit] = []
        index = first
        while True:
            self._taken[index] = True
            taken.append(self._units[index])
            self._left -= self._units[index].tokens
            if index == last:
                break
            index = self._next[index]
        before, after = self._prev[first], self._next[last]
        if before != _NONE:
            self._next[before] = after
        if after != _NONE:
            self._prev[after] = before
        return taken


def plan_batches(
    units: Sequence[Unit],
    budget: int,
    concurrency: int = 1,
    min_tokens: int = 500,
    total: int | None = None,
    halve: Callable[[Unit], Sequence[Unit]] | None = None,
) -> list[Batch]:
    """The requests the pool cuts for a server that keeps ``concurrency`` slots: the plan a
    dry run prices, the Batch API sends and the retry budget counts. ``total``: the
    tokens of the whole paper, when ``units`` are what the cache lacks of it; ``halve``:
    how the run's end cuts a paragraph in two, when the plan is to foresee it."""
    pool = UnitPool(units, budget, min_tokens, total, halve=halve)
    batches: list[Batch] = []
    while (batch := pool.take(concurrency)) is not None:
        batches.append(batch)
    return batches
