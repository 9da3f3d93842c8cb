"""Retries for any engine: what a later attempt can fix (``TransientError``: 429, 5xx,
timeouts, dropped connections) is sent again with exponential backoff and jitter,
honouring the server's ``Retry-After`` (one wait at most ``max_retry_after_seconds``,
said so when the server asks for more). Bounds: ``max_retry_seconds`` of retrying in all, and
``max_attempts`` for every failure but a 429 — a busy server that still answers others
never fails a paragraph, it only slows the run down (each 429 halves the requests in
flight, see :mod:`.congestion`). Anything else is raised at once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from tenacity import RetryCallState, Retrying, retry_if_exception_type

from ..chunking.tokens import TokenCounter, default_counter
from ..settings import EngineSettings
from .base import (
    Completion,
    Engine,
    EngineError,
    Messages,
    RateLimitedError,
    TokenCallback,
    TransientError,
    prompt_tokens,
)
from .congestion import InFlight
from .ratelimit import Limiter


class RetryingEngine:
    """Wraps an engine; counts the requests it sends again (``retries``)."""

    def __init__(
        self,
        engine: Engine,
        settings: EngineSettings,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
        window: InFlight | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self.engine = engine
        self.window = window
        self.limiter = limiter  # --rpm/--tpm of the endpoint and model, taken by every attempt
        self._counter: TokenCounter | None = None
        self.settings = settings
        self.sleep = sleep
        self.notify = notify
        self._retries = 0
        self._resting = 0
        self._lock = threading.Lock()

    @property
    def inner(self) -> Engine:
        """The engine it wraps (the Batch API talks to its endpoint directly)."""
        return self.engine

    @property
    def retries(self) -> int:
        with self._lock:
            return self._retries

    @property
    def resting(self) -> int:
        """Requests waiting to be sent again: they hold no place in flight meanwhile, so
        the run may cut others for the places they left (see ``engine.feed``)."""
        with self._lock:
            return self._resting

    def _rest(self, seconds: float) -> None:
        with self._lock:
            self._resting += 1
        try:
            self.sleep(seconds)
        finally:
            with self._lock:
                self._resting -= 1

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        """One completion, retried on transient failures; the last error once attempts or time run out."""
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=self._wait,
            stop=self._stop,
            sleep=self._rest,
            before_sleep=self._count_retry,
            reraise=True,
        )
        return retrying(self._attempt, messages, max_tokens, on_tokens)

    def _attempt(self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None) -> Completion:
        if self.window is None:
            self._take_rate(messages, max_tokens)
            return self.engine.complete(messages, max_tokens, on_tokens)
        window = self.window
        first: list[float] = []  # when the first token came, and then once more per token report

        def arrived(tokens: int) -> None:
            if not first:  # the server has begun: this request is one it serves
                window.begun()
            first.append(time.monotonic())
            if on_tokens is not None:
                on_tokens(tokens)

        with window.slot():
            # The rate is taken once a place in flight is held: taken before, requests that
            # wait for a place would all leave together when places free up, and the server
            # would see more than --rpm in a minute (82 in a minute under --rpm 60, measured).
            self._take_rate(messages, max_tokens)
            started = time.monotonic()
            try:
                completion = self.engine.complete(messages, max_tokens, arrived)
            except RateLimitedError as exc:
                window.busy(exc.retry_after)
                raise
            # Its speed after the first token (the time to it says nothing of the load); an
            # answer that came whole, in one report, is timed from the start.
            since = first[0] if len(first) > 1 else started
            window.answered(completion.completion_tokens, time.monotonic() - since)
        return completion

    def _take_rate(self, messages: Messages, max_tokens: int) -> None:
        """One request's share of the rate limit: its prompt and the answer it allows, as
        providers count a request against tokens per minute."""
        if self.limiter is None:
            return
        if not self.limiter.counts_tokens:  # no --tpm: the prompt need not be counted on every attempt
            self.limiter.acquire(0)
            return
        if self._counter is None:
            self._counter = default_counter()
        self.limiter.acquire(prompt_tokens(messages, self._counter) + max_tokens)

    def _stop(self, state: RetryCallState) -> bool:
        s = self.settings
        if state.idle_for >= s.max_retry_seconds:  # time spent waiting to retry, not in the queue
            return True
        exc = state.outcome.exception() if state.outcome else None
        return state.attempt_number >= s.max_attempts and not isinstance(exc, RateLimitedError)

    def _wait(self, state: RetryCallState) -> float:
        s = self.settings
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, EngineError) else None
        if asked is not None:
            return float(
                min(asked + random.uniform(0, 0.1 * s.retry_initial_seconds), s.max_retry_after_seconds)
            )
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
            asked = exc.retry_after if isinstance(exc, EngineError) else None
            capped = (
                f" (the server asked for {asked:.0f} s; waiting at most {self.settings.max_retry_after_seconds:.0f})"
                if asked is not None and asked > self.settings.max_retry_after_seconds
                else ""
            )
            self.notify(
                f"API: {name} at {self.settings.endpoint}; attempt {state.attempt_number} of "
                f"{self.settings.max_attempts}, retrying in {wait:.1f} s{capped}"
            )
