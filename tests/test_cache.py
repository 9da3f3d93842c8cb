"""The cache's schema grows by numbered migrations; a cache an older version wrote keeps
every answer, term answers included, and a dry run reads it without changing it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from translator.cache import MIGRATIONS, TranslationCache

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
