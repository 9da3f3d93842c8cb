"""A whole-answer deadline, not a per-read timeout: a server that trickles its answer
ends on time, and a request that was too slow is split, never sent again unchanged."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from translator.deadlines import deadline
from translator.engine.budget import retry_budget
from translator.settings import load_settings

from .fixtures import translate_tei
from .servers.fake_llm import FakeLLM

pytestmark = pytest.mark.slow  # each waits out real deadlines (about 10 s)


def test_a_trickling_server_ends_on_time_and_slow_requests_are_split(tmp_path: Path) -> None:
    # 30 tokens a second, one chunk every few characters: no read ever waits long, but a
    # request of 60 source tokens (about 75 answer tokens) takes 2.5 s against a 2 s deadline.
    with FakeLLM(tokens_per_second=30) as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": tmp_path, "request_timeout": 2.0, "concurrency": 2,
             "max_request_tokens": 60, "min_request_tokens": 10},
            env={},
        )  # fmt: skip
        results, _ = translate_tei(settings)
        sent = [r.user for r in llm.records]
    assert results.count("translated") == len(results.segments)  # small enough pieces came in time
    repeated = [user for user, n in Counter(sent).items() if n > 1]
    assert repeated == []  # no request was sent again unchanged
    assert max(len(u) for u in sent) > 2 * min(len(u) for u in sent)  # big ones were cut smaller


def test_a_single_paragraph_too_slow_for_the_deadline_fails_saying_so(tmp_path: Path) -> None:
    with FakeLLM(tokens_per_second=2) as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": tmp_path, "request_timeout": 1.0, "concurrency": 4,
             "max_request_tokens": 20, "min_request_tokens": 10},
            env={},
        )  # fmt: skip
        results, stats = translate_tei(settings)
        requests = llm.count()
    errors = [results.of(s).error or "" for s in results.with_status("failed")]
    assert len(errors) == len(results.segments)  # nothing comes whole in time
    assert any("did not come whole within 1 s (--timeout)" in e for e in errors)
    assert all("--timeout" in e or "retry budget is spent" in e for e in errors)
    assert requests <= stats.requests <= retry_budget(4 + len(results.segments))  # splits are bounded too


def test_an_unstreamed_answer_that_trickles_ends_on_time(tmp_path: Path) -> None:
    """Streaming off (some local servers cannot): the same deadline holds for the whole body."""
    import time

    from translator.engine.base import DeadlineError
    from translator.engine.client import build_engine

    with FakeLLM(streaming=False, trickle=0.3) as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": tmp_path, "request_timeout": 1.0, "stream": False}, env={}
        )
        engine = build_engine(settings.engine, sleep=lambda s: None)
        started = time.monotonic()
        with pytest.raises(DeadlineError, match="within 1 s"):
            engine.complete([{"role": "user", "content": '{"1": "' + "A long paragraph. " * 20 + '"}'}], 500)
        took = time.monotonic() - started
        sent = llm.count()
    assert took < 4 and sent == 1  # ended at the deadline, and not sent again unchanged


def test_an_unstreamed_answer_made_slower_than_the_deadline_is_split_not_sent_again(tmp_path: Path) -> None:
    """Unstreamed, the server sends nothing until the whole answer is made: a request whose
    headers do not come within --timeout was too slow (and is paid for), so it is split
    like a streamed one, never sent again unchanged as if the server had hung."""
    with FakeLLM(streaming=False, tokens_per_second=30) as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "cache_dir": tmp_path, "request_timeout": 2.0, "concurrency": 2,
             "max_request_tokens": 60, "min_request_tokens": 10, "stream": False},
            env={},
        )  # fmt: skip
        results, _ = translate_tei(settings)
        sent = [r.user for r in llm.records]
    assert [user for user, n in Counter(sent).items() if n > 1] == []
    assert max(len(u) for u in sent) > 2 * min(len(u) for u in sent)  # big ones were cut smaller
    assert results.count("translated") >= len(results.segments) // 2


def test_deadlines_expire_in_time_order_and_an_ended_one_never_closes() -> None:
    # One watchdog thread serves every deadline of the process (a timer thread per
    # request cost more CPU than reading its answer's events).
    closed: list[str] = []
    with deadline(lambda: closed.append("long"), 0.6) as long, deadline(lambda: closed.append("short"), 0.2):
        with deadline(lambda: closed.append("ended"), 0.1):
            pass
        with deadline(lambda: closed.append("shortened"), 30.0) as shortened:
            shortened.shorten(0.4)
            time.sleep(0.9)
    assert closed == ["short", "shortened", "long"]
    assert long.is_set() and shortened.is_set()
