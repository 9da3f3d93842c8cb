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
        with self._lock:
            return self._tokens / self._seconds * seconds if self._seconds else 0.0
