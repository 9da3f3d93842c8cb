"""What the rest of the program knows of a model: the ``Engine`` protocol, its small
``Completion`` result and its own error types.

Adapters (``openai_engine.py``) map their library's errors onto these, as httpx maps
the errors of the layer below it; nothing above an adapter imports that library.
Errors no retry can fix are :class:`TranslatorError` subclasses carrying the exit
code and a message that says what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..chunking.tokens import TokenCounter
from ..errors import ApiAuthError, ApiUnavailableError

TokenCallback = Callable[[int], None]  # completion tokens just received (a correction may be negative)
# A message's content is text, or (an image request) a list of text and image parts.
Messages = list[dict[str, Any]]
FRAMING = 4  # tokens of chat framing per message, as the API counts them
IMAGE_TOKENS = 85  # an image's base cost; plus TILE_TOKENS per 512-px tile (OpenAI's "high" detail)
TILE_TOKENS = 170


def prompt_tokens(messages: Messages, counter: TokenCounter) -> int:
    """The prompt tokens of chat messages as the API counts them: their text, their images
    (a wide formula crop's two tiles each; ``image_tokens`` prices a known size) and the framing."""
    total = 0
    for message in messages:
        content = message["content"]
        if isinstance(content, str):
            total += counter.count(content)
        else:
            for part in content:
                if part.get("type") == "text":
                    total += counter.count(part["text"])
                else:
                    total += IMAGE_TOKENS + 2 * TILE_TOKENS
        total += FRAMING
    return total


def image_tokens(width: int, height: int) -> int:
    """What a vision model charges for an image of this size: scaled to fit 2048 px, then
    its short side to 768 px, 170 tokens per 512-px tile plus 85."""
    scale = min(1.0, 2048 / max(width, height, 1))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / max(1.0, min(w, h)))
    w, h = w * scale, h * scale
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return IMAGE_TOKENS + TILE_TOKENS * tiles


def answer_allowance(source_tokens: int) -> int:
    """The ``max_tokens`` of a request: room for a translation up to three times as long
    as its source (Chinese and Japanese take more tokens), within what servers accept."""
    return min(8192, 3 * source_tokens + 256)


@dataclass(frozen=True)
class Completion:
    """One answer: its text, why it ended, and what it cost."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0  # of the prompt tokens, those the provider billed as a cached prefix


class Engine(Protocol):
    """Turns chat messages into one completion."""

    @property
    def retries(self) -> int:
        """Requests sent again so far (0 for engines that do not retry)."""
        ...

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        """One completion; ``on_tokens`` hears of completion tokens as they arrive."""
        ...


class EngineError(Exception):
    """A request failed in a way a later attempt, a smaller request or another
    request may not share: the caller decides (retry, split, mark failed).

    ``source`` names the error as the layer below called it (``APITimeoutError``),
    for reports and the request log."""

    def __init__(self, message: str, source: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.source = source or type(self).__name__
        self.retry_after = retry_after


class TransientError(EngineError):
    """Timeout, dropped connection, 5xx: the same request may succeed later."""


class UnreachableError(TransientError):
    """No answer came: connection refused or dropped, or the read timed out."""


class DeadlineError(EngineError):
    """The answer was coming but not whole within ``--timeout``: sent again unchanged it
    would take as long (and be paid again), so the caller splits the request instead."""


class RateLimitedError(TransientError):
    """429: slow down; ``retry_after`` is what the server asked for, if it said."""


class BadRequestError(EngineError):
    """The endpoint refused this request (400): sending it again unchanged will not help."""


class ContextTooLongError(BadRequestError):
    """The request is longer than the model's context: split it."""


class AuthenticationFailed(ApiAuthError):
    """The endpoint refused the key."""


class QuotaExhausted(ApiAuthError):
    """The account has no credit left."""


class ModelNotFound(ApiUnavailableError):
    """The endpoint does not know the model (or the URL's path is wrong)."""
