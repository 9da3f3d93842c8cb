"""An in-process stand-in for the chat client, for unit tests where no HTTP behaviour
is under test: it answers as the fake server does (``servers/fake_llm.py``), at once,
and counts what it was asked."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from translator.chunking.tokens import count_tokens
from translator.engine.client import Completion

from .servers.fake_llm import TERMS_SYSTEM, glossary_from_system, pseudo_term, translate_following


class FakeEngine:
    """``complete()`` like a real engine's: a deterministic pseudo-translation of the JSON."""

    retries = 0

    def __init__(self) -> None:
        self.requests: list[list[dict[str, str]]] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def complete(
        self, messages: list[dict[str, str]], max_tokens: int, on_tokens: Callable[[int], None] | None = None
    ) -> Completion:
        with self._lock:
            self.requests.append(messages)
        system, user = messages[0]["content"], messages[-1]["content"]
        payload = json.loads(user)
        if system.startswith(TERMS_SYSTEM):  # the glossary's term call: id → term
            answer = {key: "" if term.isupper() else pseudo_term(term) for key, term in payload.items()}
        else:
            entries = glossary_from_system(system)
            answer = {key: translate_following(text, entries) for key, text in payload.items()}
        text = json.dumps(answer, ensure_ascii=False)
        completion = Completion(text, "stop", count_tokens(system) + count_tokens(user), count_tokens(text))
        if on_tokens:
            on_tokens(completion.completion_tokens)
        return completion
