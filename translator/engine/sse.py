"""A streamed chat answer read from its raw server-sent-event lines.

The ``openai`` SDK turns every event (about one token) into a typed model through
``construct_type``; on the fake server that was most of the CPU a run spends after the
PDF is read (a 10-page paper: 4,528 events). Here each event is one ``json.loads`` and
a few dictionary look-ups. An event that carries ``error`` is an error, as in the SDK.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class StreamError(Exception):
    """The server put an error in the stream (``body`` is its ``error`` object)."""

    def __init__(self, message: str, body: object) -> None:
        super().__init__(message)
        self.body = body


class MalformedEvent(Exception):
    """An event whose data is not JSON: the stream is broken, the answer incomplete."""


def event_batches(chunks: Iterable[bytes]) -> Iterator[list[dict[str, Any]]]:
    """The JSON data of each event of a stream's raw bytes until ``[DONE]`` (comments and
    other fields skipped), grouped by the network chunk that completed them: a server
    sends an event per token, and a reader that reports each one on its own pays more
    CPU per token than the request's whole setup (see ``benchmarks/``)."""
    reader = _EventReader()
    pending = b""
    for chunk in chunks:
        pending += chunk
        cut = pending.rfind(b"\n")  # never inside a UTF-8 character
        if cut < 0:
            continue
        text, pending = pending[: cut + 1].decode("utf-8", "replace"), pending[cut + 1 :]
        batch = list(reader.read(_LINE_END.split(text)[:-1]))  # the text ends with a line end
        if batch:
            yield batch
        if reader.done:
            return
    last = list(reader.read(_LINE_END.split(pending.decode("utf-8", "replace")) if pending else ()))
    last += [] if reader.done else list(reader.end())
    if last:
        yield last


# Line ends as server-sent events define them (str.splitlines would also cut at U+2028,
# which JSON lets a server leave unescaped inside a string).
_LINE_END = re.compile(r"\r\n|\r|\n")


class _EventReader:
    """Lines → events: ``data`` lines gather until a blank line ends the event."""

    def __init__(self) -> None:
        self.data: list[str] = []
        self.done = False  # [DONE] came: nothing after it is read

    def read(self, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                if name == "data":
                    self.data.append(value[1:] if value.startswith(" ") else value)
                continue
            if not self.data:
                continue
            payload, self.data = "\n".join(self.data), []
            if payload.startswith("[DONE]"):
                self.done = True
                return
            yield _decoded(payload)

    def end(self) -> Iterator[dict[str, Any]]:
        """The stream closed: an event left without its blank line still counts."""
        if self.data and not self.data[0].startswith("[DONE]"):
            yield _decoded("\n".join(self.data))


def _decoded(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise MalformedEvent(f"a stream event is not JSON ({exc.msg}): {payload[:80]!r}") from exc
    if not isinstance(event, dict):
        raise MalformedEvent(f"a stream event is not a JSON object: {payload[:80]!r}")
    error = event.get("error")
    if error:
        message = error.get("message") if isinstance(error, dict) else None
        raise StreamError(
            message if isinstance(message, str) and message else "an error in the stream", error
        )
    return event


@dataclass
class StreamedAnswer:
    """What the events of one answer add up to."""

    parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    events: int = 0

    def add(self, event: dict[str, Any]) -> str:
        """Take one event in; the text it adds ('' if none)."""
        self.events += 1
        usage = event.get("usage")
        if isinstance(usage, dict):
            self.usage = usage
        added = ""
        for choice in event.get("choices") or ():
            delta = choice.get("delta") or {}
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                self.parts.append(content)
                added += content
            self.finish_reason = choice.get("finish_reason") or self.finish_reason
        return added

    @property
    def text(self) -> str:
        return "".join(self.parts)


def usage_numbers(usage: dict[str, Any] | None) -> tuple[int | None, int | None, int]:
    """Prompt, completion and cached prompt tokens of a usage object (None when absent):
    OpenAI's ``prompt_tokens_details.cached_tokens``, DeepSeek's ``prompt_cache_hit_tokens``."""
    if not usage:
        return None, None, 0
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    if cached is None:
        cached = usage.get("prompt_cache_hit_tokens")
    return (
        prompt if isinstance(prompt, int) else None,
        completion if isinstance(completion, int) else None,
        cached if isinstance(cached, int) and cached > 0 else 0,
    )


# Seconds between two reports of tokens to the progress display: told of every network
# chunk, 16 requests in flight contended for its lock 96,000 times in a 300-page paper,
# 24 µs each (2.3 CPU-s); ten reports a second move the bar as smoothly.
REPORT_EVERY = 0.1


class TokenReports:
    """Tokens as they arrive, passed on to ``report`` at most every ``every`` seconds; the
    first at once (it says the server has begun to answer), ``flush`` passes on the rest."""

    def __init__(
        self,
        report: Callable[[int], None],
        every: float = REPORT_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._report, self._every, self._clock = report, every, clock
        self._held = 0
        self._last: float | None = None

    def __call__(self, tokens: int) -> None:
        self._held += tokens
        if self._last is None or self._clock() - self._last >= self._every:
            self.flush()

    def flush(self) -> None:
        """Pass on the tokens held back."""
        if self._held:
            held, self._held = self._held, 0
            self._last = self._clock()
            self._report(held)
