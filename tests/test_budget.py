"""The bill is bounded: a model that keeps failing, and the caps a user sets.

Each test runs against the local fake server misbehaving in one way on every request,
and asserts the bound: requests against a normal run of the same paper."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from translator.cache import TranslationCache
from translator.engine.budget import Budget, retry_budget
from translator.engine.stats import RunStats
from translator.results import Results

from .fixtures import invoke, translate_tei, write_small_tei
from .servers.fake_llm import FakeLLM, FaultPlan

SMALL = {"max_request_tokens": 40, "min_request_tokens": 10, "concurrency": 4, "validation_retries": 3}


def _translate(llm: FakeLLM, tmp_path: Path, **extra: object) -> tuple[Results, RunStats]:
    from translator.settings import load_settings

    settings = load_settings(
        {"base_url": llm.base_url, "cache_dir": tmp_path / "cache", **SMALL, **extra}, env={}
    )
    return translate_tei(settings)


def _normal_requests(tmp_path: Path) -> int:
    # Answers take time, as a real server's do: answered at once, the run's requests follow
    # its pace (engine/pace.py), and their number the timing (7-13 here, one process).
    with FakeLLM(latency=0.2, tokens_per_second=100) as llm:
        results, stats = _translate(llm, tmp_path / "normal")
    assert results.count("translated") == len(results.segments)
    return stats.requests


@pytest.mark.parametrize(
    "fault, says",
    [
        ("wrong_language", "answers in the wrong language"),
        ("truncate", "cuts its answers off"),
        ("wrong_ids", "leaves paragraphs out"),
    ],
)
def test_a_model_that_always_fails_costs_no_more_than_a_normal_run(
    tmp_path: Path, fault: str, says: str
) -> None:
    normal = _normal_requests(tmp_path)
    assert normal >= 6  # enough requests for the bound to mean something
    with FakeLLM(FaultPlan(rate=1.0, kinds=(fault,))) as llm:
        results, stats = _translate(llm, tmp_path / fault)
        sent = llm.count()
    assert sent <= 1.5 * normal, (sent, normal)
    assert results.count("failed") == len(results.segments)  # kept, marked
    assert says in stats.gave_up and "try" in stats.gave_up
    assert all(says in (results.of(s).error or "") for s in results.with_status("failed")[-3:])


def test_a_server_that_trickles_every_answer_costs_no_more_than_a_normal_run(tmp_path: Path) -> None:
    """Every answer trickles past the deadline: requests are split (a smaller one may come
    in time) until single paragraphs are too slow too, and then the run stops asking."""
    normal = _normal_requests(tmp_path)
    with FakeLLM(streaming=False, trickle=0.3) as llm:
        results, stats = _translate(llm, tmp_path / "trickle", stream=False, request_timeout=1.0)
        sent = llm.count()
    assert sent <= 1.5 * normal, (sent, normal)
    assert results.count("failed") == len(results.segments)
    assert "too slowly" in stats.gave_up and "raise --timeout" in stats.gave_up


def test_a_model_that_fails_some_paragraphs_is_bounded_by_the_retry_budget(tmp_path: Path) -> None:
    """Placeholders dropped in every request that has one: the paragraphs without one
    translate; re-asks and splits stop at the retry budget at the latest."""
    normal = _normal_requests(tmp_path)
    with FakeLLM(FaultPlan(rate=1.0, kinds=("placeholder",))) as llm:
        results, stats = _translate(llm, tmp_path / "placeholder", validation_retries=50)
        sent = llm.count()
    assert sent <= retry_budget(normal) == max(int(1.5 * normal + 0.999), normal + 20)
    assert results.count("translated") > 0 and results.count("failed") > 0
    assert stats.gave_up  # the breaker or the retry budget, whichever came first, said why


def test_the_retry_budget_refuses_past_its_limit_unless_max_requests_says_otherwise() -> None:
    from translator.engine.budget import Charge, Refusal

    budget = Budget()
    budget.plan(10)
    assert budget.retry_limit == retry_budget(10) == 30
    assert all(isinstance(budget.reserve(10, 10, extra=True), Charge) for _ in range(20))
    assert all(isinstance(budget.reserve(10, 10), Charge) for _ in range(10))
    refused = budget.reserve(10, 10, extra=True)
    assert isinstance(refused, Refusal) and not refused.cap and "retry budget is spent" in refused.message
    # Requests are cut as places free up: more planned ones than the plan for --concurrency
    # slots (a server with more slots) raise the plan, and the budget follows.
    assert isinstance(budget.reserve(10, 10), Charge)
    assert budget.retry_limit == retry_budget(11) == 31 and budget.extra_limit == 20
    raised = Budget(max_requests=100)
    raised.plan(10)
    assert all(isinstance(raised.reserve(10, 10), Charge) for _ in range(100))
    assert isinstance(raised.reserve(10, 10), Refusal)
    assert retry_budget(100) == 150  # 1.5 × planned once that is more than planned + 20


def test_re_asks_cannot_take_the_places_of_planned_requests() -> None:
    """Re-asks of early answers used up the budget while planned requests were still to go:
    those then failed unsent. Extras now have their own share; planned requests always go."""
    from translator.engine.budget import Charge, Refusal

    budget = Budget()
    budget.plan(10)  # 30 in all: 10 planned, 20 extras
    assert all(isinstance(budget.reserve(10, 10, extra=True), Charge) for _ in range(20))
    assert isinstance(budget.reserve(10, 10, extra=True), Refusal)
    charge = budget.reserve(10, 10)
    assert isinstance(charge, Charge)
    budget.release(charge)  # a Batch API line that never ran: not counted, sent the normal way
    assert all(isinstance(budget.reserve(10, 10), Charge) for _ in range(10))  # every planned one
    assert budget.requests == 30 and budget.tokens == 600 and budget.retry_limit == 30
    # One more cut by the plan (a server with more slots than planned for) goes; extras do not.
    assert isinstance(budget.reserve(10, 10), Charge) and budget.retry_limit == 31
    assert isinstance(budget.reserve(10, 10, extra=True), Refusal)
    assert isinstance(budget.reserve(10, 10, self_bounded=True), Charge)  # a term call: the caps only


def test_budget_charges_before_and_settles_after() -> None:
    from translator.engine.base import Completion
    from translator.engine.budget import Charge, Refusal

    budget = Budget(max_tokens=1000)
    charge = budget.reserve(300, 600)
    assert isinstance(charge, Charge) and budget.tokens == 900
    refused = budget.reserve(50, 100)  # 900 + 150 would pass 1000
    assert isinstance(refused, Refusal) and refused.cap and "--max-tokens" in refused.message
    budget.settle(charge, Completion("…", "stop", 300, 120))
    assert budget.tokens == 420 and isinstance(budget.reserve(50, 100), Charge)


def test_a_request_cap_stops_the_run_cleanly(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    out = tmp_path / "out"
    args = [
        str(tei),
        "--out",
        str(out),
        "--base-url",
        llm.base_url,
        "--max-request-tokens",
        "40",
        "--no-auto-glossary",
    ]
    result = invoke([*args, "--max-requests", "2"])
    assert result.exit_code == 9, result.output
    assert "stopped: the request cap is reached (2 requests, --max-requests)" in result.output
    assert llm.count() == 2
    report = json.loads((out / "tiny.zh.json").read_text("utf-8"))["report"]
    assert report["stopped_by"].startswith("the request cap is reached")
    assert report["pending"] > 0 and report["translated"] > 0  # written, marked
    # Rerun with no cap: what was received comes from the cache, the rest is sent.
    again = invoke(args)
    assert again.exit_code == 0, again.output
    assert json.loads((out / "tiny.zh.json").read_text("utf-8"))["report"]["cached"] == report["translated"]


def test_the_dry_run_says_whether_the_estimate_fits_the_caps(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    result = invoke(
        [
            str(tei),
            "--base-url",
            llm.base_url,
            "--max-request-tokens",
            "40",
            "--dry-run",
            "--json",
            "--max-requests",
            "1",
            "--max-tokens",
            "10",
        ]
    )
    assert result.exit_code == 0, result.output
    estimate = json.loads(result.output[result.output.index("{") :])
    assert estimate["over_caps"] == ["--max-requests 1", "--max-tokens 10"]
    assert llm.count() == 0


def test_a_cut_off_term_answer_is_not_cached(tmp_path: Path) -> None:
    """The first term call is cut off: nothing of it is cached, so the next run asks
    again instead of reusing a broken answer."""
    from translator.cache import CacheContext
    from translator.engine.client import build_engine
    from translator.engine.terms import TERMS_PROMPT_VERSION, translate_terms
    from translator.glossary.extract import Candidate
    from translator.settings import load_settings

    found = [
        Candidate("reinforcement learning", "definition", 5, "RL"),
        Candidate("reward shaping", "phrase", 4),
    ]
    with FakeLLM(FaultPlan(script=["truncate"])) as llm:
        settings = load_settings({"base_url": llm.base_url, "cache_dir": tmp_path / "cache"}, env={})
        engine = build_engine(settings.engine)
        context = CacheContext(TERMS_PROMPT_VERSION, "m", llm.base_url, "zh", "A title")
        cache = TranslationCache(settings.storage.cache_dir)
        assert translate_terms(found, engine, cache, context, "A title") == []
        entries = translate_terms(found, engine, cache, context, "A title")
        third = translate_terms(found, engine, cache, context, "A title")
        cache.close()
        faults = [r.fault for r in llm.records]
    assert faults == ["truncate", None]  # asked again after the cut-off answer; the good one is cached
    assert {e.source for e in entries} == {"reinforcement learning", "reward shaping"} and entries == third


def test_a_key_in_the_url_is_written_nowhere(tmp_path: Path, llm: FakeLLM) -> None:
    """``https://key@host/v1``: the report, the cache's request log and the messages name
    the endpoint without the key."""
    from translator.urls import redact

    assert redact("https://sk-secret@api.example.org/v1") == "https://***@api.example.org/v1"
    assert redact("http://user:pw@host:8070") == "http://***@host:8070"
    assert redact("http://localhost:8070") == "http://localhost:8070"
    tei = write_small_tei(tmp_path)
    url = llm.base_url.replace("http://", "http://sk-secret-123@")
    cache = tmp_path / "cache"
    result = invoke([str(tei), "--base-url", url, "--cache-dir", str(cache), "-v", "--no-auto-glossary"])
    assert result.exit_code == 0, result.output
    assert "sk-secret-123" not in result.output
    assert "sk-secret-123" not in (tmp_path / "tiny.zh.json").read_text("utf-8")
    assert "***@127.0.0.1" in (tmp_path / "tiny.zh.json").read_text("utf-8")
    assert all(b"sk-secret-123" not in p.read_bytes() for p in cache.rglob("*") if p.is_file())
    unreachable = invoke(
        [str(tei), "--base-url", "http://sk-secret-123@127.0.0.1:9/v1", "--max-requests", "3"]
    )
    assert unreachable.exit_code == 7 and "sk-secret-123" not in unreachable.output


def test_a_pdf_whose_pages_hold_only_numbers_needs_ocr(tmp_path: Path) -> None:
    from fpdf import FPDF

    from translator.errors import BadInputError
    from translator.parsing.pdf_check import check_pdf

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in range(8):
        pdf.add_page()
        pdf.text(100, 280, f"Page {page + 1} of 8 - Journal of Scans - 2024")  # a footer, nothing else
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(BadInputError, match="looks scanned: 5 of the 5 pages looked at"):
        check_pdf(path)
    result = invoke([str(path), "--parser", "builtin"], OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert result.exit_code == 2 and "run OCR first" in result.output


def test_prompt_tokens_read_from_the_providers_cache_are_reported_and_priced(tmp_path: Path) -> None:
    """The instructions come first in every request, the same bytes each time: a provider
    with a prompt cache bills them at its cached rate, and the report says how many."""
    tei = write_small_tei(tmp_path)
    with FakeLLM(prefix_cache=True) as llm:
        result = invoke(
            [str(tei), "--format", "json", "--price", "1,2,0.1", "--max-request-tokens", "40"],
            OPENAI_BASE_URL=llm.base_url,
            TRANSLATOR_MIN_REQUEST_TOKENS="10",
        )
        cached = sum(r.cached_tokens for r in llm.records if r.status == 200 and r.ids)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "tiny.zh.json").read_text(encoding="utf-8"))["report"]
    assert report["cached_prompt_tokens"] == cached > 0
    assert "read from the provider's cache" in report["summary"]
    full = (report["prompt_tokens"] - cached) * 1 + cached * 0.1 + report["completion_tokens"] * 2
    assert report["cost"] == pytest.approx(full / 1e6, abs=1e-6)
