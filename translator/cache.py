"""SQLite cache of translations and term answers, keyed by a content hash.

Every answer is stored the moment it arrives, so a crash or ``kill -9`` never
costs a paid-for translation.  WAL mode and a busy timeout let two runs share
one cache file at once. The schema grows by numbered migrations recorded in the
database itself (``databases.migrate``), so a cache any earlier version wrote is
brought up to date when it is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .databases import migrate, open_shared
from .errors import CacheFullError

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
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
""",
    ),
    (
        2,
        # Term answers get a table of their own. Those an older version kept among the
        # translations (their source is a JSON list of terms) are copied over, so an
        # upgrade pays for no term call again.
        """
CREATE TABLE IF NOT EXISTS terms (
    key TEXT PRIMARY KEY,
    terms TEXT NOT NULL,
    answer TEXT NOT NULL,
    model TEXT NOT NULL,
    lang TEXT NOT NULL,
    created REAL NOT NULL
);
INSERT OR IGNORE INTO terms (key, terms, answer, model, lang, created)
    SELECT key, source, translation, model, lang, created FROM translations
    WHERE source LIKE '["%' AND json_valid(source) AND json_type(source) = 'array';
""",
    ),
]


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


class Cache(Protocol):
    """Where answers are kept: the SQLite file below; a store shared by many machines later."""

    def get_many(self, keys: Iterable[str]) -> dict[str, str]: ...
    def put_many(self, items: Iterable[tuple[str, str, str]], model: str, lang: str) -> None: ...
    def get_terms(self, key: str) -> str | None: ...
    def put_terms(self, key: str, terms: str, answer: str, model: str, lang: str) -> None: ...
    def log_request(
        self, model: str, endpoint: str, units: int, prompt_tokens: int, completion_tokens: int,
        duration: float, outcome: str,
    ) -> None: ...  # fmt: skip
    def close(self) -> None: ...


class TranslationCache:
    """A thread-safe handle on the cache database."""

    def __init__(self, directory: Path, read_only: bool = False) -> None:
        self.path = directory / "translations.sqlite3"
        self._lock = threading.Lock()
        if read_only:
            # A dry run reads what is there and creates nothing: an absent cache reads
            # as empty, one an older version wrote is read as it is.
            exists = self.path.is_file()
            target = f"{self.path.as_uri()}?mode=ro" if exists else "file::memory:"
            self._db = sqlite3.connect(target, uri=True, check_same_thread=False, isolation_level=None)
            if not exists:
                migrate(self._db, MIGRATIONS)
            self._terms_table = self._has_table("terms")
            return
        directory.mkdir(parents=True, exist_ok=True)
        self._db = open_shared(self.path, timeout=60)
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            migrate(self._db, MIGRATIONS)
        self._terms_table = True

    def _has_table(self, name: str) -> bool:
        found = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return found.fetchone() is not None

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
        with self._lock, self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does): only the first error counts.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """A full disk is said as such, with what to do; what was stored before stays."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "full" not in str(exc).lower():
                raise
            raise CacheFullError(
                f"the translation cache's disk is full ({self.path}): every answer stored before this "
                "one is kept; free some space or pass --cache-dir on another disk, then rerun"
            ) from exc

    def get_terms(self, key: str) -> str | None:
        """A cached term answer (a JSON object of term → translation)."""
        # A read-only cache of an older version has its term answers among the translations.
        table, column = ("terms", "answer") if self._terms_table else ("translations", "translation")
        with self._lock:
            row = self._db.execute(f"SELECT {column} FROM {table} WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_terms(self, key: str, terms: str, answer: str, model: str, lang: str) -> None:
        """Store the answer to one term call (``terms``: the JSON list asked about)."""
        with self._lock, self._writing():
            self._db.execute(
                "INSERT OR REPLACE INTO terms VALUES (?, ?, ?, ?, ?, ?)",
                (key, terms, answer, model, lang, time.time()),
            )

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
        with self._lock, self._writing():
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
