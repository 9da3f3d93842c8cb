"""Workers on many machines, here as processes on one, against a real ``redis-server``:
one job per paper, one rate limit and one cache for all workers, a killed worker's
paper finished elsewhere paying only what was in flight, no paper looping."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from translator.errors import BrokerError, ExitCode
from translator.workers.board import JobBoard
from translator.workers.shared import RedisCache, RedisLimiter, connect
from translator.workers.submit import Paper, Waiter

from .fixtures import invoke, make_paper_pdf
from .servers.fake_llm import FakeLLM
from .servers.redis_server import RedisServer
from .servers.worker_process import WorkerProcess

SMALL = ("--max-request-tokens", "40", "--no-auto-glossary")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def _env(llm: FakeLLM, broker: str, **extra: str) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": llm.base_url,
        "OPENAI_API_KEY": "k",
        "TRANSLATOR_PARSER": "builtin",
        "TRANSLATOR_BROKER": broker,
        "TRANSLATOR_HEARTBEAT_SECONDS": "2",
        **extra,
    }


class Worker(WorkerProcess):
    """A worker on the fake API and this Redis, cutting requests small as the tests do."""

    def __init__(self, llm: FakeLLM, broker: str, cache: Path, *args: str) -> None:
        env = {"TRANSLATOR_CACHE_DIR": str(cache), **_env(llm, broker)}
        # How requests are cut is the worker's: small, so a paper takes many requests.
        super().__init__(env, "--concurrency", "4", "--max-request-tokens", "40", *args)


def _submit(tmp_path: Path, llm: FakeLLM, broker: str, *args: str) -> tuple[int, str]:
    result = invoke(["submit", *args, "--out", str(tmp_path / "out"), *SMALL], **_env(llm, broker))
    return result.exit_code, result.output


def _alone(tmp_path: Path, pdf: Path, llm: FakeLLM) -> int:
    """Text requests one ``translate PDF`` of this paper costs, in a cache of its own."""
    before = llm.count() - llm.count("image")
    result = invoke(
        [str(pdf), "--out", str(tmp_path / "alone"), "-q", *SMALL],
        TRANSLATOR_CACHE_DIR=str(tmp_path / "alone-cache"),
        OPENAI_BASE_URL=llm.base_url,
        OPENAI_API_KEY="k",
        TRANSLATOR_PARSER="builtin",
    )
    assert result.exit_code == 0, result.output
    return llm.count() - llm.count("image") - before


def _papers(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    titles = ["", "Tiny Robots Learn to Swim", "Sparse Graphs at Scale", "Ocean Heat and Cloud Cover"]
    return [make_paper_pdf(folder / f"paper{i}.pdf", title=titles[i % len(titles)]) for i in range(count)]


# -- the shared limit and cache -------------------------------------------------


def test_the_shared_window_holds_rpm_over_every_worker(redis_server: RedisServer) -> None:
    """Three 'workers' (own connections, own threads) take as fast as they can: in any
    window, never more than the limit; and they are not held back below it."""
    taken: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        limiter = RedisLimiter(connect(redis_server.url), "http://api/v1", "m", 5, None, window_ms=1000)
        for _ in range(5):
            limiter.acquire(10)
            with lock:
                taken.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    taken.sort()
    busiest = max(sum(1 for t in taken if s <= t < s + 0.95) for s in taken)
    assert len(taken) == 15
    assert busiest <= 5, busiest
    assert time.monotonic() - started < 4.5  # 15 at 5 per second: about 2 s, not serialised further


def test_tokens_per_minute_and_retry_after_hold_for_all(redis_server: RedisServer) -> None:
    one = RedisLimiter(connect(redis_server.url), "http://api/v1", "m", None, 100, window_ms=1000)
    other = RedisLimiter(connect(redis_server.url), "http://api/v1", "m", None, 100, window_ms=1000)
    started = time.monotonic()
    one.acquire(60)
    other.acquire(60)  # 120 > 100 tokens: waits for the first to leave the window
    assert time.monotonic() - started >= 0.8
    one.hold(0.7)  # one worker met a 429 with Retry-After: 0.7
    held = time.monotonic()
    other.acquire(1)
    assert time.monotonic() - held >= 0.6
    # Another account is not held.
    free = RedisLimiter(connect(redis_server.url), "http://api/v1", "other-model", None, None)
    one.hold(5)
    quick = time.monotonic()
    free.acquire(1)
    assert time.monotonic() - quick < 0.5


def test_a_hostile_retry_after_is_capped(redis_server: RedisServer) -> None:
    limiter = RedisLimiter(connect(redis_server.url), "e", "m", None, None, max_hold_seconds=1.0)
    limiter.hold(86400)
    assert 0 < redis_server.client().pttl(limiter.keys[1]) <= 1000


def test_the_redis_cache_keeps_answers_and_terms(redis_server: RedisServer) -> None:
    cache = RedisCache(connect(redis_server.url))
    cache.put_many([("k1", "source", "译文"), ("k2", "s2", "t2")], "m", "zh")
    assert cache.get_many(["k1", "k2", "k3"]) == {"k1": "译文", "k2": "t2"}
    cache.put_terms("t", '["a"]', '{"a": "甲"}', "m", "zh")
    assert cache.get_terms("t") == '{"a": "甲"}' and cache.get_terms("none") is None
    cache.log_request("m", "https://user:secret@api/v1", 2, 10, 20, 0.5, "ok")
    logged = redis_server.client().lrange("translate:requests", 0, -1)
    assert b"secret" not in logged[0] and json.loads(logged[0])["units"] == 2


def test_an_unreachable_broker_says_what_to_do() -> None:
    with pytest.raises(BrokerError, match="check that redis-server runs"):
        connect("redis://127.0.0.1:1/0")
    result = invoke(["status", "--broker", "redis://127.0.0.1:1/0"])
    assert result.exit_code == ExitCode.BROKER_UNREACHABLE
    assert "redis-server" in result.output
    result = invoke(["worker"])
    assert result.exit_code == 2 and "--broker redis://" in result.output


# -- the board ------------------------------------------------------------------


def test_one_job_per_paper_and_order_and_a_failed_one_comes_back(redis_server: RedisServer) -> None:
    board = JobBoard(connect(redis_server.url))
    first = board.submit("a.pdf", b"%PDF-1 same bytes", {"lang": "zh"})
    again = board.submit("b/renamed.pdf", b"%PDF-1 same bytes", {"lang": "zh"})
    other_lang = board.submit("a.pdf", b"%PDF-1 same bytes", {"lang": "ja"})
    assert first.new and not again.new and again.id == first.id
    assert other_lang.new and other_lang.id != first.id
    assert board.take(first.id, "w1", 5) is not None
    assert board.take(first.id, "w2", 5) is None  # a second delivery while the first worker lives
    board.fail(first.id, "broken")
    assert board.submit("a.pdf", b"%PDF-1 same bytes", {"lang": "zh"}).new  # asked again: queued afresh
    assert board.get(first.id)["state"] == "queued"


def test_outputs_from_the_board_cannot_leave_the_output_folder(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    board = JobBoard(connect(redis_server.url))
    job = board.submit("x.pdf", b"%PDF-1 x", {}).id
    board.finish(job, {"../escape.md": b"owned"})
    with pytest.raises(Exception, match="leaves --out"):
        Waiter(board, tmp_path / "out").write(Paper("x.pdf", job))
    assert not (tmp_path / "escape.md").exists()


# -- workers end to end ---------------------------------------------------------


@pytest.mark.slow
def test_two_workers_translate_every_paper_once_and_a_resubmission_is_free(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    papers = _papers(tmp_path / "in", 4)
    with FakeLLM() as alone:
        expected = sum(_alone(tmp_path / f"alone{i}", pdf, alone) for i, pdf in enumerate(papers))
    with FakeLLM(latency=0.05) as llm:
        workers = [Worker(llm, redis_server.url, tmp_path / f"cache{i}", "--papers", "2") for i in range(2)]
        for worker in workers:
            worker.ready()  # both serve before the papers come, so both take some
        try:
            code, output = _submit(tmp_path, llm, redis_server.url, str(tmp_path / "in"))
            assert code == 0, output + "\n".join(w.raw[-20:] for w in workers for _ in [0])
            paid = llm.count() - llm.count("image")
            code, again = _submit(tmp_path, llm, redis_server.url, str(tmp_path / "in"))
            assert code == 0, again
            assert llm.count() - llm.count("image") == paid  # done jobs: outputs written, nothing asked
        finally:
            codes = [w.stop() for w in workers]
    assert codes == [0, 0]
    for pdf in papers:
        assert (tmp_path / "out" / f"{pdf.stem}.zh.md").is_file()
        assert json.loads((tmp_path / "out" / f"{pdf.stem}.zh.json").read_text(encoding="utf-8"))["report"][
            "segments"
        ]
    started = [e for w in workers for e in w.saw("started")]
    assert len(started) == 4 and all(w.saw("started") for w in workers)  # both worked, each paper once
    print(f"\n2 workers: {paid} text requests, {expected} for the papers run alone")
    assert paid == expected


@pytest.mark.slow
def test_a_killed_worker_s_paper_finishes_elsewhere_paying_only_what_was_in_flight(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    (pdf,) = _papers(tmp_path / "in", 1)
    with FakeLLM() as alone:
        expected = _alone(tmp_path, pdf, alone)
    with FakeLLM(hold_after=3) as llm:
        # One request at a time: an answer is stored before the next is sent, so what the
        # kill loses is exactly the request held at the server.
        doomed = Worker(llm, redis_server.url, tmp_path / "c1", "--concurrency", "1")
        submitted = invoke(["submit", str(pdf), "--no-wait", *SMALL], **_env(llm, redis_server.url))
        assert submitted.exit_code == 0, submitted.output
        deadline = time.monotonic() + 60
        while llm.count() < 3 or llm.in_flight < 1:
            assert time.monotonic() < deadline, "\n".join(doomed.raw)
            time.sleep(0.02)
        doomed.process.kill()
        doomed.process.wait(10)
        in_flight = llm.admitted - 3
        llm.release()
        rescuer = Worker(llm, redis_server.url, tmp_path / "c2")
        try:
            code, output = _submit(tmp_path, llm, redis_server.url, str(pdf))
        finally:
            rescuer.stop()
        total = llm.count() - llm.count("image")
    assert code == 0, output + "\n".join(rescuer.raw)
    assert (tmp_path / "out" / "paper0.zh.md").is_file()
    assert rescuer.saw("started")[0]["delivery"] == 2
    print(f"\nkill -9: {total} requests in all, {expected} alone, {in_flight} in flight at the kill")
    assert total <= expected + in_flight, (total, expected, in_flight)


@pytest.mark.slow
def test_poison_papers_fail_once_with_their_reason(redis_server: RedisServer, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")
    (killer,) = _papers(tmp_path / "killer", 1)
    board = JobBoard(connect(redis_server.url))
    with FakeLLM() as llm:
        worker = Worker(llm, redis_server.url, tmp_path / "c")
        try:
            # A paper its workers kept dying on (three deliveries already): failed, not run a fourth time.
            from translator.settings import load_settings
            from translator.workers.order import order_of

            order = order_of(
                load_settings({"parser": "builtin", "max_request_tokens": 40, "auto_glossary": False}, env={})
            )
            job = board.submit("killer/paper0.pdf", killer.read_bytes(), order).id
            board.client.hset(f"translate:job:{job}", "deliveries", 3)
            from translator.workers.queue import TaskQueue

            TaskQueue(board.client, 2).send(job)
            code, output = _submit(tmp_path, llm, redis_server.url, str(inbox))
            deadline = time.monotonic() + 30
            while board.get(job)["state"] != "failed":
                assert time.monotonic() < deadline, "\n".join(worker.raw)
                time.sleep(0.1)
            time.sleep(1.0)  # time enough for a loop to show
        finally:
            worker.stop()
    assert code == ExitCode.PARTIAL, output
    assert "corrupt.pdf" in output and "failed" in output
    corrupt = next(j for j in board.jobs() if j["name"] == "corrupt.pdf")
    assert corrupt["deliveries"] == "1" and corrupt["error"]
    assert "workers stopped 3 times" in board.get(job)["error"]
    assert llm.count() == 0  # neither was sent to the model
    assert len(worker.saw("started")) == 1  # the corrupt one, once; the killer never started


@pytest.mark.slow
def test_a_worker_started_before_redis_waits_for_it(tmp_path: Path) -> None:
    (pdf,) = _papers(tmp_path / "in", 1)
    server = RedisServer()
    with FakeLLM() as llm:
        worker = Worker(llm, server.url, tmp_path / "c")
        try:
            deadline = time.monotonic() + 30
            while not worker.saw("waiting"):
                assert worker.process.poll() is None and time.monotonic() < deadline, "\n".join(worker.raw)
                time.sleep(0.05)
            with server:
                worker.ready()
                code, output = _submit(tmp_path, llm, server.url, str(pdf))
        finally:
            worker.stop()
    assert code == 0, output


@pytest.mark.slow
def test_workers_reconnect_after_redis_restarts(redis_server: RedisServer, tmp_path: Path) -> None:
    (pdf,) = _papers(tmp_path / "in", 1)
    with FakeLLM() as llm:
        worker = Worker(llm, redis_server.url, tmp_path / "c").ready()
        try:
            redis_server.restart(down_seconds=2.0)
            code, output = _submit(tmp_path, llm, redis_server.url, str(pdf))
        finally:
            worker.stop()
    assert code == 0, output + "\n".join(worker.raw)
    assert (tmp_path / "out" / "paper0.zh.md").is_file()


def test_one_window_of_requests_in_flight_over_every_worker(redis_server: RedisServer) -> None:
    from translator.workers.window import SharedWindow

    windows = [
        SharedWindow(connect(redis_server.url), "http://api/v1", "m", 3, lease_seconds=30) for _ in range(3)
    ]
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def request(window: SharedWindow) -> None:
        with window.slot():
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.05)
            with lock:
                in_flight[0] -= 1
        window.answered()

    threads = [threading.Thread(target=request, args=(windows[i % 3],)) for i in range(18)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 3  # all three workers together: the ceiling, reached and never passed
    windows[0].busy()  # one worker's 429 halves the window for all
    state = redis_server.client().hgetall(windows[1].keys[0])
    assert float(state[b"limit"]) == 1.5


def test_a_dead_worker_s_places_free_themselves(redis_server: RedisServer) -> None:
    from translator.workers.window import SharedWindow

    dead = SharedWindow(connect(redis_server.url), "e", "m", 1, lease_seconds=0.5)
    alive = SharedWindow(connect(redis_server.url), "e", "m", 1, lease_seconds=0.5)
    holding = dead.slot()
    holding.__enter__()  # the worker is killed holding its place: never released
    started = time.monotonic()
    with alive.slot():
        waited = time.monotonic() - started
    assert 0.3 <= waited < 3.0


@pytest.mark.slow
def test_a_paper_submitted_twice_while_running_is_one_job_and_sigterm_puts_it_back(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    (pdf,) = _papers(tmp_path / "in", 1)
    board = JobBoard(connect(redis_server.url))
    with FakeLLM(hold_after=2) as llm:
        worker = Worker(llm, redis_server.url, tmp_path / "c", "--concurrency", "1")
        submitted = invoke(["submit", str(pdf), "--no-wait", *SMALL], **_env(llm, redis_server.url))
        assert submitted.exit_code == 0, submitted.output
        deadline = time.monotonic() + 60
        while llm.in_flight < 1:
            assert time.monotonic() < deadline, "\n".join(worker.raw)
            time.sleep(0.02)
        # The same paper submitted again while it runs, under another name: the same job.
        twin = tmp_path / "twin.pdf"
        twin.write_bytes(pdf.read_bytes())
        again = invoke(["submit", str(twin), "--no-wait", *SMALL], **_env(llm, redis_server.url))
        assert " running" in again.output and len(board.jobs()) == 1, again.output
        sent = time.monotonic()
        code = worker.stop()
        stopped_in = time.monotonic() - sent
        (job,) = board.jobs()
        llm.release()
        assert code == 0, "\n".join(worker.raw)
        assert stopped_in < 8.0, stopped_in
        assert job["state"] == "queued" and job["attempts"] == "0", (job, worker.raw[-30:])
        rescuer = Worker(llm, redis_server.url, tmp_path / "c2")
        try:
            code, output = _submit(tmp_path, llm, redis_server.url, str(pdf))
        finally:
            rescuer.stop()
    assert code == 0, output
    print(f"\nworker SIGTERM: exited {stopped_in:.2f} s after the signal")


def test_submit_says_when_no_worker_is_running(redis_server: RedisServer, tmp_path: Path) -> None:
    board = JobBoard(connect(redis_server.url))
    job = board.submit("x.pdf", b"%PDF-1 x", {}).id
    notices: list[str] = []
    polls = iter(range(45))
    waiter = Waiter(board, tmp_path, sleep=lambda s: None, alive=lambda: 0, notice=notices.append)
    rows = waiter.wait([Paper("x.pdf", job)], stop=lambda: next(polls, None) is None)
    assert rows[0].state == "queued" and len(notices) == 2
    assert "no worker is running: start `translate worker" in notices[0]
