"""Retries for any engine: what a later attempt can fix (``TransientError``: 429, 5xx,
timeouts, dropped connections) is sent again with exponential backoff and jitter,
honouring the server's ``Retry-After``, bounded by ``max_attempts`` and by
``max_retry_seconds`` of waiting in all. Anything else is raised at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay

from ..settings import EngineSettings
from .base import Completion, Engine, EngineError, Messages, TokenCallback, TransientError


class RetryingEngine:
    """Wraps an engine; counts the requests it sends again (``retries``)."""

    def __init__(
        self,
        engine: Engine,
        settings: EngineSettings,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.sleep = sleep
        self.notify = notify
        self._retries = 0
        self._lock = threading.Lock()

    @property
    def retries(self) -> int:
        with self._lock:
            return self._retries

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        """One completion, retried on transient failures; the last error once attempts or time run out."""
        s = self.settings
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=self._wait,
            stop=stop_after_attempt(s.max_attempts) | stop_after_delay(s.max_retry_seconds),
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        return retrying(self.engine.complete, messages, max_tokens, on_tokens)

    def _wait(self, state: RetryCallState) -> float:
        s = self.settings
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, EngineError) else None
        if asked is not None:
            return float(min(asked + random.uniform(0, 0.1 * s.retry_initial_seconds), s.max_retry_seconds))
        exp = s.retry_initial_seconds * 2.0 ** (state.attempt_number - 1)
        return float(min(s.retry_max_seconds, exp) * random.uniform(0.5, 1.0))

    def _count_retry(self, state: RetryCallState) -> None:
        with self._lock:
            self._retries += 1
        if self.notify is not None and state.outcome is not None:
            # Never silent: a dead or busy endpoint shows what is being retried and when.
            exc = state.outcome.exception()
            name = exc.source if isinstance(exc, EngineError) else type(exc).__name__
            wait = state.next_action.sleep if state.next_action else 0.0
            self.notify(
                f"API: {name} at {self.settings.endpoint}; attempt {state.attempt_number} of "
                f"{self.settings.max_attempts}, retrying in {wait:.1f} s"
            )
