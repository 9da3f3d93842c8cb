"""The SQLite files several processes share (the translation cache, a watch folder's
job store): opened the same way, grown by numbered migrations (as simonw/llm does).

Two runs started at once may both open a file that does not exist yet. SQLite waits
out a lock for most statements, but not always for the switch to WAL mode, and two
processes may both find a migration missing; both are handled here, so the second
run waits for the first instead of failing with "database is locked".
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

_RETRY_PAUSE = 0.02


def open_shared(path: Path, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode, in WAL mode, that waits up to ``timeout``
    seconds for another process's lock (each statement, and the switch to WAL)."""
    db = sqlite3.connect(path, timeout=timeout, check_same_thread=False, isolation_level=None)
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return db
        except sqlite3.OperationalError as exc:
            # Another process creating the file or switching it to WAL holds the lock,
            # and SQLite does not call its busy handler for this: wait, bounded.
            if not _is_busy(exc) or time.monotonic() >= deadline:
                db.close()
                raise
            time.sleep(_RETRY_PAUSE)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def migrate(db: sqlite3.Connection, migrations: list[tuple[int, str]]) -> list[int]:
    """Apply, each in its own transaction, the migrations this database lacks; returns
    their numbers. A migration another process applied meanwhile is not applied again:
    whether it is there is decided inside the write transaction."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (number INTEGER PRIMARY KEY, applied REAL NOT NULL)")
    done = {row[0] for row in db.execute("SELECT number FROM _migrations")}
    applied = []
    for number, script in migrations:
        if number not in done and _apply(db, number, script):
            applied.append(number)
    return applied


def _apply(db: sqlite3.Connection, number: int, script: str) -> bool:
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("SELECT 1 FROM _migrations WHERE number = ?", (number,)).fetchone():
            db.execute("COMMIT")
            return False
        for statement in _statements(script):
            db.execute(statement)
        db.execute("INSERT INTO _migrations VALUES (?, ?)", (number, time.time()))
        db.execute("COMMIT")
        return True
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """A script's statements, one each (``executescript`` would commit the open
    transaction first)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
