"""The OpenAI-compatible adapter: one chat completion through the ``openai`` SDK,
streamed when the endpoint can, its errors mapped onto ``engine.base``'s.

This is the only module that imports ``openai``. It sends each request once:
retries belong to ``engine.retry``, which works for any engine.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import openai
from openai.types.chat import ChatCompletion

from ..chunking.tokens import default_counter
from ..deadlines import Deadline, deadline
from ..settings import EngineSettings
from .base import (
    AuthenticationFailed,
    BadRequestError,
    Completion,
    ContextTooLongError,
    DeadlineError,
    EngineError,
    Messages,
    ModelNotFound,
    QuotaExhausted,
    RateLimitedError,
    TokenCallback,
    TransientError,
    UnreachableError,
    prompt_tokens,
)
from .sse import MalformedEvent, StreamedAnswer, StreamError, TokenReports, event_batches, usage_numbers

T = TypeVar("T")


def _http_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The transport errors, and every error of reading a body, of the HTTP library the
    ``openai`` SDK reads with: httpx, or httpx2 in its later releases (an error of the one
    not caught as the other's went up unmapped, and a connection cut mid-stream was never
    asked again)."""
    transport: list[type[Exception]] = [httpx.TransportError]
    reading: list[type[Exception]] = [httpx.HTTPError, httpx.StreamError]
    try:
        import httpx2  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        pass
    else:
        transport.append(httpx2.TransportError)
        reading += [httpx2.HTTPError, httpx2.StreamError]
    return tuple(transport), (*reading, OSError)


TRANSPORT_ERRORS, READ_ERRORS = _http_errors()
TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}


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


