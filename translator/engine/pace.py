"""How fast the server clears a request's source text, and so how small a request is
still worth cutting.

The pool cuts the last requests of a run small so that every slot ends at about the
same time. That pays while an answer takes seconds; on a server that answers in a
fraction of a second it does not: the slots' end times differ by less than the smallest
request takes anyway, and every further request pays its prompt (instructions, title,
glossary) again and its share of the client's CPU (a 10-page paper on a server that
answered at once was cut into 59 requests, 6 a page, for nothing). So a request is not
cut smaller than the source tokens the server clears in ``QUICK_ANSWER`` seconds.
"""

from __future__ import annotations

import threading
import time

# Seconds: a request whose answer takes less is not cut smaller. At 50 tokens/s (the
# benchmarks' server) that is ~14 source tokens, below the pool's own floor, so only a
# server several times faster sees a difference: its last slot ends at most this much
# after the others.
QUICK_ANSWER = 0.5
# Each answer weighs this much less for every one that came after it: the pace follows a
# server that slows down under load over the last few dozen answers, not a day's average.
FADE = 0.95


class Pace:
    """Source tokens per second of the requests answered so far, the latest weighing most
    (each from its sending to its answer's end, time to the first token included: a slow
    first token makes small requests look slower, so the pace errs toward cutting finer).
    One per endpoint and model in a process (``Scheduler.pace``). Thread-safe."""

    def __init__(self) -> None:
        self._tokens = 0.0
        self._seconds = 0.0
        self._lock = threading.Lock()

    def answered(self, source_tokens: int, seconds: float) -> None:
        """A request of ``source_tokens`` was answered whole in ``seconds``."""
        if seconds <= 0 or source_tokens <= 0:
            return
        with self._lock:
            self._tokens = FADE * self._tokens + source_tokens
            self._seconds = FADE * self._seconds + seconds

    def least(self, seconds: float = QUICK_ANSWER) -> float:
        """The source tokens a request clears in ``seconds``: the smallest request worth
        cutting (0 until an answer has come)."""
        return self.tokens_per_second() * seconds

    def tokens_per_second(self) -> float:
        """Source tokens a request clears a second (0 until an answer has come)."""
        with self._lock:
            return self._tokens / self._seconds if self._seconds else 0.0


# Of the work the requests in flight still have, by the pace, the share counted when the
# next request is cut (see ``WorkInFlight``). Counted whole (the estimate itself), the
# requests cut mid-run grew so large that the run's end lacked small ones to even out
# the slots (simulated over the corpus pairs on 16 slots, the worst paper fell to 0.84 of
# the ideal); counted at half, the same simulation cut 22% fewer requests than without
# it and no paper ended later.
IN_FLIGHT_SHARE = 0.5


class WorkInFlight:
    """The requests of one run being answered: when each was sent and the source tokens it
    holds. What they still have to answer, by the pace, is work the slots will be busy
    with, so the next request is cut for it too: without it, a slot that frees mid-run
    took a share of only what was still to send and the run went out as many more, smaller
    requests (each paying its prompt and a first token's wait again). Thread-safe."""

    def __init__(self) -> None:
        self._sent: dict[int, tuple[float, int]] = {}
        self._tickets = 0
        self._lock = threading.Lock()

    def sent(self, source_tokens: int) -> int:
        """A request of ``source_tokens`` goes now; returns its ticket for :meth:`done`."""
        with self._lock:
            self._tickets += 1
            self._sent[self._tickets] = (time.monotonic(), source_tokens)
            return self._tickets

    def done(self, ticket: int) -> None:
        """The request of ``ticket`` is answered, or failed."""
        with self._lock:
            self._sent.pop(ticket, None)

    def left(self, tokens_per_second: float) -> float:
        """The source tokens the requests in flight still have to answer at that pace
        (all of them while the pace is unknown), times ``IN_FLIGHT_SHARE``."""
        now = time.monotonic()
        with self._lock:
            sent = list(self._sent.values())
        if tokens_per_second <= 0:
            return IN_FLIGHT_SHARE * sum(tokens for _, tokens in sent)
        return IN_FLIGHT_SHARE * sum(max(0.0, tokens - (now - at) * tokens_per_second) for at, tokens in sent)
