"""``translate batch`` and ``translate watch``: what goes in is translated once, what comes
out appears whole, what cannot be read is set aside with its reason, and neither a
restart nor a kill loses or repeats paid work."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from translator.errors import ExitCode
from translator.service import EventLog, JobStore, Service, check_folders
from translator.service.inbox import Seen, ignored, settled
from translator.service.store import next_day
from translator.settings import Settings, load_settings

from .fixtures import ROOT, invoke, make_paper_pdf, make_pdf
from .servers.fake_llm import FakeLLM

OUTPUTS = ("zh.md", "zh.html", "zh.json")


def _env(llm: FakeLLM) -> dict[str, str]:
    return {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "k", "TRANSLATOR_PARSER": "builtin"}


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "in"
    (inbox / "sub").mkdir(parents=True)
    make_paper_pdf(inbox / "paper.pdf")
    make_paper_pdf(inbox / "sub" / "other.pdf", title="Tiny Robots Learn to Swim")
    return inbox


def _text_requests(llm: FakeLLM) -> int:
    """Requests for translations and terms; formula images are counted apart (two papers in
    flight with the same formula crop may both ask for it)."""
    return llm.count() - llm.count("image")


def _texts_asked(llm: FakeLLM) -> int:
    """Paragraphs and terms asked for (formula images apart), however they were grouped:
    requests are cut by how fast answers come, so two runs of a paper may group the same
    paragraphs into different requests."""
    with llm.lock:
        return sum(len(r.ids) for r in llm.records if r.fault is None)


def _requests_alone(
    tmp_path: Path, pdf: Path, llm: FakeLLM, *args: str, count: Callable[[FakeLLM], int] = _text_requests
) -> int:
    """What one ``translate PDF`` of this paper costs (in text requests, or by ``count``),
    in a cache of its own."""
    before = count(llm)
    result = invoke(
        [str(pdf), "--out", str(tmp_path / "alone"), "-q", *args],
        TRANSLATOR_CACHE_DIR=str(tmp_path / "alone-cache"),
        **_env(llm),
    )
    assert result.exit_code == 0, result.output
    return count(llm) - before


def test_batch_translates_each_pdf_once_mirrors_folders_and_sets_aside_bad_files(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    shutil.copy(inbox / "paper.pdf", inbox / "sub" / "same-paper-again.pdf")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf\n%%EOF\n")
    (inbox / "notes.txt").write_text("not a paper")
    (inbox / "~$paper.pdf").write_bytes(b"office lock file")
    (inbox / "draft.pdf.part").write_bytes(b"%PDF-1.4 half")
    outside = tmp_path / "elsewhere.pdf"
    make_pdf(outside, pages=1)
    (inbox / "link.pdf").symlink_to(outside)
    out = tmp_path / "out"
    with FakeLLM() as llm:
        expected = sum(
            _requests_alone(tmp_path, inbox / p, llm, count=_texts_asked)
            for p in ("paper.pdf", "sub/other.pdf")
        )
        before = _texts_asked(llm)
        result = invoke(["batch", str(inbox), "--out", str(out), "--papers", "3"], **_env(llm))
        sent = _texts_asked(llm) - before
    assert result.exit_code == ExitCode.PARTIAL, result.output  # one paper was set aside
    # The same PDF under a second name cost nothing more: one job per content.
    assert sent == expected
    for stem in ("paper", "sub/other", "sub/same-paper-again"):
        for suffix in OUTPUTS:
            assert (out / f"{stem}.{suffix}").is_file(), f"{stem}.{suffix} missing:\n{result.output}"
    again = (out / "sub" / "same-paper-again.zh.md").read_text(encoding="utf-8")
    assert "same-paper-again.zh.assets/" in again and "paper.zh.assets" not in again.replace("again.zh", "")
    assert (inbox / "failed" / "broken.pdf").is_file() and not (inbox / "broken.pdf").exists()
    reason = (inbox / "failed" / "broken.pdf.error.txt").read_text(encoding="utf-8")
    assert "damaged" in reason and "drop the file into the inbox again" in reason
    # Left alone: not a PDF, editor and sync files, a link out of the inbox.
    for name in ("notes.txt", "~$paper.pdf", "draft.pdf.part", "link.pdf"):
        assert (inbox / name).exists()
        assert not list(out.rglob(f"{Path(name).stem}*.zh.md")) or name == "~$paper.pdf"
    assert not (out / "link.zh.md").exists() and not (out / "elsewhere.zh.md").exists()
    assert "ignored link.pdf" in result.output and "ignored notes.txt" in result.output
    assert "translate batch" in result.output and "broken.pdf: " in result.output
    assert not list(out.rglob("*.part")) and not list((out / ".translate").glob("staging/*"))


def test_a_second_batch_translates_nothing_and_a_new_file_only_that(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    with FakeLLM() as llm:
        assert invoke(["batch", str(inbox), "--out", str(out)], **_env(llm)).exit_code == 0
        first = llm.count()
        result = invoke(["batch", str(inbox), "--out", str(out)], **_env(llm))
        assert result.exit_code == 0 and llm.count() == first
        assert "nothing new" in result.output
        make_paper_pdf(inbox / "new.pdf", title="Tiny Robots Learn to Climb")
        new_alone = _requests_alone(tmp_path, inbox / "new.pdf", llm, count=_texts_asked)
        before = _texts_asked(llm)
        result = invoke(["batch", str(inbox), "--out", str(out), "--after", "move"], **_env(llm))
        sent = _texts_asked(llm) - before
    assert result.exit_code == 0, result.output
    assert sent == new_alone  # only the new paper was paid for
    # --after move applies to every input, the ones translated before too (their outputs come from the cache).
    for name in ("new.pdf", "paper.pdf", "sub/other.pdf"):
        assert (inbox / "done" / name).is_file() and not (inbox / name).exists()
    assert (out / "new.zh.md").is_file()


@pytest.mark.parametrize("inside", ["out-in-in", "in-in-out", "same"])
def test_overlapping_inbox_and_outbox_are_refused(tmp_path: Path, inside: str) -> None:
    inbox = tmp_path / "a"
    inbox.mkdir()
    out = {"out-in-in": inbox / "out", "in-in-out": tmp_path, "same": inbox}[inside]
    result = invoke(["batch", str(inbox), "--out", str(out)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "overlap" in result.output and "--out" in result.output


def test_sync_and_editor_names_are_ignored() -> None:
    for name in (
        ".DS_Store",
        "~$paper.pdf",
        "paper.pdf.part",
        "x.crdownload",
        ".~lock.a.pdf#",
        ".syncthing.a.pdf.tmp",
    ):
        assert ignored(name), name
    assert not ignored("paper.pdf") and not ignored("A study~of things.pdf")


def test_a_pdf_is_taken_only_when_whole_and_quiet(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "a.pdf")
    data = pdf.read_bytes()
    half = tmp_path / "half.pdf"
    half.write_bytes(data[: len(data) // 2])
    now = time.time()
    quiet = now - 10
    os.utime(pdf, (quiet, quiet))
    os.utime(half, (quiet, quiet))
    assert settled(Seen(pdf, "a.pdf", len(data), quiet), 5.0, now)
    assert not settled(Seen(pdf, "a.pdf", len(data), quiet), 15.0, now)  # changed too recently
    assert not settled(Seen(half, "half.pdf", len(data) // 2, quiet), 5.0, now)  # no end marker yet
    # A file that never gets its end marker is taken after ten settle times (and fails with its reason).
    assert settled(Seen(half, "half.pdf", len(data) // 2, now - 60), 5.0, now)


def test_store_keeps_one_job_per_content_and_requeues_after_a_crash(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    assert store.add_source("a.pdf", "h1", 10, 1.0) == []
    assert store.add_source("b/copy.pdf", "h1", 10, 2.0) == ["a.pdf"]
    assert store.counts()["queued"] == 1
    [first] = store.ready(set())  # one translation of a PDF at a time
    store.start(first.hash)
    assert store.ready(set()) == [] and store.counts()["running"] == 1
    store.close()
    store = JobStore(tmp_path / "jobs.sqlite3")  # a restart after kill -9
    assert store.requeue_running() == 1
    assert store.job("h1")["attempts"] == 0  # the interrupted try does not count
    assert store.known_hash("a.pdf", 10, 1.0) == "h1" and store.known_hash("a.pdf", 11, 1.0) is None
    store.fail("h1", "bad")
    store.set_source("a.pdf", "failed")
    assert store.known_hash("a.pdf", 10, 1.0) is None  # dropped again after a failure: a new try
    store.add_source("a.pdf", "h1", 10, 1.0)
    assert store.job("h1")["state"] == "queued"
    store.close()


def _daily_capped(base_url: str) -> Settings:
    """Prices of 100 per million tokens and a daily cap of 0.5: two small papers a day."""
    return load_settings(
        {"base_url": base_url, "api_key": "k", "parser": "builtin", "price_input": 100.0,
         "price_output": 100.0, "daily_cost": 0.5, "settle_seconds": 0.0}
    )  # fmt: skip


@pytest.mark.parametrize("late", [False, True], ids=["now", "half an hour before midnight"])
def test_the_daily_cap_holds_over_papers_and_the_rest_waits_for_tomorrow(tmp_path: Path, late: bool) -> None:
    """A batch under a daily cap returns with the rest queued for tomorrow, even when
    tomorrow is less than an hour away (it used to wait for midnight then)."""
    started = time.time()
    day = started - started % 86400
    # The next 23:30 UTC: a clock set back behind the files' own times would leave them unsettled.
    shift = ((day + 23.5 * 3600 - started) % 86400) if late else 0.0
    clock = lambda: time.time() + shift  # noqa: E731
    inbox = _inbox(tmp_path)
    make_paper_pdf(inbox / "third.pdf", title="Tiny Robots Learn to Fly")
    lines: list[str] = []
    with FakeLLM() as llm:
        settings = _daily_capped(llm.base_url)
        service = Service(
            settings, check_folders(inbox, tmp_path / "out"), EventLog(lines.append), clock=clock
        )
        rows = service.run_once(wait_for_retries=True)
        store = JobStore(tmp_path / "out" / ".translate" / "jobs.sqlite3", now=clock)
        spent = store.spent_today()
        waiting = [r for r in store.status() if r["state"] == "queued"]
        store.close()
    assert spent <= 0.5 + 1e-9, spent
    assert waiting, "\n".join(lines)  # not everything fitted in the day's budget
    assert all(r["not_before"] > clock() for r in waiting)
    assert any("daily cost cap" in line for line in lines)
    assert rows


def test_a_batch_started_after_the_day_is_spent_returns_with_its_papers_queued_for_tomorrow(
    tmp_path: Path,
) -> None:
    """The day's budget was used by an earlier run (under a higher cap): the papers that
    cannot start are queued for 00:00 UTC, and the batch returns at once instead of
    waiting for them until midnight."""
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    folders = check_folders(inbox, out)
    earlier = JobStore(folders.state / "jobs.sqlite3")
    earlier.spent(0.6)  # what an earlier batch under --daily-cost 1 spent today
    earlier.close()
    settings = _daily_capped("http://127.0.0.1:9/v1")  # no request may be sent
    lines: list[str] = []
    service = Service(settings, folders, EventLog(lines.append))
    runner = threading.Thread(target=service.run_once, args=(True,), daemon=True)
    runner.start()
    runner.join(30.0)
    if runner.is_alive():
        service.stop()
        runner.join(10.0)
        pytest.fail("the batch waited for a budget that opens only at midnight:\n" + "\n".join(lines))
    store = JobStore(folders.state / "jobs.sqlite3")
    jobs = store.status()
    store.close()
    assert len(jobs) == 2 and all(j["state"] == "queued" for j in jobs), jobs
    assert all(j["not_before"] >= next_day(time.time()) - 1 for j in jobs), jobs
    assert all(j["attempts"] == 0 for j in jobs)  # never started: no try is counted
    assert any("daily cost cap" in line for line in lines), lines


def _watch(inbox: Path, out: Path, llm: FakeLLM, *extra: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TRANSLATOR_CONCURRENCY="2", **_env(llm))
    command = [
        sys.executable,
        "-m",
        "translator",
        "watch",
        str(inbox),
        "--out",
        str(out),
        "--log-json",
        *extra,
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class _Events:
    """The JSON-lines log of a watch process, read as it comes."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.items: list[dict[str, object]] = []
        self.raw: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            text = line.decode("utf-8", "replace").strip()
            self.raw.append(text)
            if text.startswith("{"):
                item = json.loads(text)
                item["seen_at"] = time.monotonic()
                self.items.append(item)

    def wait_for(self, kind: str, path: str = "", timeout: float = 60) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.items:
                if item["event"] == kind and (not path or item["path"] == path):
                    return item
            time.sleep(0.05)
        raise AssertionError(f"no {kind} {path} event:\n" + "\n".join(self.raw))