def _is_context_length(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "context_length_exceeded" in text or "maximum context length" in text


def map_error(exc: openai.APIError, settings: EngineSettings) -> Exception:
    """The ``engine.base`` error for an ``openai`` one (messages say what to do)."""
    s = settings
    described = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthenticationFailed(
            f"the API at {s.endpoint} refused the key ({exc.status_code}): check OPENAI_API_KEY "
            "and that it is valid for this endpoint"
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelNotFound(
            f"the API at {s.endpoint} does not know model '{s.model}' or the endpoint path (404): "
            "check --model and --base-url (it usually ends in /v1)"
        )
    if isinstance(exc, openai.APIConnectionError):  # timeouts included
        return UnreachableError(described, type(exc).__name__)
    if isinstance(exc, openai.APIStatusError):
        if _is_quota(exc):
            return QuotaExhausted(
                f"the account behind OPENAI_API_KEY has no quota left at {s.endpoint}: add credit "
                "or use another key"
            )
        if exc.status_code == 429:
            return RateLimitedError(described, type(exc).__name__, retry_after(exc))
        if exc.status_code in TRANSIENT_STATUS:
            return TransientError(described, type(exc).__name__, retry_after(exc))
        if _is_context_length(exc):
            return ContextTooLongError(described, type(exc).__name__)
        return BadRequestError(described, type(exc).__name__)
    return EngineError(described, type(exc).__name__)


class OpenAIEngine:
    """Sends chat completions to an OpenAI-compatible endpoint, once each."""

    retries = 0

    def __init__(self, settings: EngineSettings, api_key: str, http_client: Any | None = None) -> None:
        self.settings = settings
        self._streams = True
        self._counter = default_counter()
        self._openai = openai.OpenAI(
            api_key=api_key,
            base_url=settings.base_url,
            timeout=settings.request_timeout,
            max_retries=0,  # engine.retry does it, with our own limits
            **({"http_client": http_client} if http_client is not None else {}),
        )

    def complete(
        self, messages: Messages, max_tokens: int, on_tokens: TokenCallback | None = None
    ) -> Completion:
        try:
            return self._create(messages, max_tokens, on_tokens or _ignore)
        except openai.APIError as exc:
            raise map_error(exc, self.settings) from exc

    def _create(self, messages: Messages, max_tokens: int, on_tokens: TokenCallback) -> Completion:
        s = self.settings
        if not (s.stream and self._streams):
            return self._completion(self._whole(messages, max_tokens), on_tokens)
        streamed = self._stream(messages, max_tokens, on_tokens)
        if streamed is None:
            # The endpoint answered a streaming request with no events: ask again
            # without streaming, once per run.
            self._streams = False
            return self._create(messages, max_tokens, on_tokens)
        return streamed

    def _whole(self, messages: Messages, max_tokens: int) -> ChatCompletion:
        """An answer asked for unstreamed, read under the same whole-answer deadline."""
        s = self.settings
        started = time.monotonic()
        try:
            with self._open(messages, max_tokens) as raw:
                with deadline(raw.close, s.request_timeout - (time.monotonic() - started)) as expired:
                    try:
                        body = raw.read()
                    except Exception as exc:
                        if expired.is_set():
                            raise self._too_slow("") from exc
                        raise
                if expired.is_set():
                    raise self._too_slow("")
        except openai.APITimeoutError as exc:
            # Unstreamed, a server sends its headers when the whole answer is made: no
            # headers within --timeout is an answer too slow (and paid for), not a hang
            # to send again unchanged.
            raise self._too_slow("") from exc
        return ChatCompletion.model_validate_json(body)

    def _open(self, messages: Messages, max_tokens: int, **streaming: Any) -> Any:
        """The request, its answer not yet read. The messages go as they are (``extra_body``):
        given as ``messages``, the SDK walks every part of them against its types, a quarter
        of the client's CPU for a short request (0.43 of 1.76 ms, measured)."""
        s = self.settings
        return self._openai.chat.completions.with_streaming_response.create(  # type: ignore[call-overload]
            model=s.model,
            messages=[],
            extra_body={"messages": messages},
            temperature=s.temperature,
            max_tokens=max_tokens,
            **streaming,
        )

    def _too_slow(self, detail: str) -> DeadlineError:
        return DeadlineError(
            f"the answer did not come whole within {self.settings.request_timeout:.0f} s (--timeout){detail}",
            "deadline",
        )

    @staticmethod
    def _completion(response: ChatCompletion, on_tokens: TokenCallback) -> Completion:
        usage = response.usage
        choice = response.choices[0] if response.choices else None
        completion = Completion(
            text=(choice.message.content or "") if choice else "",
            finish_reason=choice.finish_reason if choice else None,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            cached_tokens=cached_tokens(usage),
        )
        on_tokens(completion.completion_tokens)
        return completion

    def _stream(self, messages: Messages, max_tokens: int, on_tokens: TokenCallback) -> Completion | None:
        """Read a streamed answer, reporting tokens as they come; None if no event came."""
        s = self.settings
        started = time.monotonic()
        with self._open(messages, max_tokens, stream=True, stream_options={"include_usage": True}) as raw:
            if "json" in raw.headers.get("content-type", ""):
                # The endpoint ignored ``stream`` and answered with one JSON body (some
                # local servers do): read it as it is, and stop asking for streams.
                self._streams = False
                return self._completion(ChatCompletion.model_validate_json(raw.read()), on_tokens)
            answer, reports = StreamedAnswer(), TokenReports(on_tokens)
            with deadline(_cutter(raw), s.request_timeout - (time.monotonic() - started)) as expired:
                chunks = raw.iter_bytes()
                try:
                    for batch in event_batches(chunks):
                        # An event is about one token: exact figures come with the usage.
                        if added := sum(1 for event in batch if answer.add(event)):
                            reports(added)
                except Exception as exc:
                    if expired.is_set():
                        raise self._too_slow(f"; {len(answer.parts)} pieces had arrived") from exc
                    raise _stream_error(exc, len(answer.parts)) from exc
                if expired.is_set():
                    raise self._too_slow("")
                _read_to_end(chunks, expired)
        reports.flush()
        if not answer.events:
            return None
        return self._streamed(answer, messages, on_tokens)

    def _streamed(self, answer: StreamedAnswer, messages: Messages, on_tokens: TokenCallback) -> Completion:
        text = answer.text
        prompt, completion_tokens, cached = usage_numbers(answer.usage)
        if completion_tokens is None:
            completion_tokens = self._counter.count(text)
        if prompt is None:
            prompt = prompt_tokens(messages, self._counter)
        on_tokens(completion_tokens - len(answer.parts))
        return Completion(text, answer.finish_reason, prompt, completion_tokens, cached)


# What may follow [DONE] and still be read: a body's closing bytes are a few, and come at once.
_TAIL_BYTES = 1 << 16
_TAIL_SECONDS = 2.0


def _cutter(raw: Any) -> Callable[[], None]:
    """What ends an answer at its deadline: closing the response does not wake a read
    that waits on a silent server, shutting its socket down does."""
    stream = raw.http_response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None

    def cut() -> None:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raw.close()

    return cut


def _read_to_end(chunks: Iterator[bytes], expired: Deadline) -> None:
    """Read what follows [DONE] up to the body's end, so that the connection goes back to
    the pool for the next request (closed unread, it is dropped: a new TCP and TLS
    handshake for every request). The answer is whole already: a tail that is long, slow
    or broken only costs the connection."""
    expired.shorten(_TAIL_SECONDS)
    left = _TAIL_BYTES
    with contextlib.suppress(*READ_ERRORS):
        for chunk in chunks:
            left -= len(chunk)
            if left < 0:
                return


def _stream_error(exc: Exception, pieces: int) -> Exception:
    """Our error for one that broke a stream: the server's own, a broken event, a dropped connection."""
    if isinstance(exc, StreamError):
        return TransientError(f"the API sent an error in the answer: {exc}", "stream")
    if isinstance(exc, MalformedEvent):
        return TransientError(f"{exc} ({pieces} pieces had arrived)", "stream")
    if isinstance(exc, TRANSPORT_ERRORS):
        return UnreachableError(
            f"the connection broke while the answer came ({type(exc).__name__}; {pieces} pieces had arrived)",
            type(exc).__name__,
        )
    return exc


def cached_tokens(usage: Any) -> int:
    """The prompt tokens a provider billed as a cached prefix, from a parsed usage object."""
    return usage_numbers(usage.model_dump() if usage is not None else None)[2]


def _ignore(tokens: int) -> None:
    pass


class OpenAIBatches:
    """The OpenAI-compatible Batch API (``/v1/files``, ``/v1/batches``) through the SDK:
    the transport ``engine.batch_api`` drives; errors mapped like a chat request's."""

    def __init__(self, engine: OpenAIEngine) -> None:
        self._openai = engine._openai
        self.settings = engine.settings

    def upload(self, name: str, data: bytes) -> str:
        return self._call(lambda: self._openai.files.create(file=(name, data), purpose="batch").id)

    def create(self, file_id: str) -> str:
        return self._call(
            lambda: (
                self._openai.batches.create(
                    input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
                ).id
            )
        )

    def status(self, batch_id: str) -> tuple[str, str | None, str | None]:
        """The batch's status, and its output and error files once there are."""
        batch = self._call(lambda: self._openai.batches.retrieve(batch_id))
        return batch.status, batch.output_file_id, batch.error_file_id

    def download(self, file_id: str) -> bytes:
        return self._call(lambda: self._openai.files.content(file_id).read())

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except openai.APIError as exc:
            raise map_error(exc, self.settings) from exc
