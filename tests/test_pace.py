"""A server that answers in a moment gets fewer, larger requests: the pool does not cut
a request smaller than what the server clears in ``QUICK_ANSWER`` seconds."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from translator.cache import TranslationCache
from translator.chunking.chunker import Unit
from translator.chunking.pool import UnitPool, plan_batches
from translator.chunking.protect import found_placeholders
from translator.chunking.tokens import default_counter
from translator.engine import pace
from translator.engine.pace import FADE, IN_FLIGHT_SHARE, QUICK_ANSWER, Pace, WorkInFlight
from translator.engine.scheduler import Scheduler
from translator.engine.translator import Translator
from translator.settings import load_settings

from .fake_engine import FakeEngine
from .servers.fake_llm import pseudo_translate

COUNTER = default_counter()


def _units(count: int) -> list[Unit]:
    units = []
    for p in range(count):
        text = f"Paragraph {p} reports what the second experiment measured on the held-out set."
        units.append(
            Unit(f"s{p}#0", f"s{p}", 0, 1, text, tuple(found_placeholders(text)), COUNTER.count(text), "body")
        )
    return units


def test_the_pace_is_source_tokens_per_second_of_the_answers() -> None:
    clock = Pace()
    assert clock.least() == 0.0  # nothing answered yet: no floor
    clock.answered(100, 1.0)
    clock.answered(300, 1.0)
    clock.answered(50, 0.0)  # no time measured: not counted
    assert clock.least(1.0) == pytest.approx((FADE * 100 + 300) / (FADE + 1))  # ~200 a second
    assert clock.least() == pytest.approx(clock.least(1.0) * QUICK_ANSWER)
    for _ in range(100):  # the server slows down: the pace follows within a few dozen answers
        clock.answered(10, 1.0)
    assert clock.least(1.0) < 11


def test_the_pool_cuts_no_request_below_the_least_it_is_given() -> None:
    units = _units(40)
    paper = sum(u.tokens for u in units)
    cut = UnitPool(units, 1500, 60)
    small = [cut.take(8, 8) for _ in range(12)]
    assert max(b.tokens for b in small if b is not None) < paper / 4  # left ÷ slots: small requests

    pool = UnitPool(units, 1500, 60)
    least = paper / 3
    taken = []
    while (batch := pool.take(8, 8, least)) is not None:
        taken.append(batch)
    assert sorted(u.key for b in taken for u in b.units) == sorted(u.key for u in units)
    assert all(b.tokens >= least - max(u.tokens for u in units) for b in taken[:-1])
    assert len(taken) <= 4


class _Slow(FakeEngine):
    """Every answer takes 0.3 s, however short."""

    def complete(self, messages, max_tokens, on_tokens=None):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return super().complete(messages, max_tokens, on_tokens)


def _run(
    tmp_path: Path, engine: FakeEngine, units: list[Unit], scheduler: Scheduler | None = None
) -> dict[str, str | None]:
    settings = load_settings(
        {"base_url": "http://unused", "max_request_tokens": 1500, "min_request_tokens": 60}
    )
    cache = TranslationCache(tmp_path)
    translator = Translator(settings, engine, cache, "title", "v1", scheduler=scheduler)  # type: ignore[arg-type]
    return {key: result.text for key, result in translator.run(units).items()}


def test_a_server_that_answers_at_once_gets_fewer_larger_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same paper, the same answers: cut as for a slow server (the pace unknown) it
    takes many small requests; once answers are seen to come at once, a few large ones."""
    units = _units(60)
    quick = FakeEngine()
    quick_results = _run(tmp_path / "quick", quick, units)

    monkeypatch.setattr(pace.Pace, "least", lambda self, seconds=QUICK_ANSWER: 0.0)
    unknown = FakeEngine()
    unknown_results = _run(tmp_path / "unknown", unknown, units)

    assert quick_results == unknown_results
    assert all(quick_results[u.key] == pseudo_translate(u.text) for u in units)
    assert unknown.calls >= 2 * quick.calls, (unknown.calls, quick.calls)
    sent = [len(json.loads(request[-1]["content"])) for request in quick.requests]
    assert sum(sent) == len(units)  # every paragraph asked once


def test_a_slow_server_is_still_cut_fine_to_the_end(tmp_path: Path) -> None:
    """Answers of 0.3 s for a handful of source tokens: the least worth cutting stays below
    the pool's own floor, and the last requests are as small as without a pace."""
    units = _units(24)
    slow = _Slow()
    results = _run(tmp_path, slow, units)
    assert all(results[u.key] == pseudo_translate(u.text) for u in units)
    sizes = [len(json.loads(request[-1]["content"])) for request in slow.requests]
    assert sizes[-1] == 1 and len(sizes) >= 12


