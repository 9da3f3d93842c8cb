"""The congestion window of one (endpoint, model), shared by every worker through Redis.

Without it, three workers of ``--concurrency 8`` send 24 requests to a server with 8
slots, and each halves its own window on every 429 while the others refill it: the
run measured 0.23 of the ideal with two workers. Here the window's size and the
requests in flight live in Redis, so all workers together keep ``--concurrency`` (the
ceiling, over all of them) and grow and shrink one window as one process does
(additive increase, halving on a 429, at most once a second; slower growth near the
size that last overflowed).

A place in flight is a member of a sorted set scored by its expiry; the worker's
heartbeat renews the places it holds, so a killed worker's places free themselves
within ``lease_seconds``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from ..engine.congestion import BACKOFF_GAP, PROBE_SLOWDOWN, InFlight
from .shared import LUA_NOW, PREFIX, account_key, broker_errors, redis_now_ms

STATE_TTL_MS = 3_600_000  # a window unused for an hour starts again from --concurrency
POLL_SECONDS = 0.05
CAPACITY_SECONDS = 0.5  # how stale the window's size a worker cuts its requests for may be

# KEYS: state hash, places set. ARGV: ceiling, member, lease ms. Returns 1 if a place was taken.
_TAKE = (
    LUA_NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or ARGV[1])
limit = math.min(limit, tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[2]) >= math.max(1, math.floor(limit)) then return 0 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * 2)
return 1
"""
)

# KEYS: state hash. ARGV: ceiling, gap ms, ttl ms. Halves the window once per burst of 429s.
_BUSY = (
    LUA_NOW
    + """
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or ARGV[1])
local last = tonumber(redis.call('HGET', KEYS[1], 'last_backoff') or 0)
if now - last >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'overflowed_at', limit, 'limit', math.max(1, limit / 2), 'last_backoff', now)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
"""
)

# KEYS: state hash. ARGV: ceiling, slowdown, ttl ms. One place more per window's worth of answers.
_ANSWERED = """
local ceiling = tonumber(ARGV[1])
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit') or ARGV[1])
local overflowed = tonumber(redis.call('HGET', KEYS[1], 'overflowed_at') or 1e18)
local step = 1 / math.max(1, limit)
if limit >= overflowed - 1 then step = step / tonumber(ARGV[2]) end
redis.call('HSET', KEYS[1], 'limit', tostring(math.min(ceiling, limit + step)))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 0
"""


class SharedWindow:
    """``InFlight`` over every worker of one (endpoint, model)."""

    def __init__(
        self,
        client: redis.Redis,
        endpoint: str,
        model: str,
        ceiling: int,
        on_busy: Callable[[float], None] | None = None,
        lease_seconds: float = 60.0,
    ) -> None:
        account = account_key(endpoint, model)
        self.client = client
        self.keys = [f"{PREFIX}window:{account}", f"{PREFIX}inflight:{account}"]
        self.ceiling = max(1, ceiling)
        self.on_busy = on_busy
        self.lease_ms = int(lease_seconds * 1000)
        self._take = client.register_script(_TAKE)
        self._busy = client.register_script(_BUSY)
        self._answered = client.register_script(_ANSWERED)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._capacity = self.ceiling
        self._capacity_at = float("-inf")

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for a place among the requests in flight over all workers."""
        member = uuid.uuid4().hex
        while True:
            with broker_errors(self.client):
                taken = self._take(keys=self.keys, args=[self.ceiling, member, self.lease_ms])
            if taken:
                break
            time.sleep(POLL_SECONDS)
        with self._lock:
            self._held.add(member)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(member)
            with broker_errors(self.client):
                self.client.zrem(self.keys[1], member)

    def busy(self, retry_after: float | None = None) -> None:
        """A 429: halve the shared window (once per burst) and tell the limiter."""
        if retry_after is not None and self.on_busy is not None:
            self.on_busy(retry_after)
        with broker_errors(self.client):
            self._busy(keys=self.keys[:1], args=[self.ceiling, int(BACKOFF_GAP * 1000), STATE_TTL_MS])

    def begun(self) -> None:
        """Not tracked across workers: a 429 halves the shared window."""

    def answered(self, tokens: int = 0, seconds: float = 0.0) -> None:
        """An answer: the shared window grows (up to ``--concurrency``, over all workers)."""
        with broker_errors(self.client):
            self._answered(keys=self.keys[:1], args=[self.ceiling, PROBE_SLOWDOWN, STATE_TTL_MS])

    def capacity(self) -> int:
        """The shared window's size, read from Redis at most every ``CAPACITY_SECONDS``."""
        now = time.monotonic()
        if now - self._capacity_at >= CAPACITY_SECONDS:
            with broker_errors(self.client):
                limit = self.client.hget(self.keys[0], "limit")
            size = float(limit) if limit is not None else float(self.ceiling)  # type: ignore[arg-type]
            self._capacity = max(1, int(min(size, self.ceiling)))
            self._capacity_at = now
        return self._capacity

    def reach(self) -> int:
        """No slow start across workers: the window's size."""
        return self.capacity()

    def renew(self) -> None:
        """Keep this worker's places (the heartbeat calls it)."""
        with self._lock:
            held = list(self._held)
        if held:
            with broker_errors(self.client):
                self.client.zadd(
                    self.keys[1], dict.fromkeys(held, redis_now_ms(self.client) + self.lease_ms), xx=True
                )


class SharedWindows:
    """The scheduler's ``windows`` factory for a worker; remembers them for the heartbeat."""

    def __init__(self, client: redis.Redis, lease_seconds: float) -> None:
        self.client = client
        self.lease_seconds = lease_seconds
        self.made: list[SharedWindow] = []

    def __call__(
        self,
        endpoint: str,
        model: str,
        size: int,
        ceiling: int,
        on_busy: Callable[[float], None] | None,
        on_grow: Callable[[], None] | None = None,
    ) -> InFlight:
        # --concurrency is the ceiling over all workers: the shared window does not grow past it.
        window = SharedWindow(self.client, endpoint, model, size, on_busy, self.lease_seconds)
        self.made.append(window)
        return window

    def renew(self) -> None:
        for window in list(self.made):
            window.renew()
