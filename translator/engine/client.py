"""The engine a run uses, built from the settings: the OpenAI-compatible adapter
wrapped in retries. Other engines plug in by implementing ``engine.base.Engine``."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ..settings import EngineSettings, Settings
from .base import Completion, Engine, Messages, TokenCallback
from .batch_api import BatchTransport
from .congestion import InFlight
from .ratelimit import Limiter
from .retry import RetryingEngine
from .scheduler import Scheduler

__all__ = [
    "Completion",
    "batch_transport",
    "build_engine",
    "require_credentials",
    "scheduled_engine",
    "warm_up",
]


def require_credentials(settings: EngineSettings) -> str | None:
    """The API key; a local endpoint (``--base-url``) may need none. Checked
    before anything is parsed or paid for."""
    if not settings.api_key and settings.base_url is None:
        raise ConfigError(
            "no API key: set OPENAI_API_KEY (or pass --base-url for a local server such as "
            "Ollama or vLLM, which needs none)"
        )
    return settings.api_key


def build_engine(
    settings: EngineSettings,
    http_client: Any | None = None,
    sleep: Callable[[float], None] = time.sleep,
    notify: Callable[[str], None] | None = None,
    window: InFlight | None = None,
    limiter: Limiter | None = None,
) -> RetryingEngine:
    """The OpenAI-compatible engine for these settings, with retries; ``window`` (the
    scheduler's, for this endpoint and model) adapts the requests in flight to 429s, and
    every attempt takes its share of ``limiter`` once it holds a place there."""
    key = require_credentials(settings) or "not-needed"

    def connect() -> Engine:
        # The SDK is imported when the first request is made, not when the command starts
        # or a job is built: importing its types and making its client took 1.5 s of
        # every run, including a rerun that finds everything cached and sends nothing.
        from .openai_engine import OpenAIEngine

        return OpenAIEngine(settings, key, http_client)

    return RetryingEngine(LazyEngine(connect), settings, sleep, notify, window, limiter)


class LazyEngine:
    """An engine made by ``connect`` on its first request, once, whichever thread asks."""

    def __init__(self, connect: Callable[[], Engine]) -> None:
        self._connect = connect
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def engine(self) -> Engine:
        """The engine, made now if it was not yet."""
        with self._lock:
            if self._engine is None:
                self._engine = self._connect()
            return self._engine

    @property
    def retries(self) -> int:
        return self._engine.retries if self._engine is not None else 0

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        return self.engine().complete(messages, max_tokens, on_tokens)


def scheduled_engine(
    settings: Settings,
    scheduler: Scheduler,
    notify: Callable[[str], None] | None = None,
    model: str | None = None,
) -> RetryingEngine:
    """The engine of a run (of ``model``, default the run's): retries, and the scheduler's
    window of requests in flight and rate limit for its endpoint and model."""
    engine = settings.engine if model is None else dataclasses.replace(settings.engine, model=model)
    limits = settings.limits
    window = scheduler.window_of(engine, limits)
    limiter = scheduler.limiter(
        engine.endpoint, engine.model, limits.requests_per_minute, limits.tokens_per_minute
    )
    return build_engine(engine, notify=notify, window=window, limiter=limiter)


def warm_up(engine: Engine) -> None:
    """Make a lazy engine's client in the background (importing the SDK takes a second),
    while the paper is read: the first request then goes at once."""
    inner = engine.inner if isinstance(engine, RetryingEngine) else engine
    if isinstance(inner, LazyEngine):
        threading.Thread(target=inner.engine, name="engine-warm-up", daemon=True).start()


def batch_transport(engine: Engine) -> BatchTransport | None:
    """The Batch API of the endpoint behind ``engine``, when it is the OpenAI-compatible adapter."""
    from .openai_engine import OpenAIBatches, OpenAIEngine

    inner = engine.inner if isinstance(engine, RetryingEngine) else engine
    if isinstance(inner, LazyEngine):
        inner = inner.engine()
    return OpenAIBatches(inner) if isinstance(inner, OpenAIEngine) else None
