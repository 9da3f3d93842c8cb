"""The worker pool: every task runs, the first error wins, a stop waits for nothing."""

from __future__ import annotations

import threading
import time

import pytest

from translator.engine.pool import Stopped, WorkerPool


def test_every_task_runs_on_several_threads_at_once() -> None:
    barrier = threading.Barrier(4, timeout=10)  # only passes if 4 tasks run at the same time
    done: list[int] = []
    lock = threading.Lock()

    def task(n: int) -> None:
        barrier.wait()
        with lock:
            done.append(n)

    WorkerPool(4).run([lambda n=n: task(n) for n in range(8)])  # type: ignore[misc]
    assert sorted(done) == list(range(8))


def test_the_first_error_is_raised_and_stops_new_tasks() -> None:
    started: list[int] = []

    def task(n: int) -> None:
        started.append(n)
        if n == 0:
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        WorkerPool(1).run([lambda n=n: task(n) for n in range(5)])  # type: ignore[misc]
    assert started == [0]


def test_stop_returns_without_waiting_for_a_task_in_flight() -> None:
    pool = WorkerPool(2, poll_seconds=0.01)
    release = threading.Event()
    threading.Timer(0.2, pool.stop).start()
    began = time.monotonic()
    with pytest.raises(Stopped):
        pool.run([release.wait, release.wait, release.wait])
    assert time.monotonic() - began < 5  # the tasks would block until released
    assert pool.stopping
    release.set()
