"""The command line, end to end through the fake GROBID and the fake LLM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from translator.errors import ExitCode

from .fixtures import SMALL_TEI, invoke, json_segments, make_pdf, start_cli, write_small_tei
from .servers.fake_grobid import FakeGrobid
from .servers.fake_llm import FakeLLM, FaultPlan


@pytest.fixture
def paper(tmp_path: Path, grobid: FakeGrobid) -> Path:
    pdf = make_pdf(tmp_path / "paper.pdf")
    grobid.add(pdf.read_bytes(), SMALL_TEI.encode())
    return pdf


def test_pdf_to_all_three_outputs(paper: Path, grobid: FakeGrobid, llm: FakeLLM, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke(
        [str(paper), "--lang", "zh", "--out", str(out)], GROBID_URL=grobid.url, OPENAI_BASE_URL=llm.base_url
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".paper.zh.run.json", "paper.tei.json", "paper.tei.xml", "paper.zh.glossary.csv", "paper.zh.html",
        "paper.zh.json", "paper.zh.md",
    ]  # fmt: skip
    data = json.loads((out / "paper.zh.json").read_text(encoding="utf-8"))
    assert data["report"]["failed"] == 0 and data["report"]["translated"] == data["report"]["segments"]
    assert "20 segments: 20 translated" in result.output

    # Rerun: up to date, nothing is asked; forced, the kept TEI is reused and every
    # answer comes from the cache.
    grobid_calls, llm_calls = len(grobid.requests), llm.count()
    args = [str(paper), "--lang", "zh", "--out", str(out)]
    again = invoke(args, GROBID_URL=grobid.url, OPENAI_BASE_URL=llm.base_url)
    assert again.exit_code == 0 and "up to date" in again.output
    forced = invoke([*args, "--force"], GROBID_URL=grobid.url, OPENAI_BASE_URL=llm.base_url)
    assert forced.exit_code == 0
    assert len(grobid.requests) == grobid_calls and llm.count() == llm_calls
    assert "20 from cache" in forced.output

    # Another paper saved under the same name: its bytes differ, so GROBID is asked again
    # (the kept TEI was reused on file dates alone once, and gave the first paper's text).
    make_pdf(paper, pages=3)
    os.utime(paper, (1_000_000_000, 1_000_000_000))  # older than the kept TEI, as a paper downloaded earlier
    grobid.add(paper.read_bytes(), SMALL_TEI.replace("Tiny Robots", "Big Boats").encode())
    third = invoke(
        [str(paper), "--lang", "zh", "--out", str(out)], GROBID_URL=grobid.url, OPENAI_BASE_URL=llm.base_url
    )
    assert third.exit_code == 0, third.output
    assert len(grobid.requests) == grobid_calls + 1
    assert "Big Boats" in (out / "paper.zh.md").read_text(encoding="utf-8")


def test_formats_and_mono(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    result = invoke([str(tei), "--format", "md", "--mono"], OPENAI_BASE_URL=llm.base_url)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("tiny.zh.*")) == ["tiny.zh.glossary.csv", "tiny.zh.md"]
    md = (tmp_path / "tiny.zh.md").read_text(encoding="utf-8")
    assert "Robots learn from rewards" not in md  # translation only


def test_dry_run_calls_no_api(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    result = invoke(
        [str(tei), "--dry-run", "--json", "--price", "0.15,0.60", "-q"], OPENAI_BASE_URL=llm.base_url
    )
    assert result.exit_code == 0, result.output
    estimate = json.loads(result.output)
    assert estimate["segments"] == 20 and estimate["requests"] >= 1
    assert estimate["prompt_tokens"] > estimate["source_tokens"] > 0
    assert estimate["cost_estimate"] > 0
    assert llm.count() == 0


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["missing.pdf"], ExitCode.BAD_INPUT, "no such file"),
        (["notes.txt"], ExitCode.BAD_INPUT, "not a PDF"),
        (["empty.tei.xml"], ExitCode.BAD_INPUT, "cannot read"),
        (["tiny.tei.xml", "--format", "pdf"], ExitCode.BAD_INPUT, "unknown format"),
    ],
)
def test_bad_input_exit_codes(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty.tei.xml").write_text("")
    write_small_tei(tmp_path)
    os.chdir(tmp_path)
    result = invoke(args, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_grobid_cannot_parse(tmp_path: Path, grobid: FakeGrobid) -> None:
    pdf = make_pdf(tmp_path / "paper.pdf")  # not known to the fake: it answers 500
    result = invoke([str(pdf)], GROBID_URL=grobid.url, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert result.exit_code == ExitCode.GROBID_FAILED
    assert "cannot parse this PDF" in result.output


def test_bad_api_key(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM(api_key="right") as llm:
        result = invoke([str(tei)], OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="wrong")
    assert result.exit_code == ExitCode.API_AUTH
    assert "OPENAI_API_KEY" in result.output
    assert not list(tmp_path.glob("tiny.zh.*"))


def test_partial_translation_exit_code(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM(FaultPlan(rate=1.0, kinds=("placeholder",))) as llm:
        result = invoke(
            [str(tei), "--format", "json"], OPENAI_BASE_URL=llm.base_url, TRANSLATOR_VALIDATION_RETRIES="1"
        )
    assert result.exit_code == ExitCode.PARTIAL
    report = json.loads((tmp_path / "tiny.zh.json").read_text(encoding="utf-8"))["report"]
    assert report["failed"] >= 1 and len(report["failed_segments"]) == report["failed"]
    assert "kept their original text" in result.output


def translations(path: Path) -> dict[str, str | None]:
    """Segment id → translation, from a JSON output."""
    document = json.loads(path.read_text(encoding="utf-8"))["document"]
    return {seg["id"]: seg["translation"] for seg in json_segments(document)}


def _run_cli(tei: Path, out: Path, cache: Path, llm: FakeLLM) -> subprocess.Popen[bytes]:
    args = [str(tei), "--out", str(out), "--format", "json", "-q", "--max-request-tokens", "20"]
    return start_cli(args, llm.base_url, TRANSLATOR_CACHE_DIR=str(cache))


@pytest.mark.slow
def test_kill_9_and_resume(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM() as llm:
        full = _run_cli(tei, tmp_path / "full", tmp_path / "cache-full", llm)
        assert full.wait(60) == 0
        uninterrupted = llm.count()
    assert uninterrupted >= 8

    # The server answers half the requests, then holds the next ones: the kill lands
    # with exactly that many answers received and two requests in flight.
    half = uninterrupted // 2
    with FakeLLM(hold_after=half) as llm:
        victim = _run_cli(tei, tmp_path / "out", tmp_path / "cache", llm)
        deadline = time.monotonic() + 60
        while not (llm.count() == half and llm.in_flight == 2):
            assert time.monotonic() < deadline and victim.poll() is None, "the run never reached the hold"
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        answered_before_kill = llm.count()
        assert answered_before_kill == half
        assert not (tmp_path / "out" / "tiny.zh.json").exists()
        llm.release()
        resumed = _run_cli(tei, tmp_path / "out", tmp_path / "cache", llm)
        assert resumed.wait(60) == 0
        total = llm.count()
    print(
        f"\nresume: uninterrupted run {uninterrupted} requests; killed after {answered_before_kill}; total {total}"
    )
    # Every answer received before the kill was kept: at most the requests in flight are sent again.
    assert uninterrupted <= total <= uninterrupted + 2  # concurrency 2: at most those two again
    full_doc = translations(tmp_path / "full" / "tiny.zh.json")
    assert len(full_doc) == 20 and all(full_doc.values())
    assert translations(tmp_path / "out" / "tiny.zh.json") == full_doc


@pytest.mark.slow
def test_two_runs_share_one_cache(tmp_path: Path) -> None:
    tei = write_small_tei(tmp_path)
    with FakeLLM(latency=0.05) as llm:
        runs = [_run_cli(tei, tmp_path / f"out{i}", tmp_path / "cache", llm) for i in range(2)]
        assert [r.wait(60) for r in runs] == [0, 0], [r.stderr.read() if r.stderr else b"" for r in runs]
    first = translations(tmp_path / "out0" / "tiny.zh.json")
    assert len(first) == 20 and all(first.values())
    assert translations(tmp_path / "out1" / "tiny.zh.json") == first


def test_progress_counts_segments(tmp_path: Path, llm: FakeLLM) -> None:
    from translator.cache import TranslationCache
    from translator.parsing.tei_reader import read_tei
    from translator.pipeline import translate_document
    from translator.settings import load_settings

    class Recorder:
        def __init__(self) -> None:
            self.total = 0
            self.done = 0
            self.tokens = 0

        def start(self, total: int, expected_tokens: int = 0) -> None:
            self.total = total

        def advance(self, units: int, tokens: int) -> None:
            self.done += units
            self.tokens += tokens

        def note(self, message: str) -> None:
            pass

        def stop(self) -> None:
            pass

    recorder = Recorder()
    settings = load_settings({"base_url": llm.base_url, "max_request_tokens": 20, "min_request_tokens": 10})
    results, stats = translate_document(
        read_tei(SMALL_TEI), settings, TranslationCache(tmp_path), progress=recorder
    )
    assert recorder.total == recorder.done == len(results.segments) == 20
    assert recorder.tokens == stats.completion_tokens > 0


def test_glossary_subcommands(tmp_path: Path) -> None:
    assert invoke(["glossary", "add", "reinforcement learning", "强化学习", "--lang", "zh"]).exit_code == 0
    assert invoke(["glossary", "add", "SPOT"]).exit_code == 0
    listed = invoke(["glossary", "list"])
    assert listed.output.splitlines() == ["reinforcement learning,强化学习,", "SPOT,,"]
    theirs = tmp_path / "paper.zh.glossary.csv"
    theirs.write_text(
        "source,target,note\nreinforcement learning,增强学习,auto\npolicy,策略,auto: long form\n"
    )
    assert "1 new, 3 entries" in invoke(["glossary", "import", str(theirs)]).output
    exported = tmp_path / "mine.csv"
    assert invoke(["glossary", "export", str(exported)]).exit_code == 0
    text = exported.read_text(encoding="utf-8")
    assert "reinforcement learning,增强学习," in text and "policy,策略,long form" in text
    assert invoke(["glossary", "remove", "SPOT"]).exit_code == 0
    assert invoke(["glossary", "remove", "SPOT"]).exit_code == ExitCode.BAD_INPUT
    assert "SPOT" not in invoke(["glossary", "list"]).output
    assert invoke(["glossary", "list", "--lang", "ja"]).output == ""  # one glossary per language


def test_run_uses_default_and_given_glossaries(tmp_path: Path, llm: FakeLLM) -> None:
    tei = write_small_tei(tmp_path)
    invoke(["glossary", "add", "robots", "机器人"])
    extra = tmp_path / "extra.csv"
    extra.write_text("reinforcement learning,强化学习\nrobots,机械人\n", encoding="utf-8")
    result = invoke(
        [str(tei), "--glossary", str(extra), "--annotate-terms", "-v"], OPENAI_BASE_URL=llm.base_url
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "tiny.zh.json").read_text(encoding="utf-8"))
    report = data["report"]["glossary"]
    assert report["consistency_rate"] == 1.0 and report["user_entries"] == 2
    written = (tmp_path / "tiny.zh.glossary.csv").read_text(encoding="utf-8")
    assert "robots,机械人" in written  # --glossary beats the default glossary
    md = (tmp_path / "tiny.zh.md").read_text(encoding="utf-8")
    assert md.count("强化学习（reinforcement learning）") == 1
    assert "terms consistent 100.0%" in result.output
    # Without extraction, only the user's entries remain.
    invoke([str(tei), "--no-auto-glossary", "--format", "json"], OPENAI_BASE_URL=llm.base_url)
    written = (tmp_path / "tiny.zh.glossary.csv").read_text(encoding="utf-8")
    assert written.splitlines() == ["source,target,note", "robots,机器人,"]
