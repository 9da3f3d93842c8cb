"""The circuit breaker: when a model fails the same way on every request and has not
given one usable answer, the run stops asking it instead of re-asking and splitting
until the bill explodes. What translated is kept; the rest is marked, with one line
that says what the model keeps doing and what to try."""

from __future__ import annotations

import threading
from collections import Counter

TRIP_AFTER = 5  # failed requests of one kind, with no usable answer yet in the run

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
}


def kind_of(reason: str) -> str:
    """Which of :data:`KINDS` a validation failure is."""
    if "untranslated" in reason or "is not in " in reason:
        return "wrong-language"
    if "cut off" in reason:
        return "truncated"
    if "<x" in reason or "placeholder" in reason:
        return "placeholders"
    return "answers"


class Breaker:
    """Counts failed requests by kind until the model gives a usable answer."""

    def __init__(self, trip_after: int = TRIP_AFTER) -> None:
        self.trip_after = trip_after
        self.accepted = 0
        self.failures: Counter[str] = Counter()
        self.tripped: str | None = None  # the message, once tripped
        self._lock = threading.Lock()

    def success(self, answers: int) -> None:
        with self._lock:
            self.accepted += answers

    def failure(self, reasons: list[str]) -> None:
        """One request whose answer failed its checks, for these reasons (one per unit)."""
        if not reasons:
            return
        kind = Counter(kind_of(r) for r in reasons).most_common(1)[0][0]
        with self._lock:
            if self.accepted or self.tripped:
                return
            self.failures[kind] += 1
            if self.failures[kind] >= self.trip_after:
                what, advice = KINDS[kind]
                self.tripped = (
                    f"stopped asking: the model {what} on every request so far "
                    f"({self.failures[kind]} requests, no usable answer); {advice}"
                )
