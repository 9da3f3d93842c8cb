"""A local OpenAI-compatible chat server for tests and benchmarks.

It "translates" deterministically (each word becomes a CJK character derived
from its hash; placeholders, numbers and punctuation stay), and can inject the
faults real endpoints produce: 429 with Retry-After, 500, timeouts, dropped
connections, truncated output, chatter, ``<think>`` blocks, dropped
placeholders, untranslated answers and missing ids.
"""

from __future__ import annotations

import json
import random
import re
import socket
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from translator.chunking.tokens import count_tokens

from .fake_batches import FakeBatches
from .fake_notes import install as install_notes
from .fake_notes import notes_answer, notes_request
from .fake_vision import formula_answer, image_request, with_inline_math

PLACEHOLDER = re.compile(r"(<x\d+/>)")
WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# Like a real model, the fake leaves acronyms and names (GPQA, QT-Opt, ReSyn, GPT-4) as they are.
NAME = re.compile(
    r"(?<![\w-])(?:[A-Z]{2,5}s?|[A-Za-z]*[a-z][A-Z][\w-]*|[A-Za-z]+\d[\w-]*|[A-Z][A-Za-z]*-[A-Z0-9][\w-]*)(?![\w-])"
)
THINK_MARKER = "REASONING-LEAK"
TERMS_SYSTEM = "You build a glossary"  # how the glossary's term calls begin
CHATTER_MARKER = "Here is the translation you asked for:"

CACHE_BLOCK = 64  # tokens: DeepSeek bills its prompt cache in blocks of 64


class _QuietServer(ThreadingHTTPServer):
    """A client that closes its connection (a deadline hit, a stopped run) is no error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


FAULTS = (
    "429", "500", "timeout", "drop", "truncate", "chatter", "think",
    "placeholder", "untranslated", "missing_id",
)  # fmt: skip
# Faults of a model that is wrong on every paragraph, for the bill's bounds (not in the
# random mix above, whose runs must end translated): every answer is the source text, or
# every id is renamed.
ALWAYS_FAULTS = ("wrong_language", "wrong_ids")
# Streams that break after their first piece (scripted only): the server's error event,
# an event whose data is cut off, the connection cut.
STREAM_FAULTS = ("stream_error", "stream_garbage", "stream_cut")
# Streams whole up to [DONE] whose body then ends late (``hang_seconds``) or after 100 KB
# of comment lines (scripted only).
TAIL_FAULTS = ("tail_held", "tail_long")


def _common_start(a: str, b: str) -> int:
    """How many characters two texts share at their start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def pseudo_term(term: str) -> str:
    """The fake glossary's translation of a term: unlike running text, so a
    server that ignores the glossary is caught."""
    return "术" + pseudo_translate(term).replace(" ", "")


GLOSSARY_TRANSLATE = re.compile(r"^Glossary: (.*)$", re.MULTILINE)
GLOSSARY_KEEP = re.compile(r"^Keep as is: (.*)$", re.MULTILINE)


def glossary_from_system(system: str) -> list[Any]:
    """The entries a request's system message carries."""
    from translator.glossary.entries import Entry

    entries = []
    for line in GLOSSARY_TRANSLATE.findall(system):
        for pair in line.split("; "):
            source, _, target = pair.partition("=")
            entries.append(Entry(source, target))
    for line in GLOSSARY_KEEP.findall(system):
        entries.extend(Entry(term, "") for term in line.split(", "))
    return entries


def translate_following(text: str, entries: list[Any]) -> str:
    """Pseudo-translate, writing each glossary term exactly as the glossary says."""
    from translator.glossary.matcher import TermMatcher

    out, pos = [], 0
    for occ in TermMatcher(entries).find(text):
        out.append(pseudo_translate(text[pos : occ.start]))
        out.append(text[occ.start : occ.end] if occ.entry.keep else occ.entry.target)
        pos = occ.end
    out.append(pseudo_translate(text[pos:]))
    return "".join(out)


# Common CJK characters, each one cl100k token, as in real Chinese text: the
# fake translation then costs about as many tokens as a real one.
ALPHABET = [c for c in map(chr, range(0x4E00, 0x9FA6)) if count_tokens(c) == 1]


