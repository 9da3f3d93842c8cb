"""The engine a run uses, built from the settings: the OpenAI-compatible adapter
wrapped in retries. Other engines plug in by implementing ``engine.base.Engine``."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ..settings import EngineSettings
from .base import Completion, Engine
from .batch_api import BatchTransport
from .congestion import InFlight
from .openai_engine import OpenAIBatches, OpenAIEngine
from .retry import RetryingEngine

__all__ = ["Completion", "batch_transport", "build_engine", "require_credentials"]


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
) -> RetryingEngine:
    """The OpenAI-compatible engine for these settings, with retries; ``window`` (the
    scheduler's, for this endpoint and model) adapts the requests in flight to 429s."""
    key = require_credentials(settings) or "not-needed"
    return RetryingEngine(OpenAIEngine(settings, key, http_client), settings, sleep, notify, window)


def batch_transport(engine: Engine) -> BatchTransport | None:
    """The Batch API of the endpoint behind ``engine``, when it is the OpenAI-compatible adapter."""
    inner = engine.inner if isinstance(engine, RetryingEngine) else engine
    return OpenAIBatches(inner) if isinstance(inner, OpenAIEngine) else None
