"""The dry run's engine: answers nothing and calls nothing, but prices every request
it is given as the API would count it, so that a dry run is the run's own plan and
prompts with this engine in place of the model."""

from __future__ import annotations

import json
from typing import Any

from ..chunking.tokens import TokenCounter, default_counter
from .base import Completion, Messages, TokenCallback, prompt_tokens

# Completion tokens per source token: translations into Chinese, counted in
# cl100k tokens, run about this long; the dry run and the progress bar's ETA use it.
COMPLETION_PER_SOURCE_TOKEN = 1.2


def expected_completion(source_tokens: int) -> int:
    """A guess of the completion tokens that translating ``source_tokens`` costs."""
    return int(source_tokens * COMPLETION_PER_SOURCE_TOKEN)


class EstimatingEngine:
    """An :class:`~translator.engine.base.Engine` whose completions are estimates: the
    prompt tokens of the messages, and the completion tokens their source text would
    cost (the texts of a translation request's JSON object, or the whole user message)."""

    retries = 0

    def __init__(self, counter: TokenCounter | None = None) -> None:
        self.counter = counter or default_counter()

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        completion = expected_completion(self.source_tokens(messages[-1]["content"]))
        return Completion("", "estimate", prompt_tokens(messages, self.counter), completion)

    def source_tokens(self, user: str | list[dict[str, Any]]) -> int:
        """The tokens to be translated (or transcribed: an image request's text hint)."""
        if not isinstance(user, str):
            return sum(self.counter.count(p["text"]) for p in user if p.get("type") == "text")
        try:
            texts = json.loads(user)
        except ValueError:
            texts = None
        if isinstance(texts, dict) and all(isinstance(v, str) for v in texts.values()):
            return sum(self.counter.count(v) for v in texts.values())
        return self.counter.count(user)
