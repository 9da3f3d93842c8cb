"""Shared fixtures: isolated home/cache/config, the corpus, and the two test servers."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from .fixtures import ROOT
from .servers.fake_grobid import FakeGrobid
from .servers.fake_llm import FakeLLM, FaultPlan

F = TypeVar("F", bound=Callable[..., Any])
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_REASON = (
    f"the shared corpus is absent ({CORPUS}); the corpus tests need ../shared/corpus beside the project"
)


def corpus_available() -> bool:
    return (CORPUS / "MANIFEST.tsv").is_file()


def corpus_tei_files() -> list[Path]:
    return sorted(CORPUS.glob("*/*.tei.xml")) if corpus_available() else []


def corpus_pairs() -> list[tuple[Path, Path]]:
    if not corpus_available():
        return []
    return [
        (tei.with_name(tei.name.replace(".tei.xml", ".pdf")), tei)
        for tei in sorted(CORPUS.glob("pairs/*.tei.xml"))
    ]


def manifest_counts() -> dict[str, dict[str, int]]:
    """Per TEI file, the counts the corpus MANIFEST records (paras, formulas, ...)."""
    counts: dict[str, dict[str, int]] = {}
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["local_file"].endswith(".xml"):
                counts[row["local_file"]] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", row["notes"])}
    return counts


_CORPUS_SKIP = pytest.mark.skipif(not corpus_available(), reason=CORPUS_REASON)


def needs_corpus(test: F) -> F:
    """Marks a test ``corpus`` (``-m "not corpus"`` leaves them out) and skips it,
    saying why, when ``../shared/corpus`` is absent."""
    return pytest.mark.corpus(_CORPUS_SKIP(test))  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real home, cache or config; never see the developer's API settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("TRANSLATOR_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("TRANSLATOR_CONFIG_DIR", str(home / "config"))
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GROBID_URL", "TRANSLATOR_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    # Fast retries: the faults are injected, waiting real seconds proves nothing.
    monkeypatch.setenv("TRANSLATOR_RETRY_INITIAL_SECONDS", "0.02")
    monkeypatch.setenv("TRANSLATOR_RETRY_MAX_SECONDS", "0.1")
    return home


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def faulty_llm() -> Iterator[FakeLLM]:
    """30% of requests fail, in every way the issue lists."""
    with FakeLLM(FaultPlan(rate=0.3, hang_seconds=1.5)) as server:
        yield server


@pytest.fixture
def grobid() -> Iterator[FakeGrobid]:
    with FakeGrobid() as server:
        yield server
