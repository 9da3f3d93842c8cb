"""Translate units concurrently: cache first, then balanced requests, every answer
validated and stored the moment it arrives.

A request whose answer is unusable is retried with a stricter system message,
then split; a unit that still fails is reported, never dropped: its segment
keeps the original text, marked as untranslated.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from ..cache import Cache, CacheContext
from ..chunking.chunker import Batch, Unit
from ..chunking.pool import plan_batches
from ..chunking.tokens import default_counter
from ..glossary.matcher import TermMatcher
from ..languages import joiner
from ..settings import Settings, in_flight_ceiling
from .acceptance import AnswerCheck
from .again import PLANNED, Reask, Reasks
from .answers import AnswerError, parse_answer
from .base import Completion, Engine
from .batch_pass import send_as_batch
from .breaker import Breaker
from .budget import Budget, Refusal
from .estimator import expected_completion
from .feed import RequestFeed
from .halves import Halves
from .pace import WorkInFlight
from .prompts import ids, numbered, system_message, user_message
from .scheduler import Feed, Scheduler, Stopped, TaskList
from .sending import request_once
from .stats import RunStats, UnitResult
from .strays import glossary_strays
from .waiting import GlossaryWait

ProgressCallback = Callable[[list[Unit], int], None]  # (units finished, completion tokens)
# A unit alone cannot be split: it gets the attempts a unit had over a shared request's splits.
LONE_UNIT_ROUNDS = 3


class Translator:
    """Runs the translation of a document's units against one endpoint."""

    def __init__(
        self,
        settings: Settings,
        client: Engine,
        cache: Cache,
        title: str,
        prompt_version: str,
        matcher: TermMatcher | None = None,
        scheduler: Scheduler | None = None,
        budget: Budget | None = None,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.notify = notify
        self.budget = budget or Budget.from_limits(settings.limits)
        self.breaker = Breaker()
        self.counter = default_counter()
        self.halves = Halves(self.counter, joiner(settings.lang))
        # The process's scheduler when a job shares one; a private one otherwise.
        self.scheduler = scheduler or Scheduler(settings.limits.concurrency)
        self.pace = self.scheduler.pace(settings.engine.endpoint, settings.engine.model)
        self.in_flight = WorkInFlight()
        self.matcher = matcher
        self.client = client
        self.cache = cache
        self.title = title
        engine = settings.engine
        self.inline_math = settings.output.inline_math == "latex"
        # Answers asked with $…$ math differ from plain ones: they are cached apart.
        version = f"{prompt_version}+inline-math" if self.inline_math else prompt_version
        self.context = CacheContext(version, engine.model, engine.endpoint, settings.lang, title)
        self.stats = RunStats()
        self.results: dict[str, UnitResult] = {}
        self._keys: dict[str, str] = {}
        self._lock = threading.Lock()
        self._abort = threading.Event()
        self._progress: ProgressCallback | None = None
        self._final_glossary = False
        self.reasks = Reasks(self.halves)
        self._requests: RequestFeed | None = None  # where answers asked again go, if not sent at once
        self.any_answer = False

    # -- public --------------------------------------------------------------
    def cached(self, units: list[Unit]) -> list[Unit]:
        """Fill results from the cache; return the units still to translate."""
        keys = {u.key: self.key(u) for u in units}
        hits = self.cache.get_many(keys.values())
        missing = []
        with self._lock:
            for unit in units:
                text = hits.get(keys[unit.key])
                if text is None:
                    missing.append(unit)
                else:
                    self.results[unit.key] = UnitResult(text=text, cached=True)
            found = len(units) - len(missing)
            self.stats.cache_hits += found
            if found and missing:  # a rerun: a unit may have been cut in two, and half answered
                missing = self.halves.resume(missing, self._lookup, self.results)
        return missing

    def _lookup(self, units: list[Unit]) -> dict[str, str]:
        """The cached answers of ``units``, by unit key."""
        hits = self.cache.get_many(self.key(u) for u in units)
        return {u.key: hits[self.key(u)] for u in units if self.key(u) in hits}

    def key(self, unit: Unit) -> str:
        """Cache key; it includes the glossary entries that touch this unit, so
        changing one entry re-translates only the units containing its term.
        Computed once per unit: the lookup and the store both need it."""
        key = self._keys.get(unit.key)
        if key is None:
            signature = self.matcher.signature(unit.text) if self.matcher else ""
            text = f"{unit.text}\x1d{signature}" if signature else unit.text
            key = self._keys[unit.key] = self.context.key(unit.section, text)
        return key

    def plan(self, units: list[Unit], todo: list[Unit], all_at_once: bool = False) -> list[Batch]:
        """The requests for ``todo`` as the run cuts them (priced by the dry run, counted by the
        retry budget): for the window's ceiling, with the paragraphs its end cuts in two, but
        not counting the work in flight, so that the estimate errs high. ``all_at_once``
        (the Batch API): the fewer requests cut for --concurrency, and no end to even out."""
        s = self.settings.limits
        total = sum(u.tokens for u in units)
        places = s.concurrency if all_at_once else in_flight_ceiling(s)
        halve = None if all_at_once else self.halves.cut
        return plan_batches(todo, s.max_request_tokens, places, s.min_request_tokens, total, halve)

    @property
    def aborted(self) -> bool:
        """A cap stopped the run, or it failed, or Ctrl-C: no request should start."""
        return self._abort.is_set() or self.scheduler.stopping

    def run(
        self,
        units: list[Unit],
        progress: ProgressCallback | None = None,
        planned: Callable[[int], None] | None = None,
        waiting: GlossaryWait | None = None,
    ) -> dict[str, UnitResult]:
        """Translate every unit not already answered; returns all results by unit key.

        ``planned`` hears the expected completion tokens once the cache is read;
        ``progress`` hears of finished units and of tokens as they stream in. With
        ``waiting``, the term calls go first and the units that need their answers
        follow them; the rest fill the other slots meanwhile."""
        self._progress = progress
        self.stats.units = len(units)
        todo, later = self._to_send(units, waiting)
        if planned:
            planned(expected_completion(self.stats.source_tokens))
        if progress and len(units) > len(todo) + len(later):
            unsent = {self.halves.planned_key(u) for u in todo + later}
            progress([u for u in units if u.key not in unsent], 0)
        if not todo and not later and waiting is None:
            return self.results
        self.budget.plan(len(self.plan(units, todo + later)))
        try:
            self.scheduler.run_feed(self._feed(units, todo, later, waiting))
        except Stopped:
            # Ctrl-C or SIGTERM: what has arrived is cached; the requests in
            # flight are abandoned, not waited for, and start no retry.
            self._abort.set()
            self.stats.interrupted = True
        except BaseException:
            self._abort.set()
            raise
        finally:  # re-translations a cap or a stop kept from being answered keep the first answers
            with self._lock:
                kept = [(u, text) for u, text in self.reasks.fallbacks() if u.key not in self.results]
            self._store(kept)
        self.stats.retries = self.client.retries
        self.stats.gave_up = self.stats.gave_up or self.breaker.tripped or ""
        with self._lock:
            return dict(self.results)

    def _feed(
        self, units: list[Unit], todo: list[Unit], later: list[Unit], waiting: GlossaryWait | None
    ) -> Feed:
        """The scheduler's tasks: with ``--batch-api`` the planned requests sent as one batch
        first; otherwise requests cut as places free up (see ``feed``)."""
        s = self.settings
        self._requests = None
        if s.engine.batch_api and waiting is None:
            first = self.plan(units, todo, all_at_once=True)
            answers = send_as_batch(self, first)
            return TaskList(
                functools.partial(self._answered, b, answers[i])
                if i in answers
                else functools.partial(self.send, b)
                for i, b in enumerate(first)
            )
        self._requests = RequestFeed.of(self, units, todo, later, waiting)
        return self._requests

    def _to_send(self, units: list[Unit], waiting: GlossaryWait | None) -> tuple[list[Unit], list[Unit]]:
        """Units to send now, and those that wait for the term calls (their cache keys need
        the whole glossary); the cached ones are results already."""
        later = [u for u in units if waiting.asked.find(u.text)] if waiting else []
        postponed = {u.key for u in later}
        todo = self.cached([u for u in units if u.key not in postponed])
        self.stats.source_tokens = sum(u.tokens for u in todo + later)
        return todo, later

    def terms_answered(self, later: list[Unit], final: Callable[[], TermMatcher | None]) -> list[Unit]:
        """The term calls are in: the whole glossary holds from now on; of the units that
        waited for it, those the cache lacks (keyed with the whole glossary)."""
        with self._lock:
            if not self._final_glossary:
                # The same entries as before for every unit already sent: none holds an asked term.
                self.matcher = final()
                self._final_glossary = True
        todo = self.cached(later)
        sent = {u.key for u in todo}
        hits = [u for u in later if u.key not in sent]
        if hits:
            with self.stats.lock:
                self.stats.source_tokens -= sum(u.tokens for u in hits)
            if self._progress:
                self._progress(hits, 0)
        return todo

    # -- one request ---------------------------------------------------------
    def messages(
        self, batch: Batch, reason: str | None = None, all_keep: bool = False
    ) -> list[dict[str, str]]:
        """The chat messages of one request: instructions and context in the system
        message, the units as a JSON object ``{"1": text, …}`` in the user message."""
        terms = self.matcher.entries_in(*(u.text for u in batch.units)) if self.matcher else []
        system = system_message(
            self.settings.lang, self.title, batch.sections, reason, terms, all_keep, self.inline_math
        )
        texts = numbered([unit.text for unit in batch.units])
        return [{"role": "system", "content": system}, {"role": "user", "content": user_message(texts)}]

    def send(self, batch: Batch) -> None:
        """One request from the feed (planned or asking again), and what its answer needs."""
        again = self.reasks.of(batch) or PLANNED
        self._batch(batch, again.attempt, again.reason, again.glossary_retried)

    def _batch(
        self, batch: Batch, attempt: int = 0, reason: str | None = None, glossary_retried: bool = False
    ) -> None:
        if self.aborted:
            return
        if self.breaker.tripped:
            self._fail(batch.units, self.breaker.tripped)
            return
        completion, error, too_slow = request_once(self, batch, reason, all_keep=glossary_retried)
        if too_slow and len(batch.units) > 1:
            self._retry_or_split(batch, attempt, error or "too slow", True, glossary_retried)
            return
        if too_slow and len(halves := self.halves.cut(batch.units[0])) == 2:
            # A paragraph too slow alone is asked again in two halves (sent again whole, it
            # would be as slow, and paid for again); a single sentence fails.
            for half in halves:
                self._batch(Batch([half]), attempt, error or "too slow", glossary_retried)
            return
        if too_slow:
            self.breaker.outcome(0, [error or "too slow (--timeout)"])
        if completion is None:
            if error:
                self._fail(batch.units, error)
            else:  # a spend cap stopped the run: the units stay pending, unless answered before
                self._store(self.reasks.fallbacks(batch.units))
            return
        self._answered(batch, completion, attempt, glossary_retried)

    def _answered(
        self, batch: Batch, completion: Completion, attempt: int = 0, glossary_retried: bool = False
    ) -> None:
        """Check an answer (streamed, or from the Batch API); keep what passes, ask again for the rest."""
        if completion.finish_reason == "length":
            self.breaker.outcome(0, ["the answer was cut off (too long)"])
            self._retry_or_split(batch, attempt, "the answer was cut off (too long)", True, glossary_retried)
            return
        keys = ids(len(batch.units))
        try:
            parsed = parse_answer(
                completion.text, keys, {k: u.text for k, u in zip(keys, batch.units, strict=True)}
            )
        except AnswerError as exc:
            self.breaker.outcome(0, [str(exc)])
            self._retry_or_split(batch, attempt, str(exc), glossary_retried=glossary_retried)
            return
        check = AnswerCheck(self.settings.lang, self.matcher, self.inline_math)
        good, bad, reasons = check.sort(batch.units, keys, parsed.texts, parsed.problems)
        self.breaker.outcome(len(good), reasons)
        strays: list[Unit] = []
        notes: list[str] = []
        if self.matcher is not None and not glossary_retried:
            answered = {u.key: text for u, text in good}
            good, strays, notes = glossary_strays(keys, batch, good, self.matcher)
        self._store(good)
        if strays:
            with self.stats.lock:
                self.stats.glossary_retranslations += 1
            reask = Reask("glossary not followed: " + "; ".join(notes), 0, True)
            self._ask_again(Batch(strays), reask, answered)
        if bad:
            self._retry_or_split(
                Batch(bad), attempt, "; ".join(reasons)[:300], glossary_retried=glossary_retried
            )

    def _ask_again(self, batch: Batch, reask: Reask, first: dict[str, str]) -> None:
        """Ask again through the run's pool of units (see ``again``), or at once without one."""
        self.reasks.add(batch.units, reask, first)
        if self._requests is None:
            self._batch(batch, reask.attempt, reask.reason, reask.glossary_retried)
        else:
            self._requests.pool.again(batch.units)

    def _retry_or_split(
        self,
        batch: Batch,
        attempt: int,
        reason: str,
        split_first: bool = False,
        glossary_retried: bool = False,
    ) -> None:
        retries = self.settings.engine.validation_retries
        if len(batch.units) > 1 and (split_first or attempt >= retries):
            # Each half gets its own attempts: requests stay bounded by
            # (retries + 1) per unit and per level of splitting.
            half = len(batch.units) // 2
            start = attempt if split_first else 0
            self._batch(Batch(batch.units[:half]), start, reason, glossary_retried)
            self._batch(Batch(batch.units[half:]), start, reason, glossary_retried)
        elif attempt < retries * (LONE_UNIT_ROUNDS if len(batch.units) == 1 else 1):
            self._batch(batch, attempt + 1, reason, glossary_retried)
        else:
            self._fail(batch.units, reason)

    def note(self, message: str) -> None:
        """A line for the user (the progress display's notes)."""
        if self.notify is not None:
            self.notify(message)

    def refused(self, refusal: Refusal) -> str:
        """A request the budget refused: a cap stops the run (what is left stays pending, to
        continue with a higher cap); the spent retry budget fails what is left."""
        if refusal.cap:
            self.stats.stopped_by = self.stats.stopped_by or refusal.message
            self._abort.set()
            return ""
        self.stats.gave_up = self.stats.gave_up or refusal.message
        return refusal.message

    def tokens_arrived(self, tokens: int) -> None:
        if self._progress and tokens and not self._abort.is_set():
            self._progress([], tokens)

    def _store(self, items: list[tuple[Unit, str]]) -> None:
        if not items:
            return
        self.cache.put_many(
            [(self.key(u), u.text, t) for u, t in items],
            self.settings.engine.model,
            self.settings.lang,
        )
        with self._lock:
            for unit, text in items:
                self.results[unit.key] = UnitResult(text=text)
        self._finished([u for u, _ in items])

    def _finished(self, units: list[Unit]) -> None:
        """Tell progress of finished units; a unit cut in two finishes with its last half,
        and its halves' answers joined are stored whole for a rerun."""
        with self._lock:
            whole = self.halves.joined(self.results, units)
            failed = [u for u in whole if self.results[u.key].text is None]
            for unit, text in self.reasks.fallbacks(failed):  # a re-translation in halves failed
                self.results[unit.key] = UnitResult(text=text)
            joined = [(u, self.results[u.key].text) for u in whole]
        answered = [(u, text) for u, text in joined if text is not None]
        if answered:
            self.cache.put_many(
                [(self.key(u), u.text, t) for u, t in answered],
                self.settings.engine.model,
                self.settings.lang,
            )
        if self._progress:  # their tokens were counted as they arrived
            self._progress([u for u in units + whole if not u.half_of], 0)

    def _fail(self, units: list[Unit], reason: str) -> None:
        kept = self.reasks.fallbacks(units)
        self._store(kept)
        units = [u for u in units if all(u is not k for k, _ in kept)]
        with self._lock:
            for unit in units:
                self.results[unit.key] = UnitResult(error=reason)
        self._finished(units)
