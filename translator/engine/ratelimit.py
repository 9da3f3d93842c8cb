"""Client-side limits on requests and tokens per minute (token buckets).

A limiter is anything with ``acquire`` and ``hold``: the token buckets below hold one
process to ``--rpm``/``--tpm``; workers on many machines share one kept in Redis
(``translator.workers.shared``), passed to the scheduler as its ``limiters`` factory.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Limiter(Protocol):
    """The rate limit of one (endpoint, model) account."""

    @property
    def counts_tokens(self) -> bool:
        """Whether ``acquire`` needs the request's tokens (a tokens-per-minute limit is set)."""

    def acquire(self, tokens: int) -> None:
        """Block until one request of about ``tokens`` tokens may be sent."""

    def hold(self, seconds: float) -> None:
        """The server asked a client to wait ``seconds`` (``Retry-After``)."""


LimiterFactory = Callable[[str, str, int | None, int | None], Limiter]


class Bucket:
    """Refills ``per_minute`` units per minute; ``take`` blocks until enough are there."""

    def __init__(
        self,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.level = float(per_minute)
        self.clock = clock
        self.sleep = sleep
        self.updated = clock()
        self.lock = threading.Lock()

    def take(self, amount: float) -> float:
        """Take ``amount`` units; returns the seconds spent waiting."""
        amount = min(amount, self.capacity)  # a request larger than a minute's worth still goes
        waited = 0.0
        while True:
            with self.lock:
                now = self.clock()
                self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
                self.updated = now
                if self.level >= amount:
                    self.level -= amount
                    return waited
                delay = (amount - self.level) / self.rate
            self.sleep(delay)
            waited += delay


class RateLimiter:
    """Requests-per-minute and tokens-per-minute limits together; either may be off."""

    def __init__(self, requests_per_minute: int | None, tokens_per_minute: int | None) -> None:
        self.requests = Bucket(requests_per_minute) if requests_per_minute else None
        self.tokens = Bucket(tokens_per_minute) if tokens_per_minute else None

    @property
    def counts_tokens(self) -> bool:
        return self.tokens is not None

    def acquire(self, tokens: int) -> None:
        """Wait for one request's place in both buckets."""
        if self.requests:
            self.requests.take(1)
        if self.tokens:
            self.tokens.take(tokens)

    def hold(self, seconds: float) -> None:
        """Nothing more within one process: the request that met the 429 waits its
        ``Retry-After`` itself, and the congestion window has halved the requests in flight."""


def local_limiter(
    endpoint: str, model: str, requests_per_minute: int | None, tokens_per_minute: int | None
) -> Limiter:
    """The default factory: token buckets in this process."""
    return RateLimiter(requests_per_minute, tokens_per_minute)
