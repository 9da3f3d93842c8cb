"""A job's progress written to its record on the board, for every submitter to show."""

from __future__ import annotations

import contextlib
import threading
import time

from ..errors import BrokerError
from .board import JobBoard

WRITE_EVERY_SECONDS = 0.5


class BoardProgress:
    """A job's ``Progress``: segments done and the stage, at most two writes a second."""

    def __init__(self, board: JobBoard, job: str) -> None:
        self.board = board
        self.job = job
        self.done = 0
        self.total = 0
        self.stage = ""
        self._written = 0.0
        self._lock = threading.Lock()

    def start(self, total: int, expected_tokens: int = 0) -> None:
        with self._lock:
            self.total, self.done, self.stage = total, 0, "translating"
        self._write(force=True)

    def advance(self, units: int, tokens: int) -> None:
        with self._lock:
            self.done += units
        self._write()

    def note(self, message: str) -> None:
        with self._lock:
            self.stage = message[:200]
        self._write()

    def stop(self) -> None:
        self._write(force=True)

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._written < WRITE_EVERY_SECONDS:
                return
            self._written = now
            fields = {"done": self.done, "total": self.total, "stage": self.stage}
        with contextlib.suppress(BrokerError):  # progress only: the job goes on, the next write tries again
            self.board.report(self.job, **fields)
