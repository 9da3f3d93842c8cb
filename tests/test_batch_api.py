"""``--batch-api``: a run's requests go as one batch (half price, within 24 h); its answers
pass the same checks and cache; what it does not answer well goes the normal way; a run
stopped while it waits picks the same batch up again."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from translator.settings import load_settings

from .fixtures import invoke, json_segments, translate_tei, write_small_tei
from .servers.fake_llm import FakeLLM, FaultPlan


def _env(llm: FakeLLM, cache: Path) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "k",
        "TRANSLATOR_CACHE_DIR": str(cache),
        "TRANSLATOR_BATCH_POLL_SECONDS": "0.1",
        "TRANSLATOR_MAX_REQUEST_TOKENS": "60",
        "TRANSLATOR_MIN_REQUEST_TOKENS": "20",
    }


def _segments(out: Path) -> list[dict]:  # type: ignore[type-arg]
    return json_segments(json.loads((out / "tiny.zh.json").read_text(encoding="utf-8"))["document"])


def test_a_run_through_the_batch_api_sends_no_normal_request(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM(batch_seconds=0.3) as llm:
        result = invoke(
            [str(tei), "--out", str(tmp_path / "out"), "--batch-api", "--no-auto-glossary", "--price", "1,2"],
            **_env(llm, tmp_path / "cache"),
        )
        normal = llm.count() - llm.batch_api.lines
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "tiny.zh.json").read_text(encoding="utf-8"))["report"]
    full_price = report["prompt_tokens"] / 1e6 * 1 + report["completion_tokens"] / 1e6 * 2
    assert report["cost"] == round(full_price / 2, 6)  # the Batch API's half price
    assert llm.batch_api.created == 1 and llm.batch_api.lines > 1
    assert normal == 0
    assert {s["status"] for s in _segments(tmp_path / "out")} == {"translated"}
    assert "Batch API: batch batch_1 created" in result.output
    # The same outputs as a normal run: the answers were checked and cached the same way.
    with FakeLLM() as plain:
        again = invoke(
            [str(tei), "--out", str(tmp_path / "plain"), "--no-auto-glossary"], **_env(plain, tmp_path / "c2")
        )
    assert again.exit_code == 0
    # Chinese joins the pieces of a paragraph with no space, and the fake keeps the source's
    # spaces: where a paragraph was cut (a normal run cuts some in two at its end, to end
    # with the other slots; the Batch API sends everything at once) shows only in spaces.
    strip = lambda segs: [(s["id"], "".join(s["translation"].split())) for s in segs]  # noqa: E731
    assert strip(_segments(tmp_path / "out")) == strip(_segments(tmp_path / "plain"))


def test_answers_the_batch_got_wrong_are_sent_again_the_normal_way(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    faults = FaultPlan(rate=0.5, kinds=("wrong_language", "500", "truncate"))
    with FakeLLM(faults=faults) as llm:
        result = invoke(
            [str(tei), "--out", str(tmp_path / "out"), "--batch-api", "--no-auto-glossary"],
            **_env(llm, tmp_path / "cache"),
        )
        normal = llm.count() - llm.batch_api.lines
    assert result.exit_code in (0, 6), result.output
    assert normal > 0  # the failed lines went the normal way
    statuses = [s["status"] for s in _segments(tmp_path / "out")]
    assert statuses.count("translated") >= len(statuses) - 2


def test_an_endpoint_without_a_batch_api_falls_back_to_normal_requests(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM() as llm:
        llm.batch_api.available = False
        result = invoke(
            [str(tei), "--out", str(tmp_path / "out"), "--batch-api", "--no-auto-glossary"],
            **_env(llm, tmp_path / "cache"),
        )
    assert result.exit_code == 0, result.output
    assert "sending the requests the normal way" in result.output
    assert {s["status"] for s in _segments(tmp_path / "out")} == {"translated"}


def test_a_run_stopped_while_waiting_resumes_the_same_batch(tmp_path: Path) -> None:
    from translator.engine.scheduler import Scheduler

    with FakeLLM(batch_seconds=3600) as llm:
        settings = load_settings(
            {
                "base_url": llm.base_url,
                "api_key": "k",
                "cache_dir": tmp_path / "cache",
                "batch_api": True,
                "batch_poll_seconds": 0.05,
                "max_request_tokens": 60,
                "min_request_tokens": 20,
            }
        )
        scheduler = Scheduler(2)
        threading.Timer(1.0, scheduler.stop).start()
        started = time.monotonic()
        results, stats = translate_tei(settings, scheduler=scheduler)
        assert time.monotonic() - started < 10
        assert stats.interrupted and llm.batch_api.created == 1
        assert list((tmp_path / "cache" / "batches").glob("*.json"))  # the batch id is kept
        llm.batch_api.seconds = 0  # the batch is done now
        results, stats = translate_tei(settings)
        assert llm.batch_api.created == 1  # picked up, not sent again
        assert not list((tmp_path / "cache" / "batches").glob("*.json"))
        assert {results.of(s).status for s in results.segments} == {"translated"}
        assert llm.count() == llm.batch_api.lines
