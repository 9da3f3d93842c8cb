"""Client-side rate limits, on a fake clock."""

from __future__ import annotations

from translator.engine.ratelimit import Bucket, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_requests_per_minute() -> None:
    clock = FakeClock()
    bucket = Bucket(60, clock=clock, sleep=clock.sleep)  # one a second, burst of 60
    waited = [bucket.take(1) for _ in range(62)]
    assert sum(waited[:60]) == 0
    assert abs(waited[60] - 1.0) < 1e-6 and abs(waited[61] - 1.0) < 1e-6
    assert abs(clock.now - 2.0) < 1e-6


def test_tokens_per_minute_and_oversized_requests() -> None:
    clock = FakeClock()
    bucket = Bucket(1000, clock=clock, sleep=clock.sleep)
    bucket.take(900)
    assert abs(bucket.take(400) - 18.0) < 1e-6  # 300 tokens short at 1000/60 a second
    # A request larger than a minute's worth still goes, after a full refill.
    assert bucket.take(5000) > 0


def test_limiter_off_by_default() -> None:
    limiter = RateLimiter(None, None)
    assert limiter.requests is None and limiter.tokens is None
    limiter.acquire(10**9)  # returns at once
