"""The translation engine with the real openai client against the local fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from translator.engine.client import build_engine
from translator.errors import ApiAuthError, ApiUnavailableError, ConfigError
from translator.model import Document, Segment
from translator.parsing.tei_reader import read_tei
from translator.results import Results
from translator.settings import Settings, load_settings

from .fixtures import SMALL_TEI, translate_tei
from .servers.fake_llm import CHATTER_MARKER, FAULTS, THINK_MARKER, FakeLLM, FaultPlan, pseudo_translate


def _settings(llm: FakeLLM, tmp_path: Path, **extra: object) -> Settings:
    return load_settings(
        {"base_url": llm.base_url, "cache_dir": tmp_path / "cache", "request_timeout": 1.0, **extra}
    )


def _run(llm: FakeLLM, tmp_path: Path, doc: Document | None = None, **extra: object) -> Results:
    results, _ = translate_tei(_settings(llm, tmp_path, **extra), doc)
    return results


def _expected(segment: Segment) -> str:
    """What the fake server's translation of this segment is, spans put back."""
    from translator.chunking.protect import protect, restore

    protected = protect(segment)
    return restore(pseudo_translate(protected.text), protected.originals)


def test_clean_run_translates_everything(llm: FakeLLM, tmp_path: Path) -> None:
    results = _run(llm, tmp_path)
    assert all(results.of(s).status == "translated" for s in results.segments)
    for seg in results.segments:
        assert results.of(seg).text == _expected(seg)
    # Context in the system message, only paper text in the last user message.
    record = llm.records[0]
    assert "Reinforcement Learning for Tiny Robots" in record.system
    payload = json.loads(record.user)
    assert all(isinstance(v, str) for v in payload.values())


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_is_recovered(fault: str, tmp_path: Path) -> None:
    plan = FaultPlan(script=[fault, fault], hang_seconds=1.5)
    with FakeLLM(plan) as llm:
        results = _run(llm, tmp_path, concurrency=1)
        assert llm.count(fault) >= 1
    assert all(results.of(s).status == "translated" for s in results.segments), [
        results.of(s).error for s in results.segments if results.of(s).error
    ]
    for seg in results.segments:
        assert results.of(seg).text == _expected(seg)
        assert THINK_MARKER not in results.of(seg).text and CHATTER_MARKER not in results.of(seg).text


def test_thirty_percent_faults_same_result(faulty_llm: FakeLLM, tmp_path: Path) -> None:
    doc = read_tei(SMALL_TEI)
    results = _run(faulty_llm, tmp_path, doc, max_request_tokens=60, min_request_tokens=10)
    faults = faulty_llm.fault_counts()
    assert sum(n for k, n in faults.items() if k) >= 3
    assert all(results.of(s).status == "translated" for s in results.segments)
    # Long segments were cut into pieces, re-joined without spaces as Chinese is.
    squash = lambda t: "".join((t or "").split())  # noqa: E731
    assert all(squash(results.of(s).text) == squash(_expected(s)) for s in results.segments)


def test_retry_after_is_honoured(tmp_path: Path) -> None:
    waits: list[float] = []
    plan = FaultPlan(script=["429"], retry_after=2.5)
    with FakeLLM(plan) as llm:
        settings = _settings(llm, tmp_path, concurrency=1)
        client = build_engine(settings.engine, sleep=waits.append)
        results, stats = translate_tei(settings, client=client)
    assert len(waits) == 1 and 2.5 <= waits[0] <= 2.6
    assert stats.retries == 1
    assert all(results.of(s).status == "translated" for s in results.segments)


def test_backoff_grows_and_is_capped(tmp_path: Path) -> None:
    waits: list[float] = []
    plan = FaultPlan(script=["500"] * 5)
    with FakeLLM(plan) as llm:
        settings = _settings(llm, tmp_path, concurrency=1, retry_initial_seconds=1.0, retry_max_seconds=4.0)
        client = build_engine(settings.engine, sleep=waits.append)
        translate_tei(settings, client=client)
    assert len(waits) == 5
    assert all(0.5 * min(4.0, 2**i) <= w <= min(4.0, 2**i) for i, w in enumerate(waits))


def test_persistent_failure_keeps_original_and_reports(tmp_path: Path) -> None:
    plan = FaultPlan(rate=1.0, kinds=("placeholder",))
    with FakeLLM(plan) as llm:
        results = _run(llm, tmp_path, concurrency=2, validation_retries=1)
        requests = llm.count()
    failed = [s for s in results.segments if results.of(s).status == "failed"]
    # The server drops a placeholder from the first segment that has one in each request,
    # and in a request with none, answers its first segment untranslated.
    assert failed and any(s.spans for s in failed)
    for segment in failed:
        outcome = results.of(segment)
        assert outcome.text is None
        assert ("missing <x" if segment.spans else "untranslated source") in (outcome.error or "")
    assert all(results.of(s).status == "translated" for s in results.segments if s not in failed)
    # Bounded: retries and splits, but no endless loop.
    assert requests <= 6 * len(results.segments)


def test_exhausted_retries_mark_segments_failed(tmp_path: Path) -> None:
    with FakeLLM(FaultPlan(rate=1.0, kinds=("500",))) as llm:
        results = _run(llm, tmp_path, max_attempts=2, concurrency=1)
    assert all(
        results.of(s).status == "failed" and "InternalServerError" in (results.of(s).error or "")
        for s in results.segments
    )


def test_bad_key_stops_the_run(tmp_path: Path) -> None:
    with FakeLLM(api_key="right") as llm, pytest.raises(ApiAuthError, match="OPENAI_API_KEY"):
        _run(llm, tmp_path, api_key="wrong")


def test_unreachable_endpoint_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(
        {"base_url": "http://127.0.0.1:9/v1", "cache_dir": tmp_path, "max_attempts": 2, "request_timeout": 1}
    )
    with pytest.raises(ApiUnavailableError, match=r"127\.0\.0\.1:9"):
        translate_tei(settings)


def test_missing_key_for_openai_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_engine(load_settings({"cache_dir": tmp_path}).engine)


def test_rerun_is_served_from_cache(llm: FakeLLM, tmp_path: Path) -> None:
    first = _run(llm, tmp_path)
    sent = llm.count()
    second = _run(llm, tmp_path)
    assert llm.count() == sent  # zero API calls
    assert all(second.of(s).status == "cached" for s in second.segments)
    assert [first.of(s).text for s in first.segments] == [second.of(s).text for s in second.segments]


def test_cache_key_changes_with_model_and_language(llm: FakeLLM, tmp_path: Path) -> None:
    _run(llm, tmp_path)
    sent = llm.count()
    _run(llm, tmp_path, model="other-model")
    assert llm.count() > sent
    sent = llm.count()
    _run(llm, tmp_path, lang="ja")
    assert llm.count() > sent


def test_requests_run_in_parallel_up_to_the_concurrency_limit(tmp_path: Path) -> None:
    # Each answer takes 0.5 s, far longer than sending the next request: requests overlap
    # exactly up to the limit (a serial engine would show 1, an unbounded one 6 or more).
    with FakeLLM(latency=0.5) as llm:
        _run(llm, tmp_path, concurrency=3, max_request_tokens=60, min_request_tokens=10)
        assert llm.count() >= 6
        assert llm.max_in_flight == 3
