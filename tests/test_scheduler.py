"""The shared scheduler: every task runs, a job's first error stops that job only, a stop
waits for nothing, and one rate limit holds across the papers of a process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from translator.cache import TranslationCache
from translator.engine.congestion import Window
from translator.engine.scheduler import Scheduler, Stopped, Task
from translator.model import Document
from translator.parsing.pdf import read_pdf
from translator.parsing.tei_reader import read_tei
from translator.pipeline import plan_document, translate_document
from translator.settings import load_settings

from .fixtures import SMALL_TEI, make_paper_pdf
from .servers.fake_llm import FakeLLM


def test_every_task_runs_on_several_threads_at_once() -> None:
    barrier = threading.Barrier(4, timeout=10)  # only passes if 4 tasks run at the same time
    done: list[int] = []
    lock = threading.Lock()

    def task(n: int) -> None:
        barrier.wait()
        with lock:
            done.append(n)

    Scheduler(4).run([lambda n=n: task(n) for n in range(8)])  # type: ignore[misc]
    assert sorted(done) == list(range(8))


def test_the_first_error_is_raised_and_stops_new_tasks() -> None:
    started: list[int] = []

    def task(n: int) -> None:
        started.append(n)
        if n == 0:
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        Scheduler(1).run([lambda n=n: task(n) for n in range(5)])  # type: ignore[misc]
    assert started == [0]


def test_stop_returns_without_waiting_for_a_task_in_flight() -> None:
    pool = Scheduler(2, poll_seconds=0.01)
    release = threading.Event()
    threading.Timer(0.2, pool.stop).start()
    began = time.monotonic()
    with pytest.raises(Stopped):
        pool.run([release.wait, release.wait, release.wait])
    assert time.monotonic() - began < 5  # the tasks would block until released
    assert pool.stopping
    release.set()


def test_one_jobs_error_leaves_the_other_job_running() -> None:
    scheduler = Scheduler(2)
    done: list[str] = []
    errors: list[BaseException] = []

    def failing_job() -> None:
        def boom() -> None:
            raise ValueError("boom")

        try:
            scheduler.run([boom, boom])
        except ValueError as exc:
            errors.append(exc)

    thread = threading.Thread(target=failing_job)
    thread.start()
    scheduler.run([lambda n=n: done.append(f"task {n}") for n in range(6)])  # type: ignore[misc]
    thread.join(10)
    assert len(done) == 6 and len(errors) == 1


def test_one_limiter_per_endpoint_and_model() -> None:
    scheduler = Scheduler(2)
    first = scheduler.limiter("http://a/v1", "m", 30, None)
    assert scheduler.limiter("http://a/v1", "m", 30, None) is first
    assert scheduler.limiter("http://a/v1", "other", 30, None) is not first


@pytest.mark.slow
def test_two_papers_in_one_process_share_one_rate_limit(tmp_path: Path) -> None:
    """--rpm 30 holds for the API account: two papers at once send at most 30 requests in
    the first minute's burst plus one per 2 s, not 30 each."""
    docs = [read_tei(SMALL_TEI), read_pdf(make_paper_pdf(tmp_path / "paper.pdf"))]
    seconds = 4.0
    with FakeLLM() as llm:
        settings = load_settings(
            {"base_url": llm.base_url, "requests_per_minute": 30, "concurrency": 4,
             "max_request_tokens": 20, "min_request_tokens": 10}
        )  # fmt: skip
        scheduler = Scheduler(settings.limits.concurrency)
        units = sum(len(plan_document(doc, settings)[1]) for doc in docs)
        assert units > 40  # more than one paper's share of the limit

        def translate(doc: Document, name: str) -> None:
            cache = TranslationCache(tmp_path / name)
            translate_document(doc, settings, cache, scheduler=scheduler)

        began = time.monotonic()
        threads = [threading.Thread(target=translate, args=(doc, f"c{i}")) for i, doc in enumerate(docs)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        scheduler.stop()
        for thread in threads:
            thread.join(10)
        arrived = [r for r in llm.records if r.at - began <= seconds]
        papers = {r.system.split("Paper: ")[1].split("\n")[0] for r in arrived}
    allowed = 30 + seconds * 30 / 60 + 1
    print(
        f"\nrequests in the first {seconds:.0f} s: {len(arrived)} (allowed {allowed:.0f}) from {len(papers)} papers"
    )
    assert len(arrived) <= allowed
    assert len(papers) == 2  # both papers went on, sharing the limit


def test_a_stop_is_reported_even_when_every_task_returned() -> None:
    # Tasks that see the stop return at once without their work: the job must still
    # hear that it was stopped, not that it finished.
    scheduler = Scheduler(2, poll_seconds=0.5)

    def task() -> None:
        while not scheduler.stopping:
            time.sleep(0.01)

    threading.Timer(0.1, scheduler.stop).start()
    with pytest.raises(Stopped):
        scheduler.run([task, task, task])


def test_the_scheduler_runs_a_feed_whose_tasks_come_as_earlier_ones_end() -> None:
    """A feed gives a task only once the one before it has ended (as requests are cut
    when a place frees up); the run ends when the feed is exhausted and nothing runs."""
    done: list[int] = []

    class OneAfterAnother:
        def next_task(self, running: int) -> Task | None:
            if running or len(done) >= 5:
                return None
            return lambda: done.append(len(done))

        def exhausted(self) -> bool:
            return len(done) >= 5

    Scheduler(4, poll_seconds=0.01).run_feed(OneAfterAnother())
    assert done == [0, 1, 2, 3, 4]


def test_a_window_that_grows_has_the_feeds_asked_at_once() -> None:
    """A feed with no task while the window is full gets asked again as soon as the
    window grows (a first token came), not when the next task ends (up to a second later)."""
    scheduler = Scheduler(4, poll_seconds=0.01)
    window = scheduler.window("http://api/v1", "m", 1, 4)
    assert isinstance(window, Window)
    asked = threading.Event()
    first_done = threading.Event()
    done: list[str] = []

    class AfterGrowth:
        def next_task(self, running: int) -> Task | None:
            if not done and not running:
                return lambda: (done.append("first"), first_done.set(), time.sleep(0.6))[0]
            if len(done) == 1 and window.capacity() > 1:
                asked.set()
                return lambda: done.append("second")
            return None

        def exhausted(self) -> bool:
            return len(done) >= 2

    thread = threading.Thread(target=scheduler.run_feed, args=(AfterGrowth(),))
    thread.start()
    assert first_done.wait(5)
    with window.slot():
        window.begun()  # slow start: one more place, and the scheduler hears of it
    assert asked.wait(0.4)  # well before the first task ends (0.6 s)
    thread.join(5)
    assert done == ["first", "second"]


def test_idle_workers_end_and_the_next_run_starts_them_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A scheduler nobody uses holds no threads: a test session or a long daemon that
    # made many had thousands, each waking every second.
    monkeypatch.setattr("translator.engine.scheduler.IDLE_SECONDS", 0.2)
    scheduler = Scheduler(workers=4)
    done: list[int] = []
    scheduler.run([lambda: done.append(1)] * 8)

    def workers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("request-") and t in scheduler._threads]

    assert workers()
    deadline = time.monotonic() + 5
    while scheduler._threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not scheduler._threads and not workers()
    scheduler.run([lambda: done.append(2)] * 8)
    assert done == [1] * 8 + [2] * 8
