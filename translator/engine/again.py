"""Units asked for again, why, and the first answers kept should the second fail.

Answers asked for again go back to the run's pool of units instead of being sent at
once by the worker that received the first answer.

Sent at once, a paragraph whose answer came late (an answer that ignored the glossary,
checked at its end) was asked again alone while the other slots had nothing left to do:
a 270-token paragraph answering for 10 s after every other request had ended. In the
pool it is taken largest first like any unit, and at the end of the run it is cut in
halves (``chunking.pool``) that the idle slots answer side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..chunking.chunker import Batch, Unit
from .halves import Halves


@dataclass(frozen=True)
class Reask:
    """Why and how a unit is asked for again (``PLANNED``: it is not)."""

    reason: str | None = None
    attempt: int = 0
    glossary_retried: bool = False


PLANNED = Reask()  # a planned request: no reason, its first attempt


class Reasks:
    """The units of a run asked for again, and why; with the first answers of those whose
    answer ignored the glossary: paid for and valid, kept (the consistency check reports
    them) if the re-translation fails or is never sent. Thread-safe."""

    def __init__(self, halves: Halves) -> None:
        self._halves = halves
        self._why: dict[str, Reask] = {}
        self._first: dict[str, tuple[Unit, str]] = {}
        self._lock = threading.Lock()

    def add(self, units: Sequence[Unit], reask: Reask, first: Mapping[str, str] | None = None) -> None:
        """``units`` are asked again for ``reask``; ``first``: their first answers by unit key."""
        with self._lock:
            self._why.update((unit.key, reask) for unit in units)
            self._first.update((u.key, (u, first[u.key])) for u in units if first and u.key in first)

    def fallbacks(self, units: Iterable[Unit] | None = None) -> list[tuple[Unit, str]]:
        """The first answers kept for ``units`` (default: all still kept), no longer kept."""
        with self._lock:
            keys = [u.key for u in units] if units is not None else list(self._first)
            return [self._first.pop(key) for key in keys if key in self._first]

    def of(self, batch: Batch) -> Reask | None:
        """Why ``batch`` is asked again (its units, or the units they are halves of, were
        added together), or None for a planned request."""
        with self._lock:
            for key in self._halves.lineage(batch.units[0]):
                if key in self._why:
                    return self._why[key]
        return None