def pseudo_word(word: str) -> str:
    h = zlib.crc32(word.lower().encode("utf-8"))
    return ALPHABET[h % len(ALPHABET)]


def pseudo_translate(text: str) -> str:
    """Deterministic stand-in for a Chinese translation of ``text``."""
    parts = PLACEHOLDER.split(text)
    return "".join(p if PLACEHOLDER.fullmatch(p) else _translate_words(p) for p in parts)


def _translate_words(text: str) -> str:
    pieces = NAME.split(text)
    out = [WORD.sub(lambda m: pseudo_word(m.group(0)), pieces[0])]
    for name, rest in zip(NAME.findall(text), pieces[1:], strict=True):
        out.append(name)
        out.append(WORD.sub(lambda m: pseudo_word(m.group(0)), rest))
    return "".join(out)


@dataclass
class FaultPlan:
    """Which fault hits which request: a fixed script first, then at random."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULTS
    script: list[str | None] = field(default_factory=list)
    seed: int = 1234
    retry_after: float = 0.05
    hang_seconds: float = 3.0

    def __post_init__(self) -> None:
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def next(self, key: str = "") -> str | None:
        """The fault for a request whose payload is ``key``.

        Drawn from the payload and how often it was seen, not from arrival
        order, so a run meets the same faults whatever its threads do.
        """
        with self._lock:
            if self.script:
                return self.script.pop(0)
            nth = self._seen[key]
            self._seen[key] += 1
        rng = random.Random(f"{self.seed}:{zlib.crc32(key.encode())}:{nth}")
        if self.rate and rng.random() < self.rate:
            return rng.choice(self.kinds)
        return None


@dataclass
class Record:
    fault: str | None
    ids: list[str]
    system: str
    user: str
    status: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # (source text, term) pairs where the server ignored a glossary term it was given.
    ignored: list[tuple[str, str]] = field(default_factory=list)
    glossary_request: bool = False
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    cached_tokens: int = 0  # with prefix_cache: the prompt tokens billed as cached


class FakeLLM:
    """Start with ``with FakeLLM(...) as llm:``; ``llm.base_url`` is the /v1 URL."""

    def __init__(
        self,
        faults: FaultPlan | None = None,
        latency: float = 0.0,
        tokens_per_second: float = 0.0,
        translate: Callable[[str], str] = pseudo_translate,
        api_key: str | None = None,
        follow_glossary: bool = True,
        streaming: bool = True,
        hold_after: int | None = None,
        slots: int | None = None,
        trickle: float = 0.0,
        batch_seconds: float = 0.0,
        prefix_cache: bool = False,
    ) -> None:
        # Seconds between the 32-byte pieces of an unstreamed answer: never a long enough
        # stall for a read timeout, yet as long as it likes in all.
        self.trickle = trickle
        # The Batch API (/v1/files, /v1/batches): a batch completes after batch_seconds.
        self.batch_api = FakeBatches(self, batch_seconds)
        # Image requests (display formulas): crop hash → true LaTeX; scripted bad answers.
        self.formulas: dict[str, str] = {}
        self.formula_faults: list[str] = []
        self.image_requests = 0
        self.invent_math = False  # with --inline-math: add a $…$ the source does not hold
        self.follow_glossary = follow_glossary
        # Serve this many requests at once; one more is answered 429 with Retry-After, as a
        # busy hosted API or a local server with a fixed number of slots does.
        self.slots = slots
        self.prefix_cache = prefix_cache
        self._systems: list[str] = []  # system messages seen, for the prefix cache
        # False: like some local servers, answer a streaming request with one JSON body.
        self.streaming = streaming
        # Answer this many requests, then hold every later one until release(): a test
        # can stop a client at an exact point instead of after a guessed time.
        self.hold_after = hold_after
        self.gate = threading.Event()
        self._admitted = 0
        self.faults = faults or FaultPlan()
        self.latency = latency
        self.tokens_per_second = tokens_per_second
        self.translate = translate
        self.api_key = api_key
        self.records: list[Record] = []
        self.lock = threading.Lock()
        install_notes(self)  # note requests: answers built from their paragraphs, scripted faults
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0  # TCP connections the clients opened
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with server.lock:
                    server.connections += 1

            def do_GET(self) -> None:
                if server.batch_api.owns(self.path):
                    server.batch_api.get(self)
                    return
                self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

            def do_POST(self) -> None:
                if server.batch_api.owns(self.path):
                    server.batch_api.post(self)
                    return
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    full = server.slots is not None and server.in_flight >= server.slots
                    if not full:
                        server.in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server.in_flight)
                if full:
                    server.busy(self)
                    return
                try:
                    server.handle(self, body)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    if not (server.trickle and status == 200):
                        self.wfile.write(data)
                        return
                    for start in range(0, len(data), 32):  # an unstreamed answer, a few bytes at a time
                        self.wfile.write(data[start : start + 32])
                        self.wfile.flush()
                        time.sleep(server.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.handler = Handler
        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, args=(0.02,), daemon=True
        )  # quick shutdown

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- accounting helpers for tests ------------------------------------------
    def busy(self, h: Any) -> None:
        """Every slot is taken: 429, come back in a second."""
        self._log(Record(fault="slots", ids=[], system="", user="", status=429))
        h._json(
            429,
            {"error": {"message": "Too many requests in flight", "code": "rate_limit_exceeded"}},
            {"retry-after": "1"},
        )

    @property
    def admitted(self) -> int:
        """Requests that reached the handler, held ones included."""
        with self.lock:
            return self._admitted

    def count(self, fault: str | None = "any") -> int:
        with self.lock:
            if fault == "any":
                return len(self.records)
            return sum(1 for r in self.records if r.fault == fault)

    def fault_counts(self) -> Counter[str | None]:
        with self.lock:
            return Counter(r.fault for r in self.records)

    # -- the endpoint ----------------------------------------------------------
    def release(self) -> None:
        """Let held requests (and all later ones) be answered."""
        self.hold_after = None
        self.gate.set()

    def _hold(self) -> None:
        with self.lock:
            admitted = self._admitted
            self._admitted += 1
        if self.hold_after is not None and admitted >= self.hold_after:
            self.gate.wait()

    def handle(self, h: Any, body: dict[str, Any]) -> None:
        self._hold()
        messages = body.get("messages", [])
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        user = messages[-1]["content"] if messages else ""
        if image_request(user):
            self._formula(h, body, system, user)
            return
        record = Record(fault=None, ids=[], system=system, user=user, status=200)
        if self.api_key is not None and h.headers.get("authorization") != f"Bearer {self.api_key}":
            record.status = 401
            self._log(record)
            h._json(401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}})
            return
        if notes_request(system):
            self._answer(h, body, Record(fault="notes", ids=[], system=system, user=user, status=200),
                         notes_answer(self, system, user), "stop")  # fmt: skip
            return
        fault = self.faults.next(user)
        record.fault = fault
        try:
            payload = json.loads(user)
        except json.JSONDecodeError:
            payload = {"1": user}
        record.glossary_request = system.startswith(TERMS_SYSTEM)  # id → term, answered id → translation
        segments: dict[str, str] = payload
        record.ids = list(segments)
        if self._refuse(h, record, fault):
            return
        entries = glossary_from_system(system)
        if record.glossary_request:
            answer = {k: "" if term.isupper() else pseudo_term(term) for k, term in segments.items()}
        elif entries and self.follow_glossary:
            answer = {k: translate_following(v, entries) for k, v in segments.items()}
        else:
            answer = {k: self.translate(v) for k, v in segments.items()}
            if entries:
                from translator.glossary.matcher import TermMatcher, complies

                matcher = TermMatcher(entries)
                record.ignored = [
                    (v, e.source)
                    for k, v in segments.items()
                    for e in matcher.entries_in(v)
                    if not complies(e, answer[k])
                ]
        if "single dollar signs" in system and not record.glossary_request:
            answer = {k: with_inline_math(v, segments[k], self.invent_math) for k, v in answer.items()}
        answer, fault = _spoil(answer, segments, fault)
        record.fault = fault
        content = json.dumps(answer, ensure_ascii=False)
        finish = "stop"
        if fault == "truncate":
            content = content[: max(1, len(content) // 2)]
            finish = "length"
        elif fault == "chatter":
            content = f"{CHATTER_MARKER}\n```json\n{content}\n```\nLet me know if you need anything else."
        elif fault == "think":
            content = f"<think>{THINK_MARKER}: the user wants Chinese. Let me translate.</think>\n{content}"
        self._answer(h, body, record, content, finish)

    def _cache_usage(self, record: Record) -> dict[str, Any]:
        """With ``prefix_cache``, a provider's prompt cache as DeepSeek bills it: the longest
        start of this system message that an earlier request sent too, in whole blocks of
        ``CACHE_BLOCK`` tokens, is read from the cache."""
        if not self.prefix_cache:
            return {}
        with self.lock:
            best = max((_common_start(record.system, seen) for seen in self._systems), default=0)
            self._systems.append(record.system)
        cached = count_tokens(record.system[:best]) // CACHE_BLOCK * CACHE_BLOCK
        record.cached_tokens = cached
        return {"prompt_tokens_details": {"cached_tokens": cached}}

    def _answer(self, h: Any, body: dict[str, Any], record: Record, content: str, finish: str) -> None:
        """Send one text answer, streamed or whole, after the server's latency."""
        record.prompt_tokens = count_tokens(record.system) + count_tokens(record.user) + 8
        record.completion_tokens = count_tokens(content)
        if body.get("stream") and self.streaming:
            self._stream(h, body, record, content, finish)
            return
        delay = self.latency + (
            record.completion_tokens / self.tokens_per_second if self.tokens_per_second else 0
        )
        if delay:
            time.sleep(delay)
        self._log(record)
        h._json(200, {
            "id": f"chatcmpl-{len(self.records)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": record.prompt_tokens,
                "completion_tokens": record.completion_tokens,
                "total_tokens": record.prompt_tokens + record.completion_tokens,
                **self._cache_usage(record),
            },
        })  # fmt: skip

    def _formula(self, h: Any, body: dict[str, Any], system: str, content: list[dict[str, Any]]) -> None:
        """An image request: a display formula's crop in, its LaTeX out (``fake_vision``)."""
        status, answer = formula_answer(self, content)
        record = Record(fault="image", ids=[], system=system, user="", status=status)
        record.prompt_tokens = count_tokens(system) + 425
        record.completion_tokens = count_tokens(answer)
        if status == 200 and body.get("stream") and self.streaming:
            self._stream(h, body, record, answer, "stop")
            return
        delay = self.latency + (
            record.completion_tokens / self.tokens_per_second if self.tokens_per_second else 0
        )
        if delay and status == 200:
            time.sleep(delay)  # a vision model takes its time as a text model does
        self._log(record)
        if status != 200:
            h._json(status, {"error": {"message": answer, "type": "invalid_request_error"}})
            return
        h._json(200, {
            "id": f"chatcmpl-{len(self.records)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": record.prompt_tokens, "completion_tokens": record.completion_tokens,
                      "total_tokens": record.prompt_tokens + record.completion_tokens},
        })  # fmt: skip

    def _refuse(self, h: Any, record: Record, fault: str | None) -> bool:
        """Answer with the fault instead of a translation (429, 500, a dropped or hung
        connection); False when the request is to be answered."""
        if fault == "429":
            record.status = 429
            self._log(record)
            h._json(
                429,
                {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}},
                {"retry-after": str(self.faults.retry_after)},
            )
            return True
        if fault == "500":
            record.status = 500
            self._log(record)
            h._json(500, {"error": {"message": "The server had an error"}})
            return True
        if fault == "drop":
            record.status = 0
            self._log(record)
            h.close_connection = True
            h.connection.shutdown(2)
            return True
        if fault == "timeout":
            record.status = 0
            self._log(record)
            time.sleep(self.faults.hang_seconds)
            h.close_connection = True
            return True
        return False

    def _stream(self, h: Any, body: dict[str, Any], record: Record, content: str, finish: str) -> None:
        """Server-sent events as the OpenAI API sends them: one chunk per few
        characters, paced at ``tokens_per_second``, usage last when asked for."""
        if self.latency:
            time.sleep(self.latency)
        pieces = [content[i : i + 4] for i in range(0, len(content), 4)] or [""]
        pause = (
            record.completion_tokens / self.tokens_per_second / len(pieces) if self.tokens_per_second else 0
        )
        logged = False
        base = {"id": "chatcmpl-stream", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "fake-model")}  # fmt: skip
        try:
            # Chunked and kept alive, as the OpenAI API streams: a client that stops
            # reading at [DONE] leaves the end of the body unread and loses the connection.
            h.send_response(200)
            h.send_header("content-type", "text/event-stream")
            h.send_header("cache-control", "no-cache")
            h.send_header("transfer-encoding", "chunked")
            h.end_headers()
            for n, piece in enumerate(pieces):
                if n == 1 and record.fault in STREAM_FAULTS:
                    self._break_stream(h, record)
                    return
                last = n == len(pieces) - 1
                choice = {"index": 0, "delta": {"content": piece}, "finish_reason": finish if last else None}
                self._event(h, {**base, "choices": [choice]})
                if pause:
                    time.sleep(pause)
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = {"prompt_tokens": record.prompt_tokens, "completion_tokens": record.completion_tokens,
                         "total_tokens": record.prompt_tokens + record.completion_tokens,
                         **self._cache_usage(record)}  # fmt: skip
                self._event(h, {**base, "choices": [], "usage": usage})
            # Logged before the stream ends, so a client that has its answer finds it in the log.
            self._log(record)
            logged = True
            _chunk(h, b"data: [DONE]\n\n")
            if record.fault == "tail_held":
                time.sleep(self.faults.hang_seconds)
            elif record.fault == "tail_long":
                _chunk(h, b": keep-alive\n\n" * 8000)
            _chunk(h, b"")  # the body's end
        except (BrokenPipeError, ConnectionResetError):
            if not logged:
                record.status = 0
                self._log(record)

    def _break_stream(self, h: Any, record: Record) -> None:
        """A stream that fails after its first piece: an error event, or data that is not JSON."""
        h.close_connection = True
        if record.fault == "stream_cut":
            h.connection.shutdown(socket.SHUT_RDWR)
        elif record.fault == "stream_error":
            self._event(h, {"error": {"message": "The server had an error while processing your request",
                                      "type": "server_error"}})  # fmt: skip
        else:
            _chunk(h, b'data: {"choices": [{"delta\n\n')
        record.status = 0
        self._log(record)

    @staticmethod
    def _event(h: Any, payload: dict[str, Any]) -> None:
        _chunk(h, b"data: " + json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n")

    def _log(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


def _chunk(h: Any, data: bytes) -> None:
    """One piece of a chunked body (an empty one ends it)."""
    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
    h.wfile.flush()


def _spoil(
    answer: dict[str, str], segments: dict[str, str], fault: str | None
) -> tuple[dict[str, str], str | None]:
    """The answer as a model with this fault gives it (and the fault, which may turn out
    to be another: no placeholder to drop is an untranslated paragraph)."""
    if fault == "placeholder":
        for k, v in answer.items():
            if PLACEHOLDER.search(v):
                answer[k] = PLACEHOLDER.sub("", v, count=1)
                break
        else:
            fault = "untranslated"
    if fault == "untranslated":
        first = next(iter(answer), None)
        if first is not None:
            answer[first] = segments[first]
    if fault == "missing_id" and answer:
        answer.pop(next(iter(answer)))
    if fault == "wrong_language":
        answer = dict(segments)
    if fault == "wrong_ids":
        answer = {f"x{k}": v for k, v in answer.items()}
    return answer, fault


def main(argv: list[str] | None = None) -> None:
    """Serve the fake API until SIGTERM/SIGINT: ``python -m tests.servers.fake_llm --url-file F``.

    The CI smoke test runs the README's first command against it; ``--latency``
    makes a slow model (for measuring how fast Ctrl-C stops a run).
    """
    import argparse
    import signal
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--url-file", type=Path, required=True, help="write the /v1 URL here once serving")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--tokens-per-second", type=float, default=0.0, help="generation speed (0: instant)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with FakeLLM(latency=args.latency, tokens_per_second=args.tokens_per_second) as server:
        args.url_file.write_text(server.base_url, encoding="utf-8")
        stop.wait()


if __name__ == "__main__":
    main()
