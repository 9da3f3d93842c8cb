"""One request of the translator: its messages, its charge to the budget, the call, and
its line in the request log; the answer goes back to the translator to be checked."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..chunking.chunker import Batch
from ..errors import ApiUnavailableError, TranslatorError
from .base import Completion, DeadlineError, EngineError, UnreachableError, answer_allowance, prompt_tokens
from .budget import Refusal

if TYPE_CHECKING:
    from .translator import Translator


def request_once(
    translator: Translator, batch: Batch, reason: str | None, all_keep: bool = False
) -> tuple[Completion | None, str | None, bool]:
    """The model's answer to one batch; else why not, and whether the answer was too slow
    (then the batch is split, never sent again unchanged)."""
    ids = {str(i + 1): unit for i, unit in enumerate(batch.units)}
    messages = translator.messages(batch, reason, all_keep)
    max_tokens = answer_allowance(batch.tokens)
    # A planned request is sent as planned (no reason); re-asks and splits carry theirs.
    charge = translator.budget.reserve(
        prompt_tokens(messages, translator.counter), max_tokens, extra=reason is not None or all_keep
    )
    if isinstance(charge, Refusal):
        return None, translator.refused(charge), False
    started = time.monotonic()
    ticket = translator.in_flight.sent(batch.tokens)
    try:
        completion = translator.client.complete(messages, max_tokens, translator.tokens_arrived)
    except TranslatorError:
        raise
    except EngineError as exc:
        translator.budget.settle(charge, None)
        translator.stats.add(None, failed=True)
        translator.cache.log_request(
            translator.settings.engine.model, translator.settings.engine.endpoint, len(ids), 0, 0,
            time.monotonic() - started, exc.source,
        )  # fmt: skip
        if isinstance(exc, UnreachableError) and not translator.any_answer:
            raise ApiUnavailableError(
                f"cannot reach the translation API at {translator.settings.engine.endpoint} ({_detail(exc)}): check "
                "--base-url / OPENAI_BASE_URL and that the server is running"
            ) from exc
        return None, str(exc), isinstance(exc, DeadlineError)
    finally:
        translator.in_flight.done(ticket)
    translator.any_answer = True
    translator.pace.answered(batch.tokens, time.monotonic() - started)
    translator.budget.settle(charge, completion)
    translator.stats.add(completion)
    translator.cache.log_request(
        translator.settings.engine.model, translator.settings.engine.endpoint, len(ids), completion.prompt_tokens,
        completion.completion_tokens, time.monotonic() - started, completion.finish_reason or "none",
    )  # fmt: skip
    return completion, None, False


def _detail(exc: EngineError) -> str:
    """The lower layer's own words, without the error's name."""
    return str(exc).removeprefix(f"{exc.source}: ")
