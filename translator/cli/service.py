"""``translate batch`` and ``translate watch``: thin commands over the service."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ExitCode, TranslatorError
from ..progress_bar import PapersProgress
from ..settings import AFTER_CHOICES, Settings
from ..signals import stop_signals
from .options import settings_from, settings_options

if TYPE_CHECKING:
    from ..service import Folders, Row, Service

SERVICE_OPTIONS = [
    click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(path_type=Path),
        help="Output folder, mirroring the inbox's sub-folders. Default: INBOX-translated beside INBOX.",
    ),
    click.option(
        "--papers", type=int, help="Papers translated at once (they share --concurrency). Default: 2."
    ),
    click.option(
        "--after",
        type=click.Choice(AFTER_CHOICES),
        help="The input once translated: keep it, move it to INBOX/done/, or delete it. Default: keep.",
    ),
    click.option("--daily-cost", type=float, help="Spend cap per UTC day over all papers (needs --price)."),
    click.option("--max-pages", type=int, help="Set aside PDFs with more pages."),
    click.option("--max-file-mb", type=float, help="Set aside PDFs larger than this."),
    click.option(
        "--settle",
        "settle_seconds",
        type=float,
        help="Seconds a file must stay unchanged before it is taken. Default: 5 (watch), 0 (batch).",
    ),
    click.option("--log-json", is_flag=True, default=None, help="Events as JSON lines."),
]


def service_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of batch and watch, listed before those every translating command takes."""
    command = settings_options(command)
    for option in reversed(SERVICE_OPTIONS):
        command = option(command)
    return command


@click.command("batch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inbox", type=click.Path(path_type=Path))
@service_options
def batch_command(inbox: Path, out_dir: Path | None, **options: Any) -> None:
    """Translate every PDF under INBOX (recursively) into --out, several at a time.

    \b
    The same PDF under two names is translated once; a PDF already translated is
    not translated again; a PDF that cannot be read goes to INBOX/failed/ with
    NAME.error.txt. Ends with a table: paper, pages, segments, failed, tokens,
    cost, time. Exit codes: 0 all translated · 6 some papers failed or kept
    segments untranslated · 2, 5 settings or API key (nothing more can succeed)
    · 130 interrupted (rerun to continue).
    """
    if options.get("settle_seconds") is None:
        options["settle_seconds"] = 0.0  # a folder of finished files: nothing to wait for
    _serve(inbox, out_dir, options, oneshot=True, batch=True)


@click.command("watch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inbox", type=click.Path(path_type=Path))
@service_options
@click.option(
    "--oneshot", is_flag=True, help="Translate what is in INBOX now, then exit (cron, systemd timers)."
)
@click.option("--status", is_flag=True, help="Print the queue (state, tries, cost, last error) and exit.")
@click.option("--rescan", "rescan_seconds", type=float, help="Seconds between full scans. Default: 60.")
@click.option("--polling", is_flag=True, default=None, help="Poll instead of file events (network folders).")
def watch_command(inbox: Path, out_dir: Path | None, oneshot: bool, status: bool, **options: Any) -> None:
    """Watch INBOX: every PDF dropped there (or in a sub-folder) is translated into --out.

    \b
    A file is taken once it has stopped changing (--settle) and reads as a whole
    PDF. Jobs are kept in OUT/.translate/jobs.sqlite3: a restart (even after
    kill -9) goes on where it stopped, paying only for what was in flight.
    SIGTERM or Ctrl-C stops within 5 seconds; the paper in hand is queued again.
    """
    if status:
        _status(inbox, out_dir)
        return
    _serve(inbox, out_dir, options, oneshot=oneshot, batch=False)


def _folders(inbox: Path, out_dir: Path | None) -> Folders:
    from ..service import check_folders  # the service loads the pipeline: only when a command runs

    return check_folders(inbox, out_dir or inbox.resolve().with_name(f"{inbox.resolve().name}-translated"))


