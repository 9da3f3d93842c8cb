"""What one run may spend, checked before every request.

Two kinds of bound:

- **caps** the user sets (``--max-requests``, ``--max-tokens``, ``--max-cost``): a
  request that could pass one is not sent; the run stops cleanly, its outputs marked;
- the **retry budget**: re-asks and splits included, a run sends at most
  ``max(1.5 × planned, planned + 20)`` translation requests unless ``--max-requests``
  says otherwise, so a model that keeps failing cannot multiply the bill. The planned
  requests always have their place in it: re-asks of early answers cannot use up the
  budget before the last planned requests are sent. Requests are cut as places free
  up, so "planned" is the plan for ``--concurrency`` slots, or the requests the run
  really cut when it cut more (each paragraph is cut into a request once).

A request is charged its prompt tokens and the most it may return (its ``max_tokens``)
before it is sent; when the answer comes the charge is settled to what it really cost.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from ..settings import LimitSettings
from .base import Completion

RETRY_FACTOR = 1.5
RETRY_SLACK = 20


def retry_budget(planned: int) -> int:
    """Requests a run may send for ``planned`` planned ones, re-asks and splits included."""
    return max(math.ceil(RETRY_FACTOR * planned), planned + RETRY_SLACK)


@dataclass
class Charge:
    """What one request was charged before it was sent."""

    prompt_tokens: int
    completion_tokens: int
    cost: float
    rate: float = 1.0  # share of the list price (a Batch API request: half)


@dataclass(frozen=True)
class Refusal:
    """Why a request was not sent: a cap the user set (the run stops, what is left stays
    pending) or the retry budget (what is left fails)."""

    message: str
    cap: bool


@dataclass
class Budget:
    """A run's spending so far against its caps (None: no cap)."""

    max_requests: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    price_input: float = 0.0  # per million prompt tokens
    price_output: float = 0.0  # per million completion tokens
    price_cached: float | None = None  # per million prompt tokens billed as a cached prefix (None: as input)
    retry_limit: int | None = None  # set once the run is planned: retry_budget(planned)
    extra_limit: int | None = None  # of which re-asks and splits: retry_budget(planned) - planned
    extras: int = 0
    requests: int = 0
    tokens: int = 0
    cost: float = 0.0
    # Requests bounded on their own (a formula is asked at most twice), not by the retry budget.
    self_bounded: int = 0
    _base: int = 0  # requests charged before the run was planned (term calls)
    _planned: int = 0
    _sent_planned: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_limits(cls, limits: LimitSettings) -> Budget:
        return cls(
            limits.max_requests,
            limits.max_tokens,
            limits.max_cost,
            limits.price_input or 0.0,
            limits.price_output or 0.0,
            limits.price_cached_input,
        )

    def plan(self, planned: int) -> None:
        """Set the retry budget once the run knows its planned requests (an explicit
        ``--max-requests`` replaces it). Requests are cut as places free up, so ``planned``
        is the plan for ``--concurrency`` slots; should the run cut more planned requests
        than that (a server with more slots), the budget follows what it cut."""
        with self._lock:
            self._base = self.requests - self.self_bounded
            self._planned, self._sent_planned = planned, 0
            self._set_limits()

    def _set_limits(self) -> None:
        self.retry_limit = self._base + retry_budget(self._planned)
        self.extra_limit = retry_budget(self._planned) - self._planned

    def price(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        """The list price of these tokens; ``cached_tokens`` of the prompt at the cached rate."""
        cached_rate = self.price_input if self.price_cached is None else self.price_cached
        return (
            (prompt_tokens - cached_tokens) / 1e6 * self.price_input
            + cached_tokens / 1e6 * cached_rate
            + completion_tokens / 1e6 * self.price_output
        )

    def caps_passed(self, requests: int, prompt_tokens: int, completion_tokens: int) -> list[str] | None:
        """The caps a whole run of this size would pass, as the dry run names them (None
        when no cap is set)."""
        if self.max_requests is None and self.max_tokens is None and self.max_cost is None:
            return None
        over = []
        if self.max_requests is not None and requests > self.max_requests:
            over.append(f"--max-requests {self.max_requests}")
        if self.max_tokens is not None and prompt_tokens + completion_tokens > self.max_tokens:
            over.append(f"--max-tokens {self.max_tokens}")
        if (
            self.max_cost is not None
            and round(self.price(prompt_tokens, completion_tokens), 6) > self.max_cost
        ):
            over.append(f"--max-cost {self.max_cost}")
        return over

    def reserve(
        self,
        prompt_tokens: int,
        max_completion: int,
        rate: float = 1.0,
        self_bounded: bool = False,
        extra: bool = False,
    ) -> Charge | Refusal:
        """Charge one request before it is sent (at ``rate`` × the prices), or say which
        bound it would pass. A ``self_bounded`` request counts against the caps the user
        set, not against the retry budget of the translation; an ``extra`` one (a re-ask
        or a split, not a planned request) takes the retry budget's share for extras."""
        cost = rate * self.price(prompt_tokens, max_completion)
        with self._lock:
            if self.retry_limit is not None and not (extra or self_bounded):
                self._sent_planned += 1  # the plan cut it: the budget counts it planned
                if self._sent_planned > self._planned:
                    self._planned = self._sent_planned
                    self._set_limits()
            refusal = self._refusal(prompt_tokens + max_completion, cost, self_bounded, extra)
            if refusal is not None:
                return refusal
            self.requests += 1
            self.self_bounded += int(self_bounded)
            self.extras += int(extra)
            self.tokens += prompt_tokens + max_completion
            self.cost += cost
        return Charge(prompt_tokens, max_completion, cost, rate)

    def _refusal(
        self, tokens: int, cost: float, self_bounded: bool = False, extra: bool = False
    ) -> Refusal | None:
        if self.max_requests is not None and self.requests + 1 > self.max_requests:
            return Refusal(f"the request cap is reached ({self.max_requests} requests, --max-requests)", True)
        if self.max_requests is None and not self_bounded and self._retries_spent(extra):
            return Refusal(
                f"the retry budget is spent ({self.retry_limit} requests with re-asks and splits): "
                "the model keeps failing; try another model or a smaller --max-request-tokens, "
                "or raise --max-requests",
                False,
            )
        if self.max_tokens is not None and self.tokens + tokens > self.max_tokens:
            return Refusal(
                f"the token cap is reached ({self.tokens} of {self.max_tokens} tokens, --max-tokens)", True
            )
        if self.max_cost is not None and self.cost + cost > self.max_cost:
            return Refusal(
                f"the cost cap is reached ({self.cost:.4f} of {self.max_cost:.4f}, --max-cost)", True
            )
        return None

    def _retries_spent(self, extra: bool) -> bool:
        if self.retry_limit is None or self.extra_limit is None:
            return False
        if self.requests - self.self_bounded + 1 > self.retry_limit:
            return True
        return extra and self.extras + 1 > self.extra_limit

    def release(self, charge: Charge) -> None:
        """Take back the charge of a planned request that went out without an answer and is
        not billed (a Batch API line that failed, or a Batch API the endpoint lacks): it will
        be sent the normal way, and counted then."""
        with self._lock:
            self._sent_planned = max(0, self._sent_planned - 1)
            self.requests -= 1
            self.tokens -= charge.prompt_tokens + charge.completion_tokens
            self.cost -= charge.cost

    def settle(self, charge: Charge, completion: Completion | None) -> None:
        """Replace a request's charge with what it really cost (nothing returned: its prompt)."""
        prompt = completion.prompt_tokens if completion is not None else charge.prompt_tokens
        returned = completion.completion_tokens if completion is not None else 0
        cached = completion.cached_tokens if completion is not None else 0
        with self._lock:
            self.tokens += prompt + returned - charge.prompt_tokens - charge.completion_tokens
            self.cost += charge.rate * self.price(prompt, returned, cached) - charge.cost
