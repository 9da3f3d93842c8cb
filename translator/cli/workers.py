"""``translate worker``, ``translate submit`` and ``translate status``: thin commands
over the workers (Dramatiq and Redis are imported only when one of them runs)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import ExitCode, TranslatorError
from ..settings import Settings
from ..signals import stop_signals
from .options import settings_from, settings_options
from .service import options_for_settings, print_summary, summary_exit_code

if TYPE_CHECKING:
    from ..service import EventLog
    from ..workers.board import JobBoard
    from ..workers.queue import TaskQueue
    from ..workers.submit import Paper

BROKER_OPTION = click.option(
    "--broker",
    help="Redis URL shared by workers and submitters (env TRANSLATOR_BROKER), e.g. redis://host:6379/0.",
)
HELP = {"help_option_names": ["-h", "--help"]}


def _settings(options: dict[str, Any]) -> Settings:
    settings = settings_from(options_for_settings(options), options.get("price"), options.get("config_file"))
    if not settings.workers.broker:
        raise click.UsageError("name the Redis server: --broker redis://HOST:6379/0 (or TRANSLATOR_BROKER)")
    return settings


def _connect(settings: Settings) -> tuple[JobBoard, TaskQueue]:
    from ..workers.board import JobBoard
    from ..workers.queue import TaskQueue
    from ..workers.shared import connect

    client = connect(settings.workers.broker or "")
    return JobBoard(client), TaskQueue(client, settings.workers.heartbeat_seconds)


def _guarded(action: Callable[[], int]) -> None:
    try:
        code = action()
    except TranslatorError as exc:
        click.echo(f"error: {exc}", err=True)
        code = int(exc.exit_code)
    sys.exit(code)


@click.command("worker", context_settings=HELP)
@BROKER_OPTION
@click.option("--papers", type=int, help="Papers this worker translates at once (they share --concurrency).")
@click.option(
    "--heartbeat",
    "heartbeat_seconds",
    type=float,
    help="Seconds of silence before a worker's paper moves on. Default: 60.",
)
@click.option(
    "--deliveries", type=int, help="Times a paper may stop its workers before it fails. Default: 3."
)
@click.option("--staging", type=click.Path(path_type=Path), help="Scratch folder. Default: the cache folder.")
@click.option("--log-json", is_flag=True, default=None, help="Events as JSON lines.")
@settings_options
def worker_command(staging: Path | None, **options: Any) -> None:
    """Translate papers from the queue until stopped (SIGTERM, Ctrl-C).

    \b
    Requests per minute and tokens per minute (--rpm, --tpm) hold over every
    worker of the same endpoint and model, and the translation cache is shared:
    a paragraph one worker paid for is never paid for again. The endpoint, key
    and GROBID servers (--grobid-url takes a comma-separated list) are the worker's.
    """
    _guarded(lambda: _work(staging, options))


def _work(staging: Path | None, options: dict[str, Any]) -> int:
    from ..service import EventLog
    from ..workers.worker import PaperWorker

    settings = _settings(options)
    log = EventLog(lambda line: click.echo(line, err=True), settings.service.log_json)
    connected = _wait_for_redis(settings, log)
    if connected is None:
        return int(ExitCode.INTERRUPTED)
    board, queue = connected
    folder = staging or settings.storage.cache_dir / "worker-staging"
    worker = PaperWorker(settings, board, queue, log, folder)

    def stop(signum: int) -> None:
        log.event("stopping", worker.id, reason=signal.Signals(signum).name)
        worker.stop()

    with stop_signals(stop, lambda: queue.stopping):
        worker.serve()
    if worker.fatal is not None:
        cause = worker.fatal.cause
        return int(cause.exit_code) if isinstance(cause, TranslatorError) else int(ExitCode.UNEXPECTED)
    return int(ExitCode.OK)


def _wait_for_redis(settings: Settings, log: EventLog) -> tuple[JobBoard, TaskQueue] | None:
    """A worker started before Redis (a reboot, compose) waits for it instead of exiting;
    None when stopped meanwhile."""
    import threading

    stopped = threading.Event()
    delay = 1.0
    with stop_signals(lambda signum: stopped.set(), stopped.is_set):
        while not stopped.is_set():
            try:
                return _connect(settings)
            except TranslatorError as exc:
                log.event("waiting", reason=f"{exc}; trying again in {delay:.0f} s")
                stopped.wait(delay)
                delay = min(delay * 2, 30.0)
    return None


@click.command("submit", context_settings=HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@BROKER_OPTION
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Where outputs are written. Default: ./translated.",
)
@click.option(
    "--no-wait", is_flag=True, help="Queue the papers and exit (collect with: translate submit PATHS again)."
)
@settings_options
def submit_command(paths: tuple[Path, ...], out_dir: Path | None, no_wait: bool, **options: Any) -> None:
    """Queue PDFs (or folders of them) for the workers; show their progress; write their outputs.

    \b
    A paper is one job per content and output settings: submitting it again, from
    anywhere, joins the job (or, once done, writes its outputs at once, for nothing).
    Exit codes: 0 all translated · 6 some failed or kept segments untranslated ·
    10 Redis cannot be reached · 130 stopped waiting (the workers go on).
    """
    _guarded(lambda: _submit(list(paths), out_dir or Path("translated"), no_wait, options))


def _submit(paths: list[Path], out_dir: Path, no_wait: bool, options: dict[str, Any]) -> int:
    from ..workers.submit import Waiter, submit

    settings = _settings(options)
    board, queue = _connect(settings)
    console = Console(stderr=True, quiet=bool(options.get("quiet")))
    papers = submit(board, queue, settings, paths)
    for paper in papers:
        console.print(f"{escape(paper.name)}: job {paper.job} {paper.state}", highlight=False)
    if no_wait:
        return int(ExitCode.OK)
    stopped: list[int] = []
    with _Bars(console) as bars, stop_signals(lambda signum: stopped.append(signum), lambda: bool(stopped)):
        waiter = Waiter(board, out_dir, bars.show, alive=queue.workers_alive, notice=bars.bar.console.print)
        rows = waiter.wait(papers, stop=lambda: bool(stopped))
    print_summary(console, rows, settings, "translate submit")
    if stopped:
        console.print("stopped waiting; the workers go on: run the same submit again to collect the outputs")
        return int(ExitCode.INTERRUPTED)
    return summary_exit_code(rows)


class _Bars:
    """One bar per paper: segments done over all workers, and the worker and stage."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f}"),
            TextColumn("{task.fields[stage]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bars:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def show(self, paper: Paper, record: dict[str, str]) -> None:
        if paper.job not in self.tasks:
            self.tasks[paper.job] = self.bar.add_task(escape(paper.name[-40:]), total=1, stage="")
        total = max(1, int(record.get("total") or 1))
        stage = f"{record.get('state', '')} {record.get('worker', '')[:24]} {record.get('stage', '')[:40]}"
        self.bar.update(
            self.tasks[paper.job], completed=int(record.get("done") or 0), total=total, stage=escape(stage)
        )


@click.command("status", context_settings=HELP)
@BROKER_OPTION
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="Settings file (TOML).")
def status_command(broker: str | None, config_file: Path | None) -> None:
    """List the jobs on the board: state, worker, progress, tries, requests, cost, last error."""
    _guarded(lambda: _status({"broker": broker, "config_file": config_file}))


def _status(options: dict[str, Any]) -> int:
    settings = _settings(options)
    board, queue = _connect(settings)
    jobs = board.jobs()
    counts: dict[str, int] = {}
    for job in jobs:
        counts[job.get("state", "?")] = counts.get(job.get("state", "?"), 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no jobs"
    table = Table(title=f"{summary}; {queue.waiting()} waiting in the queue")
    for name in (
        "paper",
        "job",
        "state",
        "worker",
        "progress",
        "deliveries",
        "requests",
        "cost",
        "last error",
    ):
        table.add_column(name)
    for job in jobs:
        table.add_row(
            escape(job.get("name", "")),
            job.get("id", "")[:12],
            job.get("state", ""),
            escape(job.get("worker", "")),
            f"{job.get('done', 0)}/{job.get('total', 0)}",
            job.get("deliveries", "0"),
            job.get("requests", "0"),
            f"{float(job.get('cost') or 0):.4f}",
            escape(job.get("error", "")[:80]),
        )
    Console().print(table)
    return int(ExitCode.OK)