def _serve(inbox: Path, out_dir: Path | None, options: dict[str, Any], oneshot: bool, batch: bool) -> None:
    from ..service import EventLog, Service

    console = Console(stderr=True, quiet=bool(options.get("quiet")))
    try:
        settings = settings_from(
            options_for_settings(options), options.get("price"), options.get("config_file")
        )
        folders = _folders(inbox, out_dir)
    except TranslatorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    with PapersProgress(console, enabled=batch and not options.get("quiet")) as progress:
        write = progress.print if batch else _echo
        log = EventLog(write, settings.service.log_json)
        service = Service(settings, folders, log, progress_for=progress.paper if batch else None)
        log.event("start", str(folders.inbox), out=str(folders.outbox), papers=settings.service.papers)
        # SIGTERM and Ctrl-C: take no new paper, stop the requests in flight, queue the
        # papers in hand again, and exit within seconds; a second one exits at once.
        with stop_signals(lambda signum: _stop(service, signum), service.stopping.is_set):
            if oneshot:
                rows = service.run_once(wait_for_retries=batch)
            else:
                with _watching(service, settings):
                    service.watch()
                rows = service.rows
    if batch:
        print_summary(console, rows, settings, "translate batch")
    sys.exit(_exit_code(service, rows, batch))


def _stop(service: Service, signum: int) -> None:
    service.log.event("stopping", reason=signal.Signals(signum).name)
    service.stop()


def options_for_settings(options: dict[str, Any]) -> dict[str, Any]:
    """The options that are settings (the rest steer the command itself)."""
    return {k: v for k, v in options.items() if k not in ("price", "config_file", "verbose", "quiet")}


def _echo(line: str) -> None:
    click.echo(line, err=True)


@contextmanager
def _watching(service: Service, settings: Settings) -> Iterator[None]:
    """File events wake the service at once (it also rescans on its own, so a missed
    event or a network folder without events is only a rescan late)."""
    import watchfiles  # imported here: only the daemon needs it

    done = threading.Event()

    def follow() -> None:
        try:
            for _ in watchfiles.watch(
                service.folders.inbox,
                stop_event=done,
                force_polling=settings.service.polling or None,
                yield_on_timeout=False,
                raise_interrupt=False,
            ):
                service.wake.set()
        except Exception as exc:  # events lost: the periodic rescan still finds every file
            service.log.event("warning", reason=f"file events unavailable ({exc}); rescanning instead")

    thread = threading.Thread(target=follow, name="inbox-events", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()


def print_summary(console: Console, rows: list[Row], settings: Settings, title: str) -> None:
    """The table of the papers this run handled, then each failure's reason in full."""
    if not rows:
        console.print(
            "nothing new: every PDF under the inbox is translated already or set aside "
            "(`translate watch INBOX --out OUT --status` lists them)"
        )
        return
    table = Table(title=title)
    for name in ("paper", "state", "pages", "segments", "failed", "tokens", "cost", "time"):
        table.add_column(name, justify="left" if name in ("paper", "state") else "right")
    priced = settings.limits.price_input is not None
    for row in rows:
        table.add_row(
            escape(row.path),
            row.state,
            _n(row.pages),
            _n(row.segments),
            _n(row.failed),
            f"{row.tokens:,}",
            f"{row.cost:.4f}" if priced else "—",
            f"{row.seconds:.1f} s",
        )
    console.print(table)
    for row in rows:
        if row.error:
            console.print(f"{escape(row.path)}: {escape(row.error)}", highlight=False, soft_wrap=True)


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


def _exit_code(service: Service, rows: list[Row], batch: bool) -> int:
    if service.fatal is not None:
        cause = service.fatal.cause
        return int(cause.exit_code) if isinstance(cause, TranslatorError) else int(ExitCode.UNEXPECTED)
    if service.stopping.is_set():
        return int(ExitCode.INTERRUPTED) if batch else int(ExitCode.OK)
    return summary_exit_code(rows)


def summary_exit_code(rows: list[Row]) -> int:
    """6 when a paper failed or kept segments untranslated, else 0."""
    if any(r.state == "failed" or r.failed for r in rows):
        return int(ExitCode.PARTIAL)
    return int(ExitCode.OK)


def _status(inbox: Path, out_dir: Path | None) -> None:
    from ..service import JobStore

    try:
        folders = _folders(inbox, out_dir)
    except TranslatorError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    store = JobStore(folders.state / "jobs.sqlite3")
    try:
        rows, counts = store.status(), store.counts()
    finally:
        store.close()
    table = Table(
        title=f"{folders.inbox} → {folders.outbox}: " + ", ".join(f"{n} {s}" for s, n in counts.items())
    )
    for name in ("paper", "file", "job", "tries", "requests", "cost", "last error"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            escape(row["path"]),
            row["source_state"],
            row["state"],
            str(row["attempts"]),
            str(row["requests"]),
            f"{row['cost']:.4f}",
            escape((row["last_error"] or "")[:80]),
        )
    Console().print(table)
