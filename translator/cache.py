"""SQLite cache of translations, keyed by a content hash.

Every answer is stored the moment it arrives, so a crash or ``kill -9`` never
costs a paid-for translation.  WAL mode and a busy timeout let two runs share
one cache file at once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    model TEXT NOT NULL,
    lang TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    units INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    duration REAL NOT NULL,
    outcome TEXT NOT NULL,
    created REAL NOT NULL
);
"""


@dataclass(frozen=True)
class CacheContext:
    """Everything besides the text that changes what a translation should be."""

    prompt_version: str
    model: str
    endpoint: str
    lang: str
    title: str

    def key(self, section: str, text: str) -> str:
        payload = json.dumps(
            [self.prompt_version, self.model, self.endpoint, self.lang, self.title, section, text],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TranslationCache:
    """A thread-safe handle on the cache database."""

    def __init__(self, directory: Path, read_only: bool = False) -> None:
        self.path = directory / "translations.sqlite3"
        self._lock = threading.Lock()
        if read_only:
            # A dry run reads what is there and creates nothing (an absent cache reads as empty).
            target = f"{self.path.as_uri()}?mode=ro" if self.path.is_file() else "file::memory:"
            self._db = sqlite3.connect(target, uri=True, check_same_thread=False, isolation_level=None)
            if not self.path.is_file():
                self._db.executescript(SCHEMA)
            return
        directory.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=60000")
        with self._lock:
            self._db.executescript(SCHEMA)

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        keys = list(keys)
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, translation FROM translations WHERE key IN ({marks})", chunk
                ).fetchall()
                found.update(dict(rows))
        return found

    def put_many(self, items: Iterable[tuple[str, str, str]], model: str, lang: str) -> None:
        """Store ``(key, source, translation)`` triples in one transaction."""
        now = time.time()
        rows = [(k, s, t, model, lang, now) for k, s, t in items]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def log_request(
        self,
        model: str,
        endpoint: str,
        units: int,
        prompt_tokens: int,
        completion_tokens: int,
        duration: float,
        outcome: str,
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO requests (model, endpoint, units, prompt_tokens, completion_tokens,"
                " duration, outcome, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (model, endpoint, units, prompt_tokens, completion_tokens, duration, outcome, time.time()),
            )

    def count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM translations").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
