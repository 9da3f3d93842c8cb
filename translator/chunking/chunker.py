"""Segments → translation units → requests (batches) within a token budget.

A *unit* is what the model translates as one JSON value: a whole segment, or a
piece of one cut at sentence ends when the segment alone exceeds the budget.
A *batch* is one request: consecutive units whose source tokens fit the budget.
Requests are cut from the units as slots free up (``pool.UnitPool``), so that every
slot finishes at about the same time (see ``benchmarks/``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Segment
from .protect import found_placeholders, protect
from .sentences import pack, split_sentences, split_words
from .tokens import TokenCounter


@dataclass(frozen=True)
class Unit:
    """One JSON value sent for translation."""

    key: str
    segment_id: str
    piece: int
    pieces: int
    text: str
    placeholders: tuple[int, ...]
    tokens: int
    section: str
    half_of: str = ""  # the key of the unit this is half of, cut at the end of a run


def halves(unit: Unit, counter: TokenCounter) -> list[Unit]:
    """``unit`` cut in two at the sentence end nearest its middle; ``[unit]`` when it is
    one sentence. The same text is always cut the same way, so a rerun finds the halves'
    answers in the cache."""
    sentences = split_sentences(unit.text)
    if len(sentences) < 2:
        return [unit]
    sizes = [counter.count(s) for s in sentences]
    total = sum(sizes)
    best, running, cut = total, 0, 1
    for index, size in enumerate(sizes[:-1], start=1):
        running += size
        if abs(total - 2 * running) < best:
            best, cut = abs(total - 2 * running), index
    texts = ["".join(sentences[:cut]).strip(), "".join(sentences[cut:]).strip()]
    return [
        dataclasses.replace(
            unit,
            key=f"{unit.key}/{i}",
            text=t,
            placeholders=tuple(found_placeholders(t)),
            tokens=counter.count(t),
            half_of=unit.key,
        )
        for i, t in enumerate(texts)
    ]


@dataclass
class Batch:
    """One request."""

    units: list[Unit] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(u.tokens for u in self.units)

    @property
    def sections(self) -> list[str]:
        seen: list[str] = []
        for unit in self.units:
            if unit.section and unit.section not in seen:
                seen.append(unit.section)
        return seen


def segment_units(segment: Segment, budget: int, counter: TokenCounter) -> list[Unit]:
    """Protect a segment and cut it into units of at most ``budget`` tokens.

    Cuts fall at sentence ends; a single sentence longer than the budget is cut
    at white space, never inside a placeholder.
    """
    text = protect(segment).text
    tokens = counter.count(text)
    if tokens <= budget:
        texts = [text]
    else:
        pieces: list[str] = []
        for sentence in split_sentences(text):
            if counter.count(sentence) > budget:
                pieces.extend(split_words(sentence, budget, counter))
            else:
                pieces.append(sentence)
        texts = [t.strip() for t in pack(pieces, budget, counter) if t.strip()]
    return [
        Unit(
            key=f"{segment.id}#{i}",
            segment_id=segment.id,
            piece=i,
            pieces=len(texts),
            text=t,
            placeholders=tuple(found_placeholders(t)),
            tokens=tokens if len(texts) == 1 else counter.count(t),
            section=segment.section,
        )
        for i, t in enumerate(texts)
    ]


def plan_units(segments: Iterable[Segment], limit: int, counter: TokenCounter) -> list[Unit]:
    units: list[Unit] = []
    for segment in segments:
        units.extend(segment_units(segment, limit, counter))
    return units


def request_count(total: int, budget: int, concurrency: int, min_tokens: int) -> int:
    """How many requests to spread ``total`` source tokens over.

    Enough to respect the budget; a multiple of ``concurrency`` so that every
    worker is busy, unless that would make requests smaller than ``min_tokens``
    (the fixed system prompt would then dominate what we pay for).
    """
    count = max(1, math.ceil(total / (budget * 0.9)))
    if concurrency > 1:
        wanted = math.ceil(max(count, concurrency) / concurrency) * concurrency
        affordable = max(1, round(total / max(1, min_tokens)))
        count = max(count, min(wanted, affordable))
    return count


def unit_limit(total: int, budget: int, concurrency: int, min_tokens: int) -> int:
    """The largest unit: a paragraph much larger than one request's share is cut
    at sentence ends so that requests can be balanced."""
    share = math.ceil(total / request_count(total, budget, concurrency, min_tokens))
    # Half a share: fine enough grain to balance requests, coarse enough to keep
    # most paragraphs whole.
    return min(budget, max(share // 2, min_tokens // 2))


def plan(
    segments: list[Segment],
    budget: int,
    concurrency: int,
    counter: TokenCounter,
    min_tokens: int = 500,
) -> list[Unit]:
    """Cut every segment of a document into units.

    The cut depends only on the whole document (never on what is cached), so a
    rerun finds the same units, and their cached answers, again.
    """
    total = sum(counter.count(protect(s).text) for s in segments)
    limit = unit_limit(total, budget, concurrency, min_tokens)
    return plan_units(segments, limit, counter)
