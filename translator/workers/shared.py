"""What workers on many machines share through Redis: the connection (its errors
mapped to ours), one rate limit per (endpoint, model) and one cache of answers.

The limit is a moving window kept in a sorted set, checked and taken in one Lua
script with Redis's own clock, so machines with skewed clocks still count the same
minute: at most ``--rpm`` requests and ``--tpm`` tokens in any 60 seconds, over every
worker. A server's ``Retry-After`` met by one worker holds them all (capped, so a
hostile server cannot stop a lab for a day).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import redis

from ..engine.ratelimit import Limiter
from ..errors import BrokerError
from ..urls import redact

PREFIX = "translate:"
# The moving window is 62 s, not 60: a request reaches the server a moment after it is
# admitted (seconds, on a loaded machine), so 60 admitted in 60 s could arrive as more in
# the server's minute (3 workers under --rpm 60: 64 in the server's busiest minute).
WINDOW_MS = 62_000
REQUEST_LOG_LENGTH = 100_000  # the newest requests kept in the shared log


@contextlib.contextmanager
def broker_errors(client: redis.Redis) -> Iterator[None]:
    """Redis's errors as ours, naming the server and what to do."""
    try:
        yield
    except redis.RedisError as exc:
        where = redact(_address(client))
        raise BrokerError(
            f"Redis at {where} failed ({type(exc).__name__}: {exc}): check that redis-server runs there "
            "and --broker points at it; the job is tried again"
        ) from exc


def _address(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def connect(url: str) -> redis.Redis:
    """A client for ``url``, checked at once so a wrong address fails before any work."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    except ValueError as exc:
        raise BrokerError(
            f"--broker {redact(url)} is not a Redis URL ({exc}): use redis://HOST:PORT/DB"
        ) from exc
    with broker_errors(client):
        client.ping()
    return client


# Redis's own clock, in milliseconds: every machine's scripts count the same time.
LUA_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""


def redis_now_ms(client: redis.Redis) -> int:
    """Redis's clock, in milliseconds, as the scripts read it."""
    seconds, micros = client.time()
    return int(seconds) * 1000 + int(micros) // 1000


def account_key(endpoint: str, model: str) -> str:
    """The name of one (endpoint, model) account in Redis keys: hashed, so that no key
    written into an endpoint URL ever shows in Redis."""
    return hashlib.sha256(f"{endpoint}\n{model}".encode()).hexdigest()[:16]


def text(value: Any) -> str:
    """A value read from Redis, as text."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


# KEYS: the window's log, the pause flag. ARGV: rpm (0: none), tpm (0: none), tokens,
# window ms, a unique member. Returns 0 when taken, else the milliseconds to wait.
_ACQUIRE = (
    LUA_NOW
    + """
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause end
local rpm, tpm, tokens = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local count = #entries / 2
if rpm > 0 and count >= rpm then
  return math.max(1, tonumber(entries[2]) + window - now)
end
if tpm > 0 and count > 0 then
  local used = 0
  for i = 1, #entries, 2 do used = used + tonumber(string.match(entries[i], ':(%d+)$')) end
  local over = used + tokens - tpm
  if over > 0 then
    for i = 1, #entries, 2 do
      over = over - tonumber(string.match(entries[i], ':(%d+)$'))
      if over <= 0 then return math.max(1, tonumber(entries[i + 1]) + window - now) end
    end
  end
end
redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. tokens)
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""
)

# KEYS: the pause flag. ARGV: milliseconds. Lengthens a pause, never shortens one.
_HOLD = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""


