"""The job store: one job per PDF content (its SHA-256), the inbox files that carry it,
and what each day cost — in SQLite beside the outputs, so a daemon killed at any
moment picks up where it was.

A job is ``queued`` (maybe not before some time), ``running``, ``done`` or ``failed``.
A source is one file under the inbox: ``waiting`` for its outputs, ``written``, or
``failed`` (set aside). The same PDF under two names is two sources and one job:
translated once, its outputs written under both names.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..databases import migrate, open_shared

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
CREATE TABLE jobs (
    hash TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    started REAL,
    finished REAL,
    pages INTEGER,
    segments INTEGER,
    failed_segments INTEGER,
    requests INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0,
    seconds REAL,
    last_error TEXT,
    tei TEXT
);
CREATE TABLE sources (
    path TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    state TEXT NOT NULL,
    seen REAL NOT NULL
);
CREATE INDEX sources_by_hash ON sources (hash);
CREATE TABLE spend (day TEXT PRIMARY KEY, cost REAL NOT NULL);
""",
    ),
]

STATES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Ready:
    """A source whose outputs can be made now; ``done`` when its job is already
    translated (then only the cache is read)."""

    path: str
    hash: str
    done: bool
    tei: str | None


@dataclass(frozen=True)
class Outcome:
    """What one try of a job produced, for the store."""

    pages: int | None = None
    segments: int | None = None
    failed_segments: int | None = None
    requests: int = 0
    tokens: int = 0
    cost: float = 0.0
    seconds: float = 0.0
    tei: str | None = None


