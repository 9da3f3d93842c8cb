"""The circuit breaker: when a model fails the same way on nearly every request, the run
stops asking it instead of re-asking and splitting until the bill explodes. What
translated is kept; the rest is marked, with one line that says what the model keeps
doing and what to try.

A request counts as failed when most of its paragraphs failed their checks (a name or a
number passes the language check in any language, so a wrong-language model still gets
a few through), or when a single paragraph's answer did not come whole within the
deadline (a longer request that is too slow is split, which may yet work). The breaker
trips once one kind of failure has hit ``TRIP_AFTER`` requests and failed requests
outnumber good ones ``FAILURE_RATIO`` to one."""

from __future__ import annotations

import threading
from collections import Counter

TRIP_AFTER = 5  # failed requests of one kind
FAILURE_RATIO = 4  # failed requests per good one

# kind → (what the model keeps doing, what to try)
KINDS = {
    "wrong-language": (
        "answers in the wrong language or leaves the text untranslated",
        "try another model, or check --lang",
    ),
    "truncated": (
        "cuts its answers off",
        "try a smaller --max-request-tokens or a model with a longer output",
    ),
    "placeholders": (
        "drops or changes the <xN/> placeholders that stand for citations and formulas",
        "try another model",
    ),
    "answers": (
        "answers with broken JSON or leaves paragraphs out",
        "try another model or a smaller --max-request-tokens",
    ),
    "too-slow": (
        "sends even single paragraphs too slowly to come whole within --timeout",
        "raise --timeout, or try a server that is less busy",
    ),
}


def kind_of(reason: str) -> str:
    """Which of :data:`KINDS` a validation failure is."""
    if "(--timeout)" in reason:
        return "too-slow"
    if "untranslated" in reason or "is not in " in reason:
        return "wrong-language"
    if "cut off" in reason:
        return "truncated"
    if "<x" in reason or "placeholder" in reason:
        return "placeholders"
    return "answers"


class Breaker:
    """Counts requests by outcome, and failed ones by kind."""

    def __init__(self, trip_after: int = TRIP_AFTER, ratio: int = FAILURE_RATIO) -> None:
        self.trip_after = trip_after
        self.ratio = ratio
        self.good = 0
        self.failures: Counter[str] = Counter()
        self.tripped: str | None = None  # the message, once tripped
        self._lock = threading.Lock()

    def outcome(self, good: int, reasons: list[str]) -> None:
        """One answered request: how many of its paragraphs passed, and why the others failed."""
        if good >= len(reasons):
            with self._lock:
                self.good += 1
            return
        kind = Counter(kind_of(r) for r in reasons).most_common(1)[0][0]
        with self._lock:
            self.failures[kind] += 1
            failed = sum(self.failures.values())
            if self.tripped or self.failures[kind] < self.trip_after or failed < self.ratio * self.good:
                return
            what, advice = KINDS[kind]
            self.tripped = (
                f"stopped asking: the model {what} ({failed} of {failed + self.good} requests failed, "
                f"{self.failures[kind]} this way); {advice}"
            )
