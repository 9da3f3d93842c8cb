"""One line per event: what happened to which paper, greppable as text or read as JSON lines."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any


class EventLog:
    """``event("done", "a/paper.pdf", seconds=12.3)`` writes
    ``2026-12-03T13:40:01Z done a/paper.pdf seconds=12.3`` (or its JSON object)."""

    def __init__(self, write: Callable[[str], None], json_lines: bool = False) -> None:
        self.write = write
        self.json_lines = json_lines
        self._lock = threading.Lock()

    def event(self, kind: str, subject: str = "", **fields: Any) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if self.json_lines:
            line = json.dumps({"time": stamp, "event": kind, "path": subject, **fields}, ensure_ascii=False)
        else:
            parts = [stamp, kind, subject, *(f"{k}={_text(v)}" for k, v in fields.items() if v is not None)]
            line = " ".join(p for p in parts if p)
        with self._lock:
            self.write(line)


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    # One event, one line: a reason that spans lines (a traceback) is quoted whole.
    return json.dumps(text, ensure_ascii=False) if (" " in text or "\n" in text) else text
