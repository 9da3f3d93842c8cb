"""``--batch-api``: a run's planned requests sent as one Batch API batch before the
normal way; the answers are checked by the translator as any answer is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..chunking.chunker import Batch
from .base import Completion, answer_allowance, prompt_tokens
from .batch_api import BatchRequest, BatchRun
from .budget import Charge, Refusal
from .client import batch_transport

if TYPE_CHECKING:
    from .translator import Translator


def send_as_batch(translator: Translator, batches: list[Batch]) -> dict[int, Completion]:
    """``--batch-api``: every request in one batch at half price, waited for; what it
    does not answer is sent the normal way. Charged to the budget like any request."""
    transport = batch_transport(translator.client)
    if transport is None:
        return {}
    requests: list[BatchRequest] = []
    charges: dict[str, Charge] = {}
    for index, batch in enumerate(batches):
        messages = translator.messages(batch)
        max_tokens = answer_allowance(batch.tokens)
        charge = translator.budget.reserve(
            prompt_tokens(messages, translator.counter),
            max_tokens,
            translator.settings.engine.batch_price_factor,
        )
        if isinstance(charge, Refusal):
            break  # the rest meets the same cap on the normal way, which stops the run
        charges[str(index)] = charge
        requests.append(BatchRequest(str(index), messages, max_tokens))
    e = translator.settings.engine
    run = BatchRun(
        transport, e.model, e.temperature, translator.settings.storage.cache_dir / "batches",
        e.batch_poll_seconds, lambda: translator.scheduler.stopping, translator.note,
    )  # fmt: skip
    answers = run.answers(requests)
    for key, charge in charges.items():
        completion = answers.get(key)
        if completion is None:
            translator.budget.release(charge)
            continue
        translator.budget.settle(charge, completion)
        if completion is not None:
            translator.stats.add(completion, batch=True)
            translator.any_answer = True
    return {int(key): completion for key, completion in answers.items()}