class JobStore:
    """The store of one inbox/outbox pair; safe to share between threads."""

    def __init__(self, path: Path, now: Any = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.now = now
        self._lock = threading.Lock()
        self._db = open_shared(path, timeout=30)
        self._db.row_factory = sqlite3.Row
        migrate(self._db, MIGRATIONS)

    def close(self) -> None:
        self._db.close()

    def _run(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- sources ---------------------------------------------------------------
    def known_hash(self, path: str, size: int, mtime: float, again: bool = False) -> str | None:
        """The hash recorded for this file if it has not changed since and is waiting or
        done (no need to read it again). A file set aside, or (``again``) one already
        written, counts as a new drop."""
        states = ("waiting",) if again else ("waiting", "written")
        rows = self._run(
            f"SELECT hash FROM sources WHERE path = ? AND size = ? AND mtime = ? AND state IN "
            f"({', '.join('?' * len(states))})",
            path,
            size,
            mtime,
            *states,
        )
        return str(rows[0]["hash"]) if rows else None

    def add_source(self, path: str, digest: str, size: int, mtime: float) -> list[str]:
        """Record a settled inbox file as waiting for its outputs, and queue its job unless
        it is queued, running or done (a job set aside is tried afresh). Returns the other
        names this PDF already has."""
        now = self.now()
        with self._lock, _transaction(self._db):
            self._db.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, 'waiting', ?) ON CONFLICT (path) DO UPDATE SET "
                "hash = excluded.hash, size = excluded.size, mtime = excluded.mtime, state = 'waiting', "
                "seen = excluded.seen",
                (path, digest, size, mtime, now),
            )
            self._db.execute(
                "INSERT INTO jobs (hash, state, created) VALUES (?, 'queued', ?) ON CONFLICT (hash) DO UPDATE "
                "SET state = 'queued', attempts = 0, not_before = 0 WHERE state = 'failed'",
                (digest, now),
            )
            others = self._db.execute(
                "SELECT path FROM sources WHERE hash = ? AND path != ? ORDER BY seen", (digest, path)
            ).fetchall()
        return [str(r["path"]) for r in others]

    def set_source(self, path: str, state: str) -> None:
        self._run("UPDATE sources SET state = ? WHERE path = ?", state, path)

    def sources_of(self, digest: str, state: str = "waiting") -> list[str]:
        return [
            r["path"]
            for r in self._run("SELECT path FROM sources WHERE hash = ? AND state = ?", digest, state)
        ]

    # -- jobs ------------------------------------------------------------------
    def ready(self, busy: set[str]) -> list[Ready]:
        """Waiting sources whose job is translated, or queued and due, and not in hand."""
        rows = self._run(
            "SELECT s.path, s.hash, j.state, j.tei FROM sources s JOIN jobs j ON j.hash = s.hash "
            "WHERE s.state = 'waiting' AND (j.state = 'done' OR (j.state = 'queued' AND j.not_before <= ?)) "
            "ORDER BY j.created, s.seen",
            self.now(),
        )
        found: list[Ready] = []
        for row in rows:
            if row["hash"] in busy or any(r.hash == row["hash"] and not r.done for r in found):
                continue  # one translation of a PDF at a time; its other names follow from the cache
            found.append(Ready(row["path"], row["hash"], row["state"] == "done", row["tei"]))
        return found

    def next_due(self) -> float | None:
        """When the next queued job with a waiting file may start (None: none is queued)."""
        rows = self._run(
            "SELECT MIN(j.not_before) AS due FROM jobs j JOIN sources s ON s.hash = j.hash "
            "WHERE j.state = 'queued' AND s.state = 'waiting'"
        )
        due = rows[0]["due"] if rows else None
        return None if due is None else float(due)

    def start(self, digest: str) -> None:
        self._run(
            "UPDATE jobs SET state = 'running', started = ?, attempts = attempts + 1 WHERE hash = ? "
            "AND state != 'done'",
            self.now(),
            digest,
        )

    def finish(self, digest: str, outcome: Outcome) -> None:
        """The job is translated; its figures are kept for the status and the daily spend."""
        self._run(
            "UPDATE jobs SET state = 'done', finished = ?, pages = ?, segments = ?, failed_segments = ?, "
            "requests = requests + ?, tokens = tokens + ?, cost = cost + ?, seconds = ?, last_error = NULL, "
            "tei = COALESCE(?, tei) WHERE hash = ?",
            self.now(),
            outcome.pages,
            outcome.segments,
            outcome.failed_segments,
            outcome.requests,
            outcome.tokens,
            outcome.cost,
            outcome.seconds,
            outcome.tei,
            digest,
        )
        self.spent(outcome.cost)

    def retry(self, digest: str, error: str, not_before: float, outcome: Outcome | None = None) -> None:
        """Back to the queue: a passing cause (or a shutdown), tried again from ``not_before``."""
        self._end_try(digest, "queued", error, outcome, not_before=not_before)

    def defer(self, digest: str, reason: str, not_before: float) -> None:
        """A queued job that has not started waits until ``not_before`` (no try is counted)."""
        self._run(
            "UPDATE jobs SET not_before = ?, last_error = ? WHERE hash = ? AND state = 'queued'",
            not_before,
            reason,
            digest,
        )

    def fail(self, digest: str, error: str, outcome: Outcome | None = None) -> None:
        """Set aside: tried again only when its file is dropped again."""
        self._end_try(digest, "failed", error, outcome, finished=self.now())

    def _end_try(
        self,
        digest: str,
        state: str,
        error: str,
        outcome: Outcome | None,
        not_before: float | None = None,
        finished: float | None = None,
    ) -> None:
        """A try that did not finish the job: its state, its error, and what it spent."""
        spent = outcome or Outcome()
        self._run(
            "UPDATE jobs SET state = ?, not_before = COALESCE(?, not_before), finished = COALESCE(?, finished), "
            "last_error = ?, requests = requests + ?, tokens = tokens + ?, cost = cost + ? WHERE hash = ?",
            state,
            not_before,
            finished,
            error,
            spent.requests,
            spent.tokens,
            spent.cost,
            digest,
        )
        self.spent(spent.cost)

    def requeue_running(self) -> int:
        """After a crash or a shutdown: every running job is queued again (the attempt
        it was on is not counted against it)."""
        with self._lock:
            cursor = self._db.execute(
                "UPDATE jobs SET state = 'queued', attempts = MAX(0, attempts - 1) WHERE state = 'running'"
            )
            return cursor.rowcount

    def job(self, digest: str) -> dict[str, Any]:
        rows = self._run("SELECT * FROM jobs WHERE hash = ?", digest)
        return dict(rows[0]) if rows else {}

    def attempts(self, digest: str) -> int:
        return int(self.job(digest).get("attempts") or 0)

    def status(self) -> list[dict[str, Any]]:
        """Every source with its job, newest first: for ``--status``."""
        rows = self._run(
            "SELECT s.path, s.state AS source_state, j.* FROM sources s JOIN jobs j ON j.hash = s.hash "
            "ORDER BY s.seen DESC"
        )
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        rows = self._run("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
        return {state: 0 for state in STATES} | {r["state"]: int(r["n"]) for r in rows}

    # -- the day's spend -------------------------------------------------------
    def spent(self, cost: float) -> None:
        if cost:
            self._run(
                "INSERT INTO spend VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET cost = cost + excluded.cost",
                _day(self.now()),
                cost,
            )

    def spent_today(self) -> float:
        rows = self._run("SELECT cost FROM spend WHERE day = ?", _day(self.now()))
        return float(rows[0]["cost"]) if rows else 0.0


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _day(when: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(when))


def next_day(when: float) -> float:
    """The next midnight (UTC) after ``when``: when a daily cap opens again."""
    return (int(when) // 86400 + 1) * 86400.0


def utc_stamp(when: float) -> str | None:
    """``when`` as the log writes times (None for 0: at once)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)) if when else None
