"""Units cut in two at the end of a run: where the cut falls, that the pool cuts only
there, that every word is sent once, and that the halves' answers join, are cached whole
and resume after a stop."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from translator.cache import TranslationCache
from translator.chunking.chunker import Unit, halves
from translator.chunking.pool import SPLIT_ABOVE, UnitPool
from translator.chunking.protect import found_placeholders
from translator.chunking.tokens import default_counter
from translator.engine.translator import Translator
from translator.settings import load_settings

from .fake_engine import FakeEngine
from .servers.fake_llm import pseudo_translate

COUNTER = default_counter()
SENTENCE = "Sentence {i} of paragraph {p} says something about the results we measured."


def _unit(p: int, sentences: int, extra: str = "") -> Unit:
    text = " ".join(SENTENCE.format(i=i, p=p) for i in range(sentences)) + extra
    return Unit(f"s{p}#0", f"s{p}", 0, 1, text, tuple(found_placeholders(text)), COUNTER.count(text), "body")


def test_a_unit_is_cut_at_the_sentence_end_nearest_its_middle() -> None:
    text = "A short one. " + "A much longer sentence that carries most of the words <x1/> here. " * 3
    unit = Unit("s1#0", "s1", 0, 1, text.strip(), (1, 1, 1), COUNTER.count(text), "body")
    first, second = halves(unit, COUNTER)
    assert f"{first.text} {second.text}" == unit.text
    assert first.text.startswith("A short one. A much longer") and second.text.count("A much longer") == 2
    assert (first.half_of, second.half_of) == ("s1#0", "s1#0")
    assert (first.key, second.key) == ("s1#0/0", "s1#0/1")
    assert first.placeholders + second.placeholders == (1, 1, 1)
    assert first.tokens + second.tokens >= unit.tokens - 1
    assert halves(unit, COUNTER) == [first, second]  # the same cut every time: a rerun finds it
    one = _unit(2, 1)
    assert halves(one, COUNTER) == [one]  # one sentence is never cut


def test_the_pool_cuts_only_at_the_end_and_only_what_is_too_large() -> None:
    """While units are still to come nothing is cut; at the end, a unit larger than
    SPLIT_ABOVE × the request the pool wants goes in halves, its neighbours kept in order."""
    units = [_unit(p, 12) for p in range(3)]
    cut = functools.partial(halves, counter=COUNTER)
    waiting = UnitPool(units, 1500, 100, expected=10_000, halve=cut)
    first = waiting.take(8, 8)
    assert first is not None and not any(u.half_of for u in first.units)

    pool = UnitPool(units, 1500, 100, halve=cut)
    limit = pool.target(8)
    assert units[0].tokens > SPLIT_ABOVE * limit
    batch = pool.take(8)
    assert batch is not None and all(u.half_of for u in batch.units)
    assert batch.tokens <= max(u.tokens for u in units) / 2 + 5

    whole = UnitPool(units, 1500, 100)  # without a cutter, units go whole
    assert [u.key for u in whole.take(8).units] == ["s0#0"]  # type: ignore[union-attr]


def _planned(unit: Unit) -> str:
    return unit.key.split("/", 1)[0]


@settings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(st.integers(min_value=1, max_value=14), min_size=1, max_size=12),
    slots=st.integers(min_value=1, max_value=16),
)
def test_every_sentence_is_sent_once_in_order(sentences: list[int], slots: int) -> None:
    units = [_unit(p, n) for p, n in enumerate(sentences)]
    pool = UnitPool(units, 1500, 60, halve=functools.partial(halves, counter=COUNTER))
    taken: list[Unit] = []
    while (batch := pool.take(slots)) is not None:
        keys = [u.key for u in batch.units]
        assert keys == sorted(keys, key=lambda k: [int(x) for x in k[1:].replace("#", "/").split("/")])
        taken.extend(batch.units)
    assert pool.drained
    for unit in units:
        pieces = sorted((u for u in taken if _planned(u) == unit.key), key=lambda u: u.key)
        assert " ".join(p.text for p in pieces) == unit.text


def _words(text: str | None) -> str:
    """The text without white space: Chinese joins the halves' answers with none."""
    return "".join((text or "").split())


def _settings() -> object:
    return load_settings({"base_url": "http://unused", "max_request_tokens": 1500, "min_request_tokens": 60})


