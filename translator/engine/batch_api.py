"""Half price when time allows: a run's requests sent through an OpenAI-compatible
Batch API (upload a JSONL file, create a batch, poll, download the answers).

The answers then go through the same checks and the same cache as streamed ones;
a request the batch did not answer well is sent again the normal way. The batch id
is kept in the cache folder under a hash of the requests, so a run stopped while
it waits (Ctrl-C, a restart) picks the same batch up instead of paying again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import TranslatorError
from .base import Completion, EngineError, Messages

FINISHED = {"completed"}
GIVEN_UP = {"failed", "expired", "cancelled", "cancelling"}
STEP_SECONDS = 0.2  # how often a wait looks at the stop flag


class BatchTransport(Protocol):
    """What an endpoint's Batch API offers (``engine.openai_engine.OpenAIBatches``)."""

    def upload(self, name: str, data: bytes) -> str: ...
    def create(self, file_id: str) -> str: ...
    def status(self, batch_id: str) -> tuple[str, str | None, str | None]: ...
    def download(self, file_id: str) -> bytes: ...


@dataclass(frozen=True)
class BatchRequest:
    custom_id: str
    messages: Messages
    max_tokens: int


@dataclass
class BatchRun:
    """One run's requests through the Batch API; ``answers`` waits for them."""

    transport: BatchTransport
    model: str
    temperature: float
    state_dir: Path
    poll_seconds: float
    stopping: Callable[[], bool]
    notify: Callable[[str], None]
    max_wait_seconds: float = 25 * 3600.0  # the API's 24 h window, and an hour of slack
    clock: Callable[[], float] = time.monotonic

    def answers(self, requests: list[BatchRequest]) -> dict[str, Completion]:
        """The answers by ``custom_id``; those missing are to be sent the normal way.
        Empty when stopped while waiting (the batch id stays kept for the next run)."""
        if not requests:
            return {}
        data = _jsonl(requests, self.model, self.temperature)
        state = self.state_dir / f"{hashlib.sha256(data).hexdigest()[:32]}.json"
        try:
            batch_id = self._resume(state) or self._submit(data, state)
            status, output = self._wait(batch_id)
            if status is None:
                return {}  # stopped: resumed by the next run
            found = _parse(self.transport.download(output)) if status in FINISHED and output else {}
        except (EngineError, TranslatorError) as exc:
            # An endpoint without a Batch API answers 404; whatever it is, the normal way
            # still works (or says itself what is wrong, e.g. a refused key).
            self.notify(f"Batch API unavailable ({exc}); sending the requests the normal way")
            return {}
        state.unlink(missing_ok=True)
        if status not in FINISHED:
            self.notify(f"Batch API: the batch ended {status}; sending its requests the normal way")
        elif len(found) < len(requests):
            self.notify(
                f"Batch API: {len(requests) - len(found)} of {len(requests)} answers missing; sending those normally"
            )
        return found

    def _resume(self, state: Path) -> str | None:
        try:
            batch_id = json.loads(state.read_text(encoding="utf-8"))["batch_id"]
        except (OSError, ValueError, KeyError):
            return None
        self.notify(f"Batch API: resuming batch {batch_id} (sent by an earlier run)")
        return str(batch_id)

    def _submit(self, data: bytes, state: Path) -> str:
        file_id = self.transport.upload(f"{state.stem}.jsonl", data)
        batch_id = self.transport.create(file_id)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"batch_id": batch_id, "file_id": file_id}), encoding="utf-8")
        self.notify(f"Batch API: batch {batch_id} created; answers come within 24 h at half price")
        return batch_id

    def _wait(self, batch_id: str) -> tuple[str | None, str | None]:
        """Poll until the batch ends; (None, None) when the run is stopped meanwhile."""
        started = self.clock()
        while True:
            status, output, _ = self.transport.status(batch_id)
            if status in FINISHED or status in GIVEN_UP:
                return status, output
            if self.clock() - started > self.max_wait_seconds:
                return "expired", None
            next_poll = self.clock() + self.poll_seconds
            while self.clock() < next_poll:
                if self.stopping():
                    return None, None
                time.sleep(min(STEP_SECONDS, max(0.0, next_poll - self.clock())))


def _jsonl(requests: list[BatchRequest], model: str, temperature: float) -> bytes:
    lines = [
        {
            "custom_id": r.custom_id,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": model,
                "messages": r.messages,
                "max_tokens": r.max_tokens,
                "temperature": temperature,
            },
        }
        for r in requests
    ]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def _parse(data: bytes) -> dict[str, Completion]:
    """The answered lines of an output file (a line with an error status is left out)."""
    found: dict[str, Completion] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        try:
            line: dict[str, Any] = json.loads(raw)
            response = line.get("response") or {}
            if response.get("status_code") != 200:
                continue
            body = response["body"]
            choice = body["choices"][0]
            usage = body.get("usage") or {}
            found[str(line["custom_id"])] = Completion(
                str(choice["message"]["content"] or ""),
                choice.get("finish_reason"),
                int(usage.get("prompt_tokens") or 0),
                int(usage.get("completion_tokens") or 0),
            )
        except (ValueError, KeyError, IndexError, TypeError):
            continue  # a broken line: that request goes the normal way
    return found
