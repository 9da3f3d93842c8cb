"""Terminology on every corpus pair: consistency, detection, extraction recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.glossary_recall import recall
from translator.chunking.protect import protect
from translator.jobs import run
from translator.model import Segment, Span
from translator.settings import load_settings

from .conftest import CORPUS, corpus_pairs, needs_corpus
from .fixtures import json_segments
from .servers.fake_llm import FakeLLM

pytestmark = pytest.mark.slow  # every corpus pair end to end

TEIS = [tei for _, tei in corpus_pairs()]


def _run(tei: Path, tmp_path: Path, llm: FakeLLM) -> dict[str, object]:
    settings = load_settings({"base_url": llm.base_url, "cache_dir": tmp_path / "cache", "formats": "json"})
    result = run(tei, settings, out_dir=tmp_path)
    assert not result.failed
    return json.loads((tmp_path / f"{result.source.stem}.zh.json").read_text(encoding="utf-8"))


@needs_corpus
@pytest.mark.parametrize("tei", TEIS, ids=lambda p: p.name.replace(".tei.xml", ""))
def test_followed_glossary_is_fully_consistent(tei: Path, tmp_path: Path) -> None:
    with FakeLLM() as llm:
        data = _run(tei, tmp_path, llm)
        assert sum(r.glossary_request for r in llm.records) >= 1
    report = data["report"]["glossary"]  # type: ignore[index]
    assert report["auto_entries"] > 0 and report["occurrences"] > 0
    assert report["consistency_rate"] == 1.0, report["inconsistent"][:5]


@needs_corpus
@pytest.mark.parametrize("tei", TEIS, ids=lambda p: p.name.replace(".tei.xml", ""))
def test_ignored_glossary_is_detected(tei: Path, tmp_path: Path) -> None:
    with FakeLLM(follow_glossary=False) as llm:
        data = _run(tei, tmp_path, llm)
        records = [r for r in llm.records if r.fault != "image"]  # formula crops hold no terms
    report = data["report"]["glossary"]  # type: ignore[index]
    # The server's log of what it ignored, from the last answer for each text.
    last: dict[str, set[str]] = {}
    for record in records:
        texts = json.loads(record.user) if not record.glossary_request else {}
        for text in texts.values() if isinstance(texts, dict) else []:
            last[text] = {term for t, term in record.ignored if t == text}
    logged = {(text, term) for text, terms in last.items() for term in terms}
    segments = {s["id"]: s for s in json_segments(data["document"])}
    reported = set()
    for issue in report["inconsistent"]:
        seg = segments[issue["segment"]]
        model = Segment(seg["id"], seg["kind"], seg["text"], [Span(**sp) for sp in seg["spans"]])
        protected = protect(model).text
        pieces = [text for text in last if text in protected]
        assert pieces, issue
        reported |= {(p, issue["term"]) for p in pieces if issue["term"] in last[p]}
    assert reported == logged
    assert report["consistency_rate"] < 1.0
    retries = sum("glossary not followed" in r.system for r in records)
    assert 0 < retries <= sum("glossary not followed" not in r.system for r in records)


@needs_corpus
@pytest.mark.parametrize(
    "tei", sorted(CORPUS.glob("pairs/*.tei.xml")) + sorted(CORPUS.glob("tei/*.tei.xml")), ids=lambda p: p.stem
)
def test_acronym_definitions_are_extracted(tei: Path) -> None:
    hit, count, missed = recall(tei, ordered=True)
    assert count == 0 or hit / count >= 0.9, missed
