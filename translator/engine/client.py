"""A thin wrapper around the ``openai`` SDK: one chat completion, with retries.

Retries (tenacity) cover what a later attempt can fix: 429, 5xx, timeouts and
dropped connections, with exponential backoff and jitter, honouring
``Retry-After``, capped by attempts and by total time.  What no retry can fix
(bad key, unknown model, exhausted quota) becomes a :class:`TranslatorError`
that stops the run with a message saying what to do.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from ..chunking.tokens import default_counter
from ..errors import ApiAuthError, ApiUnavailableError, ConfigError
from ..settings import Settings

TokenCallback = Callable[[int], None]  # completion tokens just received (a correction may be negative)

TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}


@dataclass
class Completion:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait, from ``Retry-After`` or ``retry-after-ms``."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _is_quota(exc: BaseException) -> bool:
    body = getattr(exc, "body", None)
    code = body.get("code") if isinstance(body, dict) else None
    return code == "insufficient_quota" or "insufficient_quota" in str(exc)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in TRANSIENT_STATUS and not _is_quota(exc)
    return False


def require_credentials(settings: Settings) -> str | None:
    """The API key; a local endpoint (``--base-url``) may need none. Checked
    before anything is parsed or paid for."""
    if not settings.api_key and settings.base_url is None:
        raise ConfigError(
            "no API key: set OPENAI_API_KEY (or pass --base-url for a local server such as "
            "Ollama or vLLM, which needs none)"
        )
    return settings.api_key


class ChatClient:
    """Sends chat completions to an OpenAI-compatible endpoint."""

    def __init__(
        self,
        settings: Settings,
        http_client: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        key = require_credentials(settings) or "not-needed"
        self.settings = settings
        self.sleep = sleep
        self.notify = notify
        self.retries = 0
        self._lock = threading.Lock()
        self._streams = True
        self._counter = default_counter()
        self._openai = openai.OpenAI(
            api_key=key,
            base_url=settings.base_url,
            timeout=settings.request_timeout,
            max_retries=0,  # tenacity does it, with our own limits
            **({"http_client": http_client} if http_client is not None else {}),
        )

    def _wait(self, state: RetryCallState) -> float:
        s = self.settings
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(exc) if exc else None
        if asked is not None:
            return float(min(asked + random.uniform(0, 0.1 * s.retry_initial_seconds), s.max_retry_seconds))
        exp = s.retry_initial_seconds * 2.0 ** (state.attempt_number - 1)
        return float(min(s.retry_max_seconds, exp) * random.uniform(0.5, 1.0))

    def _count_retry(self, state: RetryCallState) -> None:
        with self._lock:
            self.retries += 1
        if self.notify is not None and state.outcome is not None:
            # Never silent: a dead or busy endpoint shows what is being retried and when.
            exc = state.outcome.exception()
            wait = state.next_action.sleep if state.next_action else 0.0
            self.notify(
                f"API: {type(exc).__name__} at {self.settings.endpoint}; attempt {state.attempt_number} of "
                f"{self.settings.max_attempts}, retrying in {wait:.1f} s"
            )

    def complete(
        self, messages: list[dict[str, str]], max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        """One chat completion, retried on transient failures.

        With streaming on, ``on_tokens`` hears of completion tokens as they
        arrive (so progress moves during long answers). Raises the last
        ``openai`` error once attempts or time run out, and a
        :class:`TranslatorError` at once for errors no retry can fix.
        """
        s = self.settings
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=self._wait,
            stop=stop_after_attempt(s.max_attempts) | stop_after_delay(s.max_retry_seconds),
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(self._create, messages, max_tokens, on_tokens or _ignore)
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise ApiAuthError(
                f"the API at {s.endpoint} refused the key ({exc.status_code}): check OPENAI_API_KEY "
                "and that it is valid for this endpoint"
            ) from exc
        except openai.NotFoundError as exc:
            raise ApiUnavailableError(
                f"the API at {s.endpoint} does not know model '{s.model}' or the endpoint path (404): "
                "check --model and --base-url (it usually ends in /v1)"
            ) from exc
        except openai.RateLimitError as exc:
            if _is_quota(exc):
                raise ApiAuthError(
                    f"the account behind OPENAI_API_KEY has no quota left at {s.endpoint}: add credit "
                    "or use another key"
                ) from exc
            raise

    def _create(
        self, messages: list[dict[str, str]], max_tokens: int, on_tokens: TokenCallback
    ) -> Completion:
        s = self.settings
        if not (s.stream and self._streams):
            response = self._openai.chat.completions.create(
                model=s.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=s.temperature,
                max_tokens=max_tokens,
            )
            return self._completion(response, on_tokens)
        streamed = self._stream(messages, max_tokens, on_tokens)
        if streamed is None:
            # The endpoint answered a streaming request with no events (some local
            # servers ignore ``stream``): ask again without streaming, once per run.
            self._streams = False
            return self._create(messages, max_tokens, on_tokens)
        return streamed

    @staticmethod
    def _completion(response: ChatCompletion, on_tokens: TokenCallback) -> Completion:
        usage = response.usage
        choice = response.choices[0] if response.choices else None
        completion = Completion(
            text=(choice.message.content or "") if choice else "",
            finish_reason=choice.finish_reason if choice else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
        on_tokens(completion.completion_tokens)
        return completion

    def _stream(
        self, messages: list[dict[str, str]], max_tokens: int, on_tokens: TokenCallback
    ) -> Completion | None:
        """Read a streamed answer, reporting tokens as they come; None if no event came."""
        s = self.settings
        stream = self._openai.chat.completions.create(
            model=s.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=s.temperature,
            max_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},  # type: ignore[call-overload]
        )
        if "json" in stream.response.headers.get("content-type", ""):
            # The endpoint ignored ``stream`` and answered with one JSON body (some
            # local servers do): read it as it is, and stop asking for streams.
            self._streams = False
            with stream:
                response = ChatCompletion.model_validate_json(stream.response.read())
            return self._completion(response, on_tokens)
        parts: list[str] = []
        finish: str | None = None
        usage = None
        events = 0
        with stream:
            for chunk in stream:
                events += 1
                usage = chunk.usage or usage
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                        on_tokens(1)  # one chunk, about one token: exact figures come with usage
                    finish = choice.finish_reason or finish
        if not events:
            return None
        text = "".join(parts)
        counted = len(parts)
        completion_tokens = usage.completion_tokens if usage else self._counter.count(text)
        prompt_tokens = (
            usage.prompt_tokens if usage else sum(self._counter.count(m["content"]) + 4 for m in messages)
        )
        on_tokens(completion_tokens - counted)
        return Completion(text, finish, prompt_tokens, completion_tokens)


def _ignore(tokens: int) -> None:
    pass
