"""``translate worker`` in a process of its own, its JSON-lines log read as it comes
(the worker tests and the workers benchmark start them)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    def __init__(self, env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-m", "translator", "worker", "--log-json", *args]
        full_env = dict(os.environ, PYTHONPATH=str(ROOT), **env)
        self.process = subprocess.Popen(
            command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.events: list[dict[str, object]] = []
        self.raw: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            text = line.decode("utf-8", "replace").strip()
            self.raw.append(text)
            if text.startswith("{"):
                self.events.append(json.loads(text))

    def ready(self, timeout: float = 60.0) -> WorkerProcess:
        """Wait until the worker serves (its first log event, after it reached Redis)."""
        import time

        deadline = time.monotonic() + timeout
        while not self.saw("worker"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("the worker did not start:\n" + "\n".join(self.raw))
            time.sleep(0.05)
        return self

    def saw(self, kind: str) -> list[dict[str, object]]:
        return [e for e in self.events if e["event"] == kind]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(20)