@pytest.mark.slow
def test_watch_waits_for_a_slow_copy_and_survives_a_corrupt_file(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    source = make_paper_pdf(tmp_path / "source.pdf").read_bytes()
    with FakeLLM() as llm:
        watch = _watch(inbox, out, llm, "--settle", "1", "--rescan", "2")
        events = _Events(watch)
        try:
            events.wait_for("start")
            (inbox / "corrupt.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")
            events.wait_for("failed", "corrupt.pdf")
            # A slow writer: eight chunks over about three seconds.
            with (inbox / "slow.pdf").open("wb") as fh:
                step = len(source) // 8 + 1
                for start in range(0, len(source), step):
                    fh.write(source[start : start + step])
                    fh.flush()
                    time.sleep(0.4)
            copied = time.monotonic()
            started = events.wait_for("started", "slow.pdf")
            events.wait_for("done", "slow.pdf")
            assert watch.poll() is None  # still watching
        finally:
            watch.send_signal(signal.SIGTERM)
            code = watch.wait(10)
    assert started["seen_at"] >= copied  # type: ignore[operator]
    assert code == 0
    assert (out / "slow.zh.md").is_file() and (inbox / "failed" / "corrupt.pdf.error.txt").is_file()
    assert [i for i in events.items if i["event"] == "started" and i["path"] == "slow.pdf"].__len__() == 1


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigterm", "kill-9"])
def test_a_stopped_or_killed_daemon_finishes_the_paper_on_restart(tmp_path: Path, how: str) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    pdf = make_paper_pdf(inbox / "paper.pdf")
    out = tmp_path / "out"
    small = ("--max-request-tokens", "40", "--no-auto-glossary")
    with FakeLLM() as alone:
        expected = _requests_alone(tmp_path, pdf, alone, *small)
    with FakeLLM(hold_after=2) as llm:
        watch = _watch(inbox, out, llm, "--settle", "0", *small)
        events = _Events(watch)
        deadline = time.monotonic() + 60
        while llm.count() < 2 or llm.in_flight < 1:
            assert time.monotonic() < deadline, "\n".join(events.raw)
            time.sleep(0.02)
        # The server holds every later request, so nothing else happens: give the daemon the
        # moment it needs to check and store the two answers it has (on a loaded CI machine
        # the kill once landed between an answer's arrival and its store).
        time.sleep(0.5)
        sent = time.monotonic()
        if how == "sigterm":
            watch.send_signal(signal.SIGTERM)
            code = watch.wait(10)
            print(f"\nSIGTERM: exited {time.monotonic() - sent:.2f} s after the signal")
            assert time.monotonic() - sent < 5.0, "SIGTERM took longer than 5 s"
            assert code == 0
            store = JobStore(out / ".translate" / "jobs.sqlite3")
            assert [j["state"] for j in store.status()] == ["queued"]
            store.close()
        else:
            watch.kill()
            watch.wait(10)
        # Every request that arrived after the first two answers is held, never answered:
        # with the daemon gone, those are exactly the ones it had in flight.
        in_flight = llm.admitted - 2
        llm.release()
        restart = _watch(inbox, out, llm, "--oneshot", "--settle", "0", *small)
        restart_events = _Events(restart)
        assert restart.wait(120) == 0, "\n".join(restart_events.raw)
        total = _text_requests(llm)
    assert (out / "paper.zh.md").is_file()
    assert "pending" not in json.loads((out / "paper.zh.json").read_text(encoding="utf-8"))["report"] or (
        json.loads((out / "paper.zh.json").read_text(encoding="utf-8"))["report"]["pending"] == 0
    )
    # Only what was in flight at the stop is paid twice (the alone run had the glossary off too).
    print(f"\n{how}: {total} requests in all, {expected} for an uninterrupted run, {in_flight} in flight")
    assert total <= expected + in_flight, (total, expected, in_flight)


def test_an_unreachable_api_is_retried_with_a_bound_then_set_aside(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    (inbox / "sub" / "other.pdf").unlink()
    lines: list[str] = []
    settings = load_settings(
        {
            "base_url": "http://127.0.0.1:9/v1",  # nothing listens there
            "api_key": "k",
            "parser": "builtin",
            "settle_seconds": 0.0,
            "job_attempts": 3,
            "job_retry_seconds": 0.05,
            "max_attempts": 2,
        }
    )
    service = Service(settings, check_folders(inbox, tmp_path / "out"), EventLog(lines.append))
    rows = service.run_once(wait_for_retries=True)
    retries = [line for line in lines if " retry paper.pdf " in line]
    assert len(retries) == 2, "\n".join(lines)  # tries 1 and 2 wait; try 3 is the last
    assert [r.state for r in rows] == ["queued", "queued", "failed"]
    reason = (inbox / "failed" / "paper.pdf.error.txt").read_text(encoding="utf-8")
    assert "after 3 tries" in reason and "cannot reach" in reason.lower()


def test_a_refused_key_stops_the_batch_and_keeps_the_papers_queued(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    with FakeLLM(api_key="the-right-key") as llm:
        result = invoke(["batch", str(inbox), "--out", str(tmp_path / "out")], **_env(llm))
    assert result.exit_code == ExitCode.API_AUTH, result.output
    assert not (inbox / "failed").exists()  # not the papers' fault: nothing set aside
    assert (inbox / "paper.pdf").is_file()
    store = JobStore(tmp_path / "out" / ".translate" / "jobs.sqlite3")
    assert {r["state"] for r in store.status()} == {"queued"}
    store.close()


def test_limits_set_large_papers_aside_and_status_lists_the_queue(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    make_pdf(inbox / "long.pdf", pages=12)
    (inbox / "big.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 300_000 + b"\n%%EOF\n")
    out = tmp_path / "out"
    with FakeLLM() as llm:
        args = ["batch", str(inbox), "--out", str(out), "--max-pages", "5", "--max-file-mb", "0.2"]
        result = invoke(args, **_env(llm))
    assert result.exit_code == ExitCode.PARTIAL, result.output
    assert "more than --max-pages 5" in (inbox / "failed" / "long.pdf.error.txt").read_text(encoding="utf-8")
    assert "more than --max-file-mb 0.2" in (inbox / "failed" / "big.pdf.error.txt").read_text(
        encoding="utf-8"
    )
    assert (out / "paper.zh.md").is_file()
    status = invoke(["watch", str(inbox), "--out", str(out), "--status"])
    assert status.exit_code == 0
    assert "2 done" in status.output and "1 failed" in status.output and "long.pdf" in status.output