def test_halves_are_joined_cached_whole_and_told_once(tmp_path: Path) -> None:
    """A short paper on 8 slots: its long paragraphs go in halves; each unit's answer is
    its halves' joined, progress hears of each unit once, and a rerun asks nothing."""
    units = [_unit(p, 10) for p in range(3)]
    cache = TranslationCache(tmp_path)
    engine = FakeEngine()
    told: list[str] = []
    translator = Translator(_settings(), engine, cache, "title", "v1")  # type: ignore[arg-type]
    results = translator.run(units, progress=lambda done, _tokens: told.extend(u.key for u in done))
    sent = [text for request in engine.requests for text in json.loads(request[-1]["content"]).values()]
    assert len(sent) > len(units)  # cut: more pieces sent than units
    for unit in units:
        assert _words(results[unit.key].text) == _words(pseudo_translate(unit.text))
    assert sorted(told) == sorted(u.key for u in units)

    again = FakeEngine()
    rerun = Translator(_settings(), again, cache, "title", "v1")  # type: ignore[arg-type]
    found = rerun.run(units)
    assert again.calls == 0 and all(found[u.key].cached and found[u.key].text for u in units)


def test_a_run_stopped_between_two_halves_sends_only_the_other(tmp_path: Path) -> None:
    done, long = _unit(0, 2), _unit(1, 10)
    first_half, second_half = halves(long, COUNTER)
    cache = TranslationCache(tmp_path)
    # What a stopped run left: the short unit, and the first half of the long one.
    Translator(_settings(), FakeEngine(), cache, "title", "v1").run([done, first_half])  # type: ignore[arg-type]

    engine = FakeEngine()
    results = Translator(_settings(), engine, cache, "title", "v1").run([done, long])  # type: ignore[arg-type]
    sent = [text for request in engine.requests for text in json.loads(request[-1]["content"]).values()]
    assert first_half.text not in sent and long.text not in sent
    # The other half, perhaps itself cut again: every word of it once, nothing else.
    assert " ".join(sorted(sent, key=second_half.text.index)) == second_half.text
    assert _words(results[long.key].text) == _words(pseudo_translate(long.text))


def test_a_failed_half_fails_its_unit() -> None:
    from translator.engine.halves import Halves
    from translator.engine.stats import UnitResult

    long = _unit(1, 10)
    book = Halves(COUNTER, " ")
    first, second = book.cut(long)
    results = {first.key: UnitResult(text="a")}
    assert book.joined(results, [first]) == [] and long.key not in results  # the other is not in
    results[second.key] = UnitResult(error="refused")
    assert book.joined(results, [second]) == [long]
    assert results[long.key].error == "refused" and results[long.key].text is None


class _SlowOnLongAnswers(FakeEngine):
    """Answers as the fake server does, but a request of more than ``limit`` characters
    of paper text does not come whole within the deadline."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def complete(self, messages, max_tokens, on_tokens=None):  # type: ignore[no-untyped-def]
        from translator.engine.base import DeadlineError

        if len(messages[-1]["content"]) > self.limit:
            with self._lock:
                self.requests.append(messages)
            raise DeadlineError("the answer did not come whole within 1 s (--timeout)", "deadline")
        return super().complete(messages, max_tokens, on_tokens)


def test_a_paragraph_too_slow_alone_is_asked_again_in_halves(tmp_path: Path) -> None:
    """Sent again whole it would be as slow (and paid for again): its halves are asked,
    down to single sentences, and it is translated; a single sentence too slow fails."""
    from translator.chunking.chunker import Batch

    long = _unit(1, 8)
    engine = _SlowOnLongAnswers(limit=len(long.text) // 3)
    translator = Translator(_settings(), engine, TranslationCache(tmp_path), "title", "v1")  # type: ignore[arg-type]
    translator.send(Batch([long]))
    assert _words(translator.results[long.key].text) == _words(pseudo_translate(long.text))
    assert engine.calls <= 2 * 8  # each cut halves what is asked: at most a request per piece of the tree

    one = _unit(2, 1)
    hopeless = _SlowOnLongAnswers(limit=10)
    translator = Translator(_settings(), hopeless, TranslationCache(tmp_path / "2"), "title", "v1")  # type: ignore[arg-type]
    translator.send(Batch([one]))
    assert hopeless.calls == 1 and translator.results[one.key].error