class RedisLimiter:
    """``--rpm``/``--tpm`` of one (endpoint, model), held over every worker."""

    def __init__(
        self,
        client: redis.Redis,
        endpoint: str,
        model: str,
        requests_per_minute: int | None,
        tokens_per_minute: int | None,
        max_hold_seconds: float = 120.0,
        window_ms: int = WINDOW_MS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        account = account_key(endpoint, model)
        self.client = client
        self.keys = [f"{PREFIX}rate:{account}", f"{PREFIX}pause:{account}"]
        self.rpm = requests_per_minute or 0
        self.tpm = tokens_per_minute or 0
        self.max_hold_ms = int(max_hold_seconds * 1000)
        self.window_ms = window_ms
        self.sleep = sleep
        self._acquire = client.register_script(_ACQUIRE)
        self._hold = client.register_script(_HOLD)

    @property
    def counts_tokens(self) -> bool:
        return bool(self.tpm)

    def acquire(self, tokens: int) -> None:
        """Wait until the shared window has room for one request of ``tokens``."""
        tokens = max(0, min(int(tokens), self.tpm)) if self.tpm else max(0, int(tokens))
        member = uuid.uuid4().hex[:12]
        while True:
            with broker_errors(self.client):
                wait_ms = int(
                    self._acquire(keys=self.keys, args=[self.rpm, self.tpm, tokens, self.window_ms, member])
                )
            if wait_ms <= 0:
                return
            self.sleep(min(wait_ms, 5000) / 1000)  # look again soon: a pause may be lifted early

    def hold(self, seconds: float) -> None:
        """Every worker waits ``seconds`` (at most ``max_hold_seconds``) before its next request."""
        milliseconds = min(self.max_hold_ms, int(seconds * 1000))
        if milliseconds > 0:
            with broker_errors(self.client):
                self._hold(keys=self.keys[1:], args=[milliseconds])


def limiter_factory(client: redis.Redis, max_hold_seconds: float) -> Callable[..., Limiter]:
    """The scheduler's ``limiters`` for a worker: one shared limiter per (endpoint, model)."""

    def make(endpoint: str, model: str, rpm: int | None, tpm: int | None) -> Limiter:
        return RedisLimiter(client, endpoint, model, rpm, tpm, max_hold_seconds)

    return make


class RedisCache:
    """The translation cache (``translator.cache.Cache``) kept in Redis, so a paragraph
    one worker paid for is never paid for by another. Answers are stored the moment they
    arrive, as in the SQLite cache."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The cached translations among ``keys``."""
        keys = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            with broker_errors(self.client):
                values = self.client.mget([f"{PREFIX}tr:{k}" for k in chunk])
            found.update({k: text(v) for k, v in zip(chunk, values, strict=True) if v is not None})
        return found

    def put_many(self, items: Iterable[tuple[str, str, str]], model: str, lang: str) -> None:
        """Store ``(key, source, translation)`` triples."""
        rows = list(items)
        if not rows:
            return
        with broker_errors(self.client):
            self.client.mset({f"{PREFIX}tr:{key}": translation for key, _, translation in rows})

    def get_terms(self, key: str) -> str | None:
        """A cached term answer."""
        with broker_errors(self.client):
            value = self.client.get(f"{PREFIX}terms:{key}")
        return None if value is None else text(value)

    def put_terms(self, key: str, terms: str, answer: str, model: str, lang: str) -> None:
        """Store the answer to one term call."""
        with broker_errors(self.client):
            self.client.set(f"{PREFIX}terms:{key}", answer)

    def log_request(
        self,
        model: str,
        endpoint: str,
        units: int,
        prompt_tokens: int,
        completion_tokens: int,
        duration: float,
        outcome: str,
    ) -> None:
        """One line of the shared request log (the newest ``REQUEST_LOG_LENGTH`` are kept)."""
        entry: dict[str, Any] = {
            "model": model,
            "endpoint": redact(endpoint),
            "units": units,
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "duration": round(duration, 3),
            "outcome": outcome,
            "created": time.time(),
        }
        with broker_errors(self.client):
            pipe = self.client.pipeline()
            pipe.rpush(f"{PREFIX}requests", json.dumps(entry))
            pipe.ltrim(f"{PREFIX}requests", -REQUEST_LOG_LENGTH, -1)
            pipe.execute()

    def close(self) -> None:
        """Nothing to do: the connection is the worker's."""
