"""The cache's schema grows by numbered migrations; a cache an older version wrote keeps
every answer, term answers included, and a dry run reads it without changing it."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from translator.cache import MIGRATIONS, TranslationCache
from translator.service.store import JobStore

# The schema every earlier version created, term answers stored among the translations.
OLD_SCHEMA = MIGRATIONS[0][1]
TERMS = json.dumps(["reinforcement learning", "policy gradient"])
ANSWER = json.dumps({"reinforcement learning": "强化学习", "policy gradient": "策略梯度"}, ensure_ascii=False)


def old_cache(folder: Path) -> Path:
    path = folder / "translations.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.executemany(
        "INSERT INTO translations VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("k-terms", TERMS, ANSWER, "m", "zh", 1.0),
            ("k-text", "[1] showed it.", "[1] 表明了这一点。", "m", "zh", 1.0),
        ],
    )
    db.commit()
    db.close()
    return path


def applied(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT number FROM _migrations ORDER BY number")]


def test_a_new_cache_records_every_migration(tmp_path: Path) -> None:
    TranslationCache(tmp_path).close()
    assert applied(tmp_path / "translations.sqlite3") == [n for n, _ in MIGRATIONS]


def test_an_old_cache_is_migrated_once_and_keeps_its_answers(tmp_path: Path) -> None:
    path = old_cache(tmp_path)
    cache = TranslationCache(tmp_path)
    assert cache.get_terms("k-terms") == ANSWER  # moved to the terms table: no term call again
    assert cache.get_terms("k-text") is None  # a paragraph that starts with "[" is not a term list
    assert cache.get_many(["k-text"]) == {"k-text": "[1] 表明了这一点。"}
    cache.put_terms("k-new", "[]", "{}", "m", "zh")
    cache.close()
    TranslationCache(tmp_path).close()  # opening again applies nothing twice
    assert applied(path) == [n for n, _ in MIGRATIONS]


def test_a_dry_run_reads_an_old_cache_without_migrating_it(tmp_path: Path) -> None:
    path = old_cache(tmp_path)
    before = path.read_bytes()
    cache = TranslationCache(tmp_path, read_only=True)
    assert cache.get_terms("k-terms") == ANSWER
    cache.close()
    assert path.read_bytes() == before


def test_a_full_cache_disk_is_said_as_such_and_keeps_what_it_stored(tmp_path: Path) -> None:
    """SQLite's page cap stands in for a full disk: it fails a write with the same error
    ("database or disk is full"). The run stops naming the disk; every answer stored
    before stays; the rerun sends only what is left."""
    import pytest

    from translator.errors import CacheFullError, ExitCode
    from translator.parsing.tei_reader import read_tei
    from translator.pipeline import translate_document
    from translator.settings import load_settings

    from .fixtures import SMALL_TEI
    from .servers.fake_llm import FakeLLM

    with FakeLLM() as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "max_request_tokens": 20, "min_request_tokens": 10, "concurrency": 1},
            env={},
        )
        cache = TranslationCache(tmp_path)
        pages = cache._db.execute("PRAGMA page_count").fetchone()[0]
        cache._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(CacheFullError, match="disk is full") as caught:
            translate_document(read_tei(SMALL_TEI), settings, cache)
        assert caught.value.exit_code == ExitCode.OUTPUT_FAILED
        assert "cannot rollback" not in str(caught.value.__cause__)
        stored = cache.count()
        cache.close()
        sent = llm.count()
        assert stored > 0
        again = TranslationCache(tmp_path)  # room again
        results, stats = translate_document(read_tei(SMALL_TEI), settings, again)
        again.close()
    assert results.count("translated") + results.count("cached") == len(results.segments)
    assert stats.cache_hits >= stored and llm.count() - sent < sent + 20


def _open_at(folder: str, start: float, kind: str) -> str:
    """Open a fresh cache or job store at ``start``, from a process of its own."""
    while time.time() < start:
        pass
    try:
        if kind == "cache":
            cache = TranslationCache(Path(folder))
            cache.put_many([("k", "s", "t")], "m", "zh")
            cache.close()
        else:
            JobStore(Path(folder) / "jobs.sqlite3").close()
    except sqlite3.Error as exc:
        return repr(exc)
    return "ok"


@pytest.mark.parametrize("kind", ["cache", "store"])
def test_runs_started_together_all_open_a_database_that_did_not_exist(tmp_path: Path, kind: str) -> None:
    # Found in CI: of two runs started at once on a new cache, one failed with
    # "database is locked" (the switch to WAL mode does not wait out a lock), and a
    # migration could be applied twice. Six processes, twenty fresh files.
    # Spawned, not forked: a child forked while the test process has threads (servers of
    # earlier tests, kept-alive connections) can inherit a lock one of them held, and hang.
    outcomes: list[str] = []
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        pool.starmap(time.sleep, [(0.5,)] * 6, chunksize=1)  # every process started and ready
        for trial in range(20):
            folder = tmp_path / str(trial)
            folder.mkdir()
            start = time.time() + 0.05
            opened = pool.starmap_async(_open_at, [(str(folder), start, kind)] * 6, chunksize=1)
            outcomes += opened.get(timeout=60)
    assert [o for o in outcomes if o != "ok"] == []
    assert len(outcomes) == 120