def test_a_second_paper_to_the_same_server_is_cut_knowing_its_pace(tmp_path: Path) -> None:
    """In one process (a batch, the watch daemon) the pace of an endpoint is shared: the
    second paper's first requests are already large, where a paper alone starts small."""
    first, second = _units(60), [replace(u, text=u.text.replace("second", "third")) for u in _units(60)]
    scheduler = Scheduler(8)
    _run(tmp_path / "first", FakeEngine(), first, scheduler)
    after = FakeEngine()
    results = _run(tmp_path / "second", after, second, scheduler)
    alone = FakeEngine()
    assert _run(tmp_path / "alone", alone, second) == results
    assert after.calls < alone.calls, (after.calls, alone.calls)


def test_the_estimate_plans_for_the_window_ceiling_as_the_run_cuts(tmp_path: Path) -> None:
    """The run cuts requests for the window's ceiling (twice --concurrency) until the
    server shows fewer places; the dry run and the retry budget count that plan, and the
    Batch API (every request at once) keeps --concurrency's fewer requests."""
    units = _units(80)
    settings = load_settings({"base_url": "http://unused", "concurrency": 4, "min_request_tokens": 60})
    translator = Translator(settings, FakeEngine(), TranslationCache(tmp_path), "t", "v1")  # type: ignore[arg-type]
    total = sum(u.tokens for u in units)
    planned = translator.plan(units, units)
    assert len(planned) == len(plan_batches(units, 1500, 8, 60, total))
    assert (
        len(planned)
        > len(translator.plan(units, units, all_at_once=True))
        == len(plan_batches(units, 1500, 4, 60, total))
    )


def test_the_estimate_foresees_the_paragraphs_the_runs_end_cuts_in_two(tmp_path: Path) -> None:
    """At the run's end a long paragraph goes in halves (engine/halves.py); the plan the dry
    run prices and the retry budget counts cuts them too."""
    text = " ".join(
        f"Sentence {i} of the long paragraph reports one more measured result." for i in range(40)
    )
    long = [Unit(f"s{p}#0", f"s{p}", 0, 1, text, (), COUNTER.count(text), "body") for p in range(3)]
    settings = load_settings({"base_url": "http://unused", "min_request_tokens": 60})
    translator = Translator(settings, FakeEngine(), TranslationCache(tmp_path), "t", "v1")  # type: ignore[arg-type]
    planned = [u for batch in translator.plan(long, long) for u in batch.units]
    assert any(u.half_of for u in planned)
    assert sorted({u.key.split("/")[0] for u in planned}) == [u.key for u in long]  # halves of halves too
    assert sum(len(u.text) + 1 for u in planned) - 1 >= sum(len(u.text) for u in long)  # nothing lost
    assert not any(
        u.half_of for b in translator.plan(long, long, all_at_once=True) for u in b.units
    )  # the Batch API's


def test_the_work_in_flight_is_counted_at_the_pace() -> None:
    in_flight = WorkInFlight()
    first, second = in_flight.sent(100), in_flight.sent(300)
    assert in_flight.left(0.0) == pytest.approx(IN_FLIGHT_SHARE * 400)  # pace unknown: all of it
    assert in_flight.left(1e9) == 0.0  # at that pace, answered already
    in_flight.done(first)
    assert in_flight.left(0.0) == pytest.approx(IN_FLIGHT_SHARE * 300)
    in_flight.done(second)
    in_flight.done(second)  # a second report of the same request changes nothing
    assert in_flight.left(0.0) == 0.0


class _Paced(FakeEngine):
    """Answers at 100 source tokens a second after 0.05 s, as a real server does."""

    def complete(self, messages, max_tokens, on_tokens=None):  # type: ignore[no-untyped-def]
        time.sleep(0.05 + COUNTER.count(messages[-1]["content"]) / 100)
        return super().complete(messages, max_tokens, on_tokens)


def test_a_request_cut_while_others_are_answered_counts_their_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slot that frees mid-run takes a share of what is still to send and of what the
    other slots are still answering: the same paper goes out as fewer requests, with the
    same translations, every paragraph asked once."""
    units = _units(40)
    counted = _Paced()
    counted_results = _run(tmp_path / "counted", counted, units)
    monkeypatch.setattr(pace, "IN_FLIGHT_SHARE", 0.0)
    ignored = _Paced()
    assert _run(tmp_path / "ignored", ignored, units) == counted_results
    assert all(counted_results[u.key] == pseudo_translate(u.text) for u in units)
    assert counted.calls < ignored.calls, (counted.calls, ignored.calls)
    sent = [len(json.loads(request[-1]["content"])) for request in counted.requests]
    assert sum(sent) == len(units)
