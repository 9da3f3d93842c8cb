"""Units cut in two at the end of a run, and their answers joined again.

At the end of a run the pool (``chunking.pool``) cuts a paragraph much larger than the
request it wants in two at a sentence end, so the last slots to finish are not kept
seconds behind the others by one paragraph. The halves go as units of their own; once
both are answered the unit's answer is theirs joined, stored whole in the cache, so a
rerun finds it at once. A run stopped between the two keeps the half it has: a rerun
that finds that half sends only the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping

from ..chunking.chunker import Unit, halves
from ..chunking.tokens import TokenCounter
from .stats import UnitResult

Lookup = Callable[[list[Unit]], Mapping[str, str]]  # units → cached answers by unit key


class Halves:
    """Which units were cut in two, and how their answers join. Thread-safe."""

    def __init__(self, counter: TokenCounter, glue: str) -> None:
        self._counter = counter
        self._glue = glue
        self._parts: dict[str, tuple[Unit, list[Unit]]] = {}  # unit key → (unit, its halves)
        self._lock = threading.Lock()

    def cut(self, unit: Unit) -> list[Unit]:
        """``unit`` in two halves at a sentence end (``[unit]`` when it is one sentence)."""
        parts = halves(unit, self._counter)
        if len(parts) == 2:
            with self._lock:
                self._parts[unit.key] = (unit, parts)
        return parts

    def planned_key(self, unit: Unit) -> str:
        """The key of the unit as planned, of which ``unit`` may be a half (of a half…)."""
        return self.lineage(unit)[-1]

    def lineage(self, unit: Unit) -> list[str]:
        """The keys of ``unit`` and of each unit it is a half of, nearest first."""
        keys = [unit.key]
        with self._lock:
            while unit.half_of and unit.half_of in self._parts:
                unit = self._parts[unit.half_of][0]
                keys.append(unit.key)
        return keys

    def joined(self, results: dict[str, UnitResult], answered: Iterable[Unit]) -> list[Unit]:
        """The units whose last half is among ``answered``, their results set in ``results``
        (the halves' answers joined, or a half's failure); a half of a half completes its
        half first. The caller holds the lock over ``results``."""
        whole: list[Unit] = []
        todo = [unit.half_of for unit in answered if unit.half_of]
        while todo:
            key = todo.pop()
            with self._lock:
                unit, parts = self._parts.get(key, (None, []))
            got = [results.get(part.key) for part in parts]
            if unit is None or key in results or any(r is None for r in got):
                continue
            results[key] = self._join([r for r in got if r is not None])
            whole.append(unit)
            if unit.half_of:
                todo.append(unit.half_of)
        return whole

    def _join(self, got: list[UnitResult]) -> UnitResult:
        failed = next((r for r in got if r.text is None), None)
        if failed is not None:
            return UnitResult(error=failed.error or "not translated")
        return UnitResult(text=self._glue.join(r.text or "" for r in got), cached=all(r.cached for r in got))

    def resume(self, missing: list[Unit], lookup: Lookup, results: dict[str, UnitResult]) -> list[Unit]:
        """Of units the cache lacks whole, what is still to send: the unit, or the half the
        cache lacks of it (a run stopped between its halves); the halves it has are set in
        ``results``, and units whose halves it has both are joined there."""
        cut = {unit.key: self.cut(unit) for unit in missing}
        found = lookup([part for parts in cut.values() if len(parts) == 2 for part in parts])
        send: list[Unit] = []
        for unit in missing:
            parts = cut[unit.key]
            have = [part for part in parts if part.key in found]
            if len(parts) < 2 or not have:
                send.append(unit)
                continue
            for part in have:
                results[part.key] = UnitResult(text=found[part.key], cached=True)
            send.extend(part for part in parts if part.key not in found)
            self.joined(results, have)
        return send
