"""Answers are streamed, so progress moves while the model writes; endpoints that
cannot stream still work, without paying for an answer twice."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translator.cache import TranslationCache
from translator.engine.base import TransientError
from translator.engine.client import build_engine
from translator.engine.sse import (
    MalformedEvent,
    StreamedAnswer,
    StreamError,
    TokenReports,
    event_batches,
    usage_numbers,
)
from translator.parsing.tei_reader import read_tei
from translator.pipeline import translate_document
from translator.settings import load_settings

from .fixtures import SMALL_TEI
from .servers.fake_llm import FakeLLM, FaultPlan

MESSAGES = [
    {"role": "system", "content": "Translate into Chinese."},
    {"role": "user", "content": '{"1": "Robots learn to walk from rewards and from many small mistakes."}'},
]


@pytest.mark.parametrize("streaming", [True, False], ids=["streams", "ignores-stream"])
def test_one_request_whatever_the_endpoint_does_with_stream(streaming: bool) -> None:
    # Paced, so the events come in packets of their own (those that arrive together are heard
    # together), over longer than the 0.1 s between two reports.
    with FakeLLM(streaming=streaming, tokens_per_second=50.0) as llm:
        client = build_engine(load_settings({"base_url": llm.base_url}).engine)
        heard: list[int] = []
        completion = client.complete(MESSAGES, 200, heard.append)
        assert llm.count() == 1
    assert completion.text.startswith('{"1": "') and completion.finish_reason == "stop"
    assert completion.completion_tokens == llm.records[0].completion_tokens > 0
    assert sum(heard) == completion.completion_tokens
    # Streamed: tokens are heard piece by piece, as they arrive; otherwise all at once.
    assert (len(heard) > 3) == streaming


def test_streaming_can_be_turned_off() -> None:
    with FakeLLM() as llm:
        client = build_engine(load_settings({"base_url": llm.base_url, "stream": False}).engine)
        heard: list[int] = []
        client.complete(MESSAGES, 200, heard.append)
    assert len(heard) == 1


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[int, int]] = []
        self.expected = 0

    def start(self, total: int, expected_tokens: int = 0) -> None:
        self.expected = expected_tokens

    def advance(self, units: int, tokens: int) -> None:
        self.events.append((units, tokens))

    def note(self, message: str) -> None:
        pass

    def stop(self) -> None:
        pass


def test_progress_hears_tokens_before_the_first_segment_is_done(tmp_path: Path) -> None:
    recorder = Recorder()
    with FakeLLM(tokens_per_second=400) as llm:
        settings = load_settings({"base_url": llm.base_url, "concurrency": 1})
        _, stats = translate_document(
            read_tei(SMALL_TEI), settings, TranslationCache(tmp_path), progress=recorder
        )
    first_done = next(i for i, (units, _) in enumerate(recorder.events) if units)
    assert sum(tokens for _, tokens in recorder.events[:first_done]) > 10
    assert sum(tokens for _, tokens in recorder.events) == stats.completion_tokens
    assert recorder.expected > 0


@pytest.mark.parametrize("fault", ["stream_error", "stream_garbage", "stream_cut"])
def test_a_stream_that_breaks_is_asked_again_and_then_kept(fault: str) -> None:
    with FakeLLM(faults=FaultPlan(script=[fault])) as llm:
        client = build_engine(load_settings({"base_url": llm.base_url, "retry_initial_seconds": 0.01}).engine)
        completion = client.complete(MESSAGES, 200)
        assert [r.status for r in llm.records] == [0, 200]
    assert completion.text.startswith('{"1": "') and completion.finish_reason == "stop"
    assert client.retries == 1


def test_a_stream_that_keeps_breaking_ends_with_an_error_that_says_so() -> None:
    with FakeLLM(faults=FaultPlan(script=["stream_error", "stream_error"])) as llm:
        settings = load_settings({"base_url": llm.base_url, "max_attempts": 2, "retry_initial_seconds": 0.01})
        client = build_engine(settings.engine)
        with pytest.raises(TransientError, match="error in the answer: The server had an error"):
            client.complete(MESSAGES, 200)
        assert llm.count() == 2


def _read(lines: list[str]) -> list[dict[str, object]]:
    """The events of a stream of these lines, sent in one piece."""
    return [event for batch in event_batches(["\n".join(lines).encode()]) for event in batch]


def test_events_are_read_as_server_sent_events_define_them() -> None:
    lines = [
        ": a comment the server sends to keep the line open",
        'data: {"choices": [{"delta": {"content": "Hel"}}]}',
        "",
        "event: message",
        'data:{"choices": [{"delta": {"content": "lo"}, "finish_reason": "stop"}]}',
        "",
        "",
        'data: {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2,',
        'data:  "prompt_tokens_details": {"cached_tokens": 4}}}',
        "",
        "data: [DONE]",
        "",
        'data: {"choices": [{"delta": {"content": "never read"}}]}',
        "",
    ]
    answer = StreamedAnswer()
    for event in _read(lines):
        answer.add(event)
    assert (answer.text, answer.finish_reason, answer.events) == ("Hello", "stop", 3)
    assert usage_numbers(answer.usage) == (7, 2, 4)
    assert usage_numbers({"prompt_tokens": 9, "prompt_cache_hit_tokens": 64}) == (9, None, 64)
    assert usage_numbers(None) == (None, None, 0)


def test_an_event_with_an_error_or_broken_data_raises() -> None:
    with pytest.raises(StreamError, match="overloaded"):
        _read(['data: {"error": {"message": "overloaded"}}', ""])
    with pytest.raises(MalformedEvent, match="not JSON"):
        _read(['data: {"choices": [', ""])
    with pytest.raises(MalformedEvent, match="not a JSON object"):
        _read(["data: [1, 2]"])


_STREAM = (
    ": keep-alive\r\n"
    'data: {"choices": [{"delta": {"content": "机器\u2028人"}}]}\r\n\r\n'
    'data: {"choices": [{"delta": {"content": " learn"}}],\n'
    'data: "x": 1}\n\n'
    'data: {"choices": [{"delta": {"content": "s"}, "finish_reason": "stop"}]}\n\n'
    "data: [DONE]\n\n"
    'data: {"choices": [{"delta": {"content": "never read"}}]}\n\n'
).encode()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(_STREAM)), max_size=12))
def test_a_stream_reads_the_same_however_the_network_cuts_its_bytes(cuts: list[int]) -> None:
    # Events are read per network chunk (a token each, and reporting each one cost more
    # CPU than the request's setup): where the chunks end, mid-line, mid-character or
    # between \r and \n, must not change what is read.
    bounds = [0, *sorted(cuts), len(_STREAM)]
    chunks = [_STREAM[a:b] for a, b in itertools.pairwise(bounds)]
    answer = StreamedAnswer()
    for batch in event_batches(chunks):
        assert batch
        for event in batch:
            answer.add(event)
    assert (answer.text, answer.finish_reason, answer.events) == ("机器\u2028人 learns", "stop", 3)


def test_a_stream_cut_off_without_its_blank_line_still_gives_its_last_event() -> None:
    chunks = [
        b'data: {"choices": [{"delta": {"content": "a"}}]}\n\ndata: {"choices": [{"delta"',
        b': {"content": "b"}}]}',
    ]
    assert [[e["choices"][0]["delta"]["content"] for e in batch] for batch in event_batches(chunks)] == [
        ["a"],
        ["b"],
    ]


def test_streamed_requests_in_a_row_share_one_connection() -> None:
    # The server streams as the OpenAI API does (chunked, kept alive): a client that
    # closed each answer at [DONE], its body's end unread, opened a connection (on a real
    # endpoint a TCP and TLS handshake) for every request.
    with FakeLLM() as llm:
        client = build_engine(load_settings({"base_url": llm.base_url}).engine)
        for _ in range(10):
            client.complete(MESSAGES, 200)
        assert llm.count() == 10
        assert llm.connections == 1


@pytest.mark.parametrize("fault", ["tail_held", "tail_long"])
def test_an_answer_whole_at_done_is_kept_whatever_follows_it(fault: str) -> None:
    # What follows [DONE] is read for the connection's sake only: a body whose end is held
    # back for 20 s, or 100 KB long, neither holds the answer past a bound (2 s) nor spoils it.
    with FakeLLM(faults=FaultPlan(script=[fault], hang_seconds=20.0)) as llm:
        client = build_engine(load_settings({"base_url": llm.base_url}).engine)
        started = time.monotonic()
        completion = client.complete(MESSAGES, 200)
        took = time.monotonic() - started
        again = client.complete(MESSAGES, 200)  # on a new connection: the first was dropped
        assert llm.count() == 2 and llm.connections == 2
    assert took < 5.0
    assert completion.text == again.text and completion.text.startswith('{"1": "')
    assert client.retries == 0


def test_token_reports_come_at_once_then_at_most_ten_a_second() -> None:
    """The first report goes at once (the server has begun), later ones are held back for
    0.1 s, and a flush passes on the rest: every token is told, in far fewer reports."""
    now = [0.0]
    told: list[int] = []
    reports = TokenReports(told.append, clock=lambda: now[0])
    for _ in range(100):  # 100 chunks of 2 tokens over 0.5 s
        reports(2)
        now[0] += 0.005
    reports.flush()
    assert told[0] == 2 and sum(told) == 200
    assert 5 <= len(told) <= 7, told
    reports.flush()  # nothing held: nothing told
    assert sum(told) == 200 and len(told) <= 7
