"""What one translation run counts (requests, tokens, cache hits, why it stopped) and
what each unit got back: plain records the translator fills and the report reads."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .base import Completion

NOT_YET = "not translated yet: the run was stopped; rerun the same command to continue"


@dataclass
class RunStats:
    """What a run cost and how it went."""

    requests: int = 0
    failed_requests: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0  # of the prompt tokens, those billed as a cached prefix
    completion_tokens: int = 0
    source_tokens: int = 0
    cache_hits: int = 0
    units: int = 0
    retries: int = 0
    glossary_retranslations: int = 0
    batch_prompt_tokens: int = 0  # of the tokens above, those sent through the Batch API
    batch_completion_tokens: int = 0
    interrupted: bool = False
    stopped_by: str = ""  # the spend cap that stopped the run
    gave_up: str = ""  # why the run stopped asking a failing model (the retry budget, the breaker)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, completion: Completion | None, failed: bool = False, batch: bool = False) -> None:
        with self.lock:
            self.requests += 1
            self.failed_requests += int(failed)
            if completion is not None:
                self.prompt_tokens += completion.prompt_tokens
                self.completion_tokens += completion.completion_tokens
                self.cached_prompt_tokens += completion.cached_tokens
                if batch:
                    self.batch_prompt_tokens += completion.prompt_tokens
                    self.batch_completion_tokens += completion.completion_tokens


@dataclass
class UnitResult:
    text: str | None = None
    error: str | None = None
    cached: bool = False
