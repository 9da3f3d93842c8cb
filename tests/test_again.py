"""Answers asked for again (an answer that ignored the glossary) go back to the run's pool
of units: never in one request with the paper's units, and at the end of a run cut in
halves that idle slots answer side by side (``engine/again.py``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

from translator.cache import TranslationCache
from translator.chunking.chunker import Unit, halves
from translator.chunking.pool import UnitPool
from translator.chunking.tokens import default_counter
from translator.engine.base import EngineError
from translator.engine.client import Completion
from translator.engine.translator import Translator
from translator.glossary.entries import Entry
from translator.glossary.matcher import TermMatcher
from translator.settings import load_settings

from .fake_engine import FakeEngine
from .servers.fake_llm import pseudo_translate, translate_following

COUNTER = default_counter()
ROBOTS = Entry("robots", "机器人")
LONG = " ".join(f"Sentence {i} of the long paragraph reports one more measured result." for i in range(30))
LONG += " The robots were then moved to the second site."


def _unit(key: str, text: str) -> Unit:
    return Unit(key, key.split("#")[0], 0, 1, text, (), COUNTER.count(text), "body")


# Paragraphs that make the long one a piece of the paper: it goes whole, not in halves.
FILLER = [
    _unit(f"f{p}#0", " ".join(f"Sentence {i} of paragraph {p} says little of note." for i in range(8)))
    for p in range(20)
]


def _short(count: int) -> list[Unit]:
    return [_unit(f"s{p}#0", f"Paragraph {p} is short and plain.") for p in range(count)]


def test_units_asked_again_never_share_a_request_with_the_papers_units() -> None:
    paper = _short(12)
    pool = UnitPool(paper[:6], 1500, 60, expected=sum(u.tokens for u in paper[6:]))
    first = pool.take(1)  # the whole of what is here, as one request
    assert first is not None and len(first.units) == 6
    again = [_unit("a#0", "Asked again, first."), _unit("b#0", "Asked again, second.")]
    pool.again(again)
    # The units that waited join and everything is linked in reading order again: the
    # units asked again stay apart even so.
    pool.arrive(paper[6:], sum(u.tokens for u in paper[6:]), paper + again)
    taken = []
    while (batch := pool.take(1)) is not None:
        taken.append({u.key for u in batch.units})
    assert {"a#0", "b#0"} in taken
    assert all(not ({"a#0", "b#0"} & keys) or keys <= {"a#0", "b#0"} for keys in taken)
    assert set().union(*taken) == {u.key for u in paper[6:]} | {"a#0", "b#0"}


def test_a_long_unit_asked_again_at_the_end_goes_in_halves() -> None:
    pool = UnitPool([], 1500, 60, halve=lambda unit: halves(unit, COUNTER))
    pool.again([_unit("long#0", LONG)])
    pieces = []
    while (batch := pool.take(8, 8)) is not None:
        assert len(batch.units) == 1
        pieces.append(batch.units[0])
    assert len(pieces) >= 4 and all(piece.half_of for piece in pieces)
    assert " ".join(sorted(piece.text for piece in pieces)) != LONG  # cut, and
    assert sorted(" ".join(p.text for p in pieces).split()) == sorted(LONG.split())  # nothing lost


class _IgnoresTheGlossaryOnce(FakeEngine):
    """Answers as a server does, 400 source tokens a second, but a first answer holding the
    glossary's term only after 2 s, when the other requests are done; first answers
    ignore the glossary, a re-ask (its system message says why) follows it. Records when
    each request ran."""

    def __init__(self, fail_reasks: bool = False) -> None:
        super().__init__()
        self.fail_reasks = fail_reasks
        self.spans: list[tuple[float, float, bool]] = []  # start, end, asked again
        self._spans_lock = threading.Lock()

    def complete(
        self, messages: list[dict[str, str]], max_tokens: int, on_tokens: Callable[[int], None] | None = None
    ) -> Completion:
        started = time.monotonic()
        again = "glossary not followed" in messages[0]["content"]
        late = "robots" in messages[-1]["content"] and not again
        time.sleep(2.0 if late else 0.05 + COUNTER.count(messages[-1]["content"]) / 400)
        with self._spans_lock:
            self.spans.append((started, time.monotonic(), again))
        if again and self.fail_reasks:
            raise EngineError("the re-ask fails")
        completion = super().complete(messages, max_tokens, on_tokens)
        if not again:  # the glossary ignored: every word translated
            payload = json.loads(messages[-1]["content"])
            text = json.dumps({k: pseudo_translate(v) for k, v in payload.items()}, ensure_ascii=False)
            completion = Completion(text, "stop", completion.prompt_tokens, completion.completion_tokens)
        return completion


def _translate(tmp_path: Path, engine: FakeEngine, units: list[Unit]) -> Translator:
    settings = load_settings(
        {"base_url": "http://unused", "min_request_tokens": 60, "concurrency": 4, "cache_dir": tmp_path}
    )
    translator = Translator(
        settings, engine, TranslationCache(tmp_path), "t", "v1", matcher=TermMatcher([ROBOTS])
    )  # type: ignore[arg-type]
    translator.run(units)
    return translator


def test_a_paragraph_asked_again_at_the_end_is_answered_in_pieces_side_by_side(tmp_path: Path) -> None:
    """Asked again whole by the worker that got its first answer, the paragraph kept one
    slot busy alone after the run had nothing else to do; in pieces, the idle slots share it."""
    unit = _unit("p#0", LONG)
    engine = _IgnoresTheGlossaryOnce()
    translator = _translate(tmp_path, engine, [unit, *FILLER])
    assert translator.stats.glossary_retranslations == 1
    again = [(start, end) for start, end, asked_again in engine.spans if asked_again]
    assert len(again) >= 2
    assert max(start for start, _ in again) < min(end for _, end in again)  # side by side
    text = translator.results[unit.key].text or ""
    assert "机器人" in text and "robots" not in text
    whole = translate_following(LONG, [ROBOTS])
    assert "".join(text.split()) == "".join(whole.split())  # the halves joined (Chinese: no space)
    assert all(translator.results[u.key].text == pseudo_translate(u.text) for u in FILLER)


def test_the_first_answer_is_kept_when_its_pieces_asked_again_fail(tmp_path: Path) -> None:
    unit = _unit("p#0", LONG)
    engine = _IgnoresTheGlossaryOnce(fail_reasks=True)
    translator = _translate(tmp_path, engine, [unit, *FILLER])
    assert sum(asked_again for _, _, asked_again in engine.spans) >= 2  # in pieces, each failed
    assert translator.results[unit.key].text == pseudo_translate(LONG)  # paid for, valid: kept
